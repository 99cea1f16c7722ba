package ingest

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"

	"fediforensics/pipeline"
	"fediforensics/pipeline/store"
)

// scratchFile is one CSV file ready for DuckDB: a member's bytes as they
// were (direct) or a conversion of a pg_dump or JSON member.
type scratchFile struct {
	Path      string // read, never written: it may be the dump's own file
	Spill     string // where a row-by-row re-read of a refused CSV goes, in the scratch directory
	Member    string // the member it came from
	Table     pipeline.Table
	Converted bool // has src_line and src_offset columns
}

// loadResult counts what one scratch file gave.
type loadResult struct {
	Loaded   int64
	Rejected int64
	Ignored  []string
	// Unread is set when the file was skipped whole for its header.
	Unread *pipeline.UnreadMember
}

// maxFoundColumns bounds the columns of a header an unread member's
// record names: a hostile header may have thousands.
const maxFoundColumns = 64

// unread records a member skipped whole for its header, and warns about
// it, naming the file, the required columns and the columns found.
func unread(sf scratchFile, instance string, header []string, field, kind, reason string, warn func(pipeline.Warning)) *pipeline.UnreadMember {
	found := header
	if sf.Converted && len(found) >= 2 {
		found = found[2:] // src_line and src_offset are ours
	}
	u := &pipeline.UnreadMember{Path: sf.Member, Instance: instance, Table: string(sf.Table), Reason: reason,
		Required: requiredColumns(sf.Table), Found: []string{}}
	seen := map[string]bool{}
	for i, h := range found {
		if i == maxFoundColumns {
			u.Found = append(u.Found, fmt.Sprintf("(+%d more)", len(found)-i))
			break
		}
		h = truncate(strings.ToValidUTF8(h, "\uFFFD"), 64)
		u.Found = append(u.Found, h)
		seen[h] = true
	}
	for _, r := range u.Required {
		if !seen[r] {
			u.Missing = append(u.Missing, r)
		}
	}
	foundText := strings.Join(u.Found, ", ")
	if len(u.Found) == 0 {
		foundText = "none"
	}
	warn(pipeline.Warning{Instance: instance, File: sf.Member, Line: 1, Table: string(sf.Table), Field: field, Kind: kind,
		Reason: fmt.Sprintf("%s: the member was not loaded (%s needs the columns %s; the header has %s)", reason, sf.Table,
			strings.Join(u.Required, ", "), foundText)})
	return u
}

// readHeader returns the first CSV record of the file, lower-cased.
func readHeader(p string) ([]string, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(bufio.NewReader(io.LimitReader(f, 1<<20)))
	r.FieldsPerRecord = -1
	rec, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	for i := range rec {
		rec[i] = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(rec[i], "\uFEFF")))
	}
	return rec, nil
}

// loadScratch loads one scratch file into its raw table and turns the rows
// DuckDB rejects into warnings.
func loadScratch(ctx context.Context, conn *sql.Conn, sf scratchFile, instance string, warn func(pipeline.Warning)) (loadResult, error) {
	var res loadResult
	header, err := readHeader(sf.Path)
	if errors.Is(err, io.EOF) {
		return res, nil // an empty member
	}
	if err != nil {
		res.Unread = unread(sf, instance, nil, "", "bad_header", "the header cannot be read: "+err.Error(), warn)
		return res, nil
	}
	known := map[string]string{}
	for _, c := range rawColumns(sf.Table) {
		known[c.Name] = c.Type
	}
	secrets := secretColumns(sf.Table)
	var colDefs, proj []string
	seen := map[string]bool{}
	for i, h := range header {
		if !plainName(h) {
			h = fmt.Sprintf("column%d", i+1) // unnamed or oddly named: ignored
		}
		if seen[h] {
			res.Unread = unread(sf, instance, header, h, "bad_header", fmt.Sprintf("column %q is named twice", h), warn)
			return res, nil
		}
		seen[h] = true
		typ := "VARCHAR"
		switch {
		case sf.Converted && i < 2:
			typ = "BIGINT"
			proj = append(proj, store.QuoteIdent(h))
		case secrets[h] != "":
			proj = append(proj, fmt.Sprintf("sha256(%s) AS %s", store.QuoteIdent(h), store.QuoteIdent(secrets[h])))
		case known[h] != "" && !hasKey(secrets, h):
			typ = known[h]
			name, expr := loadedName(sf.Table, h)
			proj = append(proj, expr+" AS "+store.QuoteIdent(name))
		default:
			if !hasKey(secrets, h) {
				res.Ignored = append(res.Ignored, h)
			}
		}
		colDefs = append(colDefs, fmt.Sprintf("%s: %s", store.QuoteString(h), store.QuoteString(typ)))
	}
	var missing []string
	for _, req := range requiredColumns(sf.Table) {
		if !seen[req] {
			missing = append(missing, req)
		}
	}
	if len(missing) > 0 {
		what := "the header lacks the required column "
		if len(missing) > 1 {
			what = "the header lacks the required columns "
		}
		res.Unread = unread(sf, instance, header, missing[0], "missing_column", what+strings.Join(missing, ", "), warn)
		return res, nil
	}
	q := fmt.Sprintf(`INSERT INTO %s BY NAME SELECT %s AS instance, %s AS src_file, %s
FROM read_csv(%s, header=true, auto_detect=false, delim=',', quote='"', escape='"', strict_mode=true,
  allow_quoted_nulls=false, store_rejects=true, max_line_size=16777216, columns={%s})`,
		rawTableName(sf.Table), store.QuoteString(instance), store.QuoteString(sf.Member), strings.Join(proj, ", "),
		store.QuoteString(sf.Path), strings.Join(colDefs, ", "))
	r, err := conn.ExecContext(ctx, q)
	if err != nil && !sf.Converted && ctx.Err() == nil {
		// DuckDB's strict reader gives up on some files as a whole (mixed
		// line endings, say): read this one row by row instead.
		conn.ExecContext(ctx, "DROP TABLE IF EXISTS reject_errors; DROP TABLE IF EXISTS reject_scans")
		warn(pipeline.Warning{Instance: instance, File: sf.Member, Table: string(sf.Table), Kind: "csv_fallback",
			Reason: "the fast CSV reader refused the file, so it was read row by row: " + truncate(firstLine(err.Error()), 200)})
		conv := sf
		conv.Path, conv.Converted = sf.Spill, true
		var lost int64
		counted := func(w pipeline.Warning) {
			if w.Row {
				lost++
			}
			warn(w)
		}
		if err := convertCSV(sf.Path, conv.Path, sf.Member, string(sf.Table), counted); err != nil {
			return res, err
		}
		res, err := loadScratch(ctx, conn, conv, instance, warn)
		res.Rejected += lost
		return res, err
	}
	if err != nil {
		return res, fmt.Errorf("load %s (%s): %w", sf.Member, sf.Table, err)
	}
	res.Loaded, _ = r.RowsAffected()
	res.Rejected, err = collectRejects(ctx, conn, sf, instance, warn)
	return res, err
}

// plainName tells a column name that can stand in DuckDB's column list.
func plainName(s string) bool {
	if s == "" || len(s) > 128 || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

func hasKey(m map[string]string, k string) bool { _, ok := m[k]; return ok }

type reject struct {
	line, offset    int64
	column, errType string
	csvLine, msg    string
}

// collectRejects reads DuckDB's reject tables of the last scan, one warning
// per rejected row, as they come: there may be millions.
func collectRejects(ctx context.Context, conn *sql.Conn, sf scratchFile, instance string, warn func(pipeline.Warning)) (int64, error) {
	var lines *lineCounter
	if !sf.Converted {
		var err error
		if lines, err = openLineCounter(sf.Path); err != nil {
			return 0, err
		}
		defer lines.close()
	}
	rows, err := conn.QueryContext(ctx, `SELECT line, coalesce(line_byte_position, byte_position, 0), coalesce(column_name, ''),
  error_type::VARCHAR, coalesce(csv_line, ''), coalesce(error_message, '')
FROM reject_errors ORDER BY line, column_idx`)
	if err != nil {
		return 0, fmt.Errorf("read rejects: %w", err)
	}
	defer rows.Close()
	var n, prev int64 // rows warned about; the line of the last
	for rows.Next() {
		var r reject
		if err := rows.Scan(&r.line, &r.offset, &r.column, &r.errType, &r.csvLine, &r.msg); err != nil {
			return 0, err
		}
		if n > 0 && r.line == prev {
			continue // one warning per row: the first error names it
		}
		n, prev = n+1, r.line
		w := pipeline.Warning{Instance: instance, File: sf.Member, Table: string(sf.Table), Field: r.column,
			Kind: rejectKind(r.errType), Reason: r.msg, Row: true, Raw: truncate(strings.ToValidUTF8(r.csvLine, "\uFFFD"), pipeline.MaxRawWarning)}
		if sf.Converted {
			// The converted row starts with the member's own line and offset.
			first, rest, _ := strings.Cut(r.csvLine, ",")
			w.Line, _ = strconv.ParseInt(first, 10, 64)
			off, _, _ := strings.Cut(rest, ",")
			w.Offset, _ = strconv.ParseInt(off, 10, 64)
		} else {
			if w.Line, err = lines.at(r.offset); err != nil {
				return 0, fmt.Errorf("%s: %w", sf.Member, err)
			}
			w.Offset = r.offset
		}
		warn(w)
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	rows.Close()
	if _, err := conn.ExecContext(ctx, "DROP TABLE IF EXISTS reject_errors; DROP TABLE IF EXISTS reject_scans"); err != nil {
		return 0, fmt.Errorf("clear rejects: %w", err)
	}
	return n, nil
}

func rejectKind(t string) string {
	switch t {
	case "CAST":
		return "bad_value"
	case "MISSING COLUMNS", "TOO MANY COLUMNS":
		return "column_count"
	case "UNQUOTED VALUE":
		return "bad_quoting"
	case "INVALID ENCODING", "INVALID UNICODE":
		return "invalid_utf8"
	case "LINE SIZE OVER MAXIMUM":
		return "line_too_long"
	}
	return strings.ToLower(strings.ReplaceAll(t, " ", "_"))
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// convertCSV reads a CSV member record by record with encoding/csv and
// writes it as a converted scratch file, quarantining what it cannot read.
// Empty fields become NULL: this reader cannot tell "" from nothing.
func convertCSV(src, dst, member, table string, warn func(pipeline.Warning)) error {
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	r := csv.NewReader(bufio.NewReaderSize(f, 1<<20))
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	header, err := r.Read()
	if err != nil {
		return fmt.Errorf("%s: header: %w", member, err)
	}
	header = append([]string(nil), header...)
	sw, err := newScratchWriter(dst, header)
	if err != nil {
		return err
	}
	vals := make([]Value, len(header))
	var offset int64 = r.InputOffset()
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		start := offset
		offset = r.InputOffset()
		line := 0
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.StartLine
			}
			warn(pipeline.Warning{File: member, Line: int64(line), Offset: start, Table: table, Kind: "bad_quoting", Reason: err.Error(), Row: true})
			continue
		}
		line, _ = r.FieldPos(0)
		if len(rec) != len(header) {
			warn(pipeline.Warning{File: member, Line: int64(line), Offset: start, Table: table, Kind: "column_count", Row: true,
				Reason: fmt.Sprintf("expected %d columns, found %d", len(header), len(rec)), Raw: truncate(strings.ToValidUTF8(strings.Join(rec, ","), "\uFFFD"), pipeline.MaxRawWarning)})
			continue
		}
		ok := true
		for i, v := range rec {
			if !utf8.ValidString(v) {
				ok = false
				warn(pipeline.Warning{File: member, Line: int64(line), Offset: start, Table: table, Field: header[i], Kind: "invalid_utf8", Reason: "field is not valid UTF-8", Row: true})
				break
			}
			vals[i] = Value{S: v, Null: v == ""}
		}
		if ok {
			sw.write(int64(line), start, vals)
		}
	}
	return sw.close()
}
