package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"fediforensics/pipeline"
	"fediforensics/pipeline/pivot"
	"fediforensics/pipeline/store"
)

// cmdPivot prints what connects to a registrant, email, domain, app, IP or
// account of an output.
func cmdPivot(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("pivot", stderr)
	out := fs.String("out", "out", "output `directory`")
	asJSON := fs.Bool("json", false, "print JSON for scripts")
	limit := fs.Int("limit", 20, "rows shown per step")
	pos, err := parse(fs, args, 2, 2, "a kind ("+strings.Join(pivot.Kinds(), ", ")+") and a value")
	if err != nil {
		return err
	}
	if !slices.Contains(pivot.Kinds(), pos[0]) {
		return fmt.Errorf("%w: pivot from one of %s, not %q", pipeline.ErrUsage, strings.Join(pivot.Kinds(), ", "), pos[0])
	}
	// The SQL is ours and the value only a parameter, but the value is
	// anyone's: sandboxed all the same, a mistake of ours cannot reach
	// further than the output. A refusal here is such a mistake (exit 1).
	db, err := store.OpenSandboxed(ctx, *out, store.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	r, err := pivot.Run(ctx, db, pos[0], pos[1], pivot.Options{Limit: *limit})
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	pivot.Print(stdout, r)
	return nil
}
