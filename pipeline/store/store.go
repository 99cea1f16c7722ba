// Package store opens the DuckDB database of an output directory and runs
// the SQL scripts of the stages. It is the only package that imports the
// DuckDB driver.
package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"path/filepath"
	"runtime"

	"github.com/duckdb/duckdb-go/v2"
)

// FileName is the database file inside an output directory.
const FileName = "pipeline.duckdb"

// Options tune the database. Zero values take the defaults.
type Options struct {
	MemoryLimit string // DuckDB memory_limit, e.g. "4GB"; default 60% of RAM as DuckDB decides
	Threads     int    // default: GOMAXPROCS
	TempDir     string // spill directory; default beside the database
}

// Open opens (creating if needed) the DuckDB database in dir.
func Open(ctx context.Context, dir string, opt Options) (*sql.DB, error) {
	path := filepath.Join(dir, FileName)
	if opt.Threads <= 0 {
		opt.Threads = runtime.GOMAXPROCS(0)
	}
	if opt.TempDir == "" {
		opt.TempDir = filepath.Join(dir, ".duckdb-tmp")
	}
	connector, err := duckdb.NewConnector(path, func(execer driver.ExecerContext) error {
		stmts := []string{
			fmt.Sprintf("SET threads = %d", opt.Threads),
			fmt.Sprintf("SET temp_directory = '%s'", escape(opt.TempDir)),
			"SET preserve_insertion_order = true",
			"SET enable_progress_bar = false",
			// One checkpoint at the end of a stage run, not many on the way.
			"SET checkpoint_threshold = '16GB'",
		}
		if opt.MemoryLimit != "" {
			stmts = append(stmts, fmt.Sprintf("SET memory_limit = '%s'", escape(opt.MemoryLimit)))
		}
		for _, s := range stmts {
			if _, err := execer.ExecContext(ctx, s, nil); err != nil {
				return fmt.Errorf("%s: %w", s, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	db := sql.OpenDB(connector)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	return db, nil
}

func escape(s string) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '\'' {
			out = append(out, '\'')
		}
		out = append(out, s[i])
	}
	return string(out)
}

// Exec runs a script of one or more statements.
func Exec(ctx context.Context, db interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
}, name, script string) error {
	if _, err := db.ExecContext(ctx, script); err != nil {
		return fmt.Errorf("stage %s: %w", name, err)
	}
	return nil
}

// OpenReadOnly opens the database of an existing output for reading.
func OpenReadOnly(ctx context.Context, dir string) (*sql.DB, error) {
	path := filepath.Join(dir, FileName)
	db, err := sql.Open("duckdb", path+"?access_mode=read_only")
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	return db, nil
}

// Each runs a query and calls scan on every row; errors name the query.
func Each(ctx context.Context, db *sql.DB, name, query string, args []any, scan func(*sql.Rows) error) error {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}
