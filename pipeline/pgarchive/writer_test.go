package pgarchive

import (
	"archive/tar"
	"bytes"
	"compress/zlib"
	"fmt"
	"testing"

	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
)

// This file writes archives the way pg_dump's WriteHead, WriteToc and
// WriteDataChunks do (pg_backup_archiver.c, pg_backup_custom.c,
// pg_backup_tar.c), for the versions and compressions a test machine's
// pg_dump cannot make. The real archives of testdata/ check it.

// tEntry is an entry of a test archive.
type tEntry struct {
	id        int
	desc, tag string
	copyStmt  string // "" writes a NULL
	data      []byte // nil: no data
	blobs     [][]byte
}

// tArchive is a test archive.
type tArchive struct {
	version  Version
	format   Format
	comp     Compression
	intSize  int
	entries  []tEntry
	order    []int // the order of the data blocks (entry indexes); nil: TOC order
	offsets  bool  // data offsets set, as a seekable output writes them
	chunk    int   // chunk size of the data blocks; 0: 4096
	noTrail  bool  // leave out the terminating zero chunk of the last block
	badBlock byte  // a block type to write instead of BLK_DATA
}

type enc struct {
	b       bytes.Buffer
	intSize int
}

func (e *enc) byte(v byte) { e.b.WriteByte(v) }

func (e *enc) int(v int) {
	if v < 0 {
		e.b.WriteByte(1)
		v = -v
	} else {
		e.b.WriteByte(0)
	}
	for i := 0; i < e.intSize; i++ {
		e.b.WriteByte(byte(v >> (8 * i)))
	}
}

func (e *enc) str(s string) {
	e.int(len(s))
	e.b.WriteString(s)
}

func (e *enc) null() { e.int(-1) }

func (a tArchive) header(e *enc) {
	e.b.WriteString("PGDMP")
	e.byte(a.version.Major)
	e.byte(a.version.Minor)
	e.byte(a.version.Rev)
	e.byte(byte(e.intSize))
	e.byte(8) // offSize
	e.byte(byte(a.format))
	if a.version.num() >= makeVersion(1, 15) {
		e.byte(byte(a.comp))
	} else if a.comp == CompressionGzip {
		e.int(-1) // Z_DEFAULT_COMPRESSION
	} else {
		e.int(0)
	}
	for _, v := range []int{26, 17, 1, 20, 3, 123, 0} { // 2023-04-20 01:17:26
		e.int(v)
	}
	e.str("mastodon_production")
	e.str("15.3")
	e.str("15.3")
}

func (a tArchive) toc(e *enc, pos map[int]int) {
	e.int(len(a.entries))
	for _, te := range a.entries {
		e.int(te.id)
		e.int(btoi(te.data != nil || te.blobs != nil))
		e.str("1259")
		e.str(fmt.Sprint(16000 + te.id))
		e.str(te.tag)
		e.str(te.desc)
		e.int(3) // SECTION_DATA
		e.str("")
		e.str("")
		if te.copyStmt == "" {
			e.null()
		} else {
			e.str(te.copyStmt)
		}
		e.str("public")
		e.str("")
		if a.version.num() >= makeVersion(1, 14) {
			e.str("heap")
		}
		if a.version.num() >= makeVersion(1, 16) {
			e.int('r')
		}
		e.str("mastodon")
		e.str("false")
		e.str("1")
		e.str("2")
		e.null()
		switch a.format {
		case FormatCustom:
			switch {
			case te.data == nil && te.blobs == nil:
				e.byte(offsetNoData)
				e.b.Write(make([]byte, 8))
			case a.offsets:
				e.byte(offsetPosSet)
				for i := range 8 {
					e.byte(byte(pos[te.id] >> (8 * i)))
				}
			default:
				e.byte(offsetPosNotSet)
				e.b.Write(make([]byte, 8))
			}
		case FormatTar:
			if te.data != nil {
				e.str(fmt.Sprintf("%d.dat", te.id))
			} else {
				e.str("")
			}
		}
	}
}

// compress compresses one block's data as the compressor API does.
func compress(t testing.TB, c Compression, data []byte) []byte {
	var b bytes.Buffer
	switch c {
	case CompressionNone:
		return data
	case CompressionGzip:
		w := zlib.NewWriter(&b)
		w.Write(data)
		w.Close()
	case CompressionLZ4:
		w := lz4.NewWriter(&b)
		w.Write(data)
		w.Close()
	case CompressionZstd:
		w, err := zstd.NewWriter(&b)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
		w.Close()
	}
	return b.Bytes()
}

func (a tArchive) chunks(t testing.TB, e *enc, data []byte) {
	z := compress(t, a.comp, data)
	n := a.chunk
	if n == 0 {
		n = 4096
	}
	for len(z) > 0 {
		k := min(n, len(z))
		e.int(k)
		e.b.Write(z[:k])
		z = z[k:]
	}
}

// bytes writes the archive.
func (a tArchive) bytes(t testing.TB) []byte {
	if a.intSize == 0 {
		a.intSize = 4
	}
	order := a.order
	if order == nil {
		for i := range a.entries {
			order = append(order, i)
		}
	}
	if a.format == FormatTar {
		return a.tarBytes(t)
	}
	// The data first, to learn the offsets; then header and TOC.
	data := &enc{intSize: a.intSize}
	rel := map[int]int{}
	for k, i := range order {
		te := a.entries[i]
		if te.data == nil && te.blobs == nil {
			continue
		}
		rel[te.id] = data.b.Len()
		if te.blobs != nil {
			data.byte(blkBlobs)
			data.int(te.id)
			for j, blob := range te.blobs {
				data.int(30000 + j)
				a.chunks(t, data, blob)
				data.int(0)
			}
			data.int(0)
			continue
		}
		typ := byte(blkData)
		if a.badBlock != 0 {
			typ = a.badBlock
		}
		data.byte(typ)
		data.int(te.id)
		a.chunks(t, data, te.data)
		if !(a.noTrail && k == len(order)-1) {
			data.int(0)
		}
	}
	head := &enc{intSize: a.intSize}
	a.header(head)
	a.toc(head, map[int]int{})
	pos := map[int]int{}
	for id, r := range rel {
		pos[id] = head.b.Len() + r
	}
	out := &enc{intSize: a.intSize}
	a.header(out)
	a.toc(out, pos)
	out.b.Write(data.b.Bytes())
	return out.b.Bytes()
}

func (a tArchive) tarBytes(t testing.TB) []byte {
	toc := &enc{intSize: a.intSize}
	a.header(toc)
	a.toc(toc, nil)
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	add := func(name string, body []byte) {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: int64(len(body)), Typeflag: tar.TypeReg, Format: tar.FormatUSTAR}); err != nil {
			t.Fatal(err)
		}
		tw.Write(body)
	}
	add("toc.dat", toc.b.Bytes())
	order := a.order
	if order == nil {
		for i := range a.entries {
			order = append(order, i)
		}
	}
	for _, i := range order {
		if te := a.entries[i]; te.data != nil {
			add(fmt.Sprintf("%d.dat", te.id), te.data)
		}
	}
	add("restore.sql", []byte("-- restore script\n"))
	tw.Close()
	return b.Bytes()
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
