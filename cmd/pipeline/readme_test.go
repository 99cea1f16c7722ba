package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

var shared struct {
	once sync.Once
	out  string
	err  error
}

// sharedSample is an output of the whole pipeline on the sample, with the
// sample's WHOIS cache, made once for the test binary (under testRoot) and
// shared by the tests that only read it. Tests that change an output make
// their own with runSample.
func sharedSample(t *testing.T) string {
	t.Helper()
	shared.once.Do(func() {
		out := filepath.Join(testRoot, "sample-out")
		code, stdout, stderr := runCLI(t, "run", sampleDump, "--out", out, "--whois-cache", sampleCache)
		if code != 0 {
			shared.err = fmt.Errorf("run on the sample: exit %d\n%s\n%s", code, stdout, stderr)
			return
		}
		shared.out = out
	})
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared.out
}

// checkReadmeExample finds, in the README, the shell line running the
// pipeline with the arguments want (anything after "./cmd/pipeline"), runs
// it in-process with out as its --out, and compares what it prints with
// the output shown under the line (up to the next "$ " line or the end of
// the code block), byte for byte.
func checkReadmeExample(t *testing.T, want, out string) {
	t.Helper()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	const prompt = "$ go run -tags duckdb_arrow ./cmd/pipeline "
	lines := strings.Split(string(readme), "\n")
	i := slices.Index(lines, prompt+want)
	if i < 0 {
		t.Fatalf("README.md has no line %q", prompt+want)
	}
	var shown strings.Builder
	for _, l := range lines[i+1:] {
		if strings.HasPrefix(l, "$") || strings.HasPrefix(l, "```") {
			break
		}
		shown.WriteString(l + "\n")
	}
	if strings.TrimSpace(shown.String()) == "" {
		t.Fatalf("the README shows no output under %q", want)
	}
	args := strings.Fields(want)
	for i := range args {
		if i > 0 && args[i-1] == "--out" {
			args[i] = out
		}
	}
	code, stdout, stderr := runCLI(t, args...)
	if code != 0 {
		t.Fatalf("%v: exit %d\n%s", args, code, stderr)
	}
	if stdout != shown.String() {
		t.Errorf("the README's %q example is not what the command prints (update the block under the command in README.md):\n%s", want, diff(shown.String(), stdout))
	}
}

// TestReadmePivotExample runs the pivot the README's walk-through shows on
// the sample and compares its output with what the README prints.
func TestReadmePivotExample(t *testing.T) {
	checkReadmeExample(t, "pivot registrant edgard011012@gmail.com --out out/", sharedSample(t))
}
