//go:build duckdb_arrow

package progress_test

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fediforensics/data"
	"fediforensics/enrich/whois"
	"fediforensics/internal/testlog"
	"fediforensics/pipeline/enrich"
	"fediforensics/pipeline/extract"
	"fediforensics/pipeline/ingest"
	"fediforensics/pipeline/ipinfo"
	"fediforensics/pipeline/link"
	"fediforensics/pipeline/progress"
	"fediforensics/pipeline/store"
)

// TestStagesShowProgress runs the stages over the sample dump as the
// command does, and checks that each one reports: a final line on a
// terminal, log lines (and nothing else) off one. Ingest and extract run
// off a terminal, enrich and link on one: a whole run for each display
// would double the test's time for the same wiring.
func TestStagesShowProgress(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the stages over the sample dump")
	}
	ctx := context.Background()
	var stderr testlog.Buffer
	log := slog.New(slog.NewTextHandler(&stderr, nil))
	// A period shorter than any stage, so that each logs.
	logs := progress.Options{Out: &stderr, Log: log, Period: time.Millisecond}
	live := progress.Options{Out: &stderr, Terminal: true, Log: log}
	dir := t.TempDir()
	scratch := filepath.Join(dir, ".scratch")
	if err := os.Mkdir(scratch, 0o700); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(ctx, dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	res, err := ingest.Run(ctx, db, "../../data/sample/dump.tar.gz", ingest.Options{ScratchDir: scratch, Progress: logs})
	if err != nil {
		t.Fatal(err)
	}
	if err := extract.RunWith(ctx, db, res.Instances, extract.Options{Progress: logs}); err != nil {
		t.Fatal(err)
	}
	if err := extract.Summarise(ctx, db); err != nil {
		t.Fatal(err)
	}
	out := stderr.String()
	for _, w := range []string{`msg="progress done" stage="ingest: read"`, `msg="progress done" stage="ingest: load"`, `msg="progress done" stage=extract`} {
		if n := strings.Count(out, w); n != 1 {
			t.Errorf("%d times %q, want once, in:\n%s", n, w, out)
		}
	}
	if strings.ContainsAny(out, "\r\x1b") {
		t.Errorf("a live line off a terminal:\n%q", out)
	}

	mark := len(out)
	wopt := enrich.Options{Config: whois.Config{Mode: whois.ModeOff}, Lists: data.Lists(), Progress: live}
	if _, err := enrich.Run(ctx, db, wopt); err != nil {
		t.Fatal(err)
	}
	if _, err := ipinfo.Run(ctx, db, ipinfo.Options{Files: []string{"../../data/ipdb-test/GeoLite2-ASN-Test.mmdb"}, Progress: live}); err != nil {
		t.Fatal(err)
	}
	if err := link.Run(ctx, db, link.Options{Lists: data.Lists(), Progress: live}); err != nil {
		t.Fatal(err)
	}
	out = stderr.String()[mark:]
	for _, w := range []string{"\renrich  done  ", "\ripinfo  done  ", "\rlink  done  13/13 steps in "} {
		i := strings.Index(out, w)
		if i < 0 || strings.Count(out, w) != 1 {
			t.Errorf("not once %q in:\n%q", w, out)
			continue
		}
		// A final line ends its line: what follows starts clean.
		if j := strings.IndexByte(out[i+1:], '\r'); j >= 0 && !strings.Contains(out[i:i+1+j], "\n") {
			t.Errorf("final line %q does not end with a newline:\n%q", w, out)
		}
	}
	if strings.Contains(out, "msg=progress") {
		t.Errorf("log lines on a terminal:\n%s", out)
	}
}
