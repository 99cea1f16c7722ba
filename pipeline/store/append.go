package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"

	"github.com/duckdb/duckdb-go/v2"
)

// Append bulk-appends rows to table through DuckDB's appender: fn calls
// add once per row, with a value for each of cols in that order (columns
// not named are NULL). Without cols, the values are the table's columns in
// order: only for a table the caller made itself.
func Append(ctx context.Context, conn *sql.Conn, table string, fn func(add func(vals ...driver.Value) error) error, cols ...string) error {
	return conn.Raw(func(dc any) error {
		var a *duckdb.Appender
		var err error
		if len(cols) > 0 {
			a, err = duckdb.NewAppenderWithColumns(dc.(driver.Conn), "", "", table, cols)
		} else {
			a, err = duckdb.NewAppenderFromConn(dc.(driver.Conn), "", table)
		}
		if err != nil {
			return fmt.Errorf("appender %s: %w", table, err)
		}
		if err := fn(a.AppendRow); err != nil {
			a.Close()
			return err
		}
		if err := a.Close(); err != nil {
			return fmt.Errorf("appender %s: %w", table, err)
		}
		return nil
	})
}
