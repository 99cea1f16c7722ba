package main

import (
	"context"
	"io"
)

// cmdIngest is the ingest command: a new output from a dump, loaded and
// nothing more; the later stages run over it as commands of their own (see
// cmdStage). The work is build's, shared with run.
func cmdIngest(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return build(ctx, "ingest", args, stdout, stderr)
}
