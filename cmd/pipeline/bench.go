package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime/pprof"

	"fediforensics/pipeline"
	"fediforensics/pipeline/bench"
)

func cmdBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench", stderr)
	cfg := bench.Config{}
	fs.IntVar(&cfg.Statuses, "statuses", 1000000, "ordinary statuses to generate")
	fs.IntVar(&cfg.Accounts, "accounts", 0, "ordinary accounts to generate (default statuses/10, at least 1000)")
	fs.StringVar(&cfg.Dump, "dump", "", "measure this existing dump `directory` (as gen --dir --csv-only writes it; read, never changed) instead of generating one")
	fs.StringVar(&cfg.WorkDir, "work", "", "keep the generated dump and databases in this `directory`")
	fs.StringVar(&cfg.MemoryLimit, "memory-limit", "", "DuckDB memory_limit for both loads")
	fs.IntVar(&cfg.Threads, "threads", 0, "DuckDB threads for both loads")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the run to `file`")
	fs.BoolVar(&cfg.Stages, "stages", false, "also time extract (against DuckDB's regexp_extract_all) and link")
	logger := logFlags(fs, stderr)
	if _, err := parse(fs, args, 0, 0, "no arguments"); err != nil {
		return err
	}
	if cfg.Accounts < 0 || cfg.Statuses < 0 {
		return fmt.Errorf("%w: --accounts and --statuses cannot be negative", pipeline.ErrUsage)
	}
	if cfg.Accounts == 0 {
		cfg.Accounts = max(cfg.Statuses/10, 1000)
	}
	cfg.Log = logger()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	res, err := bench.Run(ctx, cfg)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, res)
	return nil
}
