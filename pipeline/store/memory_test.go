package store

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestMachineMemoryFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, c := range []struct {
		name, body string
		meminfo    bool
		want       int64
	}{
		{"meminfo", "MemTotal:       24683584 kB\nMemFree:  1 kB\n", true, 24683584 << 10},
		{"meminfo-bad", "MemTotal: lots\n", true, 0},
		{"v2", "8589934592\n", false, 8 << 30},
		{"v2-max", "max\n", false, 0},
		{"v1-unlimited", "9223372036854771712\n", false, 0},
	} {
		p := write(c.name, c.body)
		got := cgroupLimit(p)
		if c.meminfo {
			got = memTotal(p)
		}
		if got != c.want {
			t.Errorf("%s: %d, want %d", c.name, got, c.want)
		}
	}
	if got := cgroupLimit(filepath.Join(dir, "missing")); got != 0 {
		t.Errorf("missing file: %d", got)
	}
}

// The limit a run takes is within its bounds and is what DuckDB is set to
// when no limit is given.
func TestDefaultMemoryLimitApplied(t *testing.T) {
	l, why := MemoryLimit()
	mib, err := strconv.ParseInt(strings.TrimSuffix(l, "MiB"), 10, 64)
	if err != nil || mib<<20 < minMemory || mib<<20 > maxMemory || why == "" {
		t.Fatalf("limit %q (%s) out of bounds", l, why)
	}
	setting := func(opt Options) string {
		db, err := Open(t.Context(), t.TempDir(), opt)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var s string
		if err := db.QueryRow(`SELECT current_setting('memory_limit')`).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	if got, want := setting(Options{}), setting(Options{MemoryLimit: l}); got != want {
		t.Errorf("default memory_limit %s, want %s (%s: %s)", got, want, l, why)
	}
	if got := setting(Options{MemoryLimit: "1500MiB"}); got == setting(Options{}) {
		t.Errorf("an explicit limit is not applied: %s", got)
	}
}

// Once DuckDB has spilled to the output's temporary folder, a new
// connection (each stage opens its own) must still open: DuckDB refuses to
// be told the temporary folder again once it has used it, even the same
// one, so it is set when the database opens, not on each connection.
func TestNewConnectionAfterSpill(t *testing.T) {
	dir := t.TempDir()
	db, err := Open(t.Context(), dir, Options{MemoryLimit: "64MB", Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	held, err := db.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	if _, err := held.ExecContext(t.Context(), `CREATE TABLE big AS SELECT i, md5(i::VARCHAR) || md5((i + 1)::VARCHAR) AS s FROM range(1000000) r(i) ORDER BY s`); err != nil {
		t.Fatal(err)
	}
	fresh, err := db.Conn(t.Context()) // the held one is busy: a new connection
	if err != nil {
		t.Fatalf("a new connection after a spill: %v", err)
	}
	defer fresh.Close()
	var n int64
	if err := fresh.QueryRowContext(t.Context(), `SELECT count(*) FROM big`).Scan(&n); err != nil || n != 1000000 {
		t.Fatalf("count %d, %v", n, err)
	}
}
