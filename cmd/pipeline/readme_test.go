package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

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
	t.Parallel()
	checkReadmeExample(t, "pivot registrant edgard011012@gmail.com --out out/", sharedSample(t))
}

// TestReadmeLayout checks the README's Layout table against the tree:
// every path it names exists, and every Go package is named (or holds a
// named path, as data holds data/lists).
func TestReadmeLayout(t *testing.T) {
	t.Parallel()
	root := filepath.Join("..", "..")
	b, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(b), "\n## Layout\n")
	if !ok {
		t.Fatal("README has no Layout section")
	}
	var listed []string
	for _, line := range strings.Split(after, "\n") {
		if strings.HasPrefix(line, "## ") {
			break
		}
		first, _, ok := strings.Cut(strings.TrimPrefix(line, "| "), " |")
		if !ok || !strings.HasPrefix(line, "| `") {
			continue
		}
		for _, p := range strings.Split(first, ", ") {
			listed = append(listed, strings.Trim(p, "`"))
		}
	}
	if len(listed) < 10 {
		t.Fatalf("read %d paths from the Layout table: %q", len(listed), listed)
	}
	for _, p := range listed {
		if _, err := os.Stat(filepath.Join(root, p)); err != nil {
			t.Errorf("README Layout names %s, which is not in the tree", p)
		}
	}
	err = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if d.IsDir() && rel != "." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		pkg := filepath.ToSlash(filepath.Dir(rel))
		if pkg == "." {
			return nil
		}
		if !slices.ContainsFunc(listed, func(l string) bool { return l == pkg || strings.HasPrefix(l, pkg+"/") }) {
			t.Errorf("package %s is not in the README's Layout table", pkg)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
