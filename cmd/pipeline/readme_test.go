package main

import (
	"fmt"
	"os"
	"path/filepath"
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
		code, stdout, stderr := pipe(t, "run", sampleDump, "--out", out, "--whois-cache", sampleCache)
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

// readmeExample finds, in the README, the shell line running the pipeline
// with the given arguments (anything after "./cmd/pipeline", with "out/"
// the output) and returns its arguments and the output shown under it: the
// lines up to the next "$ " line or the end of the code block.
func readmeExample(t *testing.T, readme, want string) (args []string, shown string) {
	t.Helper()
	lines := strings.Split(readme, "\n")
	for i, l := range lines {
		cmd, ok := strings.CutPrefix(l, "$ go run -tags duckdb_arrow ./cmd/pipeline ")
		if !ok || cmd != want {
			continue
		}
		var b strings.Builder
		for _, o := range lines[i+1:] {
			if strings.HasPrefix(o, "$") || strings.HasPrefix(o, "```") {
				break
			}
			b.WriteString(o + "\n")
		}
		return strings.Fields(cmd), b.String()
	}
	t.Fatalf("README.md has no line %q", "$ go run -tags duckdb_arrow ./cmd/pipeline "+want)
	return nil, ""
}

// TestReadmePivotExample runs the pivot the README's walk-through shows on
// the sample and compares its output with what the README prints, byte for
// byte.
func TestReadmePivotExample(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	args, shown := readmeExample(t, string(b), "pivot registrant edgard011012@gmail.com --out out/")
	if strings.TrimSpace(shown) == "" {
		t.Fatal("the README shows no output under the pivot example")
	}
	out := sharedSample(t)
	for i := range args {
		if i > 0 && args[i-1] == "--out" {
			args[i] = out
		}
	}
	code, stdout, stderr := pipe(t, args...)
	if code != 0 {
		t.Fatalf("%v: exit %d\n%s", args, code, stderr)
	}
	if stdout != shown {
		t.Errorf("the README's pivot example is not what the command prints (update the block under the command in README.md):\n%s", diff(shown, stdout))
	}
}
