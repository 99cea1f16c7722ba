//go:build duckdb_arrow

package store

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// TestInserter: rows built across several background-inserted batches all
// land, in order; a batch DuckDB refuses makes Close (or a later Add) fail
// rather than be lost quietly.
func TestInserter(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `CREATE TABLE ok (n BIGINT, s VARCHAR, f DOUBLE, b BOOLEAN);
CREATE TABLE strict (n BIGINT CHECK (n < 100000), s VARCHAR)`); err != nil {
		t.Fatal(err)
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()

	for _, tc := range []struct {
		table   string
		rows    int
		wantErr string
	}{
		{"ok", 0, ""},
		{"ok", 3, ""},
		{"ok", 3*insertBatch + 17, ""},
		{"strict", 3*insertBatch + 17, "CHECK constraint"},
	} {
		if _, err := db.ExecContext(ctx, `DELETE FROM ok; DELETE FROM strict`); err != nil {
			t.Fatal(err)
		}
		in, err := NewInserter(ctx, conn, tc.table)
		if err != nil {
			t.Fatal(err)
		}
		var addErr error
		for i := 0; i < tc.rows && addErr == nil; i++ {
			switch tc.table {
			case "ok":
				var s any = "row"
				if i%5 == 0 {
					s = nil
				}
				addErr = in.Add(int64(i), s, float64(i)/2, i%2 == 0)
			default:
				addErr = in.Add(int64(i), "row")
			}
		}
		err = in.Close()
		if addErr != nil {
			err = addErr
		}
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%s %d rows: err = %v, want %q", tc.table, tc.rows, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s %d rows: %v", tc.table, tc.rows, err)
		}
		var n, nulls, sum int64
		var inOrder bool
		if err := db.QueryRowContext(ctx, `SELECT count(*), count(*) FILTER (WHERE s IS NULL), coalesce(sum(n), 0),
  coalesce(bool_and(n = rn - 1 AND f = n / 2 AND b = (n % 2 = 0)), true)
FROM (SELECT *, row_number() OVER () AS rn FROM ok)`).Scan(&n, &nulls, &sum, &inOrder); err != nil {
			t.Fatal(err)
		}
		r := int64(tc.rows)
		if n != r || nulls != (r+4)/5 || sum != r*(r-1)/2 || !inOrder {
			t.Errorf("%d rows: got count %d, nulls %d, sum %d, in order %v", tc.rows, n, nulls, sum, inOrder)
		}
	}
}

// TestColumns: each kind of reader gives the values of its column, NULL as
// the zero value (or nil), and a column of another type is refused.
func TestColumns(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	const q = `SELECT * FROM (VALUES ('a', 1::BIGINT, 1.5::DOUBLE, 7::BIGINT), (NULL, NULL, NULL, NULL), ('c', -3, 0.25, 9)) t(s, n, f, m) ORDER BY n NULLS LAST`
	var got []string
	err = ArrowQuery(ctx, conn, q, func(b Batch) error {
		var s func(int) string
		var n func(int) int64
		var f func(int) float64
		var m func(int) any
		if err := Columns(b, &s, &n, &f, &m); err != nil {
			return err
		}
		for i := 0; i < Rows(b); i++ {
			got = append(got, fmt.Sprintf("%q %d %g %v", s(i), n(i), f(i), m(i)))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{`"c" -3 0.25 9`, `"a" 1 1.5 7`, `"" 0 0 <nil>`}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, tc := range []struct {
		name    string
		dst     func() []any
		wantErr string
	}{
		{"text as integer", func() []any { var n func(int) int64; return []any{&n} }, "column 0 is utf8"},
		{"integer as text", func() []any { var s, n func(int) string; return []any{&s, &n} }, "column 1 is int64, not string"},
		{"integer as DOUBLE", func() []any { var s func(int) string; var f func(int) float64; return []any{&s, &f} }, "column 1 is int64, not float64"},
		{"unknown reader", func() []any { var x func(int) bool; return []any{&x} }, "cannot read column 0"},
	} {
		err := ArrowQuery(ctx, conn, q, func(b Batch) error { return Columns(b, tc.dst()...) })
		if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.wantErr)
		}
	}
}
