package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"fediforensics/pipeline/store"
)

// TestBench runs the benchmark on a tiny generated dump, with the later
// stages, and checks it prints its two result lines with sane figures and
// keeps what it made in --work.
func TestBench(t *testing.T) {
	t.Parallel()
	work := filepath.Join(t.TempDir(), "work")
	code, stdout, stderr := runCLI(t, "bench", "--statuses", "500", "--accounts", "100", "--stages", "--threads", "2", "--work", work, "--log-level", "warn")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	lines := strings.Split(strings.TrimRight(stdout, "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("want the ingest line and the stages line, got %d lines:\n%s", len(lines), stdout)
	}
	num := `([0-9]+(?:\.[0-9]+)?)`
	ingestRE := regexp.MustCompile(`^statuses=([0-9]+) accounts=([0-9]+) dump=` + num + `MB ingest=` + num + `s bare=` + num + `s ratio=` + num +
		` statuses/s=[0-9]+ peak_rss_ingest=[0-9]+MB$`)
	stagesRE := regexp.MustCompile(`^extract=` + num + `s \(refs=` + num + `s summary=` + num + `s\) bare_regexp=` + num + `s extract_ratio=` + num +
		` refs_write_floor=` + num + `s \(` + num + ` of bare_regexp\) link=` + num + `s campaigns=([0-9]+) peak_rss=[0-9]+MB$`)
	m := ingestRE.FindStringSubmatch(lines[0])
	if m == nil {
		t.Fatalf("the ingest line is not as expected:\n%s", lines[0])
	}
	atoi := func(s string) int { n, _ := strconv.Atoi(s); return n }
	atof := func(s string) float64 { f, _ := strconv.ParseFloat(s, 64); return f }
	// 500 ordinary statuses and 100 ordinary accounts, plus what the
	// generator plants.
	if n := atoi(m[1]); n < 500 || n > 5000 {
		t.Errorf("statuses=%d: not the size asked for", n)
	}
	if n := atoi(m[2]); n < 100 || n > 1000 {
		t.Errorf("accounts=%d: not the size asked for", n)
	}
	if ratio, ingest, bare := atof(m[6]), atof(m[4]), atof(m[5]); ratio <= 0 || ingest <= 0 || bare <= 0 {
		t.Errorf("ratio=%v ingest=%v bare=%v: a ratio of timings must be positive", ratio, ingest, bare)
	}
	s := stagesRE.FindStringSubmatch(lines[1])
	if s == nil {
		t.Fatalf("the stages line is not as expected:\n%s", lines[1])
	}
	if atof(s[5]) <= 0 {
		t.Errorf("extract_ratio=%s", s[5])
	}
	if n := atoi(s[9]); n < 1 {
		t.Errorf("campaigns=%d: the planted campaigns were not found", n)
	}
	// --work keeps the dump and both databases.
	for _, p := range []string{"dump/mastodon.social/accounts.csv", "ingest/" + store.FileName, "bare/" + store.FileName} {
		if _, err := os.Stat(filepath.Join(work, p)); err != nil {
			t.Errorf("--work does not hold %s: %v", p, err)
		}
	}

	// --dump measures that dump as it is: the same counts, nothing
	// generated into the new work directory, the dump untouched.
	dump := filepath.Join(work, "dump")
	before := snapshot(t, dump)
	work2 := filepath.Join(t.TempDir(), "work2")
	code, stdout2, stderr := runCLI(t, "bench", "--dump", dump, "--threads", "2", "--work", work2, "--log-level", "warn")
	if code != 0 {
		t.Fatalf("--dump: exit %d\n%s\n%s", code, stdout2, stderr)
	}
	m2 := ingestRE.FindStringSubmatch(strings.TrimSpace(stdout2))
	if m2 == nil {
		t.Fatalf("--dump: the ingest line is not as expected:\n%s", stdout2)
	}
	if m2[1] != m[1] || m2[2] != m[2] || m2[3] != m[3] {
		t.Errorf("--dump measured statuses=%s accounts=%s dump=%sMB, the generated dump has %s %s %sMB", m2[1], m2[2], m2[3], m[1], m[2], m[3])
	}
	if _, err := os.Stat(filepath.Join(work2, "dump")); err == nil {
		t.Errorf("--dump generated a dump anyway")
	}
	if after := snapshot(t, dump); after != before {
		t.Errorf("--dump changed the dump it measured")
	}
}

func TestBenchBadFlags(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		args []string
		msg  string
	}{
		{"unknown flag", []string{"--bogus"}, "bogus"},
		{"not a number", []string{"--statuses", "many"}, "statuses"},
		{"argument", []string{"extra"}, "no arguments"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			work := filepath.Join(t.TempDir(), "work")
			code, stdout, stderr := runCLI(t, append([]string{"bench", "--work", work}, tc.args...)...)
			if code != 2 {
				t.Fatalf("exit %d, want 2\n%s\n%s", code, stdout, stderr)
			}
			if !strings.Contains(stderr, tc.msg) {
				t.Errorf("stderr does not say %q:\n%s", tc.msg, stderr)
			}
			if stdout != "" {
				t.Errorf("printed results: %q", stdout)
			}
			if _, err := os.Stat(work); err == nil {
				t.Errorf("a refused benchmark made its work directory")
			}
		})
	}
}
