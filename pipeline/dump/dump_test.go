package dump

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"fediforensics/pipeline"
)

type member struct {
	name     string
	body     string
	typeflag byte
	link     string
	size     int64 // header size when it differs from len(body)
}

func makeTar(t testing.TB, ms ...member) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, m := range ms {
		tf := m.typeflag
		if tf == 0 {
			tf = tar.TypeReg
		}
		size := int64(len(m.body))
		if tf != tar.TypeReg {
			size = 0
		}
		hdr := &tar.Header{Name: m.name, Typeflag: tf, Linkname: m.link, Mode: 0o644, Size: size}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if tf == tar.TypeReg {
			tw.Write([]byte(m.body))
		}
	}
	tw.Close()
	return buf.Bytes()
}

func gz(t testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

func zst(t testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	zw, err := zstd.NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

func writeTemp(t testing.TB, name string, b []byte) string {
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func collect(t testing.TB, p string, lim Limits) (map[string]string, pipeline.Input, error) {
	got := map[string]string{}
	in, err := Walk(context.Background(), p, lim, func(e Entry, r io.Reader) error {
		b, err := io.ReadAll(r)
		got[e.Path] = string(b)
		return err
	})
	return got, in, err
}

func TestWalkAccepts(t *testing.T) {
	plain := makeTar(t, member{name: "mastodon.social/", typeflag: tar.TypeDir},
		member{name: "mastodon.social/accounts.csv", body: "id\n1\n"}, member{name: "./x/statuses.csv", body: "id\n2\n"})
	for _, tc := range []struct {
		name, file string
		data       []byte
		kind       string
	}{
		{"tar", "d.tar", plain, "tar"},
		{"gzip", "d.tar.gz", gz(t, plain), "tar.gz"},
		{"zstd", "d.tar.zst", zst(t, plain), "tar.zst"},
		{"gzip named oddly", "d.bin", gz(t, plain), "tar.gz"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := writeTemp(t, tc.file, tc.data)
			got, in, err := collect(t, p, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if in.Kind != tc.kind || in.Bytes != int64(len(tc.data)) || len(in.SHA256) != 64 {
				t.Errorf("input = %+v", in)
			}
			want := map[string]string{"mastodon.social/accounts.csv": "id\n1\n", "x/statuses.csv": "id\n2\n"}
			if len(got) != len(want) {
				t.Fatalf("got %v", got)
			}
			for k, v := range want {
				if got[k] != v {
					t.Errorf("%s = %q, want %q", k, got[k], v)
				}
			}
		})
	}
}

// refusal is a dump that Walk must refuse: the error it wraps and what
// its message says.
type refusal struct {
	name string
	data []byte
	lim  Limits
	want error
	msg  string
}

func (r refusal) check(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, r.want) {
		t.Fatalf("err = %v, want %v", err, r.want)
	}
	if !strings.Contains(err.Error(), r.msg) {
		t.Errorf("err = %q, want it to say %q", err, r.msg)
	}
}

func TestWalkRefuses(t *testing.T) {
	big := strings.Repeat("0", 1<<20)
	ok := member{name: "a/accounts.csv", body: "id\n1\n"}
	plain := makeTar(t, ok, member{name: "a/statuses.csv", body: big})
	for _, tc := range []refusal{
		{"traversal", makeTar(t, ok, member{name: "../../etc/passwd", body: "x"}), Limits{}, pipeline.ErrUnsafe, "escapes"},
		{"traversal inside", makeTar(t, member{name: "a/../../b.csv", body: "x"}), Limits{}, pipeline.ErrUnsafe, "escapes"},
		{"absolute", makeTar(t, member{name: "/etc/accounts.csv", body: "x"}), Limits{}, pipeline.ErrUnsafe, "absolute"},
		{"symlink", makeTar(t, member{name: "a/accounts.csv", typeflag: tar.TypeSymlink, link: "/etc/shadow"}), Limits{}, pipeline.ErrUnsafe, "links are refused"},
		{"hardlink", makeTar(t, ok, member{name: "a/users.csv", typeflag: tar.TypeLink, link: "a/accounts.csv"}), Limits{}, pipeline.ErrUnsafe, "links are refused"},
		{"device", makeTar(t, member{name: "a/dev", typeflag: tar.TypeChar}), Limits{}, pipeline.ErrUnsafe, "device"},
		{"fifo", makeTar(t, member{name: "a/fifo", typeflag: tar.TypeFifo}), Limits{}, pipeline.ErrUnsafe, "fifo"},
		{"member over cap", plain, Limits{MaxMemberBytes: 1000}, pipeline.ErrTooLarge, "--max-member-bytes"},
		{"total over cap", plain, Limits{MaxTotalBytes: 1 << 19}, pipeline.ErrTooLarge, "--max-total-bytes"},
		{"bomb in gzip", gz(t, plain), Limits{MaxTotalBytes: 1 << 19}, pipeline.ErrTooLarge, ""},
		{"bomb in zstd", zst(t, plain), Limits{MaxTotalBytes: 1 << 19}, pipeline.ErrTooLarge, ""},
		{"too many entries", makeTar(t, ok, member{name: "b", body: "1"}, member{name: "c", body: "2"}), Limits{MaxMembers: 2}, pipeline.ErrTooLarge, "entries"},
		{"truncated gzip", gz(t, plain)[:len(gz(t, plain))/2], Limits{}, pipeline.ErrBroken, "truncated"},
		{"truncated zstd", zst(t, plain)[:len(zst(t, plain))/2], Limits{}, pipeline.ErrBroken, ""},
		{"truncated tar", plain[:700], Limits{}, pipeline.ErrBroken, ""},
		{"not a tar", []byte("id,username\n1,alice\n2,bob\n" + strings.Repeat("x", 600)), Limits{}, pipeline.ErrBroken, "not a tar"},
		{"gzip of not a tar", gz(t, []byte(strings.Repeat("hello\n", 200))), Limits{}, pipeline.ErrBroken, ""},
		{"empty file", nil, Limits{}, pipeline.ErrBroken, ""},
		{"corrupt gzip body", corrupt(gz(t, plain)), Limits{}, pipeline.ErrBroken, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := writeTemp(t, "d", tc.data)
			_, _, err := collect(t, p, tc.lim)
			tc.check(t, err)
		})
	}
}

func corrupt(b []byte) []byte {
	c := append([]byte(nil), b...)
	for i := 20; i < len(c)-20; i += 7 {
		c[i] ^= 0x5a
	}
	return c
}

func TestWalkDir(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "mastodon.social"), 0o755)
	os.WriteFile(filepath.Join(dir, "mastodon.social", "accounts.csv"), []byte("id\n1\n"), 0o644)
	got, in, err := collect(t, dir, Limits{})
	if err != nil || in.Kind != "dir" || got["mastodon.social/accounts.csv"] != "id\n1\n" {
		t.Fatalf("got %v %+v %v", got, in, err)
	}
	if err := os.Symlink("/etc/passwd", filepath.Join(dir, "mastodon.social", "users.csv")); err != nil {
		t.Skip(err)
	}
	if _, _, err := collect(t, dir, Limits{}); !errors.Is(err, pipeline.ErrUnsafe) {
		t.Fatalf("symlink in dir: err = %v", err)
	}
}

func TestCleanPath(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		bad      bool
	}{
		{"a/b.csv", "a/b.csv", false},
		{"./a//b.csv", "a/b.csv", false},
		{"a/./b", "a/b", false},
		{"..", "", true},
		{"a/../../b", "", true},
		{"/abs", "", true},
		{`a\..\b`, "", true},
		{"C:/x", "", true},
		{"", "", true},
		{"a\x00b", "", true},
	} {
		got, err := CleanPath(tc.in)
		if (err != nil) != tc.bad || got != tc.want {
			t.Errorf("CleanPath(%q) = %q, %v", tc.in, got, err)
		}
	}
}

// FuzzWalk feeds arbitrary bytes as a dump: Walk must not panic, must not
// hang, and every error must carry one of the documented kinds.
func FuzzWalk(f *testing.F) {
	plain := makeTar(f, member{name: "mastodon.social/accounts.csv", body: "id,username\n1,alice\n"})
	f.Add(plain)
	f.Add(gz(f, plain))
	f.Add(zst(f, plain))
	f.Add(makeZip(f, zipMember{name: "mastodon.social/accounts.csv", body: "id,username\n1,alice\n", method: zip.Deflate}))
	if b, err := os.ReadFile("../pgarchive/testdata/pg15.custom"); err == nil {
		f.Add(b)
	}
	if b, err := os.ReadFile("../../data/sample/dump.tar.gz"); err == nil {
		f.Add(b)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, "fuzz.tar")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Walk(context.Background(), p, Limits{MaxTotalBytes: 8 << 20, MaxMembers: 1000}, func(e Entry, r io.Reader) error {
			if _, err := CleanPath(e.Path); err != nil {
				t.Fatalf("unclean path %q reached the caller", e.Path)
			}
			_, err := io.Copy(io.Discard, r)
			return err
		})
		if err != nil && !errors.Is(err, pipeline.ErrBroken) && !errors.Is(err, pipeline.ErrUnsafe) && !errors.Is(err, pipeline.ErrTooLarge) && !errors.Is(err, pipeline.ErrUnreadable) {
			t.Fatalf("unclassified error: %v", err)
		}
	})
}

// TestWalkDotNames reads what tar cf x.tar -C dir . writes: a "./" entry
// for the root, "./"-prefixed names, and other entries with nothing to read.
func TestWalkDotNames(t *testing.T) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, h := range []*tar.Header{
		{Name: "pax_global_header", Typeflag: tar.TypeXGlobalHeader, PAXRecords: map[string]string{"comment": "made by a test"}},
		{Name: "./", Typeflag: tar.TypeDir, Mode: 0o755},
		{Name: ".", Typeflag: tar.TypeDir, Mode: 0o755},
		{Name: "./mastodon.social/", Typeflag: tar.TypeDir, Mode: 0o755},
		{Name: "./mastodon.social/accounts.csv", Typeflag: tar.TypeReg, Mode: 0o644, Size: 5},
	} {
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			tw.Write([]byte("id\n1\n"))
		}
	}
	tw.Close()
	got, _, err := collect(t, writeTemp(t, "d.tar", buf.Bytes()), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got["mastodon.social/accounts.csv"] != "id\n1\n" {
		t.Errorf("got %v", got)
	}
	// A directory entry that climbs out is refused all the same.
	bad := makeTar(t, member{name: "../", typeflag: tar.TypeDir}, member{name: "a.csv", body: "x"})
	if _, _, err := collect(t, writeTemp(t, "bad.tar", bad), Limits{}); !errors.Is(err, pipeline.ErrUnsafe) {
		t.Errorf("a ../ directory: err = %v", err)
	}
}

// exportDir writes a small export folder: nested folders, a name longer
// than a ustar header holds, a CSV member.
func exportDir(t *testing.T) (string, map[string]string) {
	dir := t.TempDir()
	long := "mastodon.social/" + strings.Repeat("very-long-folder-name/", 6) + "preview_cards_statuses.csv"
	files := map[string]string{
		"mastodon.social/accounts.csv": "id,username\n1,alice\n",
		"mastodon.social/dump.sql":     "COPY public.mentions (id) FROM stdin;\n1\n\\.\n",
		long:                           "preview_card_id,status_id,url\n",
	}
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir, files
}

// TestWalkGNUTar reads tars made by the real GNU tar from a folder, in the
// way people make them: tar cf x.tar -C dir . (GNU long names), pax and
// ustar formats, gzipped, with a volume label.
func TestWalkGNUTar(t *testing.T) {
	if _, err := exec.LookPath("tar"); err != nil {
		t.Skip("no tar")
	}
	if out, _ := exec.Command("tar", "--version").Output(); !bytes.Contains(out, []byte("GNU tar")) {
		t.Skip("tar is not GNU tar")
	}
	dir, files := exportDir(t)
	for _, tc := range []struct {
		name string
		args []string
		kind string
	}{
		{"gnu", []string{"cf", "-", "-C", dir, "."}, "tar"},
		{"pax", []string{"--format=pax", "-cf", "-", "-C", dir, "."}, "tar"},
		{"gzip", []string{"czf", "-", "-C", dir, "."}, "tar.gz"},
		{"volume label", []string{"-V", "export 2023-05", "-cf", "-", "-C", dir, "."}, "tar"},
		{"folder named", []string{"cf", "-", "-C", filepath.Dir(dir), filepath.Base(dir)}, "tar"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := exec.Command("tar", tc.args...).Output()
			if err != nil {
				t.Fatal(err)
			}
			got, in, err := collect(t, writeTemp(t, "x", b), Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if in.Kind != tc.kind {
				t.Errorf("kind %q", in.Kind)
			}
			prefix := ""
			if tc.name == "folder named" {
				prefix = filepath.Base(dir) + "/"
			}
			if len(got) != len(files) {
				t.Errorf("got %d members, want %d: %v", len(got), len(files), got)
			}
			for name, body := range files {
				if got[prefix+name] != body {
					t.Errorf("%s = %q, want %q", prefix+name, got[prefix+name], body)
				}
			}
		})
	}
}

type zipMember struct {
	name   string
	body   string
	method uint16
	mode   fs.FileMode
	// raw writes the header as given, with body as the stored data: for
	// zips that lie.
	raw *zip.FileHeader
}

func makeZip(t testing.TB, ms ...zipMember) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	zw.RegisterCompressor(zstd.ZipMethodWinZip, zstd.ZipCompressor())
	for _, m := range ms {
		var w io.Writer
		var err error
		if m.raw != nil {
			w, err = zw.CreateRaw(m.raw)
		} else {
			fh := &zip.FileHeader{Name: m.name, Method: m.method}
			if m.mode != 0 {
				fh.SetMode(m.mode)
			}
			w, err = zw.CreateHeader(fh)
		}
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(m.body))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func deflate(t testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	fw, _ := flate.NewWriter(&buf, flate.BestCompression)
	fw.Write(b)
	fw.Close()
	return buf.Bytes()
}

// TestWalkZip reads zips: written by Go (store, deflate, zstd), by the zip
// tool and by Python's zipfile when the machine has them.
func TestWalkZip(t *testing.T) {
	dir, files := exportDir(t)
	var gozip []zipMember
	gozip = append(gozip, zipMember{name: "mastodon.social/", mode: fs.ModeDir | 0o755})
	i := 0
	for name, body := range files {
		gozip = append(gozip, zipMember{name: name, body: body, method: []uint16{zip.Store, zip.Deflate, zstd.ZipMethodWinZip}[i%3]})
		i++
	}
	cases := map[string][]byte{"go": makeZip(t, gozip...)}
	if _, err := exec.LookPath("zip"); err == nil {
		cmd := exec.Command("zip", "-qr", "-", ".")
		cmd.Dir = dir
		b, err := cmd.Output()
		if err != nil {
			t.Fatal(err)
		}
		cases["zip -r"] = b
	}
	if _, err := exec.LookPath("python3"); err == nil {
		p := filepath.Join(t.TempDir(), "py.zip")
		cmd := exec.Command("python3", "-m", "zipfile", "-c", p, "mastodon.social")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		cases["python zipfile"], _ = os.ReadFile(p)
	}
	for name, b := range cases {
		t.Run(name, func(t *testing.T) {
			p := writeTemp(t, "export.zip", b)
			got, in, err := collect(t, p, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if in.Kind != "zip" || in.Bytes != int64(len(b)) || len(in.SHA256) != 64 {
				t.Errorf("input = %+v", in)
			}
			if len(got) != len(files) {
				t.Errorf("got %d members, want %d: %v", len(got), len(files), got)
			}
			for name, body := range files {
				if got[name] != body {
					t.Errorf("%s = %q, want %q", name, got[name], body)
				}
			}
		})
	}
	t.Run("empty", func(t *testing.T) {
		got, in, err := collect(t, writeTemp(t, "empty.zip", makeZip(t)), Limits{})
		if err != nil || len(got) != 0 || in.Kind != "zip" {
			t.Errorf("got %v, %+v, %v", got, in, err)
		}
	})
}

func TestWalkZipRefuses(t *testing.T) {
	ok := zipMember{name: "a/accounts.csv", body: "id\n1\n", method: zip.Deflate}
	big := bytes.Repeat([]byte("0"), 1<<20)
	bomb := deflate(t, big)
	lying := &zip.FileHeader{Name: "a/statuses.csv", Method: zip.Deflate, CRC32: crc32.ChecksumIEEE(big), CompressedSize64: uint64(len(bomb)), UncompressedSize64: 100}
	hugeClaim := &zip.FileHeader{Name: "a/statuses.csv", Method: zip.Deflate, CompressedSize64: uint64(len(bomb)), UncompressedSize64: 1 << 40}
	badCRC := &zip.FileHeader{Name: "a/statuses.csv", Method: zip.Store, CRC32: 1234, CompressedSize64: 5, UncompressedSize64: 5}
	encrypted := &zip.FileHeader{Name: "a/users.csv", Method: zip.Store, Flags: 0x1, CompressedSize64: 5, UncompressedSize64: 5}
	bzip2 := &zip.FileHeader{Name: "a/users.csv", Method: 12, CompressedSize64: 5, UncompressedSize64: 5}
	whole := makeZip(t, ok, zipMember{name: "a/statuses.csv", body: string(big), method: zip.Deflate})
	for _, tc := range []refusal{
		{"traversal", makeZip(t, ok, zipMember{name: "../../etc/evil.csv", body: "x"}), Limits{}, pipeline.ErrUnsafe, "escapes"},
		{"absolute", makeZip(t, zipMember{name: "/etc/accounts.csv", body: "x"}), Limits{}, pipeline.ErrUnsafe, "absolute"},
		{"backslash", makeZip(t, zipMember{name: `a\..\..\x.csv`, body: "x"}), Limits{}, pipeline.ErrUnsafe, "backslash"},
		{"symlink", makeZip(t, zipMember{name: "a/users.csv", body: "/etc/shadow", mode: fs.ModeSymlink | 0o777}), Limits{}, pipeline.ErrUnsafe, "links are refused"},
		{"fifo", makeZip(t, zipMember{name: "a/fifo", mode: fs.ModeNamedPipe | 0o644}), Limits{}, pipeline.ErrUnsafe, "fifo"},
		{"bomb with a lying size", makeZip(t, ok, zipMember{raw: lying, body: string(bomb)}), Limits{}, pipeline.ErrTooLarge, "more than the 100 bytes it declares"},
		{"declared size over the cap", makeZip(t, ok, zipMember{raw: hugeClaim, body: string(bomb)}), Limits{}, pipeline.ErrTooLarge, "--max-member-bytes"},
		{"member over cap", whole, Limits{MaxMemberBytes: 1000}, pipeline.ErrTooLarge, "--max-member-bytes"},
		{"total over cap", whole, Limits{MaxTotalBytes: 1 << 19}, pipeline.ErrTooLarge, "--max-total-bytes"},
		{"too many entries", makeZip(t, ok, zipMember{name: "b"}, zipMember{name: "c"}), Limits{MaxMembers: 2}, pipeline.ErrTooLarge, "entries"},
		{"encrypted", makeZip(t, ok, zipMember{raw: encrypted, body: "12345"}), Limits{}, pipeline.ErrUnreadable, "encrypted"},
		{"bzip2", makeZip(t, ok, zipMember{raw: bzip2, body: "12345"}), Limits{}, pipeline.ErrUnreadable, "compression method 12 (bzip2)"},
		{"bad checksum", makeZip(t, zipMember{raw: badCRC, body: "12345"}), Limits{}, pipeline.ErrBroken, "checksum"},
		{"truncated", whole[:len(whole)/2], Limits{}, pipeline.ErrBroken, ""},
		{"corrupt central directory", corrupt(whole), Limits{}, pipeline.ErrBroken, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			read := 0
			_, err := Walk(context.Background(), writeTemp(t, "d.zip", tc.data), tc.lim, func(e Entry, r io.Reader) error {
				read++
				_, err := io.Copy(io.Discard, r)
				return err
			})
			tc.check(t, err)
			// Every entry is checked before any is read, but for what only
			// reading can tell.
			if read > 0 && !strings.Contains(tc.name, "lying") && !strings.Contains(tc.name, "checksum") {
				t.Errorf("%d members were handed out before the refusal", read)
			}
		})
	}
	if _, err := exec.LookPath("zip"); err == nil {
		t.Run("encrypted by zip -P", func(t *testing.T) {
			dir, _ := exportDir(t)
			cmd := exec.Command("zip", "-qr", "-P", "secret", "-", ".")
			cmd.Dir = dir
			b, err := cmd.Output()
			if err != nil {
				t.Fatal(err)
			}
			_, _, err = collect(t, writeTemp(t, "enc.zip", b), Limits{})
			if !errors.Is(err, pipeline.ErrUnreadable) || !strings.Contains(err.Error(), "password") {
				t.Errorf("err = %v", err)
			}
		})
	}
}

// TestWalkSinglePGDump takes a pg_dump file, bare or compressed, as a dump
// of one member.
func TestWalkSinglePGDump(t *testing.T) {
	custom, err := os.ReadFile("../pgarchive/testdata/pg15.custom")
	if err != nil {
		t.Fatal(err)
	}
	tarA, _ := os.ReadFile("../pgarchive/testdata/pg15.tar")
	plain, _ := os.ReadFile("../pgarchive/testdata/pg15.sql")
	for _, tc := range []struct {
		file       string
		data, want []byte
		kind       string
		path       string
	}{
		{"mastodon.dump", custom, custom, "pg_custom", "mastodon.dump"},
		{"mastodon.dump.gz", gz(t, custom), custom, "pg_custom.gz", "mastodon.dump"},
		{"backup.tar", tarA, tarA, "pg_tar", "backup.tar"},
		{"backup.tar.zst", zst(t, tarA), tarA, "pg_tar.zst", "backup.tar"},
		{"plain.sql", plain, plain, "sql", "plain.sql"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			got, in, err := collect(t, writeTemp(t, tc.file, tc.data), Limits{})
			if err != nil {
				t.Fatal(err)
			}
			want := tc.want
			if in.Kind != tc.kind || len(got) != 1 || got[tc.path] != string(want) {
				t.Errorf("kind %q, members %d, %s read whole: %v", in.Kind, len(got), tc.path, got[tc.path] == string(want))
			}
			if in.Bytes != int64(len(tc.data)) {
				t.Errorf("bytes %d, want %d", in.Bytes, len(tc.data))
			}
		})
	}
	if _, _, err := collect(t, writeTemp(t, "m.dump", custom), Limits{MaxMemberBytes: 1000}); !errors.Is(err, pipeline.ErrTooLarge) {
		t.Errorf("over the member cap: err = %v", err)
	}
}
