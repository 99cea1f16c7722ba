package store

import (
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sandboxOutput makes an output directory whose database holds a small
// table, and closes it as a finished run does.
func sandboxOutput(t *testing.T, create string) string {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	db, err := Open(ctx, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, create); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestSandboxRefuses: every way out of the database that read-only access
// alone leaves open is refused, each with a refusal Refusal recognises,
// and nothing is written. Without the sandbox COPY, read_text, read_csv,
// ATTACH and the SETs succeed, and INSTALL and LOAD fail otherwise (no
// network, no such file), so each case fails.
func TestSandboxRefuses(t *testing.T) {
	ctx := context.Background()
	dir := sandboxOutput(t, "CREATE TABLE accounts AS SELECT range AS id, 'user' || range AS username FROM range(5)")
	tmp := t.TempDir()
	secret := filepath.Join(tmp, "secret.txt")
	if err := os.WriteFile(secret, []byte("not for the query"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A database that exists, so that ATTACH would otherwise succeed.
	otherDir := sandboxOutput(t, "CREATE TABLE other AS SELECT 42 AS x")
	other := filepath.Join(otherDir, FileName)
	copied := filepath.Join(tmp, "x.csv")

	db, err := OpenSandboxed(ctx, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	const outside, setting, write = "reaches outside the output", "changes a setting", "writes to the database"
	tests := []struct {
		name, sql, why string
	}{
		{"copy to a file", "COPY (SELECT 1) TO '" + copied + "'", outside},
		{"read_text", "SELECT * FROM read_text('" + secret + "')", outside},
		{"read_csv", "SELECT * FROM read_csv('/etc/passwd')", outside},
		{"attach", "ATTACH '" + other + "' AS other", outside},
		{"install", "INSTALL httpfs", outside},
		{"load", "LOAD httpfs", outside},
		{"enable external access", "SET enable_external_access = true", setting},
		{"reset external access", "RESET enable_external_access", setting},
		{"unlock", "SET lock_configuration = false", setting},
		{"create table", "CREATE TABLE t(x INT)", write},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rows, err := db.QueryContext(ctx, tc.sql)
			if err == nil {
				for rows.Next() {
				}
				err = rows.Err()
				rows.Close()
			}
			if err == nil {
				t.Fatalf("%s: ran in the sandbox", tc.sql)
			}
			if why := Refusal(err); !strings.Contains(why, tc.why) {
				t.Errorf("%s: Refusal(%v) = %q, want %q", tc.sql, err, why, tc.why)
			}
		})
	}
	if _, err := os.Stat(copied); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("COPY wrote %s (stat: %v)", copied, err)
	}
	// The refused SETs changed nothing.
	var external, locked bool
	if err := db.QueryRowContext(ctx, "SELECT current_setting('enable_external_access'), current_setting('lock_configuration')").Scan(&external, &locked); err != nil {
		t.Fatal(err)
	}
	if external || !locked {
		t.Errorf("enable_external_access = %v, lock_configuration = %v after the refused SETs", external, locked)
	}
	// What the sandbox is for still works.
	var n int
	var last string
	if err := db.QueryRowContext(ctx, "SELECT count(*), max(username) FROM accounts").Scan(&n, &last); err != nil {
		t.Fatal(err)
	}
	if n != 5 || last != "user4" {
		t.Errorf("SELECT on accounts = %d, %q; want 5, user4", n, last)
	}
	// An ordinary error is no refusal.
	if _, err := db.ExecContext(ctx, "SELEC 1"); err == nil || Refusal(err) != "" {
		t.Errorf("syntax error: %v, Refusal %q", err, Refusal(err))
	}
}

// TestSandboxEveryConnection: a second connection of the pool, made while
// the first is busy, is as sandboxed as the first.
func TestSandboxEveryConnection(t *testing.T) {
	ctx := context.Background()
	dir := sandboxOutput(t, "CREATE TABLE t AS SELECT 1 AS x")
	db, err := OpenSandboxed(ctx, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var conns []*sql.Conn
	for range 3 {
		c, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		conns = append(conns, c)
	}
	for i, c := range conns {
		target := filepath.Join(t.TempDir(), "x.csv")
		_, err := c.ExecContext(ctx, "COPY (SELECT * FROM t) TO '"+target+"'")
		if err == nil || Refusal(err) == "" {
			t.Errorf("connection %d: COPY: %v", i, err)
		}
		if _, err := os.Stat(target); err == nil {
			t.Errorf("connection %d: COPY wrote %s", i, target)
		}
	}
}

// TestSandboxSpills: with external access disabled a query larger than
// the memory limit still spills to the temp directory and runs, and Close
// removes the private spill directory.
func TestSandboxSpills(t *testing.T) {
	ctx := context.Background()
	dir := sandboxOutput(t, "CREATE TABLE big AS SELECT range AS x, repeat(chr(65 + (hash(range) % 26)::INT), 40) || hash(range)::VARCHAR AS s FROM range(300000)")
	spill := t.TempDir()
	db, err := OpenSandboxed(ctx, dir, Options{MemoryLimit: "32MB", Threads: 1, TempDir: spill})
	if err != nil {
		t.Fatal(err)
	}
	// Without a temp directory this query fails with an Out of Memory
	// Error at this memory limit.
	var n int
	var first string
	if err := db.QueryRowContext(ctx, "SELECT count(*), min(s) FROM (SELECT s, x FROM big ORDER BY s, x)").Scan(&n, &first); err != nil {
		db.Close()
		t.Fatalf("a query that spills: %v", err)
	}
	if n != 300000 {
		t.Errorf("count = %d", n)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	left, err := os.ReadDir(spill)
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 0 {
		t.Errorf("Close left %v in the spill directory", left)
	}
}
