package main

import (
	"context"
	"fmt"
	"io"

	"fediforensics/pipeline"
	"fediforensics/pipeline/report"
	"fediforensics/pipeline/store"
)

// cmdQuery runs a read-only query on an output and prints CSV, the way the
// reports are written (cells neutralised). The query is the user's, so the
// database is sandboxed: it reads the output's tables and nothing else.
func cmdQuery(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("query", stderr)
	out := fs.String("out", "out", "output `directory` to query")
	pos, err := parse(fs, args, 1, 1, "one SQL query")
	if err != nil {
		return err
	}
	db, err := store.OpenSandboxed(ctx, *out, store.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	return refused("query", report.WriteQuery(ctx, db, pos[0], stdout, nil))
}

// refused makes the error of SQL the sandbox refused a usage error (exit
// 2) that says why: the SQL is the user's argument, like a flag, and
// running it again will not help. Other errors pass unchanged.
func refused(cmd string, err error) error {
	if why := store.Refusal(err); why != "" {
		return fmt.Errorf("%w: %s: %s: %w", pipeline.ErrUsage, cmd, why, err)
	}
	return err
}
