package ingest

import (
	"context"
	"slices"
	"testing"

	"fediforensics/pipeline"
	"fediforensics/pipeline/schema"
)

// TestLoadedTablesAreDeclared checks that the tables the loader writes
// statuses and mentions into straight away, as its own raw-table DDL
// would make them, are the tables pipeline/schema declares: the loader
// fills them BY NAME with these columns.
func TestLoadedTablesAreDeclared(t *testing.T) {
	ctx := context.Background()
	conn, err := openTestDB(t).Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, tb := range []pipeline.Table{pipeline.Statuses, pipeline.Mentions} {
		if _, err := conn.ExecContext(ctx, createRawSQL(tb)); err != nil {
			t.Fatal(err)
		}
		rows, err := conn.QueryContext(ctx, `SELECT column_name, data_type, NOT is_nullable FROM duckdb_columns()
WHERE table_name = ? ORDER BY column_index`, string(tb))
		if err != nil {
			t.Fatal(err)
		}
		var got []schema.Column
		for rows.Next() {
			var c schema.Column
			if err := rows.Scan(&c.Name, &c.Type, &c.NotNull); err != nil {
				t.Fatal(err)
			}
			got = append(got, c)
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
		if want := schema.Columns(schema.Table(tb)); !slices.Equal(got, want) {
			t.Errorf("%s: the loader's table has\n  %v\npipeline/schema declares\n  %v", tb, got, want)
		}
	}
}
