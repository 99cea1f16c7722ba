package store

import (
	"context"
	"reflect"
	"testing"
)

func TestRowidRanges(t *testing.T) {
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
	if _, err := conn.ExecContext(ctx, `CREATE TABLE empty (x INTEGER); CREATE TABLE ten AS SELECT range AS x FROM range(10);
CREATE TABLE gaps AS SELECT range AS x FROM range(10); DELETE FROM gaps WHERE x < 4 OR x = 7`); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		table string
		n     int64
		want  [][2]int64
	}{
		{"empty", 3, nil},
		{"ten", 3, [][2]int64{{0, 3}, {3, 6}, {6, 9}, {9, 10}}},
		{"ten", 10, [][2]int64{{0, 10}}},
		{"ten", 100, [][2]int64{{0, 10}}},
		{"gaps", 4, [][2]int64{{4, 8}, {8, 10}}}, // from the first rowid left; a gap costs nothing
	} {
		got, err := RowidRanges(ctx, conn, tc.table, tc.n)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s by %d: %v, want %v", tc.table, tc.n, got, tc.want)
		}
		// Every row is in exactly one range.
		var rows int64
		for _, r := range got {
			var n int64
			if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM "+QuoteIdent(tc.table)+" WHERE rowid >= ? AND rowid < ?", r[0], r[1]).Scan(&n); err != nil {
				t.Fatal(err)
			}
			rows += n
		}
		var all int64
		if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM "+QuoteIdent(tc.table)).Scan(&all); err != nil {
			t.Fatal(err)
		}
		if rows != all {
			t.Errorf("%s by %d: the ranges hold %d rows of %d", tc.table, tc.n, rows, all)
		}
	}
	if _, err := RowidRanges(ctx, conn, "ten", 0); err == nil {
		t.Error("0 rows a range: no error")
	}
}
