package pgarchive

import (
	"bufio"
	"bytes"
	"io"
)

// Bounds on what a table of contents may claim, so that a hostile archive
// cannot make the reader allocate at will.
const (
	maxEntries   = 1 << 22  // entries of the table of contents
	maxKeptBytes = 16 << 20 // one string the reader keeps (names, COPY statements)
)

// The block types and data offset flags of pg_backup_archiver.h.
const (
	blkData  = 1
	blkBlobs = 3

	offsetPosNotSet = 1
	offsetPosSet    = 2
	offsetNoData    = 3
)

// decoder reads the archive's integers and strings (WriteInt, WriteStr,
// WriteOffset of pg_backup_archiver.c).
type decoder struct {
	r       *bufio.Reader
	version int // MAKE_ARCHIVE_VERSION
	intSize int
	offSize int
	where   string // for error messages
}

func (d *decoder) byte() (byte, error) {
	b, err := d.r.ReadByte()
	if err != nil {
		return 0, truncated(err, d.where)
	}
	return b, nil
}

// int reads a sign byte then intSize bytes, least significant first.
func (d *decoder) int() (int64, error) {
	sign, err := d.byte()
	if err != nil {
		return 0, err
	}
	var v uint64
	for i := 0; i < d.intSize; i++ {
		b, err := d.byte()
		if err != nil {
			return 0, err
		}
		v |= uint64(b) << (8 * i)
	}
	if v > 1<<62 {
		return 0, errBroken("integer out of range in %s", d.where)
	}
	if sign != 0 {
		return -int64(v), nil
	}
	return int64(v), nil
}

// str reads a string; null is true for a NULL string (length -1). Strings
// over max bytes are refused when keep is set; otherwise they are skipped
// without being held.
func (d *decoder) str(keep bool) (s string, null bool, err error) {
	n, err := d.int()
	if err != nil {
		return "", false, err
	}
	switch {
	case n < 0:
		if n != -1 {
			return "", false, errBroken("negative string length %d in %s", n, d.where)
		}
		return "", true, nil
	case !keep:
		if _, err := d.r.Discard(int(min(n, 1<<40))); err != nil {
			return "", false, truncated(err, d.where)
		}
		return "", false, nil
	case n > maxKeptBytes:
		return "", false, errBroken("a string of %d bytes in %s", n, d.where)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(d.r, b); err != nil {
		return "", false, truncated(err, d.where)
	}
	return string(b), false, nil
}

func (d *decoder) keep() (string, error) {
	s, _, err := d.str(true)
	return s, err
}

func (d *decoder) skip() error {
	_, _, err := d.str(false)
	return err
}

// offset reads a data offset: a flag byte, then offSize bytes.
func (d *decoder) offset() (flag byte, err error) {
	flag, err = d.byte()
	if err != nil {
		return 0, err
	}
	switch flag {
	case offsetPosNotSet, offsetPosSet, offsetNoData:
	default:
		return 0, errBroken("unexpected data offset flag %d in %s", flag, d.where)
	}
	if _, err := d.r.Discard(d.offSize); err != nil {
		return 0, truncated(err, d.where)
	}
	return flag, nil
}

// readHead reads the header (ReadHead) of an archive of the given format.
func readHead(d *decoder, want Format) (Header, error) {
	var h Header
	d.where = "the header"
	var m [5]byte
	if _, err := io.ReadFull(d.r, m[:]); err != nil {
		return h, truncated(err, d.where)
	}
	if !bytes.Equal(m[:], magic) {
		return h, errBroken("not a pg_dump archive (no PGDMP signature)")
	}
	var err error
	if h.Version.Major, err = d.byte(); err != nil {
		return h, err
	}
	if h.Version.Minor, err = d.byte(); err != nil {
		return h, err
	}
	if h.Version.Major > 1 || h.Version.Major == 1 && h.Version.Minor > 0 {
		if h.Version.Rev, err = d.byte(); err != nil {
			return h, err
		}
	}
	v := h.Version.num()
	if v < minVersion.num() {
		return h, errUnreadable("archive version %d.%d is older than this reader knows (1.12, pg_dump of PostgreSQL 9.0): make a plain dump of it with pg_restore -f plain.sql FILE", h.Version.Major, h.Version.Minor)
	}
	if v > maxVersion.num() {
		return h, errUnreadable("archive version %d.%d is newer than this reader knows (1.16, pg_dump of PostgreSQL 17 and 18): make a plain dump of it with pg_restore -f plain.sql FILE", h.Version.Major, h.Version.Minor)
	}
	d.version = v
	is, err := d.byte()
	if err != nil {
		return h, err
	}
	os, err := d.byte()
	if err != nil {
		return h, err
	}
	if is < 1 || is > 8 || os < 1 || os > 16 {
		return h, errBroken("integer size %d or offset size %d out of range in the header", is, os)
	}
	d.intSize, d.offSize = int(is), int(os)
	f, err := d.byte()
	if err != nil {
		return h, err
	}
	h.Format = Format(f)
	if h.Format != want {
		return h, errBroken("the header says format %s where %s was expected", h.Format, want)
	}
	if v >= makeVersion(1, 15) {
		c, err := d.byte()
		if err != nil {
			return h, err
		}
		h.Compression = Compression(c)
	} else {
		level, err := d.int()
		if err != nil {
			return h, err
		}
		if level != 0 {
			h.Compression = CompressionGzip
		}
	}
	switch h.Compression {
	case CompressionNone, CompressionGzip, CompressionLZ4, CompressionZstd:
	default:
		return h, errUnreadable("the archive's data is compressed with an unknown method (%d): make a plain dump of it with pg_restore -f plain.sql FILE", byte(h.Compression))
	}
	// The creation time: seconds, minutes, hours, day, month, year, isdst.
	for range 7 {
		if _, err := d.int(); err != nil {
			return h, err
		}
	}
	if h.Database, err = d.keep(); err != nil {
		return h, err
	}
	if h.Server, err = d.keep(); err != nil {
		return h, err
	}
	if h.PGDump, err = d.keep(); err != nil {
		return h, err
	}
	return h, nil
}

// readTOC reads the table of contents (ReadToc) and each entry's
// format-specific part (_ReadExtraToc of the custom and tar formats).
func readTOC(d *decoder, f Format) ([]*Entry, error) {
	d.where = "the table of contents"
	n, err := d.int()
	if err != nil {
		return nil, err
	}
	if n < 0 || n > maxEntries {
		return nil, errBroken("the table of contents claims %d entries", n)
	}
	var toc []*Entry
	for range n {
		e := &Entry{}
		id, err := d.int()
		if err != nil {
			return nil, err
		}
		if id <= 0 || id > 1<<31 {
			return nil, errBroken("entry id %d out of range in the table of contents", id)
		}
		e.DumpID = int(id)
		if _, err := d.int(); err != nil { // hadDumper
			return nil, err
		}
		// Catalog ids (table oid and oid), as strings.
		if err := d.skip(); err != nil {
			return nil, err
		}
		if err := d.skip(); err != nil {
			return nil, err
		}
		if e.Tag, err = d.keep(); err != nil {
			return nil, err
		}
		if e.Desc, err = d.keep(); err != nil {
			return nil, err
		}
		if _, err := d.int(); err != nil { // section
			return nil, err
		}
		if err := d.skip(); err != nil { // defn
			return nil, err
		}
		if err := d.skip(); err != nil { // dropStmt
			return nil, err
		}
		if e.CopyStmt, err = d.keep(); err != nil {
			return nil, err
		}
		if e.Namespace, err = d.keep(); err != nil {
			return nil, err
		}
		if err := d.skip(); err != nil { // tablespace
			return nil, err
		}
		if d.version >= makeVersion(1, 14) {
			if err := d.skip(); err != nil { // tableam
				return nil, err
			}
		}
		if d.version >= makeVersion(1, 16) {
			if _, err := d.int(); err != nil { // relkind
				return nil, err
			}
		}
		if e.Owner, err = d.keep(); err != nil {
			return nil, err
		}
		if err := d.skip(); err != nil { // "false": WITH OIDS
			return nil, err
		}
		for { // dependencies, ended by a NULL string
			_, null, err := d.str(false)
			if err != nil {
				return nil, err
			}
			if null {
				break
			}
		}
		switch f {
		case FormatCustom:
			flag, err := d.offset()
			if err != nil {
				return nil, err
			}
			e.HasData = flag != offsetNoData
		case FormatTar:
			if e.File, err = d.keep(); err != nil {
				return nil, err
			}
			e.HasData = e.File != ""
		}
		toc = append(toc, e)
	}
	return toc, nil
}
