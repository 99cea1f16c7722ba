package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"time"

	"fediforensics/pipeline"
	"fediforensics/pipeline/dump"
	"fediforensics/pipeline/extract"
	"fediforensics/pipeline/ingest"
	"fediforensics/pipeline/outdir"
	"fediforensics/pipeline/store"
)

// buildFlags are the flags of the commands that build an output from a dump.
type buildFlags struct {
	out, instance, memoryLimit string
	threads                    int
	maxMember, maxTotal        int64
	logger                     func() *slog.Logger
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
	b.logger = logFlags(fs, stderr)
	return b
}

// stage is one step of a build over the open database.
type stage struct {
	name string
	run  func(ctx context.Context, db *sql.DB, m *pipeline.Manifest) error
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
	m := &pipeline.Manifest{Tool: "pipeline", Version: pipeline.Version, Revision: revision(),
		Args: append([]string{name}, args...), Started: time.Now().UTC(), Warnings: map[string]int64{}}
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
	stages := []stage{{"ingest", func(ctx context.Context, db *sql.DB, m *pipeline.Manifest) error {
		res, err := ingest.Run(ctx, db, dumpPath, ingest.Options{Instance: bf.instance, ScratchDir: scratch, Log: log,
			Limits: dump.Limits{MaxMemberBytes: bf.maxMember, MaxTotalBytes: bf.maxTotal}})
		m.Input, m.Members, m.Tables, m.Warnings, m.Instances = res.Input, res.Members, res.Tables, res.Warnings, res.Instances
		if err == nil {
			// Scratch copies go as soon as they are loaded.
			err = os.RemoveAll(scratch)
		}
		return err
	}}}
	if name == "run" {
		stages = append(stages, stage{"extract", func(ctx context.Context, db *sql.DB, m *pipeline.Manifest) error {
			if err := extract.Run(ctx, db, m.Instances); err != nil {
				return err
			}
			return extract.Summarise(ctx, db)
		}})
	}
	for _, st := range stages {
		t0 := time.Now()
		log.Info("stage", "name", st.name)
		if err := st.run(ctx, db, m); err != nil {
			return err
		}
		m.Stages = append(m.Stages, pipeline.StageTiming{Stage: st.name, Seconds: time.Since(t0).Seconds()})
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
	return nil
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
