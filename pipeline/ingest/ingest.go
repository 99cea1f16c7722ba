// Package ingest loads a Mastodon dump — database export (CSV or pg_dump
// COPY) or REST API export (JSON) — into the canonical tables of the DuckDB
// database, quarantining bad rows into the warnings table.
package ingest

import (
	"bufio"
	"context"
	"database/sql"
	_ "embed"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"fediforensics/pipeline"
	"fediforensics/pipeline/dump"
	"fediforensics/pipeline/pgarchive"
	"fediforensics/pipeline/progress"
	"fediforensics/pipeline/schema"
	"fediforensics/pipeline/store"
)

//go:embed sql/canonical.sql
var canonicalSQL string

// Options control the ingest stage.
type Options struct {
	Instance   string      // instance of members no folder or manifest names
	Limits     dump.Limits // caps on the dump
	ScratchDir string      // where members are staged for DuckDB; removed by the caller
	Log        *slog.Logger
	// Progress shows the bytes of members read, then loaded (of their
	// total, known by then); zero shows nothing.
	Progress progress.Options
}

// Result is what the stage learnt, for the manifest.
type Result struct {
	Input     pipeline.Input
	Members   []pipeline.Member
	Skipped   []string
	Unread    []pipeline.UnreadMember // members skipped whole for their header
	Tables    []pipeline.TableCount
	Warnings  map[string]int64
	Instances []string
}

// memberState is a member read from the dump, before its instance is known.
type memberState struct {
	info    pipeline.Member
	files   []scratchFile
	spooled int64 // warnings of its reading, in the spool
}

// Run reads the dump at path into db.
func Run(ctx context.Context, db *sql.DB, path string, opt Options) (Result, error) {
	log := opt.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var (
		res      Result
		members  []*memberState
		manifest dumpManifest
		seq      int
	)
	// Warnings of the reading wait in the spool until the instance of
	// their member is known and the warnings table exists.
	spool := &warningSpool{dir: opt.ScratchDir}
	defer spool.close()
	t0 := time.Now()
	// A pg_dump archive's data decompresses under the cap of one member.
	maxData := opt.Limits.MaxMemberBytes
	if maxData <= 0 {
		maxData = dump.DefaultLimits().MaxMemberBytes
	}
	// The total is not known while reading: a compressed dump tells its
	// members' sizes only as it goes.
	reading := progress.New(progress.Task{Name: "ingest: read", Kind: progress.Bytes}, opt.Progress)
	reading.Start()
	defer reading.Stop()
	in, err := dump.Walk(ctx, path, opt.Limits, func(e dump.Entry, r io.Reader) error {
		if strings.EqualFold(e.Path, "manifest.json") {
			b, err := io.ReadAll(io.LimitReader(r, 1<<20))
			if err != nil {
				return err
			}
			if manifest, err = parseDumpManifest(b); err != nil {
				return fmt.Errorf("%w: %w", pipeline.ErrUsage, err)
			}
			return nil
		}
		// The content tells a pg_dump file, whatever its name.
		br := bufio.NewReaderSize(r, pgarchive.SniffLen)
		head, _ := br.Peek(pgarchive.SniffLen)
		kind, ok := classify(e.Path)
		if sk, err := sniffMember(e.Path, head); err != nil {
			return err
		} else if sk.Format != "" {
			kind, ok = sk, true
		}
		if !ok {
			res.Skipped = append(res.Skipped, e.Path)
			return nil
		}
		ms := &memberState{info: pipeline.Member{Path: e.Path, Format: kind.Format}}
		members = append(members, ms)
		warn := func(w pipeline.Warning) {
			if w.File == "" {
				w.File = e.Path
			}
			spool.add(w)
			ms.spooled++
		}
		open := func(t pipeline.Table, cols []string) (*scratchWriter, error) {
			seq++
			p := filepath.Join(opt.ScratchDir, fmt.Sprintf("%05d-%s.csv", seq, t))
			ms.files = append(ms.files, scratchFile{Path: p, Member: e.Path, Table: t, Converted: true})
			return newScratchWriter(p, cols)
		}
		reading.SetNote(e.Path)
		hr := dump.NewHashingReader(countingReader{br, reading})
		switch kind.Format {
		case pipeline.FormatCSV:
			seq++
			p := filepath.Join(opt.ScratchDir, fmt.Sprintf("%05d-%s.csv", seq, kind.Table))
			sf := scratchFile{Path: p, Spill: p + ".rows.csv", Member: e.Path, Table: kind.Table}
			if e.File != "" {
				// A directory's file is read in place (DuckDB only reads
				// it); the hash is taken below.
				sf.Path = e.File
			} else if err := copyToFile(p, hr); err != nil {
				return err
			}
			ms.files = append(ms.files, sf)
		case pipeline.FormatPGCopy:
			if err := readPGCopy(hr, e.Path, open, warn); err != nil {
				return err
			}
		case pipeline.FormatPGCustom, pipeline.FormatPGTar:
			if err := readPGArchive(hr, e.Path, maxData, open, warn); err != nil {
				return err
			}
		default:
			f, err := readAPI(hr, e.Path, kind.API, open, warn)
			if err != nil {
				return err
			}
			ms.info.Format = f
		}
		if err := spool.Err(); err != nil {
			return err
		}
		if _, err := io.Copy(io.Discard, hr); err != nil {
			return err
		}
		ms.info.Bytes, ms.info.SHA256 = hr.N(), hr.Sum()
		log.Debug("member read", "path", e.Path, "format", ms.info.Format, "bytes", hr.N())
		return nil
	})
	res.Input = in
	if err != nil {
		return res, err
	}
	reading.Done()
	log.Info("ingest: dump read and staged", "seconds", time.Since(t0).Seconds())
	t0 = time.Now()
	if len(members) == 0 {
		return res, fmt.Errorf("%s: %w: no member is named for a Mastodon table (accounts.csv, statuses.json, dump.sql, ...)", path, pipeline.ErrNoData)
	}
	instances := map[string]bool{}
	for _, ms := range members {
		inst, err := instanceOf(ms.info.Path, manifest, opt.Instance)
		if err != nil {
			return res, err
		}
		ms.info.Instance = inst
		instances[inst] = true
	}
	for inst := range instances {
		res.Instances = append(res.Instances, inst)
	}
	sort.Strings(res.Instances)

	// One connection for the whole load: the raw tables are temporary, and
	// temporary tables belong to the connection that made them.
	conn, err := db.Conn(ctx)
	if err != nil {
		return res, err
	}
	defer conn.Close()
	if err := createTables(ctx, conn); err != nil {
		return res, err
	}
	warnings := newWarningSink(ctx, conn)
	readerRejects := map[pipeline.Table]int64{}
	// Bytes, not members: loading takes time by size, and members differ
	// in size by orders of magnitude.
	var total int64
	for _, ms := range members {
		total += ms.info.Bytes
	}
	loading := progress.New(progress.Task{Name: "ingest: load", Kind: progress.Bytes, Total: total}, opt.Progress)
	loading.Start()
	defer loading.Stop()
	// The tables are known before the load: a warning without a table
	// takes the member's only one.
	warns := make([]func(pipeline.Warning), len(members))
	left := make([]int, len(members)) // files of each member not loaded yet
	for i, ms := range members {
		tables := map[string]bool{}
		for _, sf := range ms.files {
			tables[string(sf.Table)] = true
		}
		for t := range tables {
			ms.info.Tables = append(ms.info.Tables, t)
		}
		sort.Strings(ms.info.Tables)
		warns[i] = memberWarn(&ms.info, warnings, readerRejects)
		left[i] = len(ms.files)
	}
	results := make([][]loadResult, len(members)) // by member and file, gathered in the dump's order below
	load := func(i, f int, warn func(pipeline.Warning)) error {
		ms, sf := members[i], members[i].files[f]
		loading.SetNote(ms.info.Path)
		lr, err := loadScratch(ctx, conn, sf, ms.info.Instance, warn)
		if err != nil {
			return err
		}
		if err := warnings.Err(); err != nil {
			return err
		}
		if results[i] == nil {
			results[i] = make([]loadResult, len(ms.files))
		}
		results[i][f] = lr
		if lr.Unread != nil {
			log.Warn("member not loaded: its header lacks required columns", "member", sf.Member, "table", sf.Table,
				"reason", lr.Unread.Reason, "required", strings.Join(lr.Unread.Required, ","), "found", strings.Join(lr.Unread.Found, ","))
		}
		log.Debug("loaded", "member", sf.Member, "table", sf.Table, "rows", lr.Loaded, "rejected", lr.Rejected)
		if left[i]--; left[i] == 0 {
			loading.Add(ms.info.Bytes)
		}
		return nil
	}
	// The tables loaded in place (statuses, mentions: the largest) first,
	// while DuckDB's memory is free: they stream into the database file,
	// where the temporary raw tables loaded after them stay in memory up
	// to the limit. Each table's files keep the dump's order, which decides
	// among duplicate rows; their warnings wait in a spool of their own to
	// reach the warnings table in the dump's order too.
	early := &warningSpool{dir: opt.ScratchDir}
	defer early.close()
	earlyN := make([][]int64, len(members)) // warnings of each file loaded early
	for i, ms := range members {
		earlyN[i] = make([]int64, len(ms.files))
		for f, sf := range ms.files {
			if rawTableName(sf.Table) == string(sf.Table) {
				err := load(i, f, func(w pipeline.Warning) { early.add(w); earlyN[i][f]++ })
				if err == nil {
					err = early.Err()
				}
				if err != nil {
					return res, err
				}
			}
		}
	}
	for i, ms := range members {
		if err := spool.replay(ms.spooled, warns[i]); err != nil {
			return res, err
		}
		for f, sf := range ms.files {
			var err error
			if rawTableName(sf.Table) == string(sf.Table) {
				err = early.replay(earlyN[i][f], warns[i])
			} else {
				err = load(i, f, warns[i])
			}
			if err != nil {
				return res, err
			}
		}
		for _, lr := range results[i] {
			ms.info.Ignored = appendNew(ms.info.Ignored, lr.Ignored...)
			if lr.Unread != nil {
				res.Unread = append(res.Unread, *lr.Unread)
			}
		}
		if len(ms.files) == 0 {
			loading.Add(ms.info.Bytes)
		}
		res.Members = append(res.Members, ms.info)
	}
	loading.Done()
	if err := warnings.close(); err != nil {
		return res, err
	}
	log.Info("ingest: raw tables loaded", "seconds", time.Since(t0).Seconds())
	t0 = time.Now()
	read, err := countRead(ctx, conn)
	if err != nil {
		return res, err
	}
	if err := canonical(ctx, conn); err != nil {
		return res, err
	}
	log.Info("ingest: canonical tables built", "seconds", time.Since(t0).Seconds())
	res.Tables, err = countTables(ctx, conn, read, readerRejects)
	if err != nil {
		return res, err
	}
	res.Warnings, err = WarningsByKind(ctx, conn)
	return res, err
}

// appendNew appends the vals that list does not hold yet.
func appendNew(list []string, vals ...string) []string {
	for _, v := range vals {
		if !slices.Contains(list, v) {
			list = append(list, v)
		}
	}
	return list
}

func copyToFile(p string, r io.Reader) error {
	f, err := os.OpenFile(p, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("scratch file: %w", err)
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// createTables makes the tables the load fills: warnings, statuses and
// mentions (declared by pipeline/schema), and the temporary raw tables.
func createTables(ctx context.Context, db *sql.Conn) error {
	if err := schema.Create(ctx, db, schema.Warnings, schema.Statuses, schema.Mentions); err != nil {
		return fmt.Errorf("create tables: %w", err)
	}
	for _, t := range pipeline.AllTables() {
		if rawTableName(t) == string(t) {
			continue // statuses and mentions, made above
		}
		if _, err := db.ExecContext(ctx, createRawSQL(t)); err != nil {
			return fmt.Errorf("create tables: %w", err)
		}
	}
	return nil
}

// canonicalTables are the tables the canonical stage makes from the raw
// ones; statuses and mentions it only cleans in place.
func canonicalTables() []schema.Table {
	return []schema.Table{schema.Apps, schema.Accounts, schema.Tokens, schema.IPHistory, schema.Cards, schema.PreviewCards,
		schema.MediaAttachments, schema.Follows, schema.UserReports, schema.UserReportStatuses, schema.AccountWarnings,
		schema.AdminActionLogs, schema.EmailDomainBlocks, schema.IPBlocks, schema.DomainBlocks, schema.Instances}
}

// canonical runs the canonical stage over the raw tables, into its tables
// made anew.
func canonical(ctx context.Context, conn *sql.Conn) error {
	if err := schema.Create(ctx, conn, canonicalTables()...); err != nil {
		return fmt.Errorf("stage canonical: %w", err)
	}
	return store.Exec(ctx, conn, "canonical", canonicalSQL)
}

// canonicalTable maps each raw table to the canonical table that holds its
// rows one for one; "" for those merged into others (users into accounts,
// IP, login and session rows into ip_history).
func canonicalTable(t pipeline.Table) string {
	switch t {
	case pipeline.OAuthApplications:
		return "apps"
	case pipeline.OAuthAccessTokens:
		return "tokens"
	case pipeline.PreviewCardStatuses:
		return "preview_cards"
	case pipeline.PreviewCards:
		return "cards"
	case pipeline.Reports:
		return "user_reports"
	case pipeline.Users, pipeline.UserIPs, pipeline.LoginActivities, pipeline.SessionActivations:
		return ""
	}
	return string(t)
}

// countRead counts the rows each table received from the readers, before
// the canonical stage; copies embedded in other entities are not counted.
func countRead(ctx context.Context, conn *sql.Conn) (map[pipeline.Table]int64, error) {
	out := map[pipeline.Table]int64{}
	for _, t := range pipeline.AllTables() {
		embedded := "false"
		for _, c := range rawColumns(t) {
			if c.Name == "embedded" {
				embedded = "coalesce(embedded, false)"
			}
		}
		var n int64
		q := fmt.Sprintf(`SELECT count(*) FILTER (WHERE NOT %s) FROM %s`, embedded, rawTableName(t))
		if err := conn.QueryRowContext(ctx, q).Scan(&n); err != nil {
			return nil, fmt.Errorf("count %s: %w", t, err)
		}
		out[t] = n
	}
	return out, nil
}

func countTables(ctx context.Context, conn *sql.Conn, read, rejects map[pipeline.Table]int64) ([]pipeline.TableCount, error) {
	var out []pipeline.TableCount
	for _, t := range pipeline.AllTables() {
		var dups int64
		if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM warnings WHERE "table" = ? AND kind = 'duplicate_key'`, string(t)).Scan(&dups); err != nil {
			return nil, err
		}
		loaded := read[t] - dups
		if ct := canonicalTable(t); ct != "" {
			if err := conn.QueryRowContext(ctx, fmt.Sprintf("SELECT count(*) FROM %s", ct)).Scan(&loaded); err != nil {
				return nil, fmt.Errorf("count %s: %w", ct, err)
			}
		}
		out = append(out, pipeline.TableCount{Table: string(t), Read: read[t] + rejects[t], Loaded: loaded, Quarantined: dups + rejects[t]})
	}
	return out, nil
}

// WarningsByKind counts the warnings table by kind.
func WarningsByKind(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}) (map[string]int64, error) {
	rows, err := q.QueryContext(ctx, `SELECT kind, count(*) FROM warnings GROUP BY kind ORDER BY kind`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var k string
		var n int64
		if err := rows.Scan(&k, &n); err != nil {
			return nil, err
		}
		out[k] = n
	}
	return out, rows.Err()
}
