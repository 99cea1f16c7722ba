package dump

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

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

func TestWalkRefuses(t *testing.T) {
	big := strings.Repeat("0", 1<<20)
	ok := member{name: "a/accounts.csv", body: "id\n1\n"}
	plain := makeTar(t, ok, member{name: "a/statuses.csv", body: big})
	for _, tc := range []struct {
		name string
		data []byte
		lim  Limits
		want error
		msg  string
	}{
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
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("err = %q, want it to say %q", err, tc.msg)
			}
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
		if err != nil && !errors.Is(err, pipeline.ErrBroken) && !errors.Is(err, pipeline.ErrUnsafe) && !errors.Is(err, pipeline.ErrTooLarge) {
			t.Fatalf("unclassified error: %v", err)
		}
	})
}
