package main

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"fediforensics/pipeline"
	"fediforensics/pipeline/outdir"
	"fediforensics/pipeline/store"
)

// tree lists every path under dir, to see that a command added nothing.
func tree(t *testing.T, dir string) []string {
	t.Helper()
	var paths []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		paths = append(paths, p)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(paths)
	return paths
}

// TestQuerySandbox: pipeline query prints the rows of an ordinary query as
// CSV, and refuses SQL that reaches outside the output, changes a setting
// or writes, with exit 2 and a message that says so, writing nothing.
func TestQuerySandbox(t *testing.T) {
	t.Parallel()
	out := sharedSample(t)
	m, err := outdir.ReadManifest(out)
	if err != nil {
		t.Fatal(err)
	}
	accounts := int64(-1)
	for _, tc := range m.Tables {
		if tc.Table == string(pipeline.Accounts) {
			accounts = tc.Loaded
		}
	}
	if accounts <= 0 {
		t.Fatalf("the manifest has no accounts loaded: %+v", m.Tables)
	}
	code, stdout, stderr := runCLI(t, "query", "--out", out, "SELECT count(*) AS n FROM accounts")
	if want := "n\n" + strconv.FormatInt(accounts, 10) + "\n"; code != 0 || stdout != want {
		t.Fatalf("ordinary query: exit %d, stdout %q, want %q\n%s", code, stdout, want, stderr)
	}

	tmp := t.TempDir()
	secret := filepath.Join(tmp, "secret.txt")
	if err := os.WriteFile(secret, []byte("investigator's notes"), 0o600); err != nil {
		t.Fatal(err)
	}
	other := t.TempDir()
	db, err := store.Open(context.Background(), other, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("CREATE TABLE other AS SELECT 42 AS x"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	leak := filepath.Join(tmp, "leak.csv")
	before := tree(t, out)

	const outside = "this SQL reaches outside the output (file, network and extension access is disabled for read-only queries)"
	tests := []struct {
		name, sql, msg string
	}{
		{"copy to a file", "COPY (SELECT * FROM accounts) TO '" + leak + "'", outside},
		{"read_text", "SELECT * FROM read_text('" + secret + "')", outside},
		{"read_csv", "SELECT * FROM read_csv('/etc/passwd')", outside},
		{"attach", "ATTACH '" + filepath.Join(other, store.FileName) + "' AS other", outside},
		{"install", "INSTALL httpfs", outside},
		{"load", "LOAD httpfs", outside},
		{"set", "SET enable_external_access = true", "this SQL changes a setting (settings are locked for read-only queries)"},
		{"unlock", "SET lock_configuration = false", "this SQL changes a setting"},
		{"create table", "CREATE TABLE t(x INT)", "this SQL writes to the database (it is opened read-only)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, "query", "--out", out, tc.sql)
			if code != pipeline.ExitUsage {
				t.Errorf("exit %d, want %d\nstdout %q\nstderr %s", code, pipeline.ExitUsage, stdout, stderr)
			}
			if want := "pipeline: usage: query: " + tc.msg; !strings.HasPrefix(stderr, want) {
				t.Errorf("stderr %q, want it to start with %q", stderr, want)
			}
			if stdout != "" {
				t.Errorf("stdout %q, want nothing", stdout)
			}
		})
	}
	if _, err := os.Stat(leak); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("COPY wrote %s (stat: %v)", leak, err)
	}
	if after := tree(t, out); !slices.Equal(before, after) {
		t.Errorf("the queries changed the output:\nbefore %v\nafter  %v", before, after)
	}
}

// TestNotebookSandbox: a notebook whose cell copies the accounts to a file
// fails with exit 2 and a clear message, and writes neither that file nor
// the notebook's pages.
func TestNotebookSandbox(t *testing.T) {
	t.Parallel()
	out := sharedSample(t)
	tmp := t.TempDir()
	leak := filepath.Join(tmp, "leak.csv")
	nb := filepath.Join(tmp, "exfiltrate.md")
	text := "# Harmless\n\nA friendly notebook.\n\n```sql name=accounts\nSELECT count(*) AS n FROM accounts\n```\n\n" +
		"```sql name=copy\nCOPY (SELECT * FROM accounts) TO '" + leak + "'\n```\n"
	if err := os.WriteFile(nb, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	before := tree(t, out)
	code, stdout, stderr := runCLI(t, "notebook", "run", nb, "--out", out)
	if code != pipeline.ExitUsage {
		t.Errorf("exit %d, want %d\nstdout %q\nstderr %s", code, pipeline.ExitUsage, stdout, stderr)
	}
	if want := "pipeline: usage: notebook: this SQL reaches outside the output"; !strings.HasPrefix(stderr, want) || !strings.Contains(stderr, "cell copy") {
		t.Errorf("stderr %q, want it to start with %q and name the cell", stderr, want)
	}
	if _, err := os.Stat(leak); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the notebook wrote %s (stat: %v)", leak, err)
	}
	if after := tree(t, out); !slices.Equal(before, after) {
		t.Errorf("the notebook changed the output:\nbefore %v\nafter  %v", before, after)
	}
}
