package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"fediforensics/pipeline"
	"fediforensics/pipeline/export"
	"fediforensics/pipeline/store"
)

// cmdExport writes an output's data in another format: pipeline export
// --format parquet|csv|graphml|gexf|stix|remediation --out OUT [--to DIR].
func cmdExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("export", stderr)
	formats := append(export.Formats(), "remediation")
	format := fs.String("format", "", "what to write: "+strings.Join(formats, ", "))
	out := fs.String("out", "out", "output `directory` to export")
	to := fs.String("to", "", "`directory` to write into (default OUT/export/FORMAT; for remediation, OUT, which gets remediation/)")
	if _, err := parse(fs, args, 0, 0, "no arguments (the output is --out)"); err != nil {
		return err
	}
	known := false
	for _, f := range formats {
		known = known || f == *format
	}
	if !known {
		return fmt.Errorf("%w: --format is one of %s", pipeline.ErrUsage, strings.Join(formats, ", "))
	}
	db, err := store.OpenReadOnly(ctx, *out)
	if err != nil {
		return err
	}
	defer db.Close()
	dir := *to
	if *format == "remediation" {
		if dir == "" {
			dir = *out
		}
		if err := export.Remediation(ctx, db, dir); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "remediation: wrote %s\n", filepath.Join(dir, "remediation"))
		return nil
	}
	if dir == "" {
		dir = filepath.Join(*out, "export", *format)
	}
	if err := export.Write(ctx, db, *format, dir); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: wrote %s\n", *format, dir)
	return nil
}
