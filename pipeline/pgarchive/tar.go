package pgarchive

import (
	"archive/tar"
	"bufio"
	"errors"
	"io"
	"strings"
)

// openTar reads toc.dat, the first member of a tar archive; the data files
// follow, one per entry (NNNN.dat), then restore.sql. Members are only
// read, never extracted: their names are only looked up in the table of
// contents.
func (r *Reader) openTar(br *bufio.Reader) error {
	tr := tar.NewReader(br)
	hdr, err := tr.Next()
	if err != nil {
		if errors.Is(err, tar.ErrHeader) {
			return errBroken("a corrupt tar header at the start of the pg_dump tar archive")
		}
		return truncated(err, "the tar archive's first member")
	}
	if hdr.Name != "toc.dat" {
		return errBroken("the first member of a pg_dump tar archive is %q, not toc.dat", hdr.Name)
	}
	d := &decoder{r: bufio.NewReaderSize(tr, 64<<10)}
	h, err := readHead(d, FormatTar)
	if err != nil {
		return err
	}
	toc, err := readTOC(d, FormatTar)
	if err != nil {
		return err
	}
	r.h, r.toc = h, toc
	byFile := make(map[string]*Entry, len(toc))
	for _, e := range toc {
		if e.File != "" {
			byFile[e.File] = e
		}
	}
	r.nextFn = func() (*Entry, io.Reader, error) { return r.nextMember(tr, byFile) }
	return nil
}

func (r *Reader) nextMember(tr *tar.Reader, byFile map[string]*Entry) (*Entry, io.Reader, error) {
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil, nil, io.EOF
		}
		if err != nil {
			if errors.Is(err, tar.ErrHeader) {
				return nil, nil, errBroken("a corrupt tar header inside the pg_dump tar archive")
			}
			return nil, nil, truncated(err, "the tar archive")
		}
		if hdr.Typeflag != tar.TypeReg {
			continue
		}
		e := byFile[hdr.Name]
		if e == nil {
			continue // restore.sql, blobs.toc, blob_NNN.dat
		}
		if r.seen[e] {
			return nil, nil, errBroken("a second data file %s for %s", hdr.Name, e.Name())
		}
		r.seen[e] = true
		if !r.wanted[e] {
			continue
		}
		if strings.HasSuffix(hdr.Name, ".gz") {
			// Old pg_dump versions could gzip the data files of a tar.
			return nil, nil, errUnreadable("the data file %s of %s is gzipped, as only old pg_dump versions wrote them: make a plain dump with pg_restore -f plain.sql FILE.tar", hdr.Name, e.Name())
		}
		r.current = r.newData(e, &tarMember{r: tr}, CompressionNone)
		return e, r.current, nil
	}
}

// tarMember reads one member and tells a truncated one from its end.
type tarMember struct{ r io.Reader }

func (m *tarMember) Read(p []byte) (int, error) {
	n, err := m.r.Read(p)
	if err != nil && err != io.EOF {
		err = truncated(err, "a data file of the tar archive")
	}
	return n, err
}

func (m *tarMember) skip() error {
	_, err := io.Copy(io.Discard, m)
	return err
}
