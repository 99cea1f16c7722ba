package ingest

import (
	"io"

	"fediforensics/pipeline/progress"
)

// countingReader counts the bytes of a member as they are read, so that a
// large member moves the progress while it is read, not once at its end.
type countingReader struct {
	r    io.Reader
	prog *progress.Reporter // nil counts nothing
}

func (c countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.prog.Add(int64(n))
	return n, err
}
