package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"fediforensics/pipeline"
	"fediforensics/pipeline/gen"
)

func cmdGen(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("gen", stderr)
	cfg := gen.SampleConfig()
	fs.Uint64Var(&cfg.Seed, "seed", cfg.Seed, "random seed: the same seed makes the same dump")
	fs.IntVar(&cfg.Accounts, "accounts", cfg.Accounts, "ordinary accounts of the database-export instance")
	fs.IntVar(&cfg.Statuses, "statuses", cfg.Statuses, "ordinary statuses of the database-export instance")
	noAPI := fs.Bool("no-api", false, "leave out the API-export instance")
	fs.BoolVar(&cfg.CSVOnly, "csv-only", false, "write every database-export table as CSV (no pg_dump dump.sql)")
	dir := fs.String("dir", "", "write the dump as a `directory` (must not exist)")
	tarPath := fs.String("tar", "", "write the dump as a deterministic tar `file`: gzipped if it ends in .tar.gz or .tgz, plain if .tar")
	dotNames := fs.Bool("dot-names", false, "with --tar: name the members as tar cf x.tar -C dir . does (./, ./mastodon.social/, ./mastodon.social/accounts.csv)")
	zipPath := fs.String("zip", "", "write the dump as a deterministic zip `file` (.zip), as zip -r does")
	truthPath := fs.String("truth", "", "write what was planted (campaign members, domains) as JSON to `file`")
	if _, err := parse(fs, args, 0, 0, "no arguments"); err != nil {
		return err
	}
	cfg.API = !*noAPI
	if n := btoi(*dir != "") + btoi(*tarPath != "") + btoi(*zipPath != ""); n != 1 {
		return fmt.Errorf("%w: gen needs exactly one of --dir, --tar and --zip", pipeline.ErrUsage)
	}
	if *dotNames && *tarPath == "" {
		return fmt.Errorf("%w: --dot-names goes with --tar", pipeline.ErrUsage)
	}
	if *zipPath != "" && !strings.HasSuffix(strings.ToLower(*zipPath), ".zip") {
		return fmt.Errorf("%w: --zip %s: the name must end in .zip", pipeline.ErrUsage, *zipPath)
	}
	if cfg.Accounts < 0 || cfg.Statuses < 0 {
		return fmt.Errorf("%w: --accounts and --statuses cannot be negative", pipeline.ErrUsage)
	}
	var gz bool
	switch lower := strings.ToLower(*tarPath); {
	case lower == "":
	case strings.HasSuffix(lower, ".tar.gz"), strings.HasSuffix(lower, ".tgz"):
		gz = true
	case strings.HasSuffix(lower, ".tar"):
	case strings.HasSuffix(lower, ".zip"):
		return fmt.Errorf("%w: --tar %s: a .zip is written by --zip", pipeline.ErrUsage, *tarPath)
	default:
		return fmt.Errorf("%w: --tar %s: the name must end in .tar, .tar.gz or .tgz (it says what is written)", pipeline.ErrUsage, *tarPath)
	}
	target := *dir
	if *dir == "" {
		tmp, err := os.MkdirTemp("", "pipeline-gen-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		target = filepath.Join(tmp, "dump")
	}
	truth, err := gen.Write(target, cfg)
	if err != nil {
		return err
	}
	switch {
	case *tarPath != "":
		err = writeAtomic(*tarPath, func(w io.Writer) error {
			return gen.PackTar(target, w, gen.PackOptions{Gzip: gz, DotNames: *dotNames})
		})
	case *zipPath != "":
		err = writeAtomic(*zipPath, func(w io.Writer) error { return gen.PackZip(target, w) })
	}
	if err != nil {
		return err
	}
	if *truthPath != "" {
		if err := gen.WriteTruth(*truthPath, truth); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "wrote %s%s%s\n", *dir, *tarPath, *zipPath)
	return nil
}

// writeAtomic writes p through a temporary file beside it, renamed into
// place once complete.
func writeAtomic(p string, write func(io.Writer) error) error {
	tmp := p + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, p)
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
