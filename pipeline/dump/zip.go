package dump

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"

	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/zstd"

	"fediforensics/pipeline"
)

// isZip tells a zip by its first local file header, or by the end record
// of an empty zip.
func isZip(magic []byte) bool {
	return bytes.Equal(magic, []byte("PK\x03\x04")) || bytes.Equal(magic, []byte("PK\x05\x06"))
}

// zipMethods names the compression methods a zip may use, for messages.
var zipMethods = map[uint16]string{1: "Shrink", 6: "Implode", 9: "Deflate64", 12: "bzip2", 14: "LZMA", 95: "xz", 98: "PPMd", 99: "AES encryption"}

// walkZip checks every entry of the zip's central directory before handing
// any to fn: names as in a tar, no links or special files, no encryption, a
// known compression method, declared sizes within the caps. Reading then
// counts what each entry really decompresses to: more than it declared is
// a bomb, less is a broken zip.
func walkZip(ctx context.Context, name string, f io.ReaderAt, size int64, lim Limits, fn Func) error {
	zr, err := zip.NewReader(f, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		// ErrInsecurePath (GODEBUG=zipinsecurepath=0) is checked below.
		return fmt.Errorf("%s: %w: not a readable zip archive: %w", name, pipeline.ErrBroken, err)
	}
	// Each decompressor counts what it really produces, to tell a member
	// that holds more than it declares (archive/zip stops it with
	// zip.ErrFormat) from other damage.
	var produced int64
	counted := func(d zip.Decompressor) zip.Decompressor {
		return func(r io.Reader) io.ReadCloser { return &countingReadCloser{rc: d(r), n: &produced} }
	}
	zr.RegisterDecompressor(zip.Store, counted(io.NopCloser))
	zr.RegisterDecompressor(zip.Deflate, counted(flate.NewReader))
	zr.RegisterDecompressor(zstd.ZipMethodWinZip, counted(zstd.ZipDecompressor(zstd.WithDecoderMaxWindow(128<<20), zstd.WithDecoderMaxMemory(1<<30))))
	if len(zr.File) > lim.MaxMembers {
		return fmt.Errorf("%s: %w: more than %d entries", name, pipeline.ErrTooLarge, lim.MaxMembers)
	}
	type member struct {
		f     *zip.File
		clean string
	}
	var members []member
	var total uint64
	for _, zf := range zr.File {
		mode := zf.Mode()
		dir := mode.IsDir() || len(zf.Name) > 0 && zf.Name[len(zf.Name)-1] == '/'
		clean, err := CleanPath(zf.Name)
		if err != nil && !(dir && isRoot(zf.Name)) {
			return fmt.Errorf("%s: member %q: %w", name, zf.Name, err)
		}
		switch {
		case mode&fs.ModeSymlink != 0:
			return fmt.Errorf("%s: member %q: %w: links are refused", name, zf.Name, pipeline.ErrUnsafe)
		case dir:
			continue
		case mode&(fs.ModeDevice|fs.ModeCharDevice|fs.ModeNamedPipe|fs.ModeSocket|fs.ModeIrregular) != 0:
			return fmt.Errorf("%s: member %q: %w: device, socket and fifo entries are refused", name, zf.Name, pipeline.ErrUnsafe)
		case zf.Flags&0x1 != 0 || zf.Method == 99:
			return fmt.Errorf("%s: member %q: %w: it is encrypted: unzip it with its password and give the folder (or a tar of it)", name, zf.Name, pipeline.ErrUnreadable)
		}
		switch zf.Method {
		case zip.Store, zip.Deflate, zstd.ZipMethodWinZip:
		default:
			m := zipMethods[zf.Method]
			if m == "" {
				m = "unknown"
			}
			return fmt.Errorf("%s: member %q: %w: compression method %d (%s) is not read: re-zip it with the usual deflate (zip -r), or give a tar", name, zf.Name, pipeline.ErrUnreadable, zf.Method, m)
		}
		if zf.UncompressedSize64 > uint64(lim.MaxMemberBytes) {
			return fmt.Errorf("%s: member %q: %w: %d bytes, cap is %d (--max-member-bytes)", name, zf.Name, pipeline.ErrTooLarge, zf.UncompressedSize64, lim.MaxMemberBytes)
		}
		if total += zf.UncompressedSize64; total > uint64(lim.MaxTotalBytes) {
			return fmt.Errorf("%s: %w: members add up to more than %d bytes (--max-total-bytes)", name, pipeline.ErrTooLarge, lim.MaxTotalBytes)
		}
		members = append(members, member{zf, clean})
	}
	for _, m := range members {
		if err := ctx.Err(); err != nil {
			return err
		}
		produced = 0
		if err := readZipMember(name, m.f, m.clean, &produced, fn); err != nil {
			return err
		}
	}
	return nil
}

func readZipMember(name string, zf *zip.File, clean string, produced *int64, fn Func) error {
	rc, err := zf.Open()
	if err != nil {
		return fmt.Errorf("%s: member %q: %w: %w", name, clean, pipeline.ErrBroken, err)
	}
	defer rc.Close()
	declared := int64(zf.UncompressedSize64)
	mr := &zipMemberReader{r: rc}
	err = fn(Entry{Path: clean, Size: declared}, mr)
	if err == nil {
		_, err = io.Copy(io.Discard, mr)
	}
	switch {
	case err == nil:
		return nil
	case *produced > declared:
		return fmt.Errorf("%s: member %q: %w: it decompresses to more than the %d bytes it declares (a zip bomb)", name, clean, pipeline.ErrTooLarge, declared)
	case errors.Is(err, zip.ErrChecksum):
		return fmt.Errorf("%s: member %q: %w: checksum mismatch (corrupt data)", name, clean, pipeline.ErrBroken)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%s: member %q: %w: truncated (%d of the %d bytes it declares)", name, clean, pipeline.ErrBroken, mr.n, declared)
	case mr.failed:
		return fmt.Errorf("%s: member %q: %w: %w", name, clean, pipeline.ErrBroken, err)
	}
	return err
}

// zipMemberReader counts what the caller read of an entry, and tells the
// zip's own errors from the caller's.
type zipMemberReader struct {
	r      io.Reader
	n      int64
	failed bool
}

func (z *zipMemberReader) Read(p []byte) (int, error) {
	n, err := z.r.Read(p)
	z.n += int64(n)
	if err != nil && err != io.EOF {
		z.failed = true
	}
	return n, err
}

// countingReadCloser counts the bytes a decompressor produces.
type countingReadCloser struct {
	rc io.ReadCloser
	n  *int64
}

func (c *countingReadCloser) Read(p []byte) (int, error) {
	n, err := c.rc.Read(p)
	*c.n += int64(n)
	return n, err
}

func (c *countingReadCloser) Close() error { return c.rc.Close() }
