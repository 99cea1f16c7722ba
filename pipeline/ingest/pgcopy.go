package ingest

import (
	"bytes"
	"fmt"
	"io"
	"regexp"
	"strings"
	"unicode/utf8"

	"fediforensics/pipeline"
)

// copyHeader matches pg_dump's plain-format COPY statement, e.g.
// COPY public.accounts (id, username) FROM stdin;
var copyHeaderRE = regexp.MustCompile(`(?i)^COPY\s+(?:"?([A-Za-z0-9_]+)"?\.)?"?([A-Za-z0-9_]+)"?\s*\(([^)]*)\)\s+FROM\s+stdin\s*;\s*$`)

// openFunc opens the scratch file a converted table is written to.
type openFunc func(t pipeline.Table, cols []string) (*scratchWriter, error)

// readPGCopy converts every COPY block of a known table in a pg_dump
// --data-only plain SQL stream. Bad rows become warnings; everything else
// of the member is ignored. It returns the tables it found.
func readPGCopy(r io.Reader, file string, open openFunc, warn func(pipeline.Warning)) error {
	lr := newLineReader(r)
	var (
		sw    *scratchWriter
		table pipeline.Table
		ncols int
		vals  []Value
	)
	inBlock := false
	skipBlock := false
	for {
		b, line, off, err := lr.next()
		if err == io.EOF {
			break
		}
		if err == errLongLine {
			warn(pipeline.Warning{File: file, Line: line, Offset: off, Table: string(table), Kind: "line_too_long", Row: true, Reason: err.Error()})
			continue
		}
		if err != nil {
			return err
		}
		if !inBlock {
			if !bytes.HasPrefix(bytes.TrimLeft(b, " \t"), []byte("COPY")) && !bytes.HasPrefix(bytes.TrimLeft(b, " \t"), []byte("copy")) {
				continue
			}
			m := copyHeaderRE.FindSubmatch(b)
			if m == nil {
				warn(pipeline.Warning{File: file, Line: line, Offset: off, Kind: "copy_header", Reason: "COPY statement not understood", Raw: truncate(string(b), pipeline.MaxRawWarning)})
				// The data that follows ends with \. all the same.
				inBlock, skipBlock = true, true
				continue
			}
			inBlock = true
			t, ok := knownTable(strings.ToLower(string(m[2])))
			if !ok {
				skipBlock = true
				continue
			}
			cols := splitColumns(string(m[3]))
			table, ncols, skipBlock = t, len(cols), false
			vals = make([]Value, ncols)
			if sw, err = open(t, cols); err != nil {
				return err
			}
			continue
		}
		if len(b) == 2 && b[0] == '\\' && b[1] == '.' {
			inBlock = false
			if sw != nil {
				if err := sw.close(); err != nil {
					return err
				}
				sw = nil
			}
			continue
		}
		if skipBlock {
			continue
		}
		if !utf8.Valid(b) {
			warn(pipeline.Warning{File: file, Line: line, Offset: off, Table: string(table), Kind: "invalid_utf8", Row: true, Reason: "row is not valid UTF-8", Raw: truncate(strings.ToValidUTF8(string(b), "\uFFFD"), pipeline.MaxRawWarning)})
			continue
		}
		n, err := decodeCopyRow(b, vals)
		if err != nil {
			warn(pipeline.Warning{File: file, Line: line, Offset: off, Table: string(table), Kind: "bad_escape", Row: true, Reason: err.Error(), Raw: truncate(string(b), pipeline.MaxRawWarning)})
			continue
		}
		if n != ncols {
			warn(pipeline.Warning{File: file, Line: line, Offset: off, Table: string(table), Kind: "column_count", Row: true, Reason: fmt.Sprintf("expected %d columns, found %d", ncols, n), Raw: truncate(string(b), pipeline.MaxRawWarning)})
			continue
		}
		sw.write(line, off, vals)
	}
	if inBlock && sw != nil {
		warn(pipeline.Warning{File: file, Line: lr.line, Offset: lr.offset, Table: string(table), Kind: "truncated_copy", Reason: "member ends inside a COPY block (no \\.): the rows before were kept"})
		return sw.close()
	}
	return nil
}

func splitColumns(s string) []string {
	parts := strings.Split(s, ",")
	cols := make([]string, 0, len(parts))
	for _, p := range parts {
		p = strings.TrimSpace(p)
		if len(p) >= 2 && p[0] == '"' && p[len(p)-1] == '"' {
			p = strings.ReplaceAll(p[1:len(p)-1], `""`, `"`)
		}
		cols = append(cols, strings.ToLower(p))
	}
	return cols
}

// decodeCopyRow splits a COPY text-format row on tabs and decodes its
// backslash escapes into vals. It returns the number of fields found, which
// may exceed len(vals) (the extra fields are counted, not stored).
func decodeCopyRow(b []byte, vals []Value) (int, error) {
	n := 0
	var sb strings.Builder
	for start := 0; ; {
		end := bytes.IndexByte(b[start:], '\t')
		field := b[start:]
		if end >= 0 {
			field = b[start : start+end]
		}
		if n < len(vals) {
			if len(field) == 2 && field[0] == '\\' && field[1] == 'N' {
				vals[n] = Value{Null: true}
			} else {
				s, err := unescapeCopy(field, &sb)
				if err != nil {
					return n, fmt.Errorf("field %d: %w", n+1, err)
				}
				vals[n] = Value{S: s}
			}
		}
		n++
		if end < 0 {
			return n, nil
		}
		start += end + 1
	}
}

func unescapeCopy(f []byte, sb *strings.Builder) (string, error) {
	if bytes.IndexByte(f, '\\') < 0 {
		return string(f), nil
	}
	sb.Reset()
	for i := 0; i < len(f); i++ {
		c := f[i]
		if c != '\\' {
			sb.WriteByte(c)
			continue
		}
		i++
		if i >= len(f) {
			return "", fmt.Errorf("backslash at end of field")
		}
		switch c = f[i]; c {
		case 'b':
			sb.WriteByte('\b')
		case 'f':
			sb.WriteByte('\f')
		case 'n':
			sb.WriteByte('\n')
		case 'r':
			sb.WriteByte('\r')
		case 't':
			sb.WriteByte('\t')
		case 'v':
			sb.WriteByte('\v')
		case 'x':
			v, k := 0, 0
			for k < 2 && i+1 < len(f) && isHex(f[i+1]) {
				i++
				v = v*16 + hexVal(f[i])
				k++
			}
			if k == 0 {
				sb.WriteByte('x')
			} else {
				sb.WriteByte(byte(v))
			}
		case '0', '1', '2', '3', '4', '5', '6', '7':
			v := int(c - '0')
			for k := 1; k < 3 && i+1 < len(f) && f[i+1] >= '0' && f[i+1] <= '7'; k++ {
				i++
				v = v*8 + int(f[i]-'0')
			}
			sb.WriteByte(byte(v))
		default:
			sb.WriteByte(c)
		}
	}
	s := sb.String()
	if !utf8.ValidString(s) {
		return "", fmt.Errorf("escape sequences decode to invalid UTF-8")
	}
	return s, nil
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	}
	return int(c-'A') + 10
}
