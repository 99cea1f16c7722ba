package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"

	"github.com/duckdb/duckdb-go/v2"
)

// Append bulk-appends rows to table through DuckDB's appender: fn calls
// add once per row, with the table's columns in order.
func Append(ctx context.Context, conn *sql.Conn, table string, fn func(add func(vals ...driver.Value) error) error) error {
	return conn.Raw(func(dc any) error {
		a, err := duckdb.NewAppenderFromConn(dc.(driver.Conn), "", table)
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
