package store

import (
	"context"
	"testing"
)

// TestQuote: DuckDB reads every quoted string and identifier back as the
// text it was made of, whatever quotes, backslashes or SQL it holds.
func TestQuote(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, s := range []string{
		"plain",
		"it's",
		`say "hi"`,
		`back\slash\'`,
		"''",
		`""`,
		"x'); DROP TABLE t; --",
		`x" VARCHAR); DROP TABLE t; --`,
		"new\nline",
		"Ünïcødé 🙂",
	} {
		var got string
		if err := db.QueryRowContext(ctx, "SELECT "+QuoteString(s)).Scan(&got); err != nil || got != s {
			t.Errorf("QuoteString(%q) = %s reads back as %q, %v", s, QuoteString(s), got, err)
		}
		q := "CREATE OR REPLACE TABLE " + QuoteIdent(s) + " (" + QuoteIdent(s) + " VARCHAR)"
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Errorf("%s: %v", q, err)
			continue
		}
		var table, column string
		if err := db.QueryRowContext(ctx, "SELECT table_name, column_name FROM information_schema.columns WHERE table_name = "+QuoteString(s)).Scan(&table, &column); err != nil || table != s || column != s {
			t.Errorf("QuoteIdent(%q): table %q, column %q, %v", s, table, column, err)
		}
		if _, err := db.ExecContext(ctx, "DROP TABLE "+QuoteIdent(s)); err != nil {
			t.Errorf("drop %s: %v", QuoteIdent(s), err)
		}
	}
}
