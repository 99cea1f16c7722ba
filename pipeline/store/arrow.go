//go:build duckdb_arrow

package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/duckdb/duckdb-go/v2"
)

// Batch is one Arrow record batch of a query result.
type Batch = arrow.RecordBatch

// ArrowQuery runs query on conn and hands its result to fn batch by batch,
// as Arrow record batches: bulk data crosses between DuckDB and Go without
// a row-by-row scan. A batch is valid only during its call.
func ArrowQuery(ctx context.Context, conn *sql.Conn, query string, fn func(Batch) error) error {
	return conn.Raw(func(dc any) error {
		ar, err := duckdb.NewArrowFromConn(dc.(driver.Conn))
		if err != nil {
			return fmt.Errorf("arrow: %w", err)
		}
		rr, err := ar.QueryContext(ctx, query)
		if err != nil {
			return fmt.Errorf("arrow query: %w", err)
		}
		defer rr.Release()
		for rr.Next() {
			if err := fn(rr.RecordBatch()); err != nil {
				return err
			}
		}
		return rr.Err()
	})
}

// Rows is the number of rows of a batch.
func Rows(b Batch) int { return int(b.NumRows()) }

// StringColumn reads column col of a batch as text: get(i) is the value of
// row i, "" for NULL. VARCHAR columns of any Arrow string layout qualify.
func StringColumn(b Batch, col int) (get func(i int) string, err error) {
	type stringer interface {
		Value(int) string
		IsNull(int) bool
	}
	a, ok := b.Column(col).(stringer)
	if !ok {
		return nil, fmt.Errorf("arrow: column %d is %s, not text", col, b.Column(col).DataType())
	}
	return func(i int) string {
		if a.IsNull(i) {
			return ""
		}
		return a.Value(i)
	}, nil
}

// Int64Column reads an integer column of a batch; NULL reads as 0.
func Int64Column(b Batch, col int) (func(i int) int64, error) {
	a, ok := b.Column(col).(interface {
		Value(int) int64
		IsNull(int) bool
	})
	if !ok {
		return nil, fmt.Errorf("arrow: column %d is %s, not BIGINT", col, b.Column(col).DataType())
	}
	return func(i int) int64 {
		if a.IsNull(i) {
			return 0
		}
		return a.Value(i)
	}, nil
}

// Float64Column reads a DOUBLE column of a batch; NULL reads as 0.
func Float64Column(b Batch, col int) (func(i int) float64, error) {
	a, ok := b.Column(col).(interface {
		Value(int) float64
		IsNull(int) bool
	})
	if !ok {
		return nil, fmt.Errorf("arrow: column %d is %s, not DOUBLE", col, b.Column(col).DataType())
	}
	return func(i int) float64 {
		if a.IsNull(i) {
			return 0
		}
		return a.Value(i)
	}, nil
}
