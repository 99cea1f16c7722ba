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
	"strconv"
	"strings"
	"time"

	"fediforensics/data"
	"fediforensics/pipeline"
	"fediforensics/pipeline/dump"
	"fediforensics/pipeline/enrich"
	"fediforensics/pipeline/export"
	"fediforensics/pipeline/extract"
	"fediforensics/pipeline/htmlreport"
	"fediforensics/pipeline/ingest"
	"fediforensics/pipeline/ipdb"
	"fediforensics/pipeline/ipinfo"
	"fediforensics/pipeline/link"
	"fediforensics/pipeline/outdir"
	"fediforensics/pipeline/progress"
	"fediforensics/pipeline/report"
	"fediforensics/pipeline/store"
)

// buildFlags are the flags of the commands that build an output from a dump.
type buildFlags struct {
	out, instance       string
	memoryLimit         sizeFlag
	threads             int
	force               bool
	maxMember, maxTotal int64
	listsDir            string
	pseudonymize        string
	whois               whoisFlags
	ipdb                multiFlag
	logger              func() *slog.Logger
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
	fs.StringVar(&b.out, "out", "out", "output `directory`: new, empty, or an earlier output (its files are replaced, others kept)")
	fs.BoolVar(&b.force, "force", false, "write into a --out that is not an earlier output, or over files the earlier output did not write (only the pipeline's own paths are replaced)")
	fs.StringVar(&b.instance, "instance", "", "instance `domain` of members that no folder or manifest.json names")
	fs.Var(&b.memoryLimit, "memory-limit", "DuckDB memory_limit, e.g. 4GB; past it DuckDB spills to disk (default: a quarter of the machine's memory or its control group's limit, between 1 and 2.5 GiB)")
	fs.IntVar(&b.threads, "threads", 0, "DuckDB threads (default: all cores)")
	fs.Int64Var(&b.maxMember, "max-member-bytes", d.MaxMemberBytes, "refuse a dump member larger than this, uncompressed")
	fs.Int64Var(&b.maxTotal, "max-total-bytes", d.MaxTotalBytes, "refuse a dump larger than this, uncompressed")
	b.whois.add(fs)
	fs.Var(&b.ipdb, "ipdb", "enrich IP addresses from this network database `file`, offline: MaxMind DB (.mmdb: GeoLite2/GeoIP2 ASN, Country, Anonymous IP, DB-IP, IPinfo) or iptoasn TSV, detected by content (repeatable; the first that knows a field gives it)")
	fs.StringVar(&b.pseudonymize, "pseudonymize", "", "replace emails and IPs in the reports with hashes keyed by this `key`, so reports can be shared and links still hold")
	fs.StringVar(&b.listsDir, "lists", "", "`directory` of the editable lists (default: the copy of data/lists built in)")
	b.logger = logFlags(fs, stderr)
	return b
}

// check refuses flag values that parse but make no sense.
func (b *buildFlags) check() error {
	if b.threads < 0 {
		return fmt.Errorf("%w: --threads must be 0 (all cores) or more, not %d", pipeline.ErrUsage, b.threads)
	}
	if b.maxMember <= 0 || b.maxTotal <= 0 {
		return fmt.Errorf("%w: --max-member-bytes and --max-total-bytes must be positive", pipeline.ErrUsage)
	}
	for _, f := range b.ipdb {
		if err := ipdb.Check(f); err != nil {
			return fmt.Errorf("%w: --ipdb: %w", pipeline.ErrUsage, err)
		}
	}
	return nil
}

func (b *buildFlags) storeOptions() store.Options {
	return store.Options{MemoryLimit: string(b.memoryLimit), Threads: b.threads}
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
			if err := extract.RunWith(ctx, db, m.Instances, extract.Options{Progress: progress.Detect(stderr, log)}); err != nil {
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
			res, err := enrich.Run(ctx, db, opt)
			if err != nil {
				return err
			}
			log.Info("enrich", "domains", res.Domains, "by_status", res.ByStatus, "history", res.History)
			if c := res.Coverage; c.Advice != "" {
				log.Warn("whois: "+c.Line(), "advice", c.Advice)
			}
			m.Settings["whois"] = string(opt.Config.Mode)
			m.Whois = res.Coverage
			m.Warnings, err = ingest.WarningsByKind(ctx, db)
			return err
		}},
		{"ipinfo", func(ctx context.Context, db *sql.DB, dir string, m *pipeline.Manifest) error {
			lists, err := bf.lists()
			if err != nil {
				return err
			}
			res, err := ipinfo.Run(ctx, db, ipinfo.Options{Files: bf.ipdb, Lists: lists, Log: log, Progress: progress.Detect(stderr, log)})
			if err != nil {
				return err
			}
			m.IPDatabases = res.Databases
			m.Settings["ipdb"] = ipSummary(res)
			log.Info("ipinfo", "summary", m.Settings["ipdb"])
			m.Warnings, err = ingest.WarningsByKind(ctx, db)
			return err
		}},
		{"link", func(ctx context.Context, db *sql.DB, dir string, m *pipeline.Manifest) error {
			lists, err := bf.lists()
			if err != nil {
				return err
			}
			return link.Run(ctx, db, link.Options{Lists: lists, Log: log, Progress: progress.Detect(stderr, log)})
		}},
		{"report", func(ctx context.Context, db *sql.DB, dir string, m *pipeline.Manifest) error {
			m.Settings["pseudonymized"] = strconv.FormatBool(bf.pseudonymize != "")
			t0 := time.Now()
			if err := report.Write(ctx, db, dir, report.Options{Pseudonymize: bf.pseudonymize}); err != nil {
				return err
			}
			log.Debug("report", "step", "csv", "seconds", time.Since(t0).Seconds())
			t0 = time.Now()
			if err := htmlreport.Write(ctx, db, dir, htmlreport.Options{Pseudonymize: bf.pseudonymize}); err != nil {
				return err
			}
			log.Debug("report", "step", "html", "seconds", time.Since(t0).Seconds())
			t0 = time.Now()
			err := export.Remediation(ctx, db, dir)
			log.Debug("report", "step", "remediation", "seconds", time.Since(t0).Seconds())
			return err
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
		// What a stage held in Go goes back to the system before DuckDB
		// needs memory for the next: Go returns freed memory only slowly,
		// and the process's peak is the sum of both.
		debug.FreeOSMemory()
	}
	return nil
}

// build makes a new output from a dump: ingest, then (for run) the later
// stages, in a temporary sibling put into place only at the end.
func build(ctx context.Context, name string, args []string, stdout, stderr io.Writer) error {
	fs := newFlags(name, stderr)
	bf := addBuildFlags(fs, stderr)
	allowSkipped := fs.Bool("allow-skipped", false, "exit 0, not 8, when members were skipped for a header that lacks required columns (the output is written either way)")
	pos, err := parse(fs, args, 1, 1, "one dump: a .tar, .tar.gz, .tar.zst or a directory")
	if err != nil {
		return err
	}
	if err := bf.check(); err != nil {
		return err
	}
	log := bf.logger()
	if bf.memoryLimit == "" {
		l, why := store.MemoryLimit()
		log.Info("duckdb memory limit; --memory-limit changes it", "memory_limit", l, "from", why)
	}
	dumpPath := pos[0]
	if outdir.Overlap(dumpPath, bf.out) {
		return fmt.Errorf("%w: the output %s and the dump %s overlap; the dump is never modified, choose another --out", pipeline.ErrUsage, bf.out, dumpPath)
	}
	if _, err := bf.whois.options(stderr); err != nil {
		return err // refuse bad flags before any work
	}
	m := &pipeline.Manifest{Tool: pipeline.ToolName, Version: pipeline.Version, Revision: revision(),
		Args: append([]string{name}, redactArgs(args)...), Started: time.Now().UTC(), Warnings: map[string]int64{}, Settings: map[string]string{}}
	dir, err := outdir.Begin(bf.out, outdir.Options{Force: bf.force, Log: log})
	if err != nil {
		return err
	}
	scratch := filepath.Join(dir.Tmp, ".scratch")
	var top, hubs []string
	var linking string
	err = buildIn(ctx, dir, bf.storeOptions(), m, true, func() error { return os.Mkdir(scratch, 0o700) }, func(db *sql.DB) error {
		stages := []stage{{"ingest", func(ctx context.Context, db *sql.DB, dir string, m *pipeline.Manifest) error {
			res, err := ingest.Run(ctx, db, dumpPath, ingest.Options{Instance: bf.instance, ScratchDir: scratch, Log: log, Progress: progress.Detect(stderr, log),
				Limits: dump.Limits{MaxMemberBytes: bf.maxMember, MaxTotalBytes: bf.maxTotal}})
			m.Input, m.Members, m.Skipped, m.Tables, m.Warnings, m.Instances = res.Input, res.Members, res.Skipped, res.Tables, res.Warnings, res.Instances
			m.Unread = res.Unread
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
		if name != "run" {
			return nil
		}
		var err error
		if top, err = topCampaigns(ctx, db, 5); err != nil {
			return err
		}
		if linking, err = linkSummary(ctx, db, dir.Final); err != nil {
			return err
		}
		hubs, err = topHubs(ctx, db, 5)
		return err
	})
	if err != nil {
		return err
	}
	printSummary(stdout, m, dir.Final)
	if len(hubs) > 0 {
		fmt.Fprintf(stdout, "\nsuppressed as too common to link accounts (all in %s):\n", filepath.Join(dir.Final, "reports", "suppressed.csv"))
		for _, h := range hubs {
			fmt.Fprintln(stdout, "  "+h)
		}
	}
	if linking != "" {
		fmt.Fprintf(stdout, "\n%s\n", linking)
	}
	if len(top) > 0 {
		fmt.Fprintf(stdout, "\ntop campaigns (all in %s):\n", filepath.Join(dir.Final, "reports", "campaigns.csv"))
		for _, t := range top {
			fmt.Fprintln(stdout, "  "+t)
		}
	}
	if n := len(m.Unread); n > 0 && !*allowSkipped {
		// The output is complete and in place; the exit code says that
		// tables the dump meant to give are missing from it.
		return fmt.Errorf("%w: %d member(s) named for a table were not loaded, their header lacking required columns (listed at the top of the summary and in the manifest); the output %s was written without them: fix the header, or accept with --allow-skipped",
			pipeline.ErrSkipped, n, dir.Final)
	}
	return whoisOutcome(m)
}

// buildIn builds an output in dir.Tmp: prepare (if any) readies the
// folder, work runs on its database, the database is checkpointed and
// closed whole (no write-ahead log beside it), and the output is put into
// place with m (replace: a whole new output; see outdir.Dir.Commit). On any
// failure, or a signal before the commit, the temporary folder goes and the
// output stays as it was.
func buildIn(ctx context.Context, dir *outdir.Dir, opt store.Options, m *pipeline.Manifest, replace bool, prepare func() error, work func(*sql.DB) error) (err error) {
	defer func() {
		if err != nil {
			dir.Abort()
		}
	}()
	if prepare != nil {
		if err := prepare(); err != nil {
			return err
		}
	}
	db, err := store.Open(ctx, dir.Tmp, opt)
	if err != nil {
		return err
	}
	if err := work(db); err != nil {
		db.Close()
		return err
	}
	if _, err := db.ExecContext(ctx, "CHECKPOINT"); err != nil {
		db.Close()
		return fmt.Errorf("checkpoint: %w", err)
	}
	if err := db.Close(); err != nil {
		return err
	}
	m.Finished = time.Now().UTC()
	if err := ctx.Err(); err != nil {
		return err // a signal came after the last stage: nothing is put into place
	}
	return dir.Commit(m, replace)
}

// whoisOutcome is the error of a run that completed without the WHOIS
// answers it asked the network for: its outputs are in place, but its exit
// code says that their registrants are missing.
func whoisOutcome(m *pipeline.Manifest) error {
	if !m.Whois.Unavailable() {
		return nil
	}
	return fmt.Errorf("%w: every live look-up of %d domains failed; the outputs are in place but hold no registrant from the network (see the whois line of the summary)", pipeline.ErrWhoisUnavailable, m.Whois.LiveAsked)
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
