package ingest

import (
	"bufio"
	"errors"
	"io"
)

// maxLine bounds one line of a pg_dump or JSON Lines member.
const maxLine = 64 << 20

var errLongLine = errors.New("line longer than 64 MiB")

// lineReader yields lines with their 1-based number and byte offset,
// without the line ending. A line over maxLine is skipped whole and
// reported as errLongLine.
type lineReader struct {
	r      *bufio.Reader
	buf    []byte
	line   int64
	offset int64 // of the next line
}

func newLineReader(r io.Reader) *lineReader {
	return &lineReader{r: bufio.NewReaderSize(r, 1<<20)}
}

// next returns the next line, its number and offset. err is io.EOF at the
// end; a last line without newline is returned first with err nil.
func (l *lineReader) next() (b []byte, line, offset int64, err error) {
	l.buf = l.buf[:0]
	start := l.offset
	long := false
	for {
		frag, e := l.r.ReadSlice('\n')
		l.offset += int64(len(frag))
		if !long {
			if len(l.buf)+len(frag) > maxLine {
				long = true
				l.buf = l.buf[:0]
			} else {
				l.buf = append(l.buf, frag...)
			}
		}
		if e == bufio.ErrBufferFull {
			continue
		}
		if e != nil && e != io.EOF {
			return nil, 0, start, e
		}
		if e == io.EOF && l.offset == start {
			return nil, 0, start, io.EOF
		}
		l.line++
		if long {
			return nil, l.line, start, errLongLine
		}
		b = l.buf
		if n := len(b); n > 0 && b[n-1] == '\n' {
			b = b[:n-1]
			if n := len(b); n > 0 && b[n-1] == '\r' {
				b = b[:n-1]
			}
		}
		return b, l.line, start, nil
	}
}
