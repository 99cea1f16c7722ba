// Package enrich is the enrichment stage: it picks the domains worth asking
// about, has the whois package answer from its cache, the network or an
// imported history, and writes every observation to the whois table.
package enrich

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"fediforensics/data"
	"fediforensics/enrich/whois"
	"fediforensics/pipeline"
	"fediforensics/pipeline/progress"
	"fediforensics/pipeline/schema"
	"fediforensics/pipeline/store"
)

// Options of the stage.
type Options struct {
	Config   whois.Config
	CacheDir string   // default whois.DefaultCacheDir()
	History  []string // files of historical WHOIS records to import
	Lists    fs.FS    // popular domains and common email providers are not asked about
	Log      *slog.Logger
	// Progress shows the look-ups as they go. Its Log defaults to Log: the
	// command chooses the display before it has a logger.
	Progress progress.Options
}

// Result counts what the stage did.
type Result struct {
	Domains  int
	ByStatus map[string]int
	History  int // observations imported
	// Coverage counts the dump's registrable domains by what is known of
	// them; it is also in the whois_coverage table.
	Coverage *pipeline.WhoisCoverage
}

// Run fills the whois table.
func Run(ctx context.Context, db *sql.DB, opt Options) (Result, error) {
	res := Result{ByStatus: map[string]int{}}
	if opt.Progress.Log == nil {
		opt.Progress.Log = opt.Log
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	if err := schema.Create(ctx, db, schema.Whois); err != nil {
		return res, fmt.Errorf("whois: %w", err)
	}
	domains, err := pick(ctx, db, opt.Lists)
	if err != nil {
		return res, err
	}
	res.Domains = len(domains)
	// Every domain gets at least one observation: "skipped" where nothing
	// was asked (enrichment off, or not in the cache).
	since := time.Now().UTC()
	obs, err := Lookup(ctx, "enrich", domains, opt)
	if err != nil {
		return res, err
	}
	var warnings []*whois.HistoryError
	for _, h := range opt.History {
		f, err := os.Open(h)
		if err != nil {
			return res, fmt.Errorf("whois history: %w", err)
		}
		hobs, errs := whois.ReadHistory(f, filepath.Base(h))
		f.Close()
		for _, e := range errs {
			var he *whois.HistoryError
			if errors.As(e, &he) {
				warnings = append(warnings, he)
			} else {
				return res, fmt.Errorf("whois history %s: %w", h, e)
			}
		}
		res.History += len(hobs)
		obs = append(obs, hobs...)
	}
	obs = dropFailures(obs)
	// Observations are keyed by the domain registries know; the dump's
	// domains map onto them (a host under a private suffix, say).
	byReg := map[string][]string{}
	regs := map[string]bool{}
	for _, d := range domains {
		rd, err := whois.RegistrableDomain(d)
		if err != nil {
			continue
		}
		byReg[rd] = append(byReg[rd], d)
		regs[rd] = true
	}
	mode := opt.Config.Mode
	if mode == "" {
		mode = whois.ModeCache
	}
	res.Coverage = coverage(mode, regs, obs, since)
	if err := writeCoverage(ctx, db, res.Coverage); err != nil {
		return res, err
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return res, err
	}
	defer conn.Close()
	err = store.Append(ctx, conn, string(schema.Whois), func(add func(...driver.Value) error) error {
		for _, o := range obs {
			res.ByStatus[string(o.Status)]++
			targets := byReg[o.Domain]
			if len(targets) == 0 {
				targets = []string{o.Domain} // history of a domain the dump does not show
			}
			for _, d := range targets {
				if err := add(d, o.Domain, str(o.Source), str(o.Server), tm(&o.ObservedAt), string(o.Status), str(o.Registrar),
					tm(o.Created), tm(o.Updated), tm(o.Expires), str(strings.Join(o.StatusCodes, " ")), str(strings.Join(o.NameServers, " ")),
					str(o.Registrant.Name), str(o.Registrant.Org), str(o.Registrant.Email), str(o.Registrant.Phone), str(o.Registrant.Country),
					str(o.Admin.Email), str(o.Tech.Email), o.Privacy, str(o.RawSHA256), str(o.Error)); err != nil {
					return err
				}
			}
		}
		return nil
	}, "domain", "registered_domain", "source", "server", "observed_at", "status", "registrar",
		"created", "updated", "expires", "status_codes", "name_servers",
		"registrant_name", "registrant_org", "registrant_email", "registrant_phone", "registrant_country",
		"admin_email", "tech_email", "privacy", "raw_sha256", "error")
	if err != nil {
		return res, err
	}
	for _, w := range warnings {
		if _, err := conn.ExecContext(ctx, `INSERT INTO warnings (file, line, "table", field, kind, reason, kept)
VALUES (?, ?, 'whois', ?, 'whois_history', ?, false)`,
			w.File, nullInt(w.Line), str(w.Field), w.Err.Error()); err != nil {
			return res, err
		}
	}
	return res, nil
}

// Lookup has whois.Enrich answer about domains from the cache in
// opt.CacheDir (whois.DefaultCacheDir if empty) and, in live mode, the
// network, showing the look-ups as the task called name. With enrichment
// off no cache is opened; a cache not made yet answers nothing.
func Lookup(ctx context.Context, name string, domains []string, opt Options) ([]whois.Observation, error) {
	if opt.Progress.Log == nil {
		opt.Progress.Log = opt.Log
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	var cache *whois.Cache
	if opt.Config.Mode != whois.ModeOff {
		dir := opt.CacheDir
		if dir == "" {
			var err error
			if dir, err = whois.DefaultCacheDir(); err != nil {
				return nil, err
			}
		}
		readOnly := opt.Config.Mode != whois.ModeLive
		if _, err := os.Stat(dir); readOnly && errors.Is(err, fs.ErrNotExist) {
			opt.Log.Info("whois: no cache yet; run with --whois live to fill it", "cache", dir)
		} else if cache, err = whois.OpenCache(dir, readOnly); err != nil {
			return nil, err
		}
	}
	// The reporter starts here, not where the options are made, and ends
	// with the look-ups, before anything else is logged.
	prog := progress.New(progress.Task{Name: name, Unit: "domains", Total: int64(len(domains))}, opt.Progress)
	if prog != nil {
		opt.Config.Progress = func(done, total int) {
			prog.SetTotal(int64(total))
			prog.Set(int64(done))
		}
	}
	prog.Start()
	obs, err := whois.Enrich(ctx, domains, opt.Config, cache)
	if err == nil {
		prog.Done()
	}
	prog.Stop()
	if cache != nil {
		if cerr := cache.Close(); err == nil {
			err = cerr
		}
	}
	return obs, err
}

// pick lists the domains worth a registrant look-up: promoted domains,
// app websites and redirect hosts, and uncommon email domains; never the
// dump's own instances, popular domains or common email providers.
func pick(ctx context.Context, db *sql.DB, lists fs.FS) ([]string, error) {
	skip := map[string]bool{}
	for _, name := range []string{"popular_domains.txt", "common_email_providers.txt"} {
		entries, err := data.ReadList(lists, name)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			skip[strings.ToLower(e)] = true
		}
	}
	var out []string
	err := store.Each(ctx, db, "whois: domains", `SELECT domain FROM domains
WHERE NOT own AND (promoted OR sources LIKE '%app_%' OR sources LIKE '%email%') ORDER BY domain`, nil, func(r *sql.Rows) error {
		var d string
		if err := r.Scan(&d); err != nil {
			return err
		}
		if !skip[d] && net.ParseIP(d) == nil && strings.Contains(d, ".") {
			out = append(out, d)
		}
		return nil
	})
	return out, err
}

func str(s string) driver.Value {
	if s == "" {
		return nil
	}
	return s
}

func tm(t *time.Time) driver.Value {
	if t == nil || t.IsZero() {
		return nil
	}
	return t.UTC()
}

func nullInt(n int) driver.Value {
	if n == 0 {
		return nil
	}
	return int64(n)
}

// dropFailures leaves out the failed look-ups (errors, throttling) of a
// domain that has an answer from elsewhere: a failure is no knowledge, and
// the cache keeps only answers, so a run that asked the network and the
// next run over its cache know the same and report the same bytes. A
// domain with failures only keeps them: its status says why nothing is
// known.
func dropFailures(obs []whois.Observation) []whois.Observation {
	answered := map[string]bool{}
	for _, o := range obs {
		if !failed(o.Status) {
			answered[o.Domain] = true
		}
	}
	out := obs[:0]
	for _, o := range obs {
		if failed(o.Status) && answered[o.Domain] {
			continue
		}
		out = append(out, o)
	}
	return out
}

func failed(s whois.Status) bool { return s == whois.StatusError || s == whois.StatusThrottled }
