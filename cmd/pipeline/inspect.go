package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"fediforensics/pipeline/outdir"
	"fediforensics/pipeline/report"
)

func cmdInspect(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("inspect", stderr)
	asJSON := fs.Bool("json", false, "print the manifest as JSON")
	pos, err := parse(fs, args, 1, 1, "one output directory")
	if err != nil {
		return err
	}
	m, err := outdir.ReadManifest(pos[0])
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(m)
	}
	fmt.Fprintf(stdout, "tool       %s %s (revision %s)\n", m.Tool, m.Version, m.Revision)
	fmt.Fprintf(stdout, "args       %q\n", m.Args)
	fmt.Fprintf(stdout, "started    %s\nfinished   %s (%.1fs)\n", m.Started.Format("2006-01-02 15:04:05Z"), m.Finished.Format("2006-01-02 15:04:05Z"), m.Finished.Sub(m.Started).Seconds())
	fmt.Fprintf(stdout, "sha256     %s\n", m.Input.SHA256)
	fmt.Fprintf(stdout, "\n%-44s %-16s %-8s %10s  %s\n", "member", "instance", "format", "bytes", "sha256")
	for _, mb := range m.Members {
		fmt.Fprintf(stdout, "%-44s %-16s %-8s %10d  %s\n", report.Printable(mb.Path), mb.Instance, mb.Format, mb.Bytes, mb.SHA256)
		if len(mb.Ignored) > 0 {
			fmt.Fprintf(stdout, "  ignored columns: %v\n", mb.Ignored)
		}
	}
	for _, sk := range m.Skipped {
		fmt.Fprintf(stdout, "%-44s skipped: not named for a Mastodon table\n", report.Printable(sk))
	}
	fmt.Fprintln(stdout, "\nstages")
	for _, s := range m.Stages {
		fmt.Fprintf(stdout, "  %-20s %8.2fs\n", s.Stage, s.Seconds)
	}
	fmt.Fprintln(stdout)
	printSummary(stdout, m, "")
	return nil
}
