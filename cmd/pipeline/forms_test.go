package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"encoding/json"
	"hash/crc32"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/klauspost/compress/flate"

	"fediforensics/pipeline"
	"fediforensics/pipeline/outdir"
)

// extractSample unpacks the sample dump into a new folder, the directory
// form of the same dump.
func extractSample(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "export")
	sampleMembers(t, func(hdr *tar.Header, body []byte) {
		p := filepath.Join(dir, filepath.FromSlash(hdr.Name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, body, 0o644); err != nil {
			t.Fatal(err)
		}
	})
	return dir
}

// loaded ingests a dump and returns what its manifest says was loaded:
// per-table counts, warnings by kind, instances.
func loaded(t *testing.T, dump string, flags ...string) string {
	t.Helper()
	_, summary := loadedOut(t, dump, flags...)
	return summary
}

// loadedOut is loaded, and the output folder.
func loadedOut(t *testing.T, dump string, flags ...string) (out, summary string) {
	t.Helper()
	out = filepath.Join(t.TempDir(), "out")
	code, stdout, stderr := runCLI(t, append([]string{"ingest", dump, "--out", out}, flags...)...)
	if code != 0 {
		t.Fatalf("ingest %s: exit %d\n%s\n%s", dump, code, stdout, stderr)
	}
	m, err := outdir.ReadManifest(out)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.MarshalIndent(map[string]any{"tables": m.Tables, "warnings": m.Warnings, "instances": m.Instances}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return out, string(b)
}

// assertAllLoaded checks that every table of a loaded summary has rows,
// but for those named: forms compared with it are compared on something.
func assertAllLoaded(t *testing.T, summary string, except ...string) {
	t.Helper()
	var m struct{ Tables []pipeline.TableCount }
	if err := json.Unmarshal([]byte(summary), &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Tables) == 0 {
		t.Fatal("no tables")
	}
	for _, tc := range m.Tables {
		if tc.Loaded == 0 && !slices.Contains(except, tc.Table) {
			t.Errorf("table %s loaded no rows", tc.Table)
		}
	}
}

// command runs a tool of the machine in dir and returns its stdout.
func command(t *testing.T, dir, name string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("%s %v: %v\n%s", name, args, err, ee.Stderr)
		}
		t.Fatalf("%s %v: %v", name, args, err)
	}
	return out
}

func writeFile(t *testing.T, p string, b []byte) string {
	t.Helper()
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestDumpForms loads the sample in every form a person makes of an export
// folder, with the tools they use: each loads exactly what the sample's
// tar.gz and the folder itself load.
func TestDumpForms(t *testing.T) {
	t.Parallel()
	want := loaded(t, sampleDump)
	assertAllLoaded(t, want)
	dir := extractSample(t)
	work := t.TempDir()
	forms := map[string]func(t *testing.T) string{
		"directory": func(t *testing.T) string { return dir },
		"gen --tar --dot-names": func(t *testing.T) string {
			p := filepath.Join(work, "dot.tar")
			if code, _, stderr := runCLI(t, "gen", "--tar", p, "--dot-names"); code != 0 {
				t.Fatal(stderr)
			}
			return p
		},
		"gen --zip": func(t *testing.T) string {
			p := filepath.Join(work, "gen.zip")
			if code, _, stderr := runCLI(t, "gen", "--zip", p); code != 0 {
				t.Fatal(stderr)
			}
			return p
		},
	}
	if _, err := exec.LookPath("tar"); err == nil {
		forms["tar cf x.tar -C dir ."] = func(t *testing.T) string {
			return writeFile(t, filepath.Join(work, "dot-gnu.tar"), command(t, "", "tar", "cf", "-", "-C", dir, "."))
		}
		forms["tar czf x.tgz -C dir ."] = func(t *testing.T) string {
			return writeFile(t, filepath.Join(work, "dot-gnu.tgz"), command(t, "", "tar", "czf", "-", "-C", dir, "."))
		}
	}
	if _, err := exec.LookPath("zip"); err == nil {
		forms["zip -r"] = func(t *testing.T) string {
			return writeFile(t, filepath.Join(work, "zip-r.zip"), command(t, dir, "zip", "-qr", "-", "."))
		}
	}
	if _, err := exec.LookPath("python3"); err == nil {
		forms["python3 -m zipfile"] = func(t *testing.T) string {
			p := filepath.Join(work, "py.zip")
			command(t, dir, "python3", "-m", "zipfile", "-c", p, "mastodon.social", "mastodon.online")
			return p
		}
	}
	for name, make := range forms {
		t.Run(name, func(t *testing.T) {
			if got := loaded(t, make(t)); got != want {
				t.Errorf("loads differently from the sample:\n%s", diff(want, got))
			}
		})
	}
}

// TestPGArchiveFiles loads the archives a real pg_dump made for the
// pgarchive tests (no PostgreSQL needed): bare, or gzipped.
func TestPGArchiveFiles(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"pg15.custom", "pg15.tar", "pg15-pipe.custom"} {
		t.Run(name, func(t *testing.T) {
			summary := loaded(t, filepath.Join("../../pipeline/pgarchive/testdata", name), "--instance", "forms.example")
			var m struct{ Tables []pipeline.TableCount }
			if err := json.Unmarshal([]byte(summary), &m); err != nil {
				t.Fatal(err)
			}
			got := map[string]int64{}
			for _, tc := range m.Tables {
				got[tc.Table] = tc.Loaded
			}
			// testdata/make.sh inserts 3 accounts and 500 statuses.
			if got["accounts"] != 3 || got["statuses"] != 500 {
				t.Errorf("loaded %v", got)
			}
		})
	}
}

// TestFormsRefused: hostile and unreadable forms exit with their codes and
// say why; nothing is written.
func TestFormsRefused(t *testing.T) {
	t.Parallel()
	zipOf := func(t *testing.T, add func(zw *zip.Writer)) string {
		var b bytes.Buffer
		zw := zip.NewWriter(&b)
		add(zw)
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		return writeFile(t, filepath.Join(t.TempDir(), "export.zip"), b.Bytes())
	}
	custom := mustRead(t, "../../pipeline/pgarchive/testdata/pg15.custom")
	for _, tc := range []struct {
		name string
		dump func(t *testing.T) string
		code int
		msg  string
	}{
		{"zip traversal", func(t *testing.T) string {
			return zipOf(t, func(zw *zip.Writer) { w, _ := zw.Create("../../evil.csv"); w.Write([]byte("x")) })
		}, pipeline.ExitUnsafe, "escapes the archive"},
		{"zip symlink", func(t *testing.T) string {
			return zipOf(t, func(zw *zip.Writer) {
				fh := &zip.FileHeader{Name: "mastodon.social/users.csv"}
				fh.SetMode(fs.ModeSymlink | 0o777)
				w, _ := zw.CreateHeader(fh)
				w.Write([]byte("/etc/passwd"))
			})
		}, pipeline.ExitUnsafe, "links are refused"},
		{"encrypted zip", func(t *testing.T) string {
			return zipOf(t, func(zw *zip.Writer) {
				w, _ := zw.CreateRaw(&zip.FileHeader{Name: "mastodon.social/users.csv", Flags: 0x1, CompressedSize64: 5, UncompressedSize64: 5})
				w.Write([]byte("12345"))
			})
		}, pipeline.ExitBroken, "encrypted"},
		{"zip bomb", func(t *testing.T) string {
			big := bytes.Repeat([]byte("1,a\n"), 1<<18)
			var z bytes.Buffer
			fw, _ := flate.NewWriter(&z, 9)
			fw.Write(big)
			fw.Close()
			return zipOf(t, func(zw *zip.Writer) {
				w, _ := zw.CreateRaw(&zip.FileHeader{Name: "mastodon.social/accounts.csv", Method: zip.Deflate, CRC32: crc32.ChecksumIEEE(big), CompressedSize64: uint64(z.Len()), UncompressedSize64: 64})
				w.Write(z.Bytes())
			})
		}, pipeline.ExitTooLarge, "zip bomb"},
		{"pg_dump -Fd toc.dat", func(t *testing.T) string {
			dir := mustMkdir(t, filepath.Join(t.TempDir(), "fd"))
			writeFile(t, filepath.Join(dir, "toc.dat"), []byte("PGDMP\x01\x0e\x00\x04\x08\x03\x01\x01\x00\x00\x00\x00\x17\x00\x00\x00"))
			writeFile(t, filepath.Join(dir, "3338.dat.gz"), []byte{0x1f, 0x8b})
			return dir
		}, pipeline.ExitBroken, "pg_restore -f plain.sql DIR"},
		{"truncated pg_dump -Fc", func(t *testing.T) string {
			return writeFile(t, filepath.Join(t.TempDir(), "m.dump"), custom[:len(custom)*2/3])
		}, pipeline.ExitBroken, "truncated"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			parent := t.TempDir()
			code, _, stderr := runCLI(t, "run", tc.dump(t), "--instance", "mastodon.social", "--out", filepath.Join(parent, "out"))
			if code != tc.code || !strings.Contains(stderr, tc.msg) {
				t.Errorf("exit %d (want %d): %s", code, tc.code, stderr)
			}
			if entries, _ := os.ReadDir(parent); len(entries) != 0 {
				t.Errorf("left behind: %v", entries)
			}
		})
	}
}

// TestGenFormsFlags: --zip and --dot-names are checked.
func TestGenFormsFlags(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, args := range [][]string{
		{"--zip", filepath.Join(dir, "d.tar")},
		{"--dot-names", "--zip", filepath.Join(dir, "d.zip")},
		{"--dot-names", "--dir", filepath.Join(dir, "d")},
		{"--tar", filepath.Join(dir, "d.tar"), "--zip", filepath.Join(dir, "d.zip")},
	} {
		if code, _, stderr := runCLI(t, append([]string{"gen"}, args...)...); code != pipeline.ExitUsage {
			t.Errorf("gen %v: exit %d: %s", args, code, stderr)
		}
	}
	if _, _, stderr := runCLI(t, "gen", "--tar", filepath.Join(dir, "d.zip")); !strings.Contains(stderr, "--zip") {
		t.Errorf("--tar d.zip does not point to --zip: %s", stderr)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("refused gen wrote %v", entries)
	}
}
