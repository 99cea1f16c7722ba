package main

import (
	"context"
	"io"

	"fediforensics/pipeline/report"
	"fediforensics/pipeline/store"
)

// cmdQuery runs a read-only query on an output and prints CSV, the way the
// reports are written (cells neutralised).
func cmdQuery(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("query", stderr)
	out := fs.String("out", "out", "output `directory` to query")
	pos, err := parse(fs, args, 1, 1, "one SQL query")
	if err != nil {
		return err
	}
	db, err := store.OpenReadOnly(ctx, *out)
	if err != nil {
		return err
	}
	defer db.Close()
	return report.WriteQuery(ctx, db, pos[0], stdout, nil)
}
