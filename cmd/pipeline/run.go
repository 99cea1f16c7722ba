package main

import (
	"context"
	"io"
)

// cmdRun is the run command: a new output from a dump, through every stage
// (ingest, then laterStages), and a summary of what it found. The work is
// build's, shared with ingest.
func cmdRun(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return build(ctx, "run", args, stdout, stderr)
}
