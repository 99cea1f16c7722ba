package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"time"

	"fediforensics/data"
	"fediforensics/pipeline"
	"fediforensics/pipeline/dump"
	"fediforensics/pipeline/export"
	"fediforensics/pipeline/extract"
	"fediforensics/pipeline/htmlreport"
	"fediforensics/pipeline/ingest"
	"fediforensics/pipeline/link"
	"fediforensics/pipeline/outdir"
	"fediforensics/pipeline/report"
	"fediforensics/pipeline/store"
	"fediforensics/pipeline/whois"
)

// buildFlags are the flags of the commands that build an output from a dump.
type buildFlags struct {
	out, instance, memoryLimit string
	threads                    int
	maxMember, maxTotal        int64
	listsDir                   string
	pseudonymize               string
	whois                      whoisFlags
	logger                     func() *slog.Logger
}

// lists is the folder of editable lists: --lists, or the built-in copy.
func (b *buildFlags) lists() (fs.FS, error) {
	if b.listsDir == "" {
		return data.Lists(), nil
	}
	if _, err := os.Stat(b.listsDir); err != nil {
		return nil, fmt.Errorf("%w: --lists: %w", pipeline.ErrUsage, err)
	}
	return os.DirFS(b.listsDir), nil
}

func addBuildFlags(fs *flag.FlagSet, stderr io.Writer) *buildFlags {
	b := &buildFlags{}
	d := dump.DefaultLimits()
	fs.StringVar(&b.out, "out", "out", "output `directory` (replaced whole, atomically)")
	fs.StringVar(&b.instance, "instance", "", "instance `domain` of members that no folder or manifest.json names")
	fs.StringVar(&b.memoryLimit, "memory-limit", "", "DuckDB memory_limit, e.g. 4GB (default: DuckDB's, 80% of RAM)")
	fs.IntVar(&b.threads, "threads", 0, "DuckDB threads (default: all cores)")
	fs.Int64Var(&b.maxMember, "max-member-bytes", d.MaxMemberBytes, "refuse a dump member larger than this, uncompressed")
	fs.Int64Var(&b.maxTotal, "max-total-bytes", d.MaxTotalBytes, "refuse a dump larger than this, uncompressed")
	b.whois.add(fs)
	fs.StringVar(&b.pseudonymize, "pseudonymize", "", "replace emails and IPs in the reports with hashes keyed by this `key`, so reports can be shared and links still hold")
	fs.StringVar(&b.listsDir, "lists", "", "`directory` of the editable lists (default: the copy of data/lists built in)")
	b.logger = logFlags(fs, stderr)
	return b
}

// stage is one step over the open database of an output in dir.
type stage struct {
	name string
	run  func(ctx context.Context, db *sql.DB, dir string, m *pipeline.Manifest) error
}

// laterStages are the stages after ingest, in order; each is also its own
// command over an existing output.
func laterStages(bf *buildFlags, log *slog.Logger, stderr io.Writer) []stage {
	return []stage{
		{"extract", func(ctx context.Context, db *sql.DB, dir string, m *pipeline.Manifest) error {
			if err := extract.Run(ctx, db, m.Instances); err != nil {
				return err
			}
			return extract.Summarise(ctx, db)
		}},
		{"enrich", func(ctx context.Context, db *sql.DB, dir string, m *pipeline.Manifest) error {
			lists, err := bf.lists()
			if err != nil {
				return err
			}
			opt, err := bf.whois.options(stderr)
			if err != nil {
				return err
			}
			opt.Lists, opt.Log = lists, log
			res, err := whois.Run(ctx, db, opt)
			if err != nil {
				return err
			}
			log.Info("enrich", "domains", res.Domains, "by_status", res.ByStatus, "history", res.History)
			m.Settings["whois"] = string(opt.Config.Mode)
			m.Warnings, err = ingest.WarningsByKind(ctx, db)
			return err
		}},
		{"link", func(ctx context.Context, db *sql.DB, dir string, m *pipeline.Manifest) error {
			lists, err := bf.lists()
			if err != nil {
				return err
			}
			return link.Run(ctx, db, link.Options{Lists: lists, Log: log})
		}},
		{"report", func(ctx context.Context, db *sql.DB, dir string, m *pipeline.Manifest) error {
			m.Settings["pseudonymized"] = strconv.FormatBool(bf.pseudonymize != "")
			if err := report.Write(ctx, db, dir, report.Options{Pseudonymize: bf.pseudonymize}); err != nil {
				return err
			}
			if err := htmlreport.Write(ctx, db, dir, htmlreport.Options{Pseudonymize: bf.pseudonymize}); err != nil {
				return err
			}
			return export.Remediation(ctx, db, dir)
		}},
	}
}

func runStages(ctx context.Context, stages []stage, db *sql.DB, dir string, m *pipeline.Manifest, log *slog.Logger) error {
	for _, st := range stages {
		t0 := time.Now()
		log.Info("stage", "name", st.name)
		if err := st.run(ctx, db, dir, m); err != nil {
			return err
		}
		m.Stages = append(m.Stages, pipeline.StageTiming{Stage: st.name, Seconds: time.Since(t0).Seconds()})
	}
	return nil
}

func cmdRun(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return build(ctx, "run", args, stdout, stderr)
}

func cmdIngest(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return build(ctx, "ingest", args, stdout, stderr)
}

// build makes a new output from a dump: ingest, then (for run) the later
// stages, then renames the output into place.
func build(ctx context.Context, name string, args []string, stdout, stderr io.Writer) (err error) {
	fs := newFlags(name, stderr)
	bf := addBuildFlags(fs, stderr)
	pos, err := parse(fs, args, 1, 1, "one dump: a .tar, .tar.gz, .tar.zst or a directory")
	if err != nil {
		return err
	}
	log := bf.logger()
	dumpPath := pos[0]
	if err := checkApart(dumpPath, bf.out); err != nil {
		return err
	}
	if _, err := bf.whois.options(stderr); err != nil {
		return err // refuse bad flags before any work
	}
	m := &pipeline.Manifest{Tool: "pipeline", Version: pipeline.Version, Revision: revision(),
		Args: append([]string{name}, redactArgs(args)...), Started: time.Now().UTC(), Warnings: map[string]int64{}, Settings: map[string]string{}}
	dir, err := outdir.Begin(bf.out)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			dir.Abort()
		}
	}()
	scratch := filepath.Join(dir.Tmp, ".scratch")
	if err := os.Mkdir(scratch, 0o700); err != nil {
		return err
	}
	db, err := store.Open(ctx, dir.Tmp, store.Options{MemoryLimit: bf.memoryLimit, Threads: bf.threads})
	if err != nil {
		return err
	}
	defer func() {
		if db != nil {
			db.Close()
		}
	}()
	stages := []stage{{"ingest", func(ctx context.Context, db *sql.DB, dir string, m *pipeline.Manifest) error {
		res, err := ingest.Run(ctx, db, dumpPath, ingest.Options{Instance: bf.instance, ScratchDir: scratch, Log: log,
			Limits: dump.Limits{MaxMemberBytes: bf.maxMember, MaxTotalBytes: bf.maxTotal}})
		m.Input, m.Members, m.Skipped, m.Tables, m.Warnings, m.Instances = res.Input, res.Members, res.Skipped, res.Tables, res.Warnings, res.Instances
		if err == nil {
			// Scratch copies go as soon as they are loaded.
			err = os.RemoveAll(scratch)
		}
		return err
	}}}
	if name == "run" {
		stages = append(stages, laterStages(bf, log, stderr)...)
	}
	if err := runStages(ctx, stages, db, dir.Tmp, m, log); err != nil {
		return err
	}
	var top, hubs []string
	if name == "run" {
		if top, err = topCampaigns(ctx, db, 5); err != nil {
			return err
		}
		if hubs, err = topHubs(ctx, db, 5); err != nil {
			return err
		}
	}
	if _, err := db.ExecContext(ctx, "CHECKPOINT"); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	if err := db.Close(); err != nil {
		return err
	}
	db = nil
	os.RemoveAll(filepath.Join(dir.Tmp, ".duckdb-tmp"))
	m.Finished = time.Now().UTC()
	if err := outdir.WriteManifest(dir.Tmp, m); err != nil {
		return err
	}
	if err := dir.Commit(); err != nil {
		return err
	}
	printSummary(stdout, m, dir.Final)
	if len(hubs) > 0 {
		fmt.Fprintf(stdout, "\nsuppressed as too common to link accounts (all in %s):\n", filepath.Join(dir.Final, "reports", "suppressed.csv"))
		for _, h := range hubs {
			fmt.Fprintln(stdout, "  "+h)
		}
	}
	if len(top) > 0 {
		fmt.Fprintf(stdout, "\ntop campaigns (all in %s):\n", filepath.Join(dir.Final, "reports", "campaigns.csv"))
		for _, t := range top {
			fmt.Fprintln(stdout, "  "+t)
		}
	}
	return nil
}

// topHubs gives one line for each of the n values shared by most accounts
// that linking left out, and why.
func topHubs(ctx context.Context, db *sql.DB, n int) ([]string, error) {
	var out []string
	err := store.Each(ctx, db, "suppressed", `SELECT kind, label, accounts, reason FROM suppressed
ORDER BY accounts DESC, kind, value LIMIT ?`, []any{n}, func(r *sql.Rows) error {
		var kind, value, reason string
		var accounts int64
		if err := r.Scan(&kind, &value, &accounts, &reason); err != nil {
			return err
		}
		out = append(out, fmt.Sprintf("%s %s (%d accounts): %s", kind, pipeline.Printable(value), accounts, reason))
		return nil
	})
	return out, err
}

// topCampaigns gives one line for each of the n strongest campaigns.
func topCampaigns(ctx context.Context, db *sql.DB, n int) ([]string, error) {
	var out []string
	err := store.Each(ctx, db, "top campaigns", `SELECT campaign_id, score, summary FROM campaigns
ORDER BY score DESC, accounts DESC, campaign_id LIMIT ?`, []any{n}, func(r *sql.Rows) error {
		var id, summary string
		var score float64
		if err := r.Scan(&id, &score, &summary); err != nil {
			return err
		}
		out = append(out, fmt.Sprintf("%s  %.2f  %s", id, score, pipeline.Printable(summary)))
		return nil
	})
	return out, err
}

// cmdStage runs one later stage (and the ones after it, with --then) over
// an existing output, in place: each stage replaces its tables whole
// (CREATE OR REPLACE) and its files atomically, so it can run again.
func cmdStage(name string) func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
		fs := newFlags(name, stderr)
		bf := addBuildFlags(fs, stderr)
		then := fs.Bool("then", false, "also run the stages after this one")
		if _, err := parse(fs, args, 0, 0, "no arguments (the output is --out)"); err != nil {
			return err
		}
		log := bf.logger()
		m, err := outdir.ReadManifest(bf.out)
		if err != nil {
			return err
		}
		var stages []stage
		for _, st := range laterStages(bf, log, stderr) {
			if st.name == name || (*then && len(stages) > 0) {
				stages = append(stages, st)
			}
		}
		db, err := store.Open(ctx, bf.out, store.Options{MemoryLimit: bf.memoryLimit, Threads: bf.threads})
		if err != nil {
			return err
		}
		m.Args = append(m.Args, "then: "+strings.Join(append([]string{name}, redactArgs(args)...), " "))
		if err := runStages(ctx, stages, db, bf.out, m, log); err != nil {
			db.Close()
			return err
		}
		if err := db.Close(); err != nil {
			return err
		}
		os.RemoveAll(filepath.Join(bf.out, ".duckdb-tmp"))
		m.Finished = time.Now().UTC()
		if err := outdir.WriteManifest(bf.out, m); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s: done on %s\n", name, bf.out)
		return nil
	}
}

// redactArgs is args as the manifest records them: the pseudonymization
// key is withheld, or the manifest would undo what it is for.
func redactArgs(args []string) []string {
	out := append([]string(nil), args...)
	for i, a := range out {
		switch {
		case (a == "--pseudonymize" || a == "-pseudonymize") && i+1 < len(out):
			out[i+1] = "[withheld]"
		case strings.HasPrefix(a, "--pseudonymize=") || strings.HasPrefix(a, "-pseudonymize="):
			out[i] = a[:strings.IndexByte(a, '=')+1] + "[withheld]"
		}
	}
	return out
}

// checkApart refuses an output inside the dump or a dump inside the output:
// the input is never touched.
func checkApart(dumpPath, out string) error {
	d, err1 := filepath.Abs(dumpPath)
	o, err2 := filepath.Abs(out)
	if err1 != nil || err2 != nil {
		return nil
	}
	if d == o || isWithin(o, d) || isWithin(d, o) {
		return fmt.Errorf("%w: the output %s and the dump %s overlap; the dump is never modified, choose another --out", pipeline.ErrUsage, out, dumpPath)
	}
	return nil
}

func isWithin(p, dir string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != "." && rel != ".." && !filepath.IsAbs(rel) && len(rel) > 2 && rel[:3] != "../"
}

func revision() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	rev, dirty := "", false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return "unknown"
	}
	if dirty {
		rev += "+dirty"
	}
	return rev
}

func printSummary(w io.Writer, m *pipeline.Manifest, out string) {
	fmt.Fprintf(w, "dump       %s (%s, %d bytes)\n", m.Input.Path, m.Input.Kind, m.Input.Bytes)
	fmt.Fprintf(w, "instances  %v\n", m.Instances)
	fmt.Fprintf(w, "\n%-24s %10s %10s %12s\n", "table", "read", "loaded", "quarantined")
	for _, t := range m.Tables {
		fmt.Fprintf(w, "%-24s %10d %10d %12d\n", t.Table, t.Read, t.Loaded, t.Quarantined)
	}
	var kinds []string
	var total int64
	for k, n := range m.Warnings {
		kinds = append(kinds, k)
		total += n
	}
	sort.Strings(kinds)
	fmt.Fprintf(w, "\nwarnings   %d", total)
	if total > 0 {
		fmt.Fprint(w, " (see the warnings table)")
	}
	fmt.Fprintln(w)
	for _, k := range kinds {
		fmt.Fprintf(w, "  %-22s %d\n", k, m.Warnings[k])
	}
	fmt.Fprintf(w, "\noutput     %s\n", out)
}
