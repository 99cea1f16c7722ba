package pgarchive

import (
	"bufio"
	"io"
)

// openCustom reads the header and table of contents of a custom archive;
// the data blocks follow.
func (r *Reader) openCustom(br *bufio.Reader) error {
	d := &decoder{r: br}
	h, err := readHead(d, FormatCustom)
	if err != nil {
		return err
	}
	toc, err := readTOC(d, FormatCustom)
	if err != nil {
		return err
	}
	r.h, r.toc = h, toc
	byID := make(map[int]*Entry, len(toc))
	for _, e := range toc {
		byID[e.DumpID] = e
	}
	d.where = "the data blocks"
	r.nextFn = func() (*Entry, io.Reader, error) { return r.nextBlock(d, byID) }
	return nil
}

// nextBlock reads block headers (_readBlockHeader) until a block of a
// wanted entry, skipping the others (_skipData, _skipLOs).
func (r *Reader) nextBlock(d *decoder, byID map[int]*Entry) (*Entry, io.Reader, error) {
	for {
		typ, err := d.r.ReadByte()
		if err == io.EOF {
			return nil, nil, io.EOF
		}
		if err != nil {
			return nil, nil, truncated(err, d.where)
		}
		id, err := d.int()
		if err != nil {
			return nil, nil, err
		}
		e := byID[int(id)]
		switch typ {
		case blkData:
			if e == nil {
				return nil, nil, errBroken("a data block for entry %d, which the table of contents does not list", id)
			}
			if r.seen[e] {
				return nil, nil, errBroken("a second data block for %s (entry %d)", e.Name(), id)
			}
			r.seen[e] = true
			b := &blockReader{d: d}
			if r.wanted[e] {
				r.current = r.newData(e, b, r.h.Compression)
				return e, r.current, nil
			}
			if err := b.skip(); err != nil {
				return nil, nil, err
			}
		case blkBlobs:
			// Large objects: an OID, its data chunks, ... and a zero OID.
			for {
				oid, err := d.int()
				if err != nil {
					return nil, nil, err
				}
				if oid == 0 {
					break
				}
				if err := (&blockReader{d: d}).skip(); err != nil {
					return nil, nil, err
				}
			}
		default:
			return nil, nil, errBroken("unknown data block type %d (entry %d)", typ, id)
		}
	}
}

// blockReader reads the chunks of one data block: each an int length and
// that many bytes; a zero length ends the block.
type blockReader struct {
	d    *decoder
	left int64 // bytes left in the current chunk
	done bool  // the end of the block was read
	n    int64 // bytes read
}

func (b *blockReader) Read(p []byte) (int, error) {
	for b.left == 0 {
		if b.done {
			return 0, io.EOF
		}
		n, err := b.d.int()
		if err != nil {
			return 0, err
		}
		if n < 0 {
			return 0, errBroken("negative chunk length %d in %s", n, b.d.where)
		}
		if n == 0 {
			b.done = true
			return 0, io.EOF
		}
		b.left = n
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.d.r.Read(p)
	b.left -= int64(n)
	b.n += int64(n)
	if err == io.EOF {
		err = nil
		if n == 0 {
			err = truncated(io.ErrUnexpectedEOF, b.d.where)
		}
	}
	return n, err
}

// skip reads past the rest of the block.
func (b *blockReader) skip() error {
	for {
		if b.left > 0 {
			if _, err := b.d.r.Discard(int(b.left)); err != nil {
				return truncated(err, b.d.where)
			}
			b.n += b.left
			b.left = 0
		}
		if b.done {
			return nil
		}
		var one [1]byte
		if _, err := b.Read(one[:]); err == io.EOF {
			return nil
		} else if err != nil {
			return err
		}
	}
}
