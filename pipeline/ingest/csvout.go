package ingest

import (
	"bufio"
	"fmt"
	"os"
	"strconv"

	"fediforensics/pipeline/report"
)

// Value is one cell of a converted row: Null or a string.
type Value struct {
	S    string
	Null bool
}

// Str is a non-NULL value.
func Str(s string) Value { return Value{S: s} }

// scratchWriter writes a converted table as CSV that DuckDB reads back with
// allow_quoted_nulls=false: NULL is an empty unquoted field, the empty
// string is "". The first two columns are src_line and src_offset.
type scratchWriter struct {
	f    *os.File
	w    *bufio.Writer
	buf  []byte
	rows int64
}

func newScratchWriter(path string, cols []string) (*scratchWriter, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, fmt.Errorf("scratch file: %w", err)
	}
	sw := &scratchWriter{f: f, w: bufio.NewWriterSize(f, 1<<20)}
	sw.buf = append(sw.buf, "src_line,src_offset"...)
	for _, c := range cols {
		sw.buf = report.AppendCSVField(append(sw.buf, ','), c)
	}
	sw.w.Write(append(sw.buf, '\n'))
	return sw, nil
}

// write appends one row; vals are in the order of the columns.
func (sw *scratchWriter) write(line, offset int64, vals []Value) {
	b := sw.buf[:0]
	if line > 0 {
		b = strconv.AppendInt(b, line, 10)
	}
	b = strconv.AppendInt(append(b, ','), offset, 10)
	for _, v := range vals {
		b = append(b, ',')
		if !v.Null {
			b = report.AppendCSVField(b, v.S)
		}
	}
	sw.buf = append(b, '\n')
	sw.w.Write(sw.buf)
	sw.rows++
}

func (sw *scratchWriter) close() error {
	if err := sw.w.Flush(); err != nil {
		sw.f.Close()
		return fmt.Errorf("scratch file: %w", err)
	}
	return sw.f.Close()
}
