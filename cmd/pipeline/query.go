package main

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strings"

	"fediforensics/pipeline/store"
)

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
	rows, err := db.QueryContext(ctx, pos[0])
	if err != nil {
		return fmt.Errorf("query: %w", err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	w := csv.NewWriter(stdout)
	w.Write(cols)
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	rec := make([]string, len(cols))
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		for i, v := range vals {
			rec[i] = cell(v)
		}
		w.Write(rec)
	}
	w.Flush()
	if err := rows.Err(); err != nil {
		return err
	}
	return w.Error()
}

func cell(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case []byte:
		return string(v)
	case fmt.Stringer:
		return v.String()
	}
	return strings.TrimSpace(fmt.Sprint(v))
}
