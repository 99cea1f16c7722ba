package ingest

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"

	"fediforensics/pipeline"
	"fediforensics/pipeline/store"
)

// A hostile dump can hold millions of bad rows, each a warning: warnings
// are never kept in memory beyond one batch. Those the readers raise while
// the dump is walked wait in a spool file (the instance of a member is not
// known before the whole dump is read, nor the database ready); those of
// the load go straight to the sink, which appends them to the warnings
// table a batch at a time, in the order they were raised.

const (
	// maxWarningReason and maxWarningField bound the rest of a warning's
	// text: a reason may quote a value of the row (DuckDB's cast errors do)
	// and a field is a column name the input chose.
	maxWarningReason = 1024
	maxWarningField  = 256

	// A batch is flushed at whichever bound it reaches first: rows keep
	// the number of appends (each its own commit) low, bytes keep a batch
	// of long warnings small.
	warningBatchRows  = 8192
	warningBatchBytes = 4 << 20
)

// capWarning bounds the text of a warning, before it is kept anywhere.
func capWarning(w *pipeline.Warning) {
	w.Raw = truncate(w.Raw, pipeline.MaxRawWarning)
	w.Reason = truncate(w.Reason, maxWarningReason)
	w.Field = truncate(w.Field, maxWarningField)
}

// truncate cuts s to at most n bytes on a rune boundary, marking the cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}

// warningSize is about what a warning holds in memory.
func warningSize(w *pipeline.Warning) int {
	return 168 + len(w.Instance) + len(w.File) + len(w.Table) + len(w.Field) + len(w.Kind) + len(w.Reason) + len(w.Raw)
}

// warningSink appends warnings to the warnings table in batches. Like a
// bufio.Writer it keeps its first error: add does nothing after it, and
// Err and close report it.
type warningSink struct {
	ctx   context.Context
	conn  *sql.Conn
	batch []pipeline.Warning
	bytes int
	err   error
}

func newWarningSink(ctx context.Context, conn *sql.Conn) *warningSink {
	return &warningSink{ctx: ctx, conn: conn}
}

func (s *warningSink) add(w pipeline.Warning) {
	if s.err != nil {
		return
	}
	capWarning(&w)
	s.batch = append(s.batch, w)
	s.bytes += warningSize(&w)
	if len(s.batch) >= warningBatchRows || s.bytes >= warningBatchBytes {
		s.flush()
	}
}

// Err is the first error of an append, if any.
func (s *warningSink) Err() error { return s.err }

func (s *warningSink) flush() {
	if s.err != nil || len(s.batch) == 0 {
		return
	}
	err := store.Append(s.ctx, s.conn, "warnings", func(add func(vals ...driver.Value) error) error {
		for _, w := range s.batch {
			if err := add(w.Instance, w.File, nullInt(w.Line), nullInt(w.Offset), nullStr(w.Table), nullStr(w.Field),
				w.Kind, w.Reason, nullStr(w.Raw), false); err != nil {
				return err
			}
		}
		return nil
	}, "instance", "file", "line", "byte_offset", "table", "field", "kind", "reason", "raw", "kept")
	if err != nil {
		s.err = fmt.Errorf("insert warnings: %w", err)
	}
	clear(s.batch) // let the strings go
	s.batch, s.bytes = s.batch[:0], 0
}

// close appends what is left.
func (s *warningSink) close() error {
	s.flush()
	s.batch = nil
	return s.err
}

func nullInt(v int64) driver.Value {
	if v == 0 {
		return nil
	}
	return v
}

func nullStr(s string) driver.Value {
	if s == "" {
		return nil
	}
	return s
}

// warningSpool keeps warnings in a file of the scratch directory, in the
// order they came, to be read back once. The file is made on the first
// warning: a clean dump leaves none. It keeps its first error, as
// warningSink does.
type warningSpool struct {
	dir string
	f   *os.File
	w   *bufio.Writer
	r   *bufio.Reader
	buf []byte
	err error
}

// add writes w to the spool. Strings are length-prefixed, integers varints.
func (s *warningSpool) add(w pipeline.Warning) {
	if s.err != nil {
		return
	}
	if s.f == nil {
		if s.f, s.err = os.CreateTemp(s.dir, "warnings-*.spool"); s.err != nil {
			s.err = fmt.Errorf("warnings spool: %w", s.err)
			return
		}
		s.w = bufio.NewWriterSize(s.f, 1<<16)
	}
	capWarning(&w)
	b := s.buf[:0]
	for _, str := range [...]string{w.Instance, w.File, w.Table, w.Field, w.Kind, w.Reason, w.Raw} {
		b = binary.AppendUvarint(b, uint64(len(str)))
		b = append(b, str...)
	}
	b = binary.AppendVarint(b, w.Line)
	b = binary.AppendVarint(b, w.Offset)
	row := byte(0)
	if w.Row {
		row = 1
	}
	b = append(b, row)
	s.buf = b
	if _, err := s.w.Write(b); err != nil {
		s.err = fmt.Errorf("warnings spool: %w", err)
	}
}

// Err is the first error of a write or read, if any.
func (s *warningSpool) Err() error { return s.err }

// replay reads the next n warnings of the spool and hands them to fn. The
// first call ends the writing.
func (s *warningSpool) replay(n int64, fn func(pipeline.Warning)) error {
	if n == 0 || s.err != nil {
		return s.err
	}
	if s.r == nil {
		if err := s.w.Flush(); err != nil {
			s.err = fmt.Errorf("warnings spool: %w", err)
			return s.err
		}
		if _, err := s.f.Seek(0, io.SeekStart); err != nil {
			s.err = fmt.Errorf("warnings spool: %w", err)
			return s.err
		}
		s.r, s.w = bufio.NewReaderSize(s.f, 1<<16), nil
	}
	for range n {
		w, err := s.next()
		if err != nil {
			s.err = fmt.Errorf("warnings spool: %w", err)
			return s.err
		}
		fn(w)
	}
	return nil
}

// maxSpooledString bounds a string read back from the spool: every string
// was capped before it was written, so a longer one is corruption.
const maxSpooledString = 1 << 20

var errSpoolCorrupt = errors.New("corrupt record")

func (s *warningSpool) next() (pipeline.Warning, error) {
	var strs [7]string
	for i := range strs {
		n, err := binary.ReadUvarint(s.r)
		if err != nil {
			return pipeline.Warning{}, err
		}
		if n > maxSpooledString {
			return pipeline.Warning{}, errSpoolCorrupt
		}
		if cap(s.buf) < int(n) {
			s.buf = make([]byte, n)
		}
		b := s.buf[:n]
		if _, err := io.ReadFull(s.r, b); err != nil {
			return pipeline.Warning{}, err
		}
		strs[i] = string(b)
	}
	line, err := binary.ReadVarint(s.r)
	if err != nil {
		return pipeline.Warning{}, err
	}
	off, err := binary.ReadVarint(s.r)
	if err != nil {
		return pipeline.Warning{}, err
	}
	row, err := s.r.ReadByte()
	if err != nil {
		return pipeline.Warning{}, err
	}
	return pipeline.Warning{Instance: strs[0], File: strs[1], Table: strs[2], Field: strs[3], Kind: strs[4], Reason: strs[5], Raw: strs[6],
		Line: line, Offset: off, Row: row == 1}, nil
}

// close removes the spool file.
func (s *warningSpool) close() {
	if s.f != nil {
		s.f.Close()
		os.Remove(s.f.Name())
		s.f = nil
	}
}

// memberWarn is the warn function of one member during the load. It fills
// in what the readers could not know (the instance; the table, when the
// member holds one table only), drops the raw text of rows that may hold
// secrets, counts the rows rejected per table and hands the warning to the
// sink.
func memberWarn(info *pipeline.Member, sink *warningSink, rejects map[pipeline.Table]int64) func(pipeline.Warning) {
	return func(w pipeline.Warning) {
		w.Instance = info.Instance
		if w.Table == "" && len(info.Tables) == 1 {
			w.Table = info.Tables[0]
		}
		if w.Table == string(pipeline.OAuthApplications) || w.Table == string(pipeline.OAuthAccessTokens) || w.Table == string(pipeline.SessionActivations) {
			w.Raw = "" // these rows may hold secrets (a session id is a login)
		}
		if w.Row {
			rejects[pipeline.Table(w.Table)]++
		}
		sink.add(w)
	}
}

// lineMark is how far apart lineCounter notes the line it is at.
const lineMark = 1 << 20

// lineCounter maps byte offsets of a file to 1-based physical line numbers.
// Offsets in increasing order, as DuckDB's rejects come, take one pass over
// the file. It notes the line at every lineMark bytes, so that an offset
// behind the last one re-reads at most lineMark bytes, not the whole file.
type lineCounter struct {
	f     *os.File
	r     *bufio.Reader
	pos   int64
	line  int64
	marks []int64 // marks[i] is the line at byte i*lineMark
}

func openLineCounter(p string) (*lineCounter, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	return &lineCounter{f: f, r: bufio.NewReaderSize(f, 1<<16), line: 1, marks: []int64{1}}, nil
}

// at returns the line of byte off; past the end of the file, the last line.
func (c *lineCounter) at(off int64) (int64, error) {
	if off < c.pos {
		i := off / lineMark
		if _, err := c.f.Seek(i*lineMark, io.SeekStart); err != nil {
			return 0, err
		}
		c.r.Reset(c.f)
		c.pos, c.line = i*lineMark, c.marks[i]
	}
	for c.pos < off {
		next := min(off, (c.pos/lineMark+1)*lineMark)
		b, err := c.r.Peek(int(min(next-c.pos, int64(c.r.Size()))))
		c.line += int64(bytes.Count(b, []byte{'\n'}))
		c.pos += int64(len(b))
		c.r.Discard(len(b))
		if c.pos%lineMark == 0 && c.pos/lineMark == int64(len(c.marks)) {
			c.marks = append(c.marks, c.line)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, err
		}
	}
	return c.line, nil
}

func (c *lineCounter) close() error { return c.f.Close() }
