// Package bench measures the stages against DuckDB's own bare load of the
// same files, in the same run, so the figures are ratios and not guesses.
package bench

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"fediforensics/data"
	"fediforensics/pipeline/extract"
	"fediforensics/pipeline/gen"
	"fediforensics/pipeline/ingest"
	"fediforensics/pipeline/ipinfo"
	"fediforensics/pipeline/link"
	"fediforensics/pipeline/schema"
	"fediforensics/pipeline/store"
)

// Config sizes a benchmark.
type Config struct {
	Accounts, Statuses int
	WorkDir            string // where the dump and databases go; default a temp dir, removed
	Dump               string // an existing dump directory to measure instead of a generated one (as gen --dir --csv-only writes)
	MemoryLimit        string
	Threads            int
	Stages             bool // also time extract and link
	Log                *slog.Logger
}

// Result is one benchmark run.
type Result struct {
	Statuses, Accounts int64
	DumpBytes          int64
	Ingest, Bare       time.Duration // Ingest: the whole stage; Bare: DuckDB's read_csv/read_json of the same members
	Ratio              float64
	RowsPerSec         float64 // statuses loaded per second of ingest
	PeakRSSIngest      int64   // bytes, VmHWM after ingest

	// With Config.Stages: the later stages, and DuckDB's own regexp pass
	// over the same status content. Extract is the whole stage: Refs (the
	// pass that writes domain_refs) and Summary (the domains table).
	// RefsWrite is what DuckDB alone takes to write a copy of domain_refs
	// from memory into the database: a floor under Refs that no scanning
	// can go below.
	Extract, BareRegexp      time.Duration
	Refs, Summary, RefsWrite time.Duration
	ExtractRatio             float64
	Link                     time.Duration
	Campaigns                int64
	PeakRSS                  int64
}

func (r Result) String() string {
	s := fmt.Sprintf("statuses=%d accounts=%d dump=%.1fMB ingest=%.2fs bare=%.2fs ratio=%.2f statuses/s=%.0f peak_rss_ingest=%.0fMB",
		r.Statuses, r.Accounts, float64(r.DumpBytes)/1e6, r.Ingest.Seconds(), r.Bare.Seconds(), r.Ratio, r.RowsPerSec, float64(r.PeakRSSIngest)/1e6)
	if r.Extract > 0 {
		s += fmt.Sprintf("\nextract=%.2fs (refs=%.2fs summary=%.2fs) bare_regexp=%.2fs extract_ratio=%.2f refs_write_floor=%.2fs (%.2f of bare_regexp) link=%.2fs campaigns=%d peak_rss=%.0fMB",
			r.Extract.Seconds(), r.Refs.Seconds(), r.Summary.Seconds(), r.BareRegexp.Seconds(), r.ExtractRatio,
			r.RefsWrite.Seconds(), r.RefsWrite.Seconds()/r.BareRegexp.Seconds(), r.Link.Seconds(), r.Campaigns, float64(r.PeakRSS)/1e6)
	}
	return s
}

// Run generates a dump, ingests it, and bare-loads its CSV and JSON members.
func Run(ctx context.Context, cfg Config) (Result, error) {
	var res Result
	work := cfg.WorkDir
	if work == "" {
		tmp, err := os.MkdirTemp("", "pipeline-bench-")
		if err != nil {
			return res, err
		}
		defer os.RemoveAll(tmp)
		work = tmp
	}
	if err := os.MkdirAll(work, 0o755); err != nil {
		return res, err
	}
	dumpDir := cfg.Dump
	if dumpDir == "" {
		dumpDir = filepath.Join(work, "dump")
		if _, err := gen.Write(dumpDir, gen.Config{Seed: 7, Accounts: cfg.Accounts, Statuses: cfg.Statuses, CSVOnly: true}); err != nil {
			return res, err
		}
	}
	var members []string
	filepath.WalkDir(dumpDir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			members = append(members, p)
			if st, err := d.Info(); err == nil {
				res.DumpBytes += st.Size()
			}
		}
		return nil
	})
	sort.Strings(members)

	ingestDir := filepath.Join(work, "ingest")
	scratch := filepath.Join(ingestDir, ".scratch")
	if err := os.MkdirAll(scratch, 0o755); err != nil {
		return res, err
	}
	db, err := store.Open(ctx, ingestDir, store.Options{MemoryLimit: cfg.MemoryLimit, Threads: cfg.Threads})
	if err != nil {
		return res, err
	}
	t0 := time.Now()
	r, err := ingest.Run(ctx, db, dumpDir, ingest.Options{ScratchDir: scratch, Log: cfg.Log})
	if err == nil {
		_, err = db.ExecContext(ctx, "CHECKPOINT")
	}
	res.Ingest = time.Since(t0)
	if err != nil {
		db.Close()
		return res, err
	}
	res.PeakRSSIngest = peakRSS()
	if cfg.Stages {
		if err := timeStages(ctx, db, r.Instances, &res, cfg.Log); err != nil {
			db.Close()
			return res, err
		}
	}
	db.Close()
	for _, t := range r.Tables {
		switch t.Table {
		case "statuses":
			res.Statuses = t.Loaded
		case "accounts":
			res.Accounts = t.Loaded
		}
	}

	bareDir := filepath.Join(work, "bare")
	if err := os.MkdirAll(bareDir, 0o755); err != nil {
		return res, err
	}
	bdb, err := store.Open(ctx, bareDir, store.Options{MemoryLimit: cfg.MemoryLimit, Threads: cfg.Threads})
	if err != nil {
		return res, err
	}
	defer bdb.Close()
	t0 = time.Now()
	for i, m := range members {
		var q string
		switch {
		case strings.HasSuffix(m, ".csv"):
			q = fmt.Sprintf("CREATE TABLE t%d AS SELECT * FROM read_csv(%s)", i, store.QuoteString(m))
		case strings.HasSuffix(m, ".json"), strings.HasSuffix(m, ".jsonl"):
			q = fmt.Sprintf("CREATE TABLE t%d AS SELECT * FROM read_json(%s)", i, store.QuoteString(m))
		default:
			return res, fmt.Errorf("bench: %s has no DuckDB reader", m)
		}
		if _, err := bdb.ExecContext(ctx, q); err != nil {
			return res, fmt.Errorf("bare load %s: %w", m, err)
		}
	}
	if _, err := bdb.ExecContext(ctx, "CHECKPOINT"); err != nil {
		return res, err
	}
	res.Bare = time.Since(t0)
	res.Ratio = res.Ingest.Seconds() / res.Bare.Seconds()
	res.RowsPerSec = float64(res.Statuses) / res.Ingest.Seconds()
	return res, nil
}

// timeStages times extract (against DuckDB's regexp_extract_all over the
// same content) and link.
func timeStages(ctx context.Context, db *sql.DB, instances []string, res *Result, log *slog.Logger) error {
	t0 := time.Now()
	if _, err := db.ExecContext(ctx, `CREATE OR REPLACE TABLE bare_urls AS
SELECT instance, status_id, unnest(regexp_extract_all(coalesce(content_html, text),
  '(?i)https?://[^\s<>"]+|\b[a-z0-9-]+(?:\.[a-z0-9-]+)+\b')) AS url FROM statuses`); err != nil {
		return fmt.Errorf("bare regexp: %w", err)
	}
	res.BareRegexp = time.Since(t0)
	t0 = time.Now()
	if err := extract.Run(ctx, db, instances); err != nil {
		return err
	}
	res.Refs = time.Since(t0)
	t1 := time.Now()
	if err := extract.Summarise(ctx, db); err != nil {
		return err
	}
	res.Summary = time.Since(t1)
	res.Extract = time.Since(t0)
	res.ExtractRatio = res.Extract.Seconds() / res.BareRegexp.Seconds()
	if err := refsWriteFloor(ctx, db, res); err != nil {
		return err
	}
	if err := schema.Create(ctx, db, schema.Whois); err != nil {
		return err
	}
	if _, err := ipinfo.Run(ctx, db, ipinfo.Options{}); err != nil { // no database: the empty tables link reads
		return err
	}
	t0 = time.Now()
	if err := link.Run(ctx, db, link.Options{Lists: data.Lists(), Log: log}); err != nil {
		return err
	}
	res.Link = time.Since(t0)
	res.PeakRSS = peakRSS()
	return db.QueryRowContext(ctx, `SELECT count(*) FROM campaigns`).Scan(&res.Campaigns)
}

// refsWriteFloor times DuckDB writing a copy of domain_refs, held in memory
// on one connection (a temporary table), into the database.
func refsWriteFloor(ctx context.Context, db *sql.DB, res *Result) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `CREATE OR REPLACE TEMP TABLE refs_in_memory AS SELECT * FROM domain_refs`); err != nil {
		return fmt.Errorf("refs write floor: %w", err)
	}
	t0 := time.Now()
	if _, err := conn.ExecContext(ctx, `CREATE OR REPLACE TABLE refs_written AS SELECT * FROM refs_in_memory`); err != nil {
		return fmt.Errorf("refs write floor: %w", err)
	}
	res.RefsWrite = time.Since(t0)
	_, err = conn.ExecContext(ctx, `DROP TABLE refs_written; DROP TABLE refs_in_memory`)
	return err
}

// peakRSS reads the process's high-water resident set size (Linux).
func peakRSS() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb * 1024
		}
	}
	return 0
}
