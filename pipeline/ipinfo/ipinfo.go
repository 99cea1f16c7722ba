// Package ipinfo is the IP enrichment stage: every distinct address of
// ip_history gets its AS, network owner, network, country and a hosting
// flag from the network databases the investigator holds (package ipdb),
// offline, into the ip_info table. Without a database the stage only makes
// the empty tables and says that it was skipped.
package ipinfo

import (
	"context"
	"database/sql"
	"database/sql/driver"
	_ "embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"fediforensics/data"
	"fediforensics/pipeline"
	"fediforensics/pipeline/ipdb"
	"fediforensics/pipeline/progress"
	"fediforensics/pipeline/schema"
	"fediforensics/pipeline/store"
)

//go:embed sql/tables.sql
var tablesSQL string

// HostingList is the file of the editable lists naming hosting ASNs.
const HostingList = "hosting_asns.txt"

// Options of the stage.
type Options struct {
	Files    []string // the databases, in order of precedence
	Lists    fs.FS    // hosting_asns.txt
	Log      *slog.Logger
	Progress progress.Options
}

// Result says what the stage did.
type Result struct {
	Skipped   bool // no database given
	Databases []pipeline.IPDatabase
	Addresses int64 // distinct addresses of ip_history
	Known     int64 // known to at least one database
	Hosting   int64
	Invalid   int64 // values of ip_history that are not addresses
}

// Run fills ip_info and ip_databases.
func Run(ctx context.Context, db *sql.DB, opt Options) (Result, error) {
	var res Result
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	if opt.Progress.Log == nil {
		opt.Progress.Log = opt.Log
	}
	if err := schema.Create(ctx, db, schema.IPInfo, schema.IPDatabases); err != nil {
		return res, fmt.Errorf("ipinfo: %w", err)
	}
	if err := store.Exec(ctx, db, "ipinfo", tablesSQL); err != nil {
		return res, err
	}
	if len(opt.Files) == 0 {
		res.Skipped = true
		return res, nil
	}
	hosting, err := hostingASNs(opt.Lists, opt.Log)
	if err != nil {
		return res, err
	}
	var dbs []*ipdb.DB
	defer func() {
		for _, d := range dbs {
			d.Close()
		}
	}()
	for _, f := range opt.Files {
		d, err := ipdb.Open(f)
		if err != nil {
			if errors.Is(err, ipdb.ErrFormat) || errors.Is(err, os.ErrNotExist) {
				err = fmt.Errorf("%w: --ipdb: %w", pipeline.ErrUsage, err)
			}
			return res, err
		}
		dbs = append(dbs, d)
		opt.Log.Info("ipinfo database", "file", f, "format", d.Format, "type", d.Type, "built", d.Built, "ranges", d.Ranges, "bad_lines", d.BadLines)
	}
	if err := warnProblems(ctx, db, dbs); err != nil {
		return res, err
	}
	known := make([]int64, len(dbs))
	if err := enrich(ctx, db, dbs, hosting, known, &res, opt.Progress); err != nil {
		return res, err
	}
	for i, d := range dbs {
		m := pipeline.IPDatabase{Path: d.Path, Name: d.Name, Format: d.Format, Type: d.Type, SHA256: d.SHA256, Bytes: d.Bytes, Addresses: known[i]}
		var built any
		if !d.Built.IsZero() {
			m.Built, built = d.Built.Format(time.RFC3339), d.Built
		}
		res.Databases = append(res.Databases, m)
		if _, err := db.ExecContext(ctx, `INSERT INTO ip_databases (name, format, type, built, sha256, bytes, ranges, bad_lines, addresses_known)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			d.Name, d.Format, d.Type, built, d.SHA256, d.Bytes, int64(d.Ranges), d.BadLines, known[i]); err != nil {
			return res, fmt.Errorf("ip_databases: %w", err)
		}
	}
	return res, nil
}

// hostingASNs reads the list of hosting networks. A --lists folder made
// before the list existed lacks it: then no AS is hosting by list alone.
func hostingASNs(lists fs.FS, log *slog.Logger) (map[uint32]bool, error) {
	out := map[uint32]bool{}
	if lists == nil {
		lists = data.Lists()
	}
	entries, err := data.ReadList(lists, HostingList)
	if errors.Is(err, fs.ErrNotExist) {
		log.Warn("ipinfo: the lists folder has no " + HostingList + ": hosting comes from the databases' flags alone")
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		f, _, _ := strings.Cut(e, "\t")
		f = strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(f)), "AS")
		n, err := strconv.ParseUint(f, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("%w: list %s: %q is not an AS number", pipeline.ErrUsage, HostingList, e)
		}
		out[uint32(n)] = true
	}
	return out, nil
}

// warnProblems records the unreadable lines of TSV databases in the
// warnings table, with file, line, field and reason.
func warnProblems(ctx context.Context, db *sql.DB, dbs []*ipdb.DB) error {
	for _, d := range dbs {
		for _, p := range d.Problems {
			if _, err := db.ExecContext(ctx, `INSERT INTO warnings (instance, file, line, byte_offset, "table", field, kind, reason, raw, kept)
VALUES (NULL, ?, ?, NULL, 'ip_databases', ?, 'bad_value', ?, ?, false)`, d.Path, p.Line, p.Field, p.Reason, p.Raw); err != nil {
				return fmt.Errorf("ipinfo warnings: %w", err)
			}
		}
		if more := d.BadLines - int64(len(d.Problems)); more > 0 {
			if _, err := db.ExecContext(ctx, `INSERT INTO warnings (instance, file, line, byte_offset, "table", field, kind, reason, raw, kept)
VALUES (NULL, ?, NULL, NULL, 'ip_databases', NULL, 'bad_value', ?, NULL, false)`, d.Path,
				fmt.Sprintf("%d more unreadable lines, not listed one by one", more)); err != nil {
				return fmt.Errorf("ipinfo warnings: %w", err)
			}
		}
	}
	return nil
}

// enrich streams the distinct addresses of ip_history, looks each up in
// every database and appends its row to ip_info: the memory used does not
// grow with the number of addresses.
func enrich(ctx context.Context, db *sql.DB, dbs []*ipdb.DB, hosting map[uint32]bool, known []int64, res *Result, popt progress.Options) error {
	if err := db.QueryRowContext(ctx, `SELECT count(DISTINCT ip) FROM ip_history`).Scan(&res.Addresses); err != nil {
		return fmt.Errorf("ipinfo: %w", err)
	}
	prog := progress.New(progress.Task{Name: "ipinfo", Unit: "addresses", Total: res.Addresses}, popt)
	prog.Start()
	defer prog.Stop()
	src, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer dst.Close()
	rows, err := src.QueryContext(ctx, `SELECT DISTINCT ip FROM ip_history WHERE ip IS NOT NULL`)
	if err != nil {
		return fmt.Errorf("ipinfo: %w", err)
	}
	defer rows.Close()
	infos := make([]ipdb.Info, len(dbs))
	err = store.Append(ctx, dst, string(schema.IPInfo), func(add func(vals ...driver.Value) error) error {
		var n int64
		for rows.Next() {
			var ip string
			if err := rows.Scan(&ip); err != nil {
				return err
			}
			if n++; n%4096 == 0 {
				prog.Set(n)
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			addr, ok := parseAddr(ip)
			if !ok {
				res.Invalid++
				continue
			}
			for i, d := range dbs {
				in, err := d.Lookup(addr)
				if err != nil {
					return err
				}
				infos[i] = in
				if in.Known() {
					known[i]++
				}
			}
			row := merge(ip, dbs, infos, hosting)
			if row[8] != nil {
				res.Known++
			}
			if row[5] == true {
				res.Hosting++
			}
			if err := add(row...); err != nil {
				return err
			}
		}
		prog.Set(n)
		return rows.Err()
	}, mergedColumns()...)
	if err != nil {
		return fmt.Errorf("ipinfo: %w", err)
	}
	prog.Done()
	return nil
}

// parseAddr reads an address as a dump holds it: plain, IPv4-mapped, or a
// host prefix as PostgreSQL's inet may print it (1.2.3.4/32).
func parseAddr(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil || p.Bits() != p.Addr().BitLen() {
			return netip.Addr{}, false
		}
		return p.Addr().Unmap(), true
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap().WithZone(""), true
}

// merge makes the ip_info row of an address from what each database said:
// each field from the first database that gives it. The values are for
// mergedColumns, in order.
func merge(ip string, dbs []*ipdb.DB, infos []ipdb.Info, hosting map[uint32]bool) []driver.Value {
	var m ipdb.Info
	var sources, why []string
	var built time.Time
	for i, in := range infos {
		if !in.Known() {
			continue
		}
		d := dbs[i]
		sources = append(sources, d.Name)
		if !d.Built.IsZero() && (built.IsZero() || d.Built.Before(built)) {
			built = d.Built
		}
		if m.ASN == 0 && in.ASN != 0 {
			m.ASN, m.ASOrg = in.ASN, in.ASOrg
			m.Network = in.Network // the network of the AS that routes it
		}
		if m.Network == "" {
			m.Network = in.Network
		}
		if m.Country == "" {
			m.Country = in.Country
		}
		if in.Flags != 0 {
			m.Flags |= in.Flags
			if in.Flags&ipdb.Infrastructure != 0 {
				why = append(why, d.Name+": "+(in.Flags&ipdb.Infrastructure).String())
			}
		}
	}
	if m.ASN != 0 && hosting[m.ASN] {
		why = append(why, "AS"+strconv.FormatUint(uint64(m.ASN), 10)+" is on "+HostingList)
	}
	row := []driver.Value{ip, nil, nil, nil, nil, nil, nil, nil, nil, nil}
	if len(sources) == 0 {
		return row
	}
	if m.ASN != 0 {
		row[1] = int64(m.ASN)
	}
	row[2], row[3], row[4] = nullable(m.ASOrg), nullable(m.Network), nullable(m.Country)
	row[5] = len(why) > 0
	row[6] = nullable(m.Flags.String())
	row[7] = nullable(strings.Join(why, "; "))
	row[8] = strings.Join(sources, ", ")
	if !built.IsZero() {
		row[9] = built
	}
	return row
}

// mergedColumns are the columns of ip_info merge gives values for.
func mergedColumns() []string {
	return []string{"ip", "asn", "as_org", "network", "country", "hosting", "flags", "why", "source", "built"}
}

func nullable(s string) driver.Value {
	if s == "" {
		return nil
	}
	return s
}
