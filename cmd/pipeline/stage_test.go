package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"fediforensics/internal/testlog"
	"fediforensics/pipeline"
	"fediforensics/pipeline/outdir"
)

// snapshot is every file under dir with its hash, and the names of the
// folders beside dir: what a refused or failed command must leave as it was.
func snapshot(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	filepath.WalkDir(dir, func(p string, e os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if e.IsDir() {
			b.WriteString(rel + "/\n")
			return nil
		}
		data, _ := os.ReadFile(p)
		sum := sha256.Sum256(data)
		b.WriteString(rel + " " + hex.EncodeToString(sum[:]) + "\n")
		return nil
	})
	entries, _ := os.ReadDir(filepath.Dir(dir))
	for _, e := range entries {
		b.WriteString("beside: " + e.Name() + "\n")
	}
	return b.String()
}

func TestStagesOneByOne(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "out")
	if code, _, stderr := runCLI(t, "ingest", sampleDump, "--out", out); code != 0 {
		t.Fatalf("ingest: exit %d\n%s", code, stderr)
	}
	// A stage whose inputs are missing names the stage to run first.
	for _, c := range []struct{ stage, first string }{
		{"enrich", "pipeline extract --out " + out + " --then"},
		{"link", "pipeline extract --out " + out + " --then"},
		{"report", "pipeline extract --out " + out + " --then"},
	} {
		before := snapshot(t, out)
		code, _, stderr := runCLI(t, c.stage, "--out", out, "--whois-cache", sampleCache)
		if code != pipeline.ExitUsage || !strings.Contains(stderr, c.first) {
			t.Errorf("%s after ingest: exit %d, want %d naming %q:\n%s", c.stage, code, pipeline.ExitUsage, c.first, stderr)
		}
		if after := snapshot(t, out); after != before {
			t.Errorf("%s changed the output:\n%s\n%s", c.stage, before, after)
		}
	}
	// In order, each stage runs (this used to panic on the manifest).
	for _, st := range []string{"extract", "enrich", "ipinfo", "link", "report"} {
		code, stdout, stderr := runCLI(t, st, "--out", out, "--whois-cache", sampleCache)
		if code != 0 || !strings.Contains(stdout, st+": done") {
			t.Fatalf("%s: exit %d\n%s\n%s", st, code, stdout, stderr)
		}
	}
	m, err := outdir.ReadManifest(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range []string{"ingest", "extract", "enrich", "ipinfo", "link", "report"} {
		if !m.Ran(st) {
			t.Errorf("the manifest records no %s", st)
		}
	}
	for _, f := range []string{"report.html", "reports/campaigns.csv", "remediation/tootctl.sh"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(out, "*.wal")); len(left) > 0 {
		t.Errorf("left %v", left)
	}
	// The stages one by one give the same campaigns as run (the shared
	// run, with the same flags).
	whole := sharedSample(t)
	for _, f := range []string{"reports/campaigns.csv", "reports/campaign_evidence.csv", "reports/domains.csv"} {
		a, _ := os.ReadFile(filepath.Join(out, f))
		b, _ := os.ReadFile(filepath.Join(whole, f))
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs between stages one by one and run", f)
		}
	}

	// A stage that fails leaves the output as it was: no table replaced,
	// no manifest change, nothing left beside it.
	before := snapshot(t, out)
	code, _, stderr := runCLI(t, "enrich", "--out", out, "--then", "--whois-cache", sampleCache, "--whois-history", filepath.Join(t.TempDir(), "missing.csv"))
	if code == 0 {
		t.Fatalf("enrich with a missing history file succeeded")
	}
	if after := snapshot(t, out); after != before {
		t.Errorf("a failed stage changed the output (%s):\n%s\n%s", stderr, before, after)
	}
}

func TestRerunKeepsUserFiles(t *testing.T) {
	t.Parallel()
	// An earlier output of the same run: a copy of the shared one.
	out := copyOutput(t, sharedSample(t))
	mine := map[string]string{"notes.md": "my notes", "export/csv/mine.csv": "x", "notebooks/n.html": "<p>"}
	for p, c := range mine {
		os.MkdirAll(filepath.Dir(filepath.Join(out, p)), 0o755)
		os.WriteFile(filepath.Join(out, p), []byte(c), 0o644)
	}
	if code, _, stderr := runCLI(t, "run", sampleDump, "--out", out, "--whois-cache", sampleCache); code != 0 {
		t.Fatalf("second run: %s", stderr)
	}
	for p, c := range mine {
		if b, err := os.ReadFile(filepath.Join(out, p)); err != nil || string(b) != c {
			t.Errorf("%s: %q %v", p, b, err)
		}
	}
	// A file of the user's where the pipeline writes is refused (exit 7),
	// and --force replaces it.
	os.Remove(filepath.Join(out, "reports", "campaigns.csv"))
	m, _ := outdir.ReadManifest(out)
	var files []string
	for _, f := range m.Files {
		if f != "reports/campaigns.csv" {
			files = append(files, f)
		}
	}
	m.Files = files
	outdir.WriteManifest(out, m)
	os.WriteFile(filepath.Join(out, "reports", "campaigns.csv"), []byte("mine"), 0o644)
	code, _, stderr := runCLI(t, "run", sampleDump, "--out", out, "--whois-cache", sampleCache)
	if code != pipeline.ExitOutputInUse || !strings.Contains(stderr, "--force") {
		t.Errorf("exit %d, want %d and a word on --force:\n%s", code, pipeline.ExitOutputInUse, stderr)
	}
	if b, _ := os.ReadFile(filepath.Join(out, "reports", "campaigns.csv")); string(b) != "mine" {
		t.Error("the user's file was replaced")
	}
	if code, _, stderr := runCLI(t, "run", sampleDump, "--out", out, "--whois-cache", sampleCache, "--force"); code != 0 {
		t.Errorf("--force: exit %d: %s", code, stderr)
	}
}

func TestOutputThatIsNotOurs(t *testing.T) {
	t.Parallel()
	// A dump folder with its own manifest.json is not an earlier output.
	dump := filepath.Join(t.TempDir(), "dump")
	os.MkdirAll(filepath.Join(dump, "mastodon.social"), 0o755)
	os.WriteFile(filepath.Join(dump, "manifest.json"), []byte(`{"instance": "mastodon.social"}`), 0o644)
	os.WriteFile(filepath.Join(dump, "mastodon.social", "accounts.csv"), []byte("id,username\n1,a\n"), 0o644)
	before := snapshot(t, dump)
	code, _, stderr := runCLI(t, "run", sampleDump, "--out", dump, "--whois-cache", sampleCache)
	if code != pipeline.ExitOutputInUse || !strings.Contains(stderr, "not an output of this tool") {
		t.Errorf("exit %d, want %d:\n%s", code, pipeline.ExitOutputInUse, stderr)
	}
	if after := snapshot(t, dump); after != before {
		t.Errorf("the folder changed:\n%s\n%s", before, after)
	}
	// A dump inside the output, whatever its name's length, is refused.
	out := filepath.Join(t.TempDir(), "out")
	if code, _, stderr := runCLI(t, "ingest", sampleDump, "--out", out); code != 0 {
		t.Fatal(stderr)
	}
	short := filepath.Join(out, "d")
	os.MkdirAll(filepath.Join(short, "mastodon.social"), 0o755)
	os.WriteFile(filepath.Join(short, "mastodon.social", "accounts.csv"), []byte("id,username\n1,a\n"), 0o644)
	before = snapshot(t, short)
	if code, _, stderr := runCLI(t, "ingest", short, "--out", out); code != pipeline.ExitUsage || !strings.Contains(stderr, "overlap") {
		t.Errorf("a dump folder inside the output: exit %d\n%s", code, stderr)
	}
	if after := snapshot(t, short); after != before {
		t.Error("the dump inside the output changed")
	}
}

func TestFlagsChecked(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "out")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"run", sampleDump, "--out", out, "--memory-limit", "lots"}, `"lots" is not a memory size`},
		{[]string{"run", sampleDump, "--out", out, "--log-level", "loud"}, `"loud" is not a log level`},
		{[]string{"run", sampleDump, "--out", out, "--threads", "-2"}, "--threads"},
		{[]string{"link", "--out", out, "--memory-limit", "4 parsecs"}, "not a memory size"},
	} {
		code, _, stderr := runCLI(t, c.args...)
		if code != pipeline.ExitUsage || !strings.Contains(stderr, c.want) || strings.Contains(stderr, "tmp") {
			t.Errorf("%v: exit %d\n%s", c.args, code, stderr)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a refused command made the output")
	}
	if code, _, stderr := runCLI(t, "ingest", sampleDump, "--out", out, "--memory-limit", "1GB", "--log-level", "warn"); code != 0 {
		t.Errorf("good flags refused: %s", stderr)
	}
}

func TestInterruptLeavesNothing(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "out")
	if code, _, stderr := runCLI(t, "ingest", sampleDump, "--out", out); code != 0 {
		t.Fatal(stderr)
	}
	before := snapshot(t, out)
	for _, delay := range []time.Duration{50 * time.Millisecond, 400 * time.Millisecond, 1500 * time.Millisecond} {
		ctx, cancel := context.WithCancelCause(context.Background())
		timer := time.AfterFunc(delay, func() { cancel(&pipeline.Interrupted{Signal: syscall.SIGHUP}) })
		var stdout, stderr bytes.Buffer
		code := run(ctx, []string{"run", sampleDump, "--out", out, "--whois-cache", sampleCache}, &stdout, &stderr)
		timer.Stop()
		if code == 0 {
			continue // the run was faster than the signal
		}
		if code != 128+int(syscall.SIGHUP) || !strings.Contains(stderr.String(), "interrupted by SIGHUP") || strings.Contains(stderr.String(), "context canceled") {
			t.Errorf("after %v: exit %d\n%s", delay, code, stderr.String())
		}
		if after := snapshot(t, out); after != before {
			t.Errorf("after %v: the output changed:\n%s\n%s", delay, before, after)
		}
	}
}

// TestSignals signals the test process itself, so it is not parallel: it
// runs before the parallel tests start (all the others are).
func TestSignals(t *testing.T) {
	exited := make(chan int, 1)
	var stderr testlog.Buffer
	ctx, stop := withSignals(context.Background(), &stderr, func(code int) { exited <- code })
	defer stop()
	if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ctx.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("SIGINT did not cancel the work")
	}
	var intr *pipeline.Interrupted
	if cause := context.Cause(ctx); !errors.As(cause, &intr) || intr.Signal != syscall.SIGINT {
		t.Fatalf("cause %v", cause)
	}
	syscall.Kill(os.Getpid(), syscall.SIGPIPE) // a closed pipe again: not a second Ctrl-C
	syscall.Kill(os.Getpid(), syscall.SIGINT)
	select {
	case code := <-exited:
		if code != 130 || !strings.Contains(stderr.String(), "again") {
			t.Errorf("second Ctrl-C: exit %d: %s", code, stderr.String())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a second Ctrl-C did not exit")
	}
}

// panicWriter panics, as a bug somewhere under run would.
type panicWriter struct{}

func (panicWriter) Write([]byte) (int, error) { panic("boom") }

func TestPanicIsReportedAsBug(t *testing.T) {
	t.Parallel()
	var stderr bytes.Buffer
	code := run(context.Background(), []string{"help"}, panicWriter{}, &stderr)
	if code != pipeline.ExitFailure || !strings.Contains(stderr.String(), "bug") || !strings.Contains(stderr.String(), "boom") {
		t.Errorf("exit %d\n%s", code, stderr.String())
	}
}

func TestInspectHasNoEmptyValues(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "out")
	if code, _, stderr := runCLI(t, "ingest", sampleDump, "--out", out); code != 0 {
		t.Fatal(stderr)
	}
	code, stdout, _ := runCLI(t, "inspect", out)
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for i, line := range strings.Split(strings.TrimRight(stdout, "\n"), "\n") {
		if f := strings.Fields(line); len(f) == 1 && line == strings.TrimSpace(line) && !strings.Contains(line, ":") && f[0] != "stages" {
			t.Errorf("line %d holds a label and no value: %q", i+1, line)
		}
	}
	if strings.HasSuffix(stdout, "\n\n") {
		t.Error("inspect ends with an empty line")
	}
}

func TestGenTarHonoursTheName(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, c := range []struct {
		name string
		gz   bool
	}{{"d.tar", false}, {"d.tar.gz", true}, {"d.TGZ", true}} {
		p := filepath.Join(dir, c.name)
		if code, _, stderr := runCLI(t, "gen", "--tar", p); code != 0 {
			t.Fatalf("%s: %s", c.name, stderr)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		isGzip := len(b) > 2 && b[0] == 0x1f && b[1] == 0x8b
		isTar := len(b) > 262 && string(b[257:262]) == "ustar"
		if isGzip != c.gz || (!c.gz && !isTar) {
			t.Errorf("%s: gzip %v, tar %v", c.name, isGzip, isTar)
		}
	}
	if code, _, stderr := runCLI(t, "gen", "--tar", filepath.Join(dir, "d.zip")); code != pipeline.ExitUsage {
		t.Errorf("a .zip name: exit %d: %s", code, stderr)
	}
	// The plain tar is the same dump as the sample.
	out := filepath.Join(dir, "out")
	if code, stdout, stderr := runCLI(t, "ingest", filepath.Join(dir, "d.tar"), "--out", out); code != 0 || !strings.Contains(stdout, "warnings   0") {
		t.Errorf("ingest of the plain tar: exit %d\n%s\n%s", code, stdout, stderr)
	}
}
