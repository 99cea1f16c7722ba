// Package dump walks a Mastodon dump — a tar, a compressed tar, a zip, a
// plain directory, or a single pg_dump file — as a stream of regular files,
// refusing what is hostile or broken. It never extracts by trusting member
// names: each member is handed to the caller as a reader, and the caller
// decides where its bytes go.
package dump

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"fediforensics/pipeline"
	"fediforensics/pipeline/pgarchive"
)

// Limits bound what a dump may hold. Zero means the default.
type Limits struct {
	MaxMemberBytes int64 // one member, uncompressed
	MaxTotalBytes  int64 // all members together, uncompressed
	MaxMembers     int   // entries of any type
}

// DefaultLimits are generous for a real instance and fatal to a bomb.
func DefaultLimits() Limits {
	return Limits{MaxMemberBytes: 64 << 30, MaxTotalBytes: 256 << 30, MaxMembers: 100000}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxMemberBytes <= 0 {
		l.MaxMemberBytes = d.MaxMemberBytes
	}
	if l.MaxTotalBytes <= 0 {
		l.MaxTotalBytes = d.MaxTotalBytes
	}
	if l.MaxMembers <= 0 {
		l.MaxMembers = d.MaxMembers
	}
	return l
}

// Entry is one regular file of the dump.
type Entry struct {
	Path string // slash-separated, relative, cleaned
	Size int64
	// File is the file itself when the dump is a directory: a reader of
	// the dump may then read it in place rather than copy it.
	File string
}

// Func receives each regular file. It must read r only during the call.
type Func func(e Entry, r io.Reader) error

// Walk streams every regular file of the dump at p to fn, in archive order
// (lexical order for a directory). A single pg_dump file (custom, tar or
// plain format, perhaps gzipped or zstd-compressed) is a dump of one member
// named for the file. It returns what it learnt of the input as
// a whole. Errors that make the input unacceptable wrap pipeline.ErrUnsafe,
// ErrBroken or ErrTooLarge.
func Walk(ctx context.Context, p string, lim Limits, fn Func) (pipeline.Input, error) {
	lim = lim.withDefaults()
	in := pipeline.Input{Path: p}
	st, err := os.Stat(p)
	if err != nil {
		return in, fmt.Errorf("open dump: %w: %w", pipeline.ErrUsage, err)
	}
	if st.IsDir() {
		in.Kind = "dir"
		return in, walkDir(ctx, p, lim, fn, &in)
	}
	f, err := os.Open(p)
	if err != nil {
		return in, fmt.Errorf("open dump: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	counted := &countingReader{r: io.TeeReader(f, h)}
	br := bufio.NewReaderSize(counted, 1<<20)
	magic, _ := br.Peek(4)
	var tr io.Reader = br
	switch {
	case len(magic) >= 2 && magic[0] == 0x1f && magic[1] == 0x8b:
		in.Kind = "tar.gz"
		zr, err := gzip.NewReader(br)
		if err != nil {
			return in, fmt.Errorf("%s: %w: gzip header: %w", p, pipeline.ErrBroken, err)
		}
		defer zr.Close()
		tr = zr
	case bytes.Equal(magic, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		in.Kind = "tar.zst"
		zr, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxWindow(128<<20), zstd.WithDecoderMaxMemory(1<<30))
		if err != nil {
			return in, fmt.Errorf("%s: %w: zstd header: %w", p, pipeline.ErrBroken, err)
		}
		defer zr.Close()
		tr = zr
	case isZip(magic):
		// A zip is read through its central directory, at random.
		in.Kind = "zip"
		if err := walkZip(ctx, p, f, st.Size(), lim, fn); err != nil {
			return in, err
		}
		if _, err := io.Copy(io.Discard, br); err != nil {
			return in, fmt.Errorf("%s: read: %w", p, err)
		}
		in.Bytes = counted.n
		in.SHA256 = hex.EncodeToString(h.Sum(nil))
		return in, nil
	default:
		in.Kind = "tar"
	}
	// The decompressed stream may not exceed the member budget plus headers:
	// a bomb stops here even if its tar headers lie.
	budget := &limitReader{r: tr, left: lim.MaxTotalBytes + int64(lim.MaxMembers)*3*512 + 1<<20}
	// A single pg_dump file (custom, tar or plain format), perhaps
	// compressed, is the dump's one member.
	inner := bufio.NewReaderSize(budget, pgarchive.SniffLen)
	head, _ := inner.Peek(pgarchive.SniffLen)
	if kind := pgarchive.Sniff(head); kind != pgarchive.KindNone {
		in.Kind = strings.Replace(in.Kind, "tar", singleKind(kind), 1)
		if err := walkSingle(p, inner, lim, fn); err != nil {
			return in, err
		}
	} else if err := walkTar(ctx, p, inner, lim, fn); err != nil {
		return in, err
	}
	// Read what follows the tar's end marker, so the hash covers the file
	// and a damaged compressed tail is noticed.
	if _, err := io.Copy(io.Discard, budget); err != nil {
		return in, classifyStreamErr(p, "", err)
	}
	if _, err := io.Copy(io.Discard, br); err != nil {
		return in, fmt.Errorf("%s: read: %w", p, err)
	}
	in.Bytes = counted.n
	in.SHA256 = hex.EncodeToString(h.Sum(nil))
	return in, nil
}

func walkTar(ctx context.Context, name string, r io.Reader, lim Limits, fn Func) error {
	zr := &zeroTail{r: r}
	tr := tar.NewReader(zr)
	var total int64
	seen := 0
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		hdr, err := tr.Next()
		if err == io.EOF {
			if seen == 0 {
				return fmt.Errorf("%s: %w: not a tar, zip or pg_dump archive (no entries)", name, pipeline.ErrBroken)
			}
			if zr.zeros < 1024 {
				return fmt.Errorf("%s: %w: truncated (the tar ends without its end-of-archive marker)", name, pipeline.ErrBroken)
			}
			return nil
		}
		if err != nil {
			if seen == 0 && errors.Is(err, tar.ErrHeader) {
				return fmt.Errorf("%s: %w: not a tar, zip or pg_dump archive", name, pipeline.ErrBroken)
			}
			return classifyStreamErr(name, "", err)
		}
		seen++
		if seen > lim.MaxMembers {
			return fmt.Errorf("%s: %w: more than %d entries", name, pipeline.ErrTooLarge, lim.MaxMembers)
		}
		if noop(hdr.Typeflag) {
			// A directory, a global pax header, a volume label: nothing to
			// read. "./", as tar cf x.tar -C dir . writes it, is the root.
			if _, err := CleanPath(hdr.Name); err != nil && !isRoot(hdr.Name) {
				return fmt.Errorf("%s: member %q: %w", name, hdr.Name, err)
			}
			continue
		}
		clean, err := CleanPath(hdr.Name)
		if err != nil {
			return fmt.Errorf("%s: member %q: %w", name, hdr.Name, err)
		}
		switch hdr.Typeflag {
		case tar.TypeReg, tar.TypeRegA, tar.TypeCont, tar.TypeGNUSparse:
		case tar.TypeSymlink, tar.TypeLink:
			return fmt.Errorf("%s: member %q: %w: links are refused (points to %q)", name, hdr.Name, pipeline.ErrUnsafe, hdr.Linkname)
		case tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
			return fmt.Errorf("%s: member %q: %w: device and fifo entries are refused", name, hdr.Name, pipeline.ErrUnsafe)
		default:
			return fmt.Errorf("%s: member %q: %w: entry type %q is refused", name, hdr.Name, pipeline.ErrUnsafe, string(hdr.Typeflag))
		}
		if hdr.Size > lim.MaxMemberBytes {
			return fmt.Errorf("%s: member %q: %w: %d bytes, cap is %d (--max-member-bytes)", name, hdr.Name, pipeline.ErrTooLarge, hdr.Size, lim.MaxMemberBytes)
		}
		total += hdr.Size
		if total > lim.MaxTotalBytes {
			return fmt.Errorf("%s: %w: members add up to more than %d bytes (--max-total-bytes)", name, pipeline.ErrTooLarge, lim.MaxTotalBytes)
		}
		mr := &countingReader{r: tr}
		if err := fn(Entry{Path: clean, Size: hdr.Size}, mr); err != nil {
			if isStreamErr(err) {
				return classifyStreamErr(name, clean, err)
			}
			return err
		}
		if _, err := io.Copy(io.Discard, mr); err != nil {
			return classifyStreamErr(name, clean, err)
		}
		if mr.n != hdr.Size {
			return fmt.Errorf("%s: member %q: %w: %d of %d bytes", name, clean, pipeline.ErrBroken, mr.n, hdr.Size)
		}
	}
}

func walkDir(ctx context.Context, root string, lim Limits, fn Func, in *pipeline.Input) error {
	var files []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if len(files) > lim.MaxMembers {
			return fmt.Errorf("%s: %w: more than %d entries", root, pipeline.ErrTooLarge, lim.MaxMembers)
		}
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			return fmt.Errorf("%s: %w: links are refused", p, pipeline.ErrUnsafe)
		case d.IsDir():
			return nil
		case !d.Type().IsRegular():
			return fmt.Errorf("%s: %w: device, socket and fifo entries are refused", p, pipeline.ErrUnsafe)
		}
		files = append(files, p)
		return nil
	})
	if err != nil {
		return err
	}
	sort.Strings(files)
	var total int64
	for _, p := range files {
		if err := ctx.Err(); err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		f, err := os.Open(p)
		if err != nil {
			return fmt.Errorf("open member: %w", err)
		}
		st, err := f.Stat()
		if err == nil && st.Size() > lim.MaxMemberBytes {
			err = fmt.Errorf("%s: %w: %d bytes, cap is %d (--max-member-bytes)", p, pipeline.ErrTooLarge, st.Size(), lim.MaxMemberBytes)
		}
		if err == nil {
			total += st.Size()
			if total > lim.MaxTotalBytes {
				err = fmt.Errorf("%s: %w: files add up to more than %d bytes (--max-total-bytes)", root, pipeline.ErrTooLarge, lim.MaxTotalBytes)
			}
		}
		if err == nil {
			in.Bytes += st.Size()
			err = fn(Entry{Path: rel, Size: st.Size(), File: p}, io.LimitReader(f, st.Size()))
		}
		f.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// CleanPath checks a member name and returns it cleaned. Absolute names,
// names that climb out of the archive and names with NUL or backslashes
// wrap pipeline.ErrUnsafe.
func CleanPath(name string) (string, error) {
	if name == "" || strings.ContainsRune(name, 0) {
		return "", fmt.Errorf("%w: empty or NUL in member name", pipeline.ErrUnsafe)
	}
	if strings.Contains(name, `\`) {
		return "", fmt.Errorf("%w: backslash in member name", pipeline.ErrUnsafe)
	}
	if strings.HasPrefix(name, "/") || (len(name) > 1 && name[1] == ':') {
		return "", fmt.Errorf("%w: absolute member path", pipeline.ErrUnsafe)
	}
	for _, part := range strings.Split(name, "/") {
		if part == ".." {
			return "", fmt.Errorf("%w: member path escapes the archive (..)", pipeline.ErrUnsafe)
		}
	}
	c := path.Clean(name)
	if c == "." {
		return "", fmt.Errorf("%w: empty member name", pipeline.ErrUnsafe)
	}
	return c, nil
}

// noop tells the tar entries that hold nothing to read: directories (GNU
// dumpdir entries too), global pax headers and GNU volume labels. Per-file
// pax headers and GNU long names are merged by archive/tar into the entry
// they describe.
func noop(typ byte) bool {
	switch typ {
	case tar.TypeDir, tar.TypeXGlobalHeader, 'D', 'V':
		return true
	}
	return false
}

// isRoot tells a name for the archive's root itself: ".", "./", "./.".
func isRoot(name string) bool {
	return name != "" && !strings.ContainsAny(name, "\\\x00") && !strings.HasPrefix(name, "/") && path.Clean(name) == "."
}

// singleKind names the input kind of a single pg_dump file.
func singleKind(k pgarchive.Kind) string {
	switch k {
	case pgarchive.KindCustom:
		return "pg_custom"
	case pgarchive.KindTar:
		return "pg_tar"
	case pgarchive.KindPlain:
		return "sql"
	}
	return "pg_toc"
}

// walkSingle hands a dump that is one pg_dump file to fn as its only
// member, named for the file (less a compression suffix).
func walkSingle(p string, r io.Reader, lim Limits, fn Func) error {
	name := filepath.Base(p)
	for _, ext := range []string{".gz", ".tgz", ".zst", ".zstd"} {
		if n := strings.TrimSuffix(name, ext); n != name && n != "" {
			name = n
			break
		}
	}
	mr := &countingReader{r: &limitReader{r: r, left: lim.MaxMemberBytes}}
	if err := fn(Entry{Path: name, Size: -1}, mr); err != nil {
		if isStreamErr(err) {
			return classifyStreamErr(p, "", err)
		}
		return err
	}
	if _, err := io.Copy(io.Discard, mr); err != nil {
		return classifyStreamErr(p, "", err)
	}
	return nil
}

// isStreamErr tells decompression and truncation errors from the caller's.
func isStreamErr(err error) bool {
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, gzip.ErrChecksum) || errors.Is(err, gzip.ErrHeader) ||
		errors.Is(err, zstd.ErrMagicMismatch) || errors.Is(err, zstd.ErrWindowSizeExceeded) || errors.Is(err, zstd.ErrDecoderSizeExceeded) ||
		errors.Is(err, zstd.ErrCRCMismatch) || errors.Is(err, zstd.ErrBlockTooSmall) || errors.Is(err, zstd.ErrReservedBlockType) ||
		errors.Is(err, zstd.ErrUnknownDictionary) || errors.Is(err, zstd.ErrFrameSizeExceeded) ||
		errors.Is(err, tar.ErrHeader) || errors.Is(err, errBudget)
}

var errBudget = errors.New("decompressed stream exceeds the size caps")

func classifyStreamErr(name, member string, err error) error {
	where := name
	if member != "" {
		where = fmt.Sprintf("%s: member %q", name, member)
	}
	switch {
	case errors.Is(err, errBudget), errors.Is(err, zstd.ErrWindowSizeExceeded), errors.Is(err, zstd.ErrDecoderSizeExceeded):
		return fmt.Errorf("%s: %w: %w", where, pipeline.ErrTooLarge, err)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%s: %w: truncated (unexpected end of data)", where, pipeline.ErrBroken)
	}
	return fmt.Errorf("%s: %w: %w", where, pipeline.ErrBroken, err)
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// zeroTail counts the zero bytes that end what was read so far: a tar that
// ends properly ends with two zero blocks.
type zeroTail struct {
	r     io.Reader
	zeros int
}

func (z *zeroTail) Read(p []byte) (int, error) {
	n, err := z.r.Read(p)
	for i := n - 1; i >= 0; i-- {
		if p[i] != 0 {
			z.zeros = n - 1 - i
			return n, err
		}
	}
	z.zeros += n
	return n, err
}

type limitReader struct {
	r    io.Reader
	left int64
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.left <= 0 {
		// One more byte would exceed the budget: is there any?
		var one [1]byte
		n, err := l.r.Read(one[:])
		if n > 0 {
			return 0, errBudget
		}
		return 0, err
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	return n, err
}

// HashingReader hashes what is read through it.
type HashingReader struct {
	r io.Reader
	h hash.Hash
	n int64
}

// NewHashingReader wraps r with a SHA-256.
func NewHashingReader(r io.Reader) *HashingReader { return &HashingReader{r: r, h: sha256.New()} }

func (h *HashingReader) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	h.h.Write(p[:n])
	h.n += int64(n)
	return n, err
}

// Sum is the hex SHA-256 of what was read so far.
func (h *HashingReader) Sum() string { return hex.EncodeToString(h.h.Sum(nil)) }

// N is the number of bytes read so far.
func (h *HashingReader) N() int64 { return h.n }
