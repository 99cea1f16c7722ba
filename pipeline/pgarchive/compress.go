package pgarchive

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/klauspost/compress/zlib"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"

	"fediforensics/pipeline"
)

// source is the raw data of one entry: a data block, or a tar member.
type source interface {
	io.Reader
	skip() error // read past the rest
}

// dataReader decompresses the data of one entry.
type dataReader struct {
	e      *Entry
	src    source
	comp   Compression
	budget *int64
	dec    io.Reader
	close  func()
	err    error // sticky; io.EOF at the end
}

func (r *Reader) newData(e *Entry, src source, c Compression) *dataReader {
	return &dataReader{e: e, src: src, comp: c, budget: r.budget}
}

// lz4Magic starts an LZ4 frame.
var lz4Magic = []byte{0x04, 0x22, 0x4d, 0x18}

// open sets up the decompressor: a block holds one zlib stream, LZ4 frame
// or zstd frame (compress_gzip.c, compress_lz4.c, compress_zstd.c), or
// nothing at all for a table without rows.
func (d *dataReader) open() error {
	if d.comp == CompressionNone {
		d.dec = d.src
		return nil
	}
	br := bufio.NewReaderSize(d.src, 32<<10)
	head, err := br.Peek(len(lz4Magic))
	if len(head) == 0 && err == io.EOF {
		d.dec = bytes.NewReader(nil)
		return nil
	}
	if err != nil && err != io.EOF {
		return d.wrap(err)
	}
	switch d.comp {
	case CompressionGzip:
		zr, err := zlib.NewReader(br)
		if err != nil {
			return d.wrap(err)
		}
		d.dec, d.close = zr, func() { zr.Close() }
	case CompressionLZ4:
		if !bytes.Equal(head, lz4Magic) {
			return errUnreadable("the data of %s is LZ4 but not an LZ4 frame, as only development versions of pg_dump 16 wrote it: make a plain dump with pg_restore -f plain.sql FILE", d.e.Name())
		}
		d.dec = lz4.NewReader(br)
	case CompressionZstd:
		zr, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxWindow(128<<20), zstd.WithDecoderMaxMemory(1<<30))
		if err != nil {
			return d.wrap(err)
		}
		d.dec, d.close = zr, zr.Close
	default:
		return errUnreadable("the data of %s is compressed with an unknown method (%d)", d.e.Name(), byte(d.comp))
	}
	return nil
}

func (d *dataReader) Read(p []byte) (int, error) {
	if d.err != nil {
		return 0, d.err
	}
	if d.dec == nil {
		if err := d.open(); err != nil {
			d.err = err
			return 0, err
		}
	}
	n, err := d.dec.Read(p)
	if d.budget != nil {
		if *d.budget -= int64(n); *d.budget < 0 {
			d.err = fmt.Errorf("%w: the decompressed table data of the pg_dump archive exceeds the cap (--max-member-bytes)", pipeline.ErrTooLarge)
			return 0, d.err
		}
	}
	switch {
	case err == io.EOF:
		// The compressed stream ended: so must the block.
		if d.close != nil {
			d.close()
			d.close = nil
		}
		if err := d.src.skip(); err != nil {
			d.err = err
			return n, err
		}
		d.err = io.EOF
	case err != nil:
		d.err = d.wrap(err)
	}
	return n, d.err
}

// finish reads past what the caller left of the data.
func (d *dataReader) finish() error {
	if d.close != nil {
		d.close()
		d.close = nil
	}
	switch d.err {
	case io.EOF:
		return nil
	case nil:
		d.err = io.EOF
		return d.src.skip()
	}
	return d.err
}

// wrap classifies a decompression error.
func (d *dataReader) wrap(err error) error {
	if errors.Is(err, pipeline.ErrBroken) || errors.Is(err, pipeline.ErrUnreadable) || errors.Is(err, pipeline.ErrTooLarge) {
		return err
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return errBroken("truncated %s data of %s", d.comp, d.e.Name())
	}
	return errBroken("corrupt %s data of %s: %v", d.comp, d.e.Name(), err)
}
