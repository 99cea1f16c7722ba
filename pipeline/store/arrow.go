//go:build duckdb_arrow

package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/duckdb/duckdb-go/v2"
)

// Batch is one Arrow record batch of a query result.
type Batch = arrow.RecordBatch

// ArrowQuery runs query on conn and hands its result to fn batch by batch,
// as Arrow record batches: bulk data crosses between DuckDB and Go without
// a row-by-row scan. A batch is valid only during its call.
//
// The driver materializes a result whole before its first batch: a query
// over every status must be cut into parts (see RowidRanges), or its
// result sits in memory all at once.
func ArrowQuery(ctx context.Context, conn *sql.Conn, query string, fn func(Batch) error, args ...any) error {
	return conn.Raw(func(dc any) error {
		ar, err := duckdb.NewArrowFromConn(dc.(driver.Conn))
		if err != nil {
			return fmt.Errorf("arrow: %w", err)
		}
		rr, err := ar.QueryContext(ctx, query, args...)
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

// Columns reads the columns of a batch in order: dst[i] is set to a reader
// of column i, get(row) the value of a row. Each dst is one of
//
//   - *func(int) string: a text column of any Arrow string layout, NULL as "";
//   - *func(int) int64: an integer column, NULL as 0;
//   - *func(int) float64: a DOUBLE column, NULL as 0;
//   - *func(int) any: an integer column as an Inserter takes it, an int64 or
//     nil for NULL.
func Columns(b Batch, dst ...any) error {
	for col, d := range dst {
		var err error
		switch d := d.(type) {
		case *func(int) string:
			*d, err = column[string](b, col)
		case *func(int) int64:
			*d, err = column[int64](b, col)
		case *func(int) float64:
			*d, err = column[float64](b, col)
		case *func(int) any:
			*d, err = nullable[int64](b, col)
		default:
			err = fmt.Errorf("arrow: cannot read column %d into a %T", col, d)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// column reads column col of a batch as values of type T; NULL reads as
// the zero T.
func column[T string | int64 | float64](b Batch, col int) (func(i int) T, error) {
	a, ok := b.Column(col).(interface {
		Value(int) T
		IsNull(int) bool
	})
	if !ok {
		var zero T
		return nil, fmt.Errorf("arrow: column %d is %s, not %T", col, b.Column(col).DataType(), zero)
	}
	return func(i int) T {
		if a.IsNull(i) {
			var zero T
			return zero
		}
		return a.Value(i)
	}, nil
}

// nullable reads column col of a batch as values of type T, or nil for
// NULL.
func nullable[T string | int64 | float64](b Batch, col int) (func(i int) any, error) {
	get, err := column[T](b, col)
	if err != nil {
		return nil, err
	}
	nulls := b.Column(col)
	return func(i int) any {
		if nulls.IsNull(i) {
			return nil
		}
		return get(i)
	}, nil
}

// Inserter bulk-inserts rows into a table as Arrow record batches: rows are
// built column-wise in Go and handed to DuckDB a batch at a time through an
// Arrow view, with no per-row call across cgo. A full batch is inserted in
// the background while the next one is built (at most one waits), so the
// caller's work and DuckDB's overlap; the first error is returned by a later
// Add or by Close.
type Inserter struct {
	ctx     context.Context
	conn    *sql.Conn
	table   string
	schema  *arrow.Schema
	b       *array.RecordBuilder
	n       int
	pending chan arrow.RecordBatch // to the inserting goroutine
	done    chan struct{}          // closed when it has handled all of pending
	failed  chan struct{}          // closed when an insert has failed
	err     error                  // that failure, set before failed is closed
}

// insertBatch is how many rows an Inserter holds before handing them over.
const insertBatch = 1 << 16

// NewInserter inserts into table, whose columns' types are read from the
// database. Add takes a value for each of cols in that order (columns not
// named are NULL); without cols, the table's columns in order: only for a
// table the caller made itself.
func NewInserter(ctx context.Context, conn *sql.Conn, table string, cols ...string) (*Inserter, error) {
	rows, err := conn.QueryContext(ctx, `SELECT column_name, data_type FROM information_schema.columns
WHERE table_name = ? AND table_schema = current_schema() ORDER BY ordinal_position`, table)
	if err != nil {
		return nil, fmt.Errorf("inserter %s: %w", table, err)
	}
	defer rows.Close()
	var fields []arrow.Field
	for rows.Next() {
		var name, typ string
		if err := rows.Scan(&name, &typ); err != nil {
			return nil, err
		}
		var dt arrow.DataType
		switch typ {
		case "VARCHAR":
			dt = arrow.BinaryTypes.String
		case "BIGINT":
			dt = arrow.PrimitiveTypes.Int64
		case "DOUBLE":
			dt = arrow.PrimitiveTypes.Float64
		case "BOOLEAN":
			dt = arrow.FixedWidthTypes.Boolean
		default:
			return nil, fmt.Errorf("inserter %s: column %s of type %s is not supported", table, name, typ)
		}
		fields = append(fields, arrow.Field{Name: name, Type: dt, Nullable: true})
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(fields) == 0 {
		return nil, fmt.Errorf("inserter: no table %s", table)
	}
	if len(cols) > 0 {
		named := make([]arrow.Field, 0, len(cols))
		for _, c := range cols {
			i := slices.IndexFunc(fields, func(f arrow.Field) bool { return f.Name == c })
			if i < 0 {
				return nil, fmt.Errorf("inserter: table %s has no column %s", table, c)
			}
			named = append(named, fields[i])
		}
		fields = named
	}
	schema := arrow.NewSchema(fields, nil)
	in := &Inserter{ctx: ctx, conn: conn, table: table, schema: schema, b: array.NewRecordBuilder(memory.DefaultAllocator, schema),
		pending: make(chan arrow.RecordBatch), done: make(chan struct{}), failed: make(chan struct{})}
	go in.insertAll()
	return in, nil
}

// insertAll inserts the batches it is handed, in order, until pending is
// closed; after an error it only releases them.
func (in *Inserter) insertAll() {
	defer close(in.done)
	for rec := range in.pending {
		if in.err == nil {
			if in.err = in.insert(rec); in.err != nil {
				close(in.failed)
			}
		}
		rec.Release()
	}
}

// Add appends one row: string, int64, float64, bool or nil per column.
func (in *Inserter) Add(vals ...any) error {
	if len(vals) != len(in.schema.Fields()) {
		return fmt.Errorf("inserter %s: %d values for %d columns", in.table, len(vals), len(in.schema.Fields()))
	}
	for i, v := range vals {
		fb := in.b.Field(i)
		if v == nil {
			fb.AppendNull()
			continue
		}
		switch fb := fb.(type) {
		case *array.StringBuilder:
			fb.Append(v.(string))
		case *array.Int64Builder:
			fb.Append(v.(int64))
		case *array.Float64Builder:
			fb.Append(v.(float64))
		case *array.BooleanBuilder:
			fb.Append(v.(bool))
		}
	}
	if in.n++; in.n >= insertBatch {
		return in.flush()
	}
	return nil
}

// AddInt64 appends one row of a table whose columns are all BIGINT,
// without boxing each value as Add does: for the long edge lists.
func (in *Inserter) AddInt64(vals ...int64) error {
	if len(vals) != len(in.schema.Fields()) {
		return fmt.Errorf("inserter %s: %d values for %d columns", in.table, len(vals), len(in.schema.Fields()))
	}
	for i, v := range vals {
		fb, ok := in.b.Field(i).(*array.Int64Builder)
		if !ok {
			return fmt.Errorf("inserter %s: column %d is not BIGINT", in.table, i)
		}
		fb.Append(v)
	}
	if in.n++; in.n >= insertBatch {
		return in.flush()
	}
	return nil
}

func (in *Inserter) flush() error {
	if in.n == 0 {
		return nil
	}
	rec := in.b.NewRecordBatch()
	in.n = 0
	select {
	case in.pending <- rec:
		return nil
	case <-in.failed:
		rec.Release()
		return in.err
	}
}

func (in *Inserter) insert(rec arrow.RecordBatch) error {
	rr, err := array.NewRecordReader(in.schema, []arrow.RecordBatch{rec})
	if err != nil {
		return err
	}
	defer rr.Release()
	return in.conn.Raw(func(dc any) error {
		ar, err := duckdb.NewArrowFromConn(dc.(driver.Conn))
		if err != nil {
			return err
		}
		view := fmt.Sprintf("arrow_insert_%s_%p", in.table, in) // inserters may work side by side
		release, err := ar.RegisterView(rr, view)
		if err != nil {
			return fmt.Errorf("inserter %s: %w", in.table, err)
		}
		defer release()
		ex, ok := dc.(driver.ExecerContext)
		if !ok {
			return fmt.Errorf("inserter: driver cannot exec")
		}
		if _, err := ex.ExecContext(in.ctx, "INSERT INTO "+QuoteIdent(in.table)+" BY NAME SELECT * FROM "+QuoteIdent(view), nil); err != nil {
			return fmt.Errorf("inserter %s: %w", in.table, err)
		}
		_, err = ex.ExecContext(in.ctx, "DROP VIEW IF EXISTS "+QuoteIdent(view), nil)
		return err
	})
}

// Close inserts what is left and waits for every insert; it gives the first
// error of any of them.
func (in *Inserter) Close() error {
	ferr := in.flush()
	close(in.pending)
	<-in.done
	in.b.Release()
	if in.err != nil {
		return in.err
	}
	return ferr
}

// InsertAll bulk-inserts the rows fn adds into table, as Arrow batches:
// fn's values are for cols, as NewInserter's.
func InsertAll(ctx context.Context, conn *sql.Conn, table string, fn func(add func(vals ...any) error) error, cols ...string) error {
	in, err := NewInserter(ctx, conn, table, cols...)
	if err != nil {
		return err
	}
	if err := fn(in.Add); err != nil {
		in.Close()
		return err
	}
	return in.Close()
}
