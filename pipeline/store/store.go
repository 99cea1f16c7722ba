// Package store opens the DuckDB database of an output directory and runs
// the SQL scripts of the stages. It is the only package that imports the
// DuckDB driver.
package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/duckdb/duckdb-go/v2"
)

// FileName is the database file inside an output directory.
const FileName = "pipeline.duckdb"

// Options tune the database. Zero values take the defaults.
type Options struct {
	MemoryLimit string // DuckDB memory_limit, e.g. "4GB"; default from the machine (MemoryLimit)
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
	if opt.MemoryLimit == "" {
		opt.MemoryLimit, _ = MemoryLimit()
	}
	// The spill folder is the database's, set as it opens: DuckDB refuses
	// to be told it again on a later connection once it has spilled there.
	cfg := url.Values{}
	cfg.Set("temp_directory", opt.TempDir)
	connector, err := duckdb.NewConnector(path+"?"+cfg.Encode(), func(execer driver.ExecerContext) error {
		stmts := []string{
			fmt.Sprintf("SET threads = %d", opt.Threads),
			"SET preserve_insertion_order = true",
			"SET enable_progress_bar = false",
			// One checkpoint at the end of a stage run, not many on the way.
			"SET checkpoint_threshold = '16GB'",
		}
		stmts = append(stmts, "SET memory_limit = "+QuoteString(opt.MemoryLimit))
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

// Exec runs a script of one or more statements.
func Exec(ctx context.Context, db interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
}, name, script string) error {
	if _, err := db.ExecContext(ctx, script); err != nil {
		return fmt.Errorf("stage %s: %w", name, err)
	}
	return nil
}

// OpenReadOnly opens the database of an existing output for reading, for
// SQL of ours only: it can still reach files (export writes Parquet with
// COPY ... TO). SQL a user wrote or sent goes through OpenSandboxed.
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

// OpenSandboxed opens the database of an existing output for SQL that is
// not ours: a query typed on the command line, the cells of a notebook
// someone sent. Read-only access alone still lets such SQL reach the rest
// of the machine: COPY ... TO writes any file, read_text and read_csv read
// any file, ATTACH opens other databases, INSTALL and LOAD fetch and run
// extensions. So external access is disabled, extensions are neither
// installed nor loaded on demand, community extensions are refused, and
// then the configuration is locked so that the SQL cannot SET, RESET or
// PRAGMA any of it back.
//
// With external access disabled DuckDB still opens the files it was given
// before: the database with its WAL, and the temp directory, where a query
// larger than the memory limit spills and still runs. SQL may read and
// write in that directory too, so it is a new, private one: under
// opt.TempDir, by default the system's (TMPDIR), never inside the output,
// and Close removes it.
func OpenSandboxed(ctx context.Context, dir string, opt Options) (*sql.DB, error) {
	path := filepath.Join(dir, FileName)
	tmp, err := os.MkdirTemp(opt.TempDir, "pipeline-duckdb-")
	if err != nil {
		return nil, fmt.Errorf("open database %s: spill directory: %w", path, err)
	}
	// The DSN says how to open the database; the init callback then closes
	// it in. A per-open spill directory also makes this configuration
	// differ from any other open of the same file, so DuckDB's instance
	// cache refuses to share the database with an open in the same process
	// (an export's) rather than lock that one too or hand this one over
	// unlocked. temp_directory cannot go with enable_external_access in the
	// DSN: the driver applies DSN options in no fixed order, and DuckDB
	// refuses a temp_directory once external access is off.
	cfg := url.Values{}
	cfg.Set("access_mode", "read_only")
	cfg.Set("temp_directory", tmp)
	if opt.Threads > 0 {
		cfg.Set("threads", strconv.Itoa(opt.Threads))
	}
	if opt.MemoryLimit == "" {
		opt.MemoryLimit, _ = MemoryLimit()
	}
	cfg.Set("memory_limit", opt.MemoryLimit)
	connector, err := duckdb.NewConnector(path+"?"+cfg.Encode(), func(execer driver.ExecerContext) error {
		return lockSandbox(ctx, execer)
	})
	if err != nil {
		os.RemoveAll(tmp)
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	db := sql.OpenDB(&sandboxConnector{Connector: connector, tmp: tmp})
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	return db, nil
}

// sandboxSettings are the statements that close a database in, in order,
// the lock last: once it is set no SET, RESET or PRAGMA changes any
// setting, ours included.
func sandboxSettings() []string {
	return []string{
		// No COPY, ATTACH, read_* or glob outside the database and the spill
		// directory; no http(s) or s3 either. DuckDB allows only turning it
		// off while the database runs.
		"SET enable_external_access = false",
		// No extension fetched or loaded because a query names one of its
		// functions or file systems; INSTALL and LOAD themselves are refused
		// by enable_external_access.
		"SET autoinstall_known_extensions = false",
		"SET autoload_known_extensions = false",
		"SET allow_community_extensions = false",
		"SET lock_configuration = true",
	}
}

// sandboxWant is what duckdb_settings() shows in a closed-in database.
// allow_unsigned_extensions is false by default and can only be set at
// startup; it is checked all the same.
func sandboxWant() map[string]string {
	return map[string]string{
		"access_mode":                  "read_only",
		"enable_external_access":       "false",
		"autoinstall_known_extensions": "false",
		"autoload_known_extensions":    "false",
		"allow_community_extensions":   "false",
		"allow_unsigned_extensions":    "false",
		"lock_configuration":           "true",
	}
}

// lockSandbox runs on every new connection. The settings are the
// database's, not the connection's: the first connection (the Ping of
// OpenSandboxed, before the pool makes any other) sets and locks them,
// and every connection checks them, so that one which is not closed in
// (a database opened otherwise) fails rather than runs the SQL.
func lockSandbox(ctx context.Context, execer driver.ExecerContext) error {
	got, err := currentSettings(ctx, execer)
	if err != nil {
		return err
	}
	if got["lock_configuration"] != "true" {
		for _, s := range sandboxSettings() {
			if _, err := execer.ExecContext(ctx, s, nil); err != nil {
				return fmt.Errorf("sandbox: %s: %w", s, err)
			}
		}
		if got, err = currentSettings(ctx, execer); err != nil {
			return err
		}
	}
	want := sandboxWant()
	for _, n := range slices.Sorted(maps.Keys(want)) {
		if got[n] != want[n] {
			return fmt.Errorf("sandbox: %s is %q, not %q", n, got[n], want[n])
		}
	}
	return nil
}

// currentSettings reads the values of the sandbox settings.
func currentSettings(ctx context.Context, execer driver.ExecerContext) (map[string]string, error) {
	q, ok := execer.(driver.QueryerContext)
	if !ok {
		return nil, errors.New("sandbox: the driver connection cannot query its settings")
	}
	var names []string
	for n := range sandboxWant() {
		names = append(names, QuoteString(n))
	}
	rows, err := q.QueryContext(ctx, "SELECT name, value FROM duckdb_settings() WHERE name IN ("+strings.Join(names, ", ")+")", nil)
	if err != nil {
		return nil, fmt.Errorf("sandbox: read the settings: %w", err)
	}
	defer rows.Close()
	got := map[string]string{}
	row := make([]driver.Value, 2)
	for {
		err := rows.Next(row)
		if errors.Is(err, io.EOF) {
			return got, nil
		}
		if err != nil {
			return nil, fmt.Errorf("sandbox: read the settings: %w", err)
		}
		got[fmt.Sprint(row[0])] = fmt.Sprint(row[1])
	}
}

// sandboxConnector removes the private spill directory when the database
// is closed (sql.DB.Close closes its connector).
type sandboxConnector struct {
	*duckdb.Connector
	tmp string
}

func (c *sandboxConnector) Close() error {
	err := c.Connector.Close()
	return errors.Join(err, os.RemoveAll(c.tmp))
}

// Refusal says why a database of OpenSandboxed refused a statement, as a
// phrase about "this SQL", or "" when err is not such a refusal.
func Refusal(err error) string {
	var de *duckdb.Error
	if !errors.As(err, &de) {
		return ""
	}
	switch {
	case de.Type == duckdb.ErrorTypePermission:
		// Files, URLs, ATTACH, COPY, INSTALL and LOAD all end here.
		return "this SQL reaches outside the output (file, network and extension access is disabled for read-only queries)"
	case strings.Contains(de.Msg, "the configuration has been locked"):
		return "this SQL changes a setting (settings are locked for read-only queries)"
	case strings.Contains(de.Msg, "read-only mode"):
		return "this SQL writes to the database (it is opened read-only)"
	}
	return ""
}

// EachFile runs the query of the file sql/NAME.sql in fsys (the embedded
// queries of a stage) and calls scan on every row; errors name the query.
func EachFile(ctx context.Context, db *sql.DB, fsys fs.FS, name string, args []any, scan func(*sql.Rows) error) error {
	q, err := fs.ReadFile(fsys, "sql/"+name+".sql")
	if err != nil {
		return err
	}
	return Each(ctx, db, name, string(q), args, scan)
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

// RowidRanges cuts the rows of table into ranges of rowids [lo, hi) of at
// most n rows each, in order, for queries over a big table that the driver
// would otherwise materialize whole (see ArrowQuery): each range is asked
// for with "rowid >= lo AND rowid < hi", which DuckDB's scan skips to.
// An empty table has no range.
func RowidRanges(ctx context.Context, conn *sql.Conn, table string, n int64) ([][2]int64, error) {
	if n <= 0 {
		return nil, fmt.Errorf("rowid ranges of %s: %d rows a range", table, n)
	}
	var lo, hi sql.NullInt64
	if err := conn.QueryRowContext(ctx, "SELECT min(rowid), max(rowid) FROM "+QuoteIdent(table)).Scan(&lo, &hi); err != nil {
		return nil, fmt.Errorf("rowid ranges of %s: %w", table, err)
	}
	if !lo.Valid {
		return nil, nil
	}
	var out [][2]int64
	for at := lo.Int64; at <= hi.Int64; at += n {
		out = append(out, [2]int64{at, min(at+n, hi.Int64+1)})
	}
	return out, nil
}
