//go:build !duckdb_arrow

package store

import (
	"context"
	"database/sql"
	"errors"
)

// Batch is one Arrow record batch; this build has no Arrow support.
type Batch = any

// ArrowQuery needs the duckdb_arrow build tag: go build -tags duckdb_arrow.
func ArrowQuery(ctx context.Context, conn *sql.Conn, query string, fn func(Batch) error, args ...any) error {
	return errors.New("this binary was built without Arrow: build with -tags duckdb_arrow")
}

// Rows is the number of rows of a batch.
func Rows(b Batch) int { return 0 }

// Columns needs the duckdb_arrow build tag.
func Columns(b Batch, dst ...any) error {
	return errors.New("this binary was built without Arrow: build with -tags duckdb_arrow")
}

// Inserter needs the duckdb_arrow build tag.
type Inserter struct{}

// NewInserter needs the duckdb_arrow build tag.
func NewInserter(ctx context.Context, conn *sql.Conn, table string, cols ...string) (*Inserter, error) {
	return nil, errors.New("this binary was built without Arrow: build with -tags duckdb_arrow")
}

// Add needs the duckdb_arrow build tag.
func (in *Inserter) Add(vals ...any) error        { return errors.New("no Arrow in this build") }
func (in *Inserter) AddInt64(vals ...int64) error { return errors.New("no Arrow in this build") }

// Close needs the duckdb_arrow build tag.
func (in *Inserter) Close() error { return nil }

// InsertAll needs the duckdb_arrow build tag.
func InsertAll(ctx context.Context, conn *sql.Conn, table string, fn func(add func(vals ...any) error) error, cols ...string) error {
	return errors.New("this binary was built without Arrow: build with -tags duckdb_arrow")
}
