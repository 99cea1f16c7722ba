package outdir_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"fediforensics/pipeline"
	"fediforensics/pipeline/outdir"
	"fediforensics/pipeline/store"
)

// makeDB makes a real DuckDB database file in dir.
func makeDB(t *testing.T, dir string) {
	t.Helper()
	db, err := store.Open(context.Background(), dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE t AS SELECT 1 AS x; CHECKPOINT`); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	os.RemoveAll(filepath.Join(dir, ".duckdb-tmp"))
}

func write(t *testing.T, p, s string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func manifestJSON(t *testing.T, m pipeline.Manifest) string {
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// build makes an output at final holding files (path → content) through
// Begin and Commit, as a run does.
func build(t *testing.T, final string, opt outdir.Options, replace bool, files map[string]string) error {
	t.Helper()
	d, err := outdir.Begin(final, opt)
	if err != nil {
		return err
	}
	makeDB(t, d.Tmp)
	for p, c := range files {
		write(t, filepath.Join(d.Tmp, p), c)
	}
	m := &pipeline.Manifest{Tool: pipeline.ToolName}
	if d.Prev != nil {
		m = d.Prev
	}
	if err := d.Commit(m, replace); err != nil {
		d.Abort()
		return err
	}
	return nil
}

// tree lists every file under dir with its content.
func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.WalkDir(dir, func(p string, e os.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		b, _ := os.ReadFile(p)
		out[filepath.ToSlash(rel)] = string(b)
		return nil
	})
	return out
}

func TestBeginRefusesWhatIsNotOurs(t *testing.T) {
	cases := []struct {
		name  string
		setup func(t *testing.T, dir string)
		force bool
		ok    bool
	}{
		{"missing", func(t *testing.T, dir string) { os.Remove(dir) }, false, true},
		{"empty", func(t *testing.T, dir string) {}, false, true},
		{"a file", func(t *testing.T, dir string) { os.Remove(dir); write(t, dir, "x") }, true, false},
		{"someone's notes", func(t *testing.T, dir string) { write(t, filepath.Join(dir, "notes.txt"), "mine") }, false, false},
		{"a dump folder with its own manifest.json", func(t *testing.T, dir string) {
			write(t, filepath.Join(dir, "manifest.json"), `{"instance": "example.social"}`)
			write(t, filepath.Join(dir, "accounts.csv"), "id,username\n1,a\n")
		}, false, false},
		{"our manifest but no database", func(t *testing.T, dir string) {
			write(t, filepath.Join(dir, "manifest.json"), manifestJSON(t, pipeline.Manifest{Tool: pipeline.ToolName}))
		}, false, false},
		{"our manifest and a database that is not DuckDB", func(t *testing.T, dir string) {
			write(t, filepath.Join(dir, "manifest.json"), manifestJSON(t, pipeline.Manifest{Tool: pipeline.ToolName}))
			write(t, filepath.Join(dir, "pipeline.duckdb"), "SQLite format 3\x00 and more")
		}, false, false},
		{"another tool's manifest and a DuckDB file", func(t *testing.T, dir string) {
			write(t, filepath.Join(dir, "manifest.json"), manifestJSON(t, pipeline.Manifest{Tool: "other"}))
			makeDB(t, dir)
		}, false, false},
		{"an earlier output", func(t *testing.T, dir string) {
			write(t, filepath.Join(dir, "manifest.json"), manifestJSON(t, pipeline.Manifest{Tool: pipeline.ToolName}))
			makeDB(t, dir)
		}, false, true},
		{"someone's notes, forced", func(t *testing.T, dir string) { write(t, filepath.Join(dir, "notes.txt"), "mine") }, true, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "out")
			os.Mkdir(dir, 0o755)
			c.setup(t, dir)
			before := tree(t, dir)
			d, err := outdir.Begin(dir, outdir.Options{Force: c.force})
			if c.ok {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				d.Abort()
				return
			}
			if err == nil {
				d.Abort()
				t.Fatal("accepted")
			}
			if !errors.Is(err, pipeline.ErrOutputDir) || pipeline.ExitCode(err) != pipeline.ExitOutputInUse {
				t.Errorf("error %v, exit %d; want exit %d", err, pipeline.ExitCode(err), pipeline.ExitOutputInUse)
			}
			if after := tree(t, dir); !mapsEqual(before, after) {
				t.Errorf("the folder changed: %v -> %v", before, after)
			}
			if left, _ := filepath.Glob(filepath.Join(filepath.Dir(dir), ".out.tmp-*")); len(left) > 0 {
				t.Errorf("left %v", left)
			}
		})
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func TestRerunKeepsWhatIsNotOurs(t *testing.T) {
	final := filepath.Join(t.TempDir(), "out")
	if err := build(t, final, outdir.Options{}, true, map[string]string{
		"report.html": "one", "reports/a.csv": "a1", "reports/old.csv": "gone next time",
	}); err != nil {
		t.Fatal(err)
	}
	// The user adds notes, an export and a file inside reports/.
	write(t, filepath.Join(final, "notes.md"), "my notes")
	write(t, filepath.Join(final, "export", "csv", "x.csv"), "exported")
	write(t, filepath.Join(final, "reports", "mine.txt"), "my file among the reports")

	if err := build(t, final, outdir.Options{}, true, map[string]string{
		"report.html": "two", "reports/a.csv": "a2", "reports/new.csv": "new",
	}); err != nil {
		t.Fatal(err)
	}
	got := tree(t, final)
	for p, want := range map[string]string{
		"report.html": "two", "reports/a.csv": "a2", "reports/new.csv": "new",
		"notes.md": "my notes", "export/csv/x.csv": "exported", "reports/mine.txt": "my file among the reports",
	} {
		if got[p] != want {
			t.Errorf("%s = %q, want %q", p, got[p], want)
		}
	}
	if _, ok := got["reports/old.csv"]; ok {
		t.Error("a report the new run did not write was kept")
	}
	m, err := outdir.ReadManifest(final)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"manifest.json", "pipeline.duckdb", "report.html", "reports/a.csv", "reports/new.csv"}
	if !slices.Equal(m.Files, want) {
		t.Errorf("manifest files %v, want %v", m.Files, want)
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(final), ".out.tmp-*")); len(left) > 0 {
		t.Errorf("left %v", left)
	}

	// A stage run again adds to the output and keeps the earlier files listed.
	if err := build(t, final, outdir.Options{}, false, map[string]string{"report.html": "three"}); err != nil {
		t.Fatal(err)
	}
	m, _ = outdir.ReadManifest(final)
	if !slices.Equal(m.Files, want) || tree(t, final)["reports/a.csv"] != "a2" {
		t.Errorf("after a stage: files %v", m.Files)
	}
}

func TestCommitRefusesToReplaceForeignFile(t *testing.T) {
	final := filepath.Join(t.TempDir(), "out")
	if err := build(t, final, outdir.Options{}, true, map[string]string{"report.html": "one"}); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(final, "reports", "new.csv"), "the user's own file")
	err := build(t, final, outdir.Options{}, true, map[string]string{"report.html": "two", "reports/new.csv": "ours"})
	if !errors.Is(err, pipeline.ErrOutputDir) {
		t.Fatalf("got %v, want a refusal", err)
	}
	if got := tree(t, final); got["reports/new.csv"] != "the user's own file" || got["report.html"] != "one" {
		t.Errorf("the output changed: %v", got)
	}
	if err := build(t, final, outdir.Options{Force: true}, true, map[string]string{"report.html": "two", "reports/new.csv": "ours"}); err != nil {
		t.Fatal(err)
	}
	if got := tree(t, final)["reports/new.csv"]; got != "ours" {
		t.Errorf("forced: %q", got)
	}
}

func TestBeginRemovesStaleTemporaryFolders(t *testing.T) {
	parent := t.TempDir()
	final := filepath.Join(parent, "out")
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Skip("no true(1):", err)
	}
	mk := func(name, marker string) string {
		p := filepath.Join(parent, name)
		write(t, filepath.Join(p, "pipeline.duckdb"), "partial")
		if marker != "" {
			write(t, filepath.Join(p, ".pipeline-tmp"), marker)
		}
		return p
	}
	stale := mk(".out.tmp-"+strconv.Itoa(dead.Process.Pid)+"-aaaa", strconv.Itoa(dead.Process.Pid)+"\n")
	running := mk(".out.tmp-"+strconv.Itoa(os.Getpid())+"-bbbb", strconv.Itoa(os.Getpid())+"\n")
	unknown := mk(".out.tmp-cccc", "")
	other := mk(".other.tmp-1-dddd", "1\n")
	d, err := outdir.Begin(final, outdir.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Abort()
	for p, want := range map[string]bool{stale: false, running: true, unknown: true, other: true} {
		if _, err := os.Stat(p); (err == nil) != want {
			t.Errorf("%s: exists %v, want %v", filepath.Base(p), err == nil, want)
		}
	}
}

func TestOverlap(t *testing.T) {
	root := t.TempDir()
	for _, d := range []string{"out", "out/a", "outer", "dumps/x"} {
		os.MkdirAll(filepath.Join(root, d), 0o755)
	}
	os.Symlink(filepath.Join(root, "out", "a"), filepath.Join(root, "link-into-out"))
	os.Symlink(filepath.Join(root, "out"), filepath.Join(root, "link-to-out"))
	cases := []struct {
		a, b string
		want bool
	}{
		{"out", "out", true},
		{"out/a", "out", true},  // a one-letter folder inside the output
		{"out/ab", "out", true}, // two letters, not there yet
		{"out", "out/a", true},
		{"outer", "out", false},
		{"out", "outer", false},
		{"dumps/x", "out", false},
		{"link-into-out", "out", true},
		{"link-to-out/new", "out", true},
		{"dumps/../out/a", "out", true},
		{"out/..", "outer", true}, // the root holds everything
		{"dumps/x/../../outer", "out", false},
	}
	for _, c := range cases {
		got := outdir.Overlap(filepath.Join(root, c.a), filepath.Join(root, c.b))
		if got != c.want {
			t.Errorf("Overlap(%s, %s) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
	// Relative paths are resolved from the working directory.
	t.Chdir(root)
	if !outdir.Overlap("out/a", "./out") || outdir.Overlap("out", "outer") {
		t.Error("relative paths")
	}
}
