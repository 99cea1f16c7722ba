package main

import (
	"context"
	"errors"
	"fediforensics/pipeline/outdir"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"fediforensics/notebooks"
	"fediforensics/pipeline"
	"fediforensics/pipeline/notebook"
	"fediforensics/pipeline/store"
)

const notebookUsage = `usage:
  pipeline notebook run NOTEBOOK... --out OUT [--param name=value ...] [--html FILE] [--md FILE] [--no-defang]
  pipeline notebook list

NOTEBOOK is a Markdown file, or the name of a built-in notebook (see list).
Each run writes OUT/notebooks/NAME.html and NAME.md, or only the files
--html and --md name (with a single notebook). The database is opened
read-only and sandboxed: a notebook's SQL reads the output's tables and
nothing else (no file, network or extension access; settings locked).
--param values are bound to the queries, never pasted in.
`

// cmdNotebook runs investigation notebooks against an output.
func cmdNotebook(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, notebookUsage)
		return fmt.Errorf("%w: notebook needs a subcommand: run or list", pipeline.ErrUsage)
	}
	switch args[0] {
	case "list":
		names, err := fs.Glob(notebooks.Files, "*.md")
		if err != nil {
			return err
		}
		for _, n := range names {
			b, _ := fs.ReadFile(notebooks.Files, n)
			nb, err := notebook.Parse(n, b)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "%-24s %s\n", nb.Name, nb.Title)
		}
		return nil
	case "run":
	case "-h", "--help", "help":
		fmt.Fprint(stdout, notebookUsage)
		return nil
	default:
		fmt.Fprint(stderr, notebookUsage)
		return fmt.Errorf("%w: unknown notebook subcommand %q", pipeline.ErrUsage, args[0])
	}
	flags := newFlags("notebook run", stderr)
	out := flags.String("out", "out", "output `directory` to query")
	htmlPath := flags.String("html", "", "write the HTML to this `file` (one notebook only)")
	mdPath := flags.String("md", "", "write the Markdown to this `file` (one notebook only)")
	noDefang := flags.Bool("no-defang", false, "show domains and URLs as they are (never as links)")
	var params multiFlag
	flags.Var(&params, "param", "set a parameter: `name=value` (repeatable)")
	pos, err := parse(flags, args[1:], 1, -1, "one or more notebooks")
	if err != nil {
		return err
	}
	if len(pos) > 1 && (*htmlPath != "" || *mdPath != "") {
		return fmt.Errorf("%w: --html and --md need a single notebook", pipeline.ErrUsage)
	}
	values := map[string]string{}
	for _, p := range params {
		k, v, ok := strings.Cut(p, "=")
		if !ok || k == "" {
			return fmt.Errorf("%w: --param %q is not name=value", pipeline.ErrUsage, p)
		}
		values[k] = v
	}
	var nbs []*notebook.Notebook
	declared := map[string]bool{}
	for _, arg := range pos {
		nb, err := loadNotebook(arg)
		if err != nil {
			return err
		}
		for _, p := range nb.Params {
			declared[p.Name] = true
		}
		nbs = append(nbs, nb)
	}
	var unknown []string
	for k := range values {
		if !declared[k] {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return fmt.Errorf("%w: no notebook has a parameter %s", pipeline.ErrUsage, strings.Join(unknown, ", "))
	}
	// A notebook is Markdown anyone can send: its SQL is not ours.
	db, err := store.OpenSandboxed(ctx, *out, store.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	for _, nb := range nbs {
		given := map[string]string{}
		for _, p := range nb.Params {
			if v, ok := values[p.Name]; ok {
				given[p.Name] = v
			}
		}
		res, err := notebook.Run(ctx, db, nb, notebook.Options{Params: given, NoDefang: *noDefang})
		if err != nil {
			return refused("notebook", err)
		}
		h, m := *htmlPath, *mdPath
		if h == "" && m == "" {
			dir := filepath.Join(*out, "notebooks")
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return err
			}
			h, m = filepath.Join(dir, nb.Name+".html"), filepath.Join(dir, nb.Name+".md")
		}
		if h != "" {
			b, err := res.HTML()
			if err != nil {
				return err
			}
			if err := outdir.WriteFile(h, b); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "%s: wrote %s\n", nb.Name, h)
		}
		if m != "" {
			if err := outdir.WriteFile(m, append(res.Markdown(), '\n')); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "%s: wrote %s\n", nb.Name, m)
		}
	}
	return nil
}

// loadNotebook reads a notebook file, or a built-in notebook by name.
func loadNotebook(arg string) (*notebook.Notebook, error) {
	b, err := os.ReadFile(arg)
	if errors.Is(err, fs.ErrNotExist) && !strings.ContainsAny(arg, `/\`) {
		name := strings.TrimSuffix(arg, ".md") + ".md"
		if bb, berr := fs.ReadFile(notebooks.Files, name); berr == nil {
			return notebook.Parse(name, bb)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("%w: notebook: %w", pipeline.ErrUsage, err)
	}
	nb, err := notebook.Parse(arg, b)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", pipeline.ErrUsage, err)
	}
	return nb, nil
}
