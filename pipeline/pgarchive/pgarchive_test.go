package pgarchive

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fediforensics/pipeline"
)

// readAll reads every wanted entry: name -> COPY statement and data.
func readAll(r io.Reader, opt Options) (map[string]string, *Reader, error) {
	ar, err := NewReader(r, opt)
	if err != nil {
		return nil, nil, err
	}
	got := map[string]string{}
	for {
		e, data, err := ar.Next()
		if err == io.EOF {
			return got, ar, nil
		}
		if err != nil {
			return got, ar, err
		}
		b, err := io.ReadAll(data)
		if err != nil {
			return got, ar, err
		}
		got[e.Name()] = e.CopyStmt + string(b)
	}
}

// plainBlocks cuts a plain pg_dump --data-only file into its COPY blocks,
// each its COPY line and the rows up to and including "\.".
func plainBlocks(t *testing.T, p string) map[string]string {
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	var name string
	var b strings.Builder
	for sc.Scan() {
		line := sc.Text()
		switch {
		case name == "" && strings.HasPrefix(line, "COPY "):
			name = strings.Fields(line)[1]
			b.Reset()
			b.WriteString(line + "\n")
		case name != "":
			b.WriteString(line + "\n")
			if line == `\.` {
				out[name] = b.String()
				name = ""
			}
		}
	}
	return out
}

// TestRealArchives reads the archives pg_dump made (testdata/make.sh):
// every table's data is what the plain dump of the same database holds.
func TestRealArchives(t *testing.T) {
	files, _ := filepath.Glob("testdata/pg*.custom")
	tars, _ := filepath.Glob("testdata/pg*.tar")
	files = append(files, tars...)
	if len(files) == 0 {
		t.Fatal("no archives in testdata")
	}
	for _, p := range files {
		t.Run(filepath.Base(p), func(t *testing.T) {
			major := strings.TrimPrefix(strings.SplitN(filepath.Base(p), "-", 2)[0], "pg")
			major = strings.TrimSuffix(strings.TrimSuffix(major, ".custom"), ".tar")
			want := plainBlocks(t, filepath.Join("testdata", "pg"+major+".sql"))
			f, err := os.Open(p)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			got, ar, err := readAll(f, Options{})
			if err != nil {
				t.Fatal(err)
			}
			h := ar.Header()
			wantFormat, wantComp := FormatCustom, CompressionGzip
			switch {
			case strings.HasSuffix(p, ".tar"):
				wantFormat, wantComp = FormatTar, CompressionNone
			case strings.Contains(p, "-z0"):
				wantComp = CompressionNone
			case strings.Contains(p, "-lz4"):
				wantComp = CompressionLZ4
			case strings.Contains(p, "-zstd"):
				wantComp = CompressionZstd
			}
			if h.Format != wantFormat || h.Compression != wantComp || h.Database != "forms" || !strings.HasPrefix(h.PGDump, major) {
				t.Errorf("header = %+v", h)
			}
			if len(got) != len(want) || len(got) < 4 {
				t.Errorf("tables %d, plain dump has %d", len(got), len(want))
			}
			for name, w := range want {
				// The archive's data ends "\.\n\n\n"; the plain cut at "\.".
				g, _, _ := strings.Cut(got[name], "\n\\.\n")
				if g+"\n\\.\n" != w {
					t.Errorf("%s differs from the plain dump:\n got %.300q\nwant %.300q", name, got[name], w)
				}
			}
			var blobs int
			for _, e := range ar.Entries() {
				if e.Desc == "BLOBS" {
					blobs++
				}
			}
			if blobs == 0 {
				t.Error("the large object's BLOBS entry was not read (it should be skipped, not missed)")
			}
		})
	}
}

var sample = []tEntry{
	{id: 3, desc: "TABLE", tag: "accounts"},
	{id: 10, desc: "TABLE DATA", tag: "accounts", copyStmt: "COPY public.accounts (id, username) FROM stdin;\n",
		data: []byte("1\talice\n2\tbob\\twith tab\n3\t\\N\n\\.\n\n\n")},
	{id: 11, desc: "TABLE DATA", tag: "empty", copyStmt: "COPY public.empty (id) FROM stdin;\n", data: []byte{}},
	{id: 12, desc: "BLOBS", tag: "BLOBS", blobs: [][]byte{[]byte("blob one"), bytes.Repeat([]byte("x"), 10000)}},
	{id: 13, desc: "TABLE DATA", tag: "statuses", copyStmt: "COPY public.statuses (id, text) FROM stdin;\n",
		data: []byte(strings.Repeat("110228533761212961\tsome text that repeats, ünïcödé\n", 3000) + "\\.\n\n\n")},
	{id: 14, desc: "SEQUENCE SET", tag: "accounts_id_seq"},
}

func wantSample() map[string]string {
	out := map[string]string{}
	for _, e := range sample {
		if e.desc == "TABLE DATA" {
			out["public."+e.tag] = e.copyStmt + string(e.data)
		}
	}
	return out
}

// TestVersionsAndCompressions reads archives written as pg_dump 10 to 18
// write them, in every compression, in order and out of order, with and
// without data offsets, in small chunks.
func TestVersionsAndCompressions(t *testing.T) {
	versions := []Version{{1, 12, 0}, {1, 13, 0}, {1, 14, 0}, {1, 15, 0}, {1, 16, 0}}
	for _, v := range versions {
		for _, c := range []Compression{CompressionNone, CompressionGzip, CompressionLZ4, CompressionZstd} {
			if c > CompressionGzip && v.num() < makeVersion(1, 15) {
				continue // lz4 and zstd came with 1.15
			}
			for _, layout := range []struct {
				name    string
				order   []int
				offsets bool
				chunk   int
				intSize int
			}{
				{"in order with offsets", nil, true, 0, 4},
				{"piped, out of order", []int{4, 3, 2, 1, 0, 5}, false, 0, 4},
				{"tiny chunks", nil, true, 7, 4},
				{"8-byte ints, two blocks missing", []int{3, 1}, false, 0, 8},
			} {
				t.Run(fmt.Sprintf("%s/%s/%s", v, c, layout.name), func(t *testing.T) {
					a := tArchive{version: v, format: FormatCustom, comp: c, entries: sample, order: layout.order, offsets: layout.offsets, chunk: layout.chunk, intSize: layout.intSize}
					got, ar, err := readAll(bytes.NewReader(a.bytes(t)), Options{})
					want := wantSample()
					if len(layout.order) == 2 {
						if !errors.Is(err, pipeline.ErrBroken) || !strings.Contains(err.Error(), "public.empty, public.statuses") {
							t.Fatalf("missing blocks: err = %v", err)
						}
						return
					}
					if err != nil {
						t.Fatal(err)
					}
					if h := ar.Header(); h.Version != v || h.Compression != c || h.Database != "mastodon_production" {
						t.Errorf("header = %+v", h)
					}
					if len(got) != len(want) {
						t.Errorf("got %d tables, want %d", len(got), len(want))
					}
					for k, w := range want {
						if got[k] != w {
							t.Errorf("%s = %.200q, want %.200q", k, got[k], w)
						}
					}
				})
			}
		}
	}
	for _, v := range versions {
		t.Run(fmt.Sprintf("%s/tar", v), func(t *testing.T) {
			a := tArchive{version: v, format: FormatTar, entries: sample, order: []int{4, 1, 2}}
			got, _, err := readAll(bytes.NewReader(a.bytes(t)), Options{})
			if err != nil {
				t.Fatal(err)
			}
			for k, w := range wantSample() {
				if got[k] != w {
					t.Errorf("%s = %.200q, want %.200q", k, got[k], w)
				}
			}
		})
	}
}

// TestWant reads only the wanted entries, and leaves the others undecoded.
func TestWant(t *testing.T) {
	a := tArchive{version: Version{1, 14, 0}, format: FormatCustom, comp: CompressionGzip, entries: sample}
	var asked []string
	got, _, err := readAll(bytes.NewReader(a.bytes(t)), Options{Want: func(e *Entry) bool {
		asked = append(asked, e.Tag)
		return e.Tag == "statuses"
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got["public.statuses"] == "" {
		t.Errorf("got %v", got)
	}
	if strings.Join(asked, ",") != "accounts,empty,BLOBS,statuses" {
		t.Errorf("asked about %v", asked)
	}
	// A reader that stops early: Next skips the rest of the block.
	ar, err := NewReader(bytes.NewReader(a.bytes(t)), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for {
		e, data, err := ar.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		io.ReadFull(data, make([]byte, 3))
		names = append(names, e.Tag)
	}
	if strings.Join(names, ",") != "accounts,empty,statuses" {
		t.Errorf("entries %v", names)
	}
}

func TestRefuses(t *testing.T) {
	v14, v15 := Version{1, 14, 0}, Version{1, 15, 0}
	good := tArchive{version: v14, format: FormatCustom, comp: CompressionGzip, entries: sample}.bytes(t)
	withVersion := func(v Version) []byte {
		b := bytes.Clone(good)
		b[5], b[6], b[7] = v.Major, v.Minor, v.Rev
		return b
	}
	lz4Raw := tArchive{version: v15, format: FormatCustom, comp: CompressionLZ4, entries: sample[:2]}.bytes(t)
	// Replace the LZ4 frame magic by a block-API stream's first bytes.
	i := bytes.Index(lz4Raw, lz4Magic)
	lz4Raw[i] = 0xf0
	corrupt := bytes.Clone(good)
	for i := len(corrupt) - 200; i < len(corrupt)-20; i++ {
		corrupt[i] ^= 0x55
	}
	dirTOC := tArchive{version: v14, format: FormatDirectory, entries: sample[:1]}.bytes(t)
	for _, tc := range []struct {
		name string
		data []byte
		opt  Options
		want error
		msg  string
	}{
		{"not an archive", []byte("id,username\n1,alice\n"), Options{}, pipeline.ErrBroken, "PGDMP"},
		{"plain dump", []byte("--\n-- PostgreSQL database dump\n--\n"), Options{}, pipeline.ErrBroken, "plain SQL"},
		{"version 1.11", withVersion(Version{1, 11, 0}), Options{}, pipeline.ErrUnreadable, "pg_restore -f plain.sql"},
		{"version 1.17", withVersion(Version{1, 17, 0}), Options{}, pipeline.ErrUnreadable, "newer"},
		{"version 2.0", withVersion(Version{2, 0, 0}), Options{}, pipeline.ErrUnreadable, "newer"},
		{"unknown compression", tArchive{version: v15, format: FormatCustom, comp: 9, entries: sample}.bytes(t), Options{}, pipeline.ErrUnreadable, "unknown method"},
		{"lz4 without frames", lz4Raw, Options{}, pipeline.ErrUnreadable, "LZ4 frame"},
		{"directory toc.dat", dirTOC, Options{}, pipeline.ErrUnreadable, "pg_restore -f plain.sql DIR"},
		{"corrupt zlib", corrupt, Options{}, pipeline.ErrBroken, "corrupt gzip data of public.statuses"},
		{"cap", good, Options{MaxDataBytes: 10000}, pipeline.ErrTooLarge, "--max-member-bytes"},
		{"unknown block type", tArchive{version: v14, format: FormatCustom, entries: sample[:2], badBlock: 7}.bytes(t), Options{}, pipeline.ErrBroken, "unknown data block type 7"},
		{"block for no entry", append(bytes.Clone(good), 1, 0, 99, 0, 0, 0, 0, 0, 0, 0, 0), Options{}, pipeline.ErrBroken, "entry 99"},
		{"block twice", tArchive{version: v14, format: FormatCustom, entries: sample, order: []int{1, 1}}.bytes(t), Options{}, pipeline.ErrBroken, "second data block"},
		{"no end of block", tArchive{version: v14, format: FormatCustom, entries: sample[:2], noTrail: true}.bytes(t), Options{}, pipeline.ErrBroken, "truncated"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := readAll(bytes.NewReader(tc.data), tc.opt)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("err = %q, want it to say %q", err, tc.msg)
			}
		})
	}
}

// TestTruncated cuts an archive at every length: it reads whole or fails
// as broken, never with less data and no error.
func TestTruncated(t *testing.T) {
	small := bytes.Clone(sample[4].data[:0])
	small = append(small, strings.Repeat("110228533761212961\tsome text\n", 30)+"\\.\n\n\n"...)
	entries := append([]tEntry(nil), sample...)
	entries[4].data = small
	for _, f := range []Format{FormatCustom, FormatTar} {
		full := tArchive{version: Version{1, 16, 0}, format: f, comp: CompressionGzip * Compression(btoi(f == FormatCustom)), entries: entries, chunk: 100}.bytes(t)
		want := map[string]string{}
		for _, e := range entries {
			if e.desc == "TABLE DATA" {
				want["public."+e.tag] = e.copyStmt + string(e.data)
			}
		}
		step := 1
		if testing.Short() {
			step = 7
		}
		for n := 0; n < len(full); n += step {
			got, _, err := readAll(bytes.NewReader(full[:n]), Options{})
			if err == nil {
				for k, w := range want {
					if got[k] != w {
						t.Fatalf("%s cut at %d of %d: %s read short without an error", f, n, len(full), k)
					}
				}
				continue
			}
			if !errors.Is(err, pipeline.ErrBroken) {
				t.Fatalf("%s cut at %d: err = %v", f, n, err)
			}
		}
	}
}

func TestSniff(t *testing.T) {
	custom := tArchive{version: Version{1, 14, 0}, format: FormatCustom, entries: sample}.bytes(t)
	tarA := tArchive{version: Version{1, 14, 0}, format: FormatTar, entries: sample}.bytes(t)
	dirTOC := tArchive{version: Version{1, 14, 0}, format: FormatDirectory, entries: sample[:1]}.bytes(t)
	tarTOC := tarA[512:]
	tarredFd := tArchive{version: Version{1, 14, 0}, format: FormatTar, comp: CompressionGzip, entries: sample}.bytes(t)
	for _, tc := range []struct {
		name string
		head []byte
		want Kind
	}{
		{"custom", custom, KindCustom},
		{"tar", tarA, KindTar},
		{"directory toc.dat", dirTOC, KindTOC},
		{"unpacked tar toc.dat", tarTOC, KindTOC},
		{"tar of a compressed -Fd folder", tarredFd, KindNone},
		{"plain", []byte("--\n-- PostgreSQL database dump\n--\n\nSET x;\n"), KindPlain},
		{"pg_dumpall", []byte("--\n-- PostgreSQL database cluster dump\n--\n"), KindPlain},
		{"csv", []byte("id,username\n"), KindNone},
		{"short", []byte("PGD"), KindNone},
		{"magic only", []byte("PGDMP"), KindCustom},
		{"empty", nil, KindNone},
	} {
		if len(tc.head) > SniffLen {
			tc.head = tc.head[:SniffLen]
		}
		if got := Sniff(tc.head); got != tc.want {
			t.Errorf("%s: Sniff = %d, want %d", tc.name, got, tc.want)
		}
	}
}

// FuzzReader feeds arbitrary bytes: the reader must not panic or hang, must
// stay within its cap, and every error must carry a documented kind.
func FuzzReader(f *testing.F) {
	for _, c := range []Compression{CompressionNone, CompressionGzip, CompressionLZ4, CompressionZstd} {
		f.Add(tArchive{version: Version{1, 16, 0}, format: FormatCustom, comp: c, entries: sample[:4], chunk: 50}.bytes(f))
	}
	f.Add(tArchive{version: Version{1, 14, 0}, format: FormatTar, entries: sample[:3]}.bytes(f))
	files, _ := filepath.Glob("testdata/pg*")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil && Sniff(b) != KindNone && len(b) < 64<<10 {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		const limit = 1 << 20
		ar, err := NewReader(bytes.NewReader(data), Options{MaxDataBytes: limit})
		if err == nil {
			var total int64
			for {
				_, d, err2 := ar.Next()
				if err2 != nil {
					err = err2
					break
				}
				n, err2 := io.Copy(io.Discard, d)
				total += n
				if err2 != nil {
					err = err2
					break
				}
			}
			if total > limit {
				t.Fatalf("read %d bytes past the cap", total)
			}
		}
		if err != nil && err != io.EOF && !errors.Is(err, pipeline.ErrBroken) && !errors.Is(err, pipeline.ErrUnreadable) && !errors.Is(err, pipeline.ErrTooLarge) {
			t.Fatalf("unclassified error: %v", err)
		}
	})
}

// BenchmarkRead reads a 32 MiB table in each compression (MB/s of
// decompressed COPY data).
func BenchmarkRead(b *testing.B) {
	row := "110228533761212961\t110228501075197953\tsome status text with a https://example.com/link and more words\t0\t2023-04-20 01:17:26.582\n"
	data := []byte(strings.Repeat(row, 32<<20/len(row)) + "\\.\n\n")
	for _, c := range []Compression{CompressionNone, CompressionGzip, CompressionLZ4, CompressionZstd} {
		a := tArchive{version: Version{1, 16, 0}, format: FormatCustom, comp: c, chunk: 64 << 10, entries: []tEntry{
			{id: 10, desc: "TABLE DATA", tag: "statuses", copyStmt: "COPY public.statuses (id, account_id, text, visibility, created_at) FROM stdin;\n", data: data}}}
		raw := a.bytes(b)
		b.Run(c.String(), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				ar, err := NewReader(bytes.NewReader(raw), Options{})
				if err != nil {
					b.Fatal(err)
				}
				_, d, err := ar.Next()
				if err != nil {
					b.Fatal(err)
				}
				if n, err := io.Copy(io.Discard, d); err != nil || n != int64(len(data)) {
					b.Fatal(n, err)
				}
			}
		})
	}
}
