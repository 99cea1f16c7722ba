package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"strings"

	"fediforensics/pipeline"
	"fediforensics/pipeline/outdir"
	"fediforensics/pipeline/store"
)

// cmdStage runs one later stage (and the ones after it, with --then) again
// over an existing output. The stages work on a copy of the output's
// database in a temporary sibling; only when all of them succeed are the
// database, the files they wrote and the manifest put into place, so a
// failed or interrupted stage leaves the output as it was.
func cmdStage(name string) func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
		fs := newFlags(name, stderr)
		bf := addBuildFlags(fs, stderr)
		then := fs.Bool("then", false, "also run the stages after this one")
		if _, err := parse(fs, args, 0, 0, "no arguments (the output is --out)"); err != nil {
			return err
		}
		if err := bf.check(); err != nil {
			return err
		}
		log := bf.logger()
		if _, err := outdir.ReadManifest(bf.out); err != nil {
			return err
		}
		var stages []stage
		for _, st := range laterStages(bf, log, stderr) {
			if st.name == name || (*then && len(stages) > 0) {
				stages = append(stages, st)
			}
		}
		if name == "enrich" {
			if _, err := bf.whois.options(stderr); err != nil {
				return err
			}
		}
		dir, err := outdir.Begin(bf.out, outdir.Options{Force: bf.force, Log: log})
		if err != nil {
			return err
		}
		m := dir.Prev
		m.Args = append(m.Args, "then: "+strings.Join(append([]string{name}, redactArgs(args)...), " "))
		err = buildIn(ctx, dir, bf.storeOptions(), m, false, func() error { return dir.CopyIn(outdir.DatabaseName) }, func(db *sql.DB) error {
			if err := requireInputs(ctx, db, name, bf.out); err != nil {
				return err
			}
			return runStages(ctx, stages, db, dir.Tmp, m, log)
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s: done on %s\n", name, bf.out)
		if name == "enrich" && m.Whois != nil {
			printWhois(stdout, m.Whois)
			return whoisOutcome(m)
		}
		return nil
	}
}

// stageInputs is, for each stage in order, a table it makes that the
// stages after it read.
func stageInputs() []struct{ stage, table string } {
	return []struct{ stage, table string }{
		{"ingest", "statuses"},
		{"extract", "domains"},
		{"enrich", "whois"},
		{"ipinfo", "ip_info"},
		{"link", "campaigns"},
	}
}

// requireInputs checks that every stage before name has made its tables,
// and names the first that has not, with the command that makes it.
func requireInputs(ctx context.Context, db *sql.DB, name, out string) error {
	have := map[string]bool{}
	err := store.Each(ctx, db, "tables", `SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'`, nil, func(r *sql.Rows) error {
		var t string
		err := r.Scan(&t)
		have[t] = true
		return err
	})
	if err != nil {
		return err
	}
	for _, in := range stageInputs() {
		if in.stage == name {
			return nil
		}
		if have[in.table] {
			continue
		}
		if in.stage == "ingest" {
			return fmt.Errorf("%w: %s needs the tables the ingest stage makes (%s is missing): make the output again with 'pipeline run DUMP --out %s'", pipeline.ErrUsage, name, in.table, out)
		}
		return fmt.Errorf("%w: %s needs the tables the %s stage makes (%s is missing): run 'pipeline %s --out %s --then' first", pipeline.ErrUsage, name, in.stage, in.table, in.stage, out)
	}
	return nil
}
