// Package pgarchive reads the table data of pg_dump archives in the custom
// (pg_dump -Fc) and tar (pg_dump -Ft) formats, without PostgreSQL: the
// header, the table of contents and the COPY data of each table, streamed
// in file order.
//
// The layout is PostgreSQL's, src/bin/pg_dump: pg_backup_archiver.c
// (ReadHead, ReadToc, ReadInt, ReadStr, ReadOffset), pg_backup_custom.c
// (_ReadExtraToc, _PrintTocData, _readBlockHeader: a data block is a type
// byte, the dump id and length-prefixed chunks of compressed data ended by
// a zero length), pg_backup_tar.c (toc.dat, then one NNNN.dat per table)
// and compress_{gzip,lz4,zstd}.c (a zlib stream, an LZ4 frame or a zstd
// frame per block). Archive versions 1.12 to 1.16 are read: pg_dump of
// PostgreSQL 9.0 to 18.
//
// Blocks are read as they come: an archive written to a pipe, whose table
// of contents has no data offsets, reads like any other, and so do blocks
// in an order other than the table of contents'. Nothing is ever seeked.
package pgarchive

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"fediforensics/pipeline"
)

// Format is the archive format byte of the header (pg_backup.h).
type Format byte

// The formats of pg_dump's archives.
const (
	FormatCustom    Format = 1 // pg_dump -Fc
	FormatTar       Format = 3 // pg_dump -Ft
	FormatDirectory Format = 5 // pg_dump -Fd
)

func (f Format) String() string {
	switch f {
	case FormatCustom:
		return "custom (-Fc)"
	case FormatTar:
		return "tar (-Ft)"
	case FormatDirectory:
		return "directory (-Fd)"
	}
	return fmt.Sprintf("unknown format %d", byte(f))
}

// Compression is how the data blocks are compressed (pg_compress_algorithm).
type Compression byte

// The compression algorithms of pg_dump.
const (
	CompressionNone Compression = 0
	CompressionGzip Compression = 1 // a zlib stream per block
	CompressionLZ4  Compression = 2 // an LZ4 frame per block (pg_dump 16+)
	CompressionZstd Compression = 3 // a zstd frame per block (pg_dump 16+)
)

func (c Compression) String() string {
	switch c {
	case CompressionNone:
		return "none"
	case CompressionGzip:
		return "gzip"
	case CompressionLZ4:
		return "lz4"
	case CompressionZstd:
		return "zstd"
	}
	return fmt.Sprintf("compression %d", byte(c))
}

// Version is the archive version of the header, like 1.14.0.
type Version struct{ Major, Minor, Rev byte }

func (v Version) String() string { return fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Rev) }

// num is MAKE_ARCHIVE_VERSION.
func (v Version) num() int { return ((int(v.Major)*256+int(v.Minor))*256 + int(v.Rev)) * 256 }

func makeVersion(maj, min int) int { return (maj*256 + min) * 256 * 256 }

// The archive versions whose layout this package reads.
var (
	minVersion = Version{1, 12, 0}   // PostgreSQL 9.0
	maxVersion = Version{1, 16, 255} // PostgreSQL 17, 18
)

// Header is what the archive says of itself.
type Header struct {
	Version     Version
	Format      Format
	Compression Compression
	Database    string // the database that was dumped
	Server      string // the server's version
	PGDump      string // pg_dump's version
}

// Entry is one entry of the table of contents.
type Entry struct {
	DumpID    int
	Desc      string // TABLE DATA, BLOBS, TABLE, INDEX, ...
	Namespace string // the schema
	Tag       string // the object's name: the table for TABLE DATA
	Owner     string
	CopyStmt  string // COPY public.accounts (id, ...) FROM stdin; for table data dumped as COPY
	// HasData says the archive holds data for the entry: a data block of a
	// custom archive, a member (File) of a tar archive.
	HasData bool
	File    string
}

// Name is the entry's schema-qualified name.
func (e *Entry) Name() string {
	if e.Namespace == "" {
		return e.Tag
	}
	return e.Namespace + "." + e.Tag
}

// Options control a Reader.
type Options struct {
	// Want says whether the data of an entry is read; the data of the
	// others is skipped without being decompressed. It is called once for
	// each entry with data, in the order of the table of contents. Nil
	// wants every TABLE DATA entry.
	Want func(*Entry) bool
	// MaxDataBytes caps the decompressed data handed out, all entries
	// together; beyond it Next and the data readers fail with an error
	// wrapping pipeline.ErrTooLarge. Zero means no cap.
	MaxDataBytes int64
}

// Reader reads the data of a pg_dump archive entry by entry.
type Reader struct {
	h       Header
	toc     []*Entry
	wanted  map[*Entry]bool
	seen    map[*Entry]bool
	budget  *int64
	nextFn  func() (*Entry, io.Reader, error)
	current *dataReader
}

// NewReader reads the header and the table of contents of the archive in
// r, a custom or tar archive told apart by its content. Errors wrap
// pipeline.ErrBroken (not an archive, truncated, corrupt) or
// pipeline.ErrUnreadable (a version, compression or format not read).
func NewReader(r io.Reader, opt Options) (*Reader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, _ := br.Peek(SniffLen)
	ar := &Reader{wanted: map[*Entry]bool{}, seen: map[*Entry]bool{}}
	if opt.MaxDataBytes > 0 {
		left := opt.MaxDataBytes
		ar.budget = &left
	}
	var err error
	switch k := Sniff(head); k {
	case KindCustom:
		err = ar.openCustom(br)
	case KindTar:
		err = ar.openTar(br)
	case KindTOC:
		return nil, k.refusal()
	case KindPlain:
		return nil, fmt.Errorf("%w: a plain SQL dump, not a pg_dump archive", pipeline.ErrBroken)
	default:
		return nil, fmt.Errorf("%w: not a pg_dump archive (no PGDMP signature)", pipeline.ErrBroken)
	}
	if err != nil {
		return nil, err
	}
	want := opt.Want
	if want == nil {
		want = func(e *Entry) bool { return e.Desc == "TABLE DATA" }
	}
	for _, e := range ar.toc {
		if e.HasData {
			ar.wanted[e] = want(e)
		}
	}
	return ar, nil
}

// Header is the archive's header.
func (r *Reader) Header() Header { return r.h }

// Entries is the table of contents, in its order.
func (r *Reader) Entries() []Entry {
	out := make([]Entry, len(r.toc))
	for i, e := range r.toc {
		out[i] = *e
	}
	return out
}

// Next returns the next wanted entry in file order and a reader of its
// data: for a table dumped with COPY, the rows in COPY text format ended by
// a line "\.". The reader is valid until the next call. At the end Next
// returns io.EOF, or an error if the data of a wanted entry never came.
func (r *Reader) Next() (*Entry, io.Reader, error) {
	if r.current != nil {
		if err := r.current.finish(); err != nil {
			return nil, nil, err
		}
		r.current = nil
	}
	e, data, err := r.nextFn()
	if err == io.EOF {
		return nil, nil, r.missing()
	}
	if err != nil {
		return nil, nil, err
	}
	return e, data, nil
}

// missing is io.EOF when every wanted entry was read.
func (r *Reader) missing() error {
	var names []string
	for _, e := range r.toc {
		if r.wanted[e] && !r.seen[e] {
			names = append(names, e.Name())
		}
	}
	if len(names) == 0 {
		return io.EOF
	}
	return fmt.Errorf("%w: truncated: the data of %s is listed in the table of contents but not in the archive", pipeline.ErrBroken, strings.Join(names, ", "))
}

// SniffLen is how many leading bytes Sniff needs to tell every kind.
const SniffLen = 1024

// Kind is what Sniff recognises.
type Kind int

// The kinds of input Sniff tells apart.
const (
	KindNone   Kind = iota
	KindCustom      // a pg_dump -Fc archive
	KindTar         // a pg_dump -Ft archive
	KindPlain       // a plain SQL dump of pg_dump or pg_dumpall
	// KindTOC is a toc.dat on its own: the table of contents of a pg_dump
	// directory-format archive (-Fd), or of a -Ft archive that was
	// unpacked. Both say "tar" in their header (pg_backup_directory.c
	// writes the tar format code into toc.dat on purpose).
	KindTOC
)

var (
	magic       = []byte("PGDMP")
	plainHeader = [][]byte{[]byte("--\n-- PostgreSQL database dump"), []byte("--\n-- PostgreSQL database cluster dump")}
)

// Sniff tells what the leading bytes of a file are (give it SniffLen bytes,
// or the whole file if it is shorter).
func Sniff(head []byte) Kind {
	if bytes.HasPrefix(head, magic) {
		if f, _ := headerFormat(head); f == FormatTar || f == FormatDirectory {
			return KindTOC
		}
		return KindCustom
	}
	// pg_dump -Ft writes toc.dat first, as a ustar member, and never
	// compresses: a tar of a compressed -Fd folder that happens to start
	// with its toc.dat is not one.
	if len(head) >= 512+len(magic) && string(head[257:262]) == "ustar" &&
		string(bytes.TrimRight(head[:100], "\x00")) == "toc.dat" && bytes.HasPrefix(head[512:], magic) {
		if f, compressed := headerFormat(head[512:]); f == FormatTar && !compressed {
			return KindTar
		}
	}
	for _, p := range plainHeader {
		if bytes.HasPrefix(head, p) {
			return KindPlain
		}
	}
	return KindNone
}

// headerFormat reads the format byte of a header that starts at b[0], and
// whether the header says the data is compressed.
func headerFormat(b []byte) (f Format, compressed bool) {
	if len(b) < 8 {
		return 0, false
	}
	v := Version{Major: b[5], Minor: b[6]}
	i := 7
	if v.Major > 1 || v.Major == 1 && v.Minor > 0 {
		v.Rev = b[i]
		i++
	}
	if i >= len(b) {
		return 0, false // cut short inside the header
	}
	intSize := int(b[i])
	i++
	if v.num() >= makeVersion(1, 7) {
		i++ // offSize
	}
	if i >= len(b) {
		return 0, false
	}
	f = Format(b[i])
	i++
	if v.num() >= makeVersion(1, 15) {
		return f, i < len(b) && b[i] != byte(CompressionNone)
	}
	// An int: a sign byte, then intSize bytes.
	for k := i; k <= i+intSize && k < len(b); k++ {
		if b[k] != 0 {
			return f, true
		}
	}
	return f, false
}

// refusal is the error for a kind that is recognised but not read.
func (k Kind) refusal() error {
	if k == KindTOC {
		return fmt.Errorf("%w: this is the toc.dat of a pg_dump directory-format archive (pg_dump -Fd, or a -Ft archive that was unpacked), which is not read: make a plain dump of it with pg_restore -f plain.sql DIR (DIR is the folder that holds toc.dat) and give plain.sql", pipeline.ErrUnreadable)
	}
	return nil
}

// Refusal is the error for a file Sniff recognised as a pg_dump input
// that is not read as it is (a toc.dat on its own), or nil.
func Refusal(k Kind) error { return k.refusal() }

// errBroken and errUnreadable format the package's errors.
func errBroken(format string, args ...any) error {
	return fmt.Errorf("%w: %s", pipeline.ErrBroken, fmt.Sprintf(format, args...))
}

func errUnreadable(format string, args ...any) error {
	return fmt.Errorf("%w: %s", pipeline.ErrUnreadable, fmt.Sprintf(format, args...))
}

// truncated turns an early end of input into a broken-archive error.
func truncated(err error, where string) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errBroken("truncated (the archive ends inside %s)", where)
	}
	if errors.Is(err, pipeline.ErrBroken) || errors.Is(err, pipeline.ErrUnreadable) || errors.Is(err, pipeline.ErrTooLarge) {
		return err
	}
	return fmt.Errorf("%s: %w", where, err)
}
