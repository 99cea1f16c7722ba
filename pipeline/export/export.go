// Package export writes an output's data in the formats other tools read:
// every table as Parquet or CSV, the evidence graph as GraphML or GEXF (for
// Gephi and the like), the campaigns and their indicators as a STIX 2.1
// bundle, and the remediation files a Mastodon admin can review and apply.
//
// Every query is fully ordered and nothing depends on the clock, so the
// same database exports the same bytes. Nothing secret is exported: not
// the token table, not the hash of an app's secret.
package export

import (
	"context"
	"database/sql"
	"encoding/csv"
	"fediforensics/pipeline/outdir"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"fediforensics/pipeline/report"
	"fediforensics/pipeline/store"
)

// Formats lists the formats of Write.
func Formats() []string {
	return []string{"parquet", "csv", "graphml", "gexf", "stix"}
}

// Write exports db in one of Formats into dir, which is created if needed.
func Write(ctx context.Context, db *sql.DB, format, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	var err error
	switch format {
	case "parquet":
		err = Parquet(ctx, db, dir)
	case "csv":
		err = CSV(ctx, db, dir)
	case "graphml":
		err = GraphML(ctx, db, filepath.Join(dir, "evidence.graphml"))
	case "gexf":
		err = GEXF(ctx, db, filepath.Join(dir, "evidence.gexf"))
	case "stix":
		err = STIX(ctx, db, filepath.Join(dir, "campaigns.stix.json"))
	default:
		return fmt.Errorf("export: unknown format %q (want one of %s)", format, strings.Join(Formats(), ", "))
	}
	if err != nil {
		return fmt.Errorf("export %s: %w", format, err)
	}
	return nil
}

// secret says whether a table, or a column of any table, is never
// exported: the OAuth tokens, and the hash of an app's secret.
func secret(table, column string) bool {
	return table == "tokens" || column == "secret_sha256"
}

// table is an exported table and the columns it exports.
type table struct {
	Name    string
	Columns []string
}

// tables lists the tables an export holds, with their columns: every table
// of the database but the secret ones, in name order.
func tables(ctx context.Context, db *sql.DB) ([]table, error) {
	rows, err := db.QueryContext(ctx, `SELECT c.table_name, c.column_name
FROM duckdb_columns() c JOIN duckdb_tables() t
  ON t.database_name = c.database_name AND t.schema_name = c.schema_name AND t.table_name = c.table_name
WHERE t.database_name = current_database() AND t.schema_name = 'main' AND NOT t.temporary
ORDER BY c.table_name, c.column_index`)
	if err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	defer rows.Close()
	var out []table
	for rows.Next() {
		var t, c string
		if err := rows.Scan(&t, &c); err != nil {
			return nil, err
		}
		if secret(t, c) {
			continue
		}
		if len(out) == 0 || out[len(out)-1].Name != t {
			out = append(out, table{Name: t})
		}
		out[len(out)-1].Columns = append(out[len(out)-1].Columns, c)
	}
	return out, rows.Err()
}

// query selects a table's exported columns in a full order.
func (t table) query() string {
	cols := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		cols[i] = store.QuoteIdent(c)
	}
	return "SELECT " + strings.Join(cols, ", ") + " FROM " + store.QuoteIdent(t.Name) + " ORDER BY ALL"
}

// Parquet writes dir/TABLE.parquet for every table, with DuckDB's built-in
// Parquet writer.
func Parquet(ctx context.Context, db *sql.DB, dir string) error {
	ts, err := tables(ctx, db)
	if err != nil {
		return err
	}
	for _, t := range ts {
		final := filepath.Join(dir, t.Name+".parquet")
		tmp := final + ".tmp"
		q := "COPY (" + t.query() + ") TO " + store.QuoteString(tmp) + " (FORMAT parquet)"
		if _, err := db.ExecContext(ctx, q); err != nil {
			os.Remove(tmp)
			return fmt.Errorf("%s: %w", t.Name, err)
		}
		if err := os.Rename(tmp, final); err != nil {
			os.Remove(tmp)
			return err
		}
	}
	return nil
}

// CSV writes dir/TABLE.csv for every table: a header, then the rows in
// full order, each cell as the reports render it and neutralized so that
// no spreadsheet reads it as a formula.
func CSV(ctx context.Context, db *sql.DB, dir string) error {
	ts, err := tables(ctx, db)
	if err != nil {
		return err
	}
	for _, t := range ts {
		err := outdir.Write(filepath.Join(dir, t.Name+".csv"), func(w io.Writer) error {
			return tableCSV(ctx, db, t, w)
		})
		if err != nil {
			return fmt.Errorf("%s: %w", t.Name, err)
		}
	}
	return nil
}

func tableCSV(ctx context.Context, db *sql.DB, t table, w io.Writer) error {
	rows, err := db.QueryContext(ctx, t.query())
	if err != nil {
		return err
	}
	defer rows.Close()
	cw := csv.NewWriter(w)
	if err := cw.Write(t.Columns); err != nil {
		return err
	}
	vals := make([]any, len(t.Columns))
	ptrs := make([]any, len(t.Columns))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	rec := make([]string, len(t.Columns))
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		for i, v := range vals {
			rec[i] = report.Neutralize(report.Cell(v))
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}
