package ingest

import (
	"bytes"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"

	"fediforensics/pipeline"
)

const pgTestdata = "../pgarchive/testdata/"

// TestReadPGArchive converts real pg_dump archives (pgarchive/testdata):
// the rows are what the plain dump of the same database converts to, but
// for where they were (an archive's lines count within each table).
func TestReadPGArchive(t *testing.T) {
	plain := newConverted(t)
	f, err := os.Open(pgTestdata + "pg15.sql")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := readPGCopy(f, "pg15.sql", plain.open, plain.warn); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"pg15.custom", "pg15-z0.custom", "pg15-pipe.custom", "pg15.tar"} {
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(pgTestdata + name)
			if err != nil {
				t.Fatal(err)
			}
			c := newConverted(t)
			if err := readPGArchive(bytes.NewReader(b), name, 1<<30, c.open, c.warn); err != nil {
				t.Fatal(err)
			}
			if len(c.warnings) != 0 {
				t.Errorf("warnings %+v", c.warnings)
			}
			for _, tb := range []pipeline.Table{pipeline.Accounts, pipeline.Statuses, pipeline.Mentions} {
				got, want := c.records(t, tb), plain.records(t, tb)
				if len(got) != len(want) {
					t.Fatalf("%s: %d records, the plain dump %d", tb, len(got), len(want))
				}
				for i := range got {
					// Columns 0 and 1 are the row's line and offset.
					if !reflect.DeepEqual(got[i][2:], want[i][2:]) {
						t.Errorf("%s row %d = %q, want %q", tb, i, got[i], want[i])
					}
				}
			}
			if n := len(c.records(t, pipeline.Statuses)); n != 501 {
				t.Errorf("statuses: %d records, want a header and 500 rows", n)
			}
			if acc := c.records(t, pipeline.Accounts); acc[1][0] != "2" || acc[3][0] != "4" {
				t.Errorf("accounts' lines %q %q: line 1 is the COPY statement", acc[1][0], acc[3][0])
			}
			if len(c.files[pipeline.Table("schema_migrations")]) != 0 {
				t.Error("a table that is not Mastodon's was converted")
			}
		})
	}
}

// TestReadPGArchiveBadRow quarantines a bad row of an archive, at its line
// within its table's data.
func TestReadPGArchiveBadRow(t *testing.T) {
	b, err := os.ReadFile(pgTestdata + "pg15-z0.custom")
	if err != nil {
		t.Fatal(err)
	}
	// Uncompressed data: a tab in place of a dot gives bob's row (line 3:
	// line 1 is the COPY statement) one column too many.
	i := bytes.Index(b, []byte("remote.example"))
	if i < 0 {
		t.Fatal("no remote.example in the archive")
	}
	b[i+len("remote")] = '\t'
	c := newConverted(t)
	if err := readPGArchive(bytes.NewReader(b), "m.dump", 1<<30, c.open, c.warn); err != nil {
		t.Fatal(err)
	}
	if len(c.warnings) != 1 || c.warnings[0].Kind != "column_count" || c.warnings[0].Line != 3 || c.warnings[0].Table != "accounts" || c.warnings[0].File != "m.dump" {
		t.Fatalf("warnings %+v", c.warnings)
	}
	if n := len(c.records(t, pipeline.Accounts)); n != 3 {
		t.Errorf("accounts: %d records, want a header and the two good rows", n)
	}
}

func TestReadPGArchiveRefuses(t *testing.T) {
	b, err := os.ReadFile(pgTestdata + "pg15.custom")
	if err != nil {
		t.Fatal(err)
	}
	corrupt := bytes.Clone(b)
	for i := len(corrupt) - 3000; i < len(corrupt)-100; i += 5 {
		corrupt[i] ^= 0x5a
	}
	for _, tc := range []struct {
		name string
		data []byte
		max  int64
		want error
	}{
		{"truncated", b[:len(b)/2], 1 << 30, pipeline.ErrBroken},
		{"corrupt", corrupt, 1 << 30, pipeline.ErrBroken},
		{"over the cap", b, 1000, pipeline.ErrTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newConverted(t)
			err := readPGArchive(bytes.NewReader(tc.data), "m.dump", tc.max, c.open, c.warn)
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), "m.dump") {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestSniffMember(t *testing.T) {
	custom, _ := os.ReadFile(pgTestdata + "pg15.custom")
	tarA, _ := os.ReadFile(pgTestdata + "pg15.tar")
	// The head of a pg_dump -Fd toc.dat (PostgreSQL 15): format "tar",
	// compression -1.
	fdTOC := []byte("PGDMP\x01\x0e\x00\x04\x08\x03\x01\x01\x00\x00\x00\x00\x17\x00\x00\x00")
	for _, tc := range []struct {
		path   string
		head   []byte
		format pipeline.Format
		err    error
	}{
		{"mastodon.social/backup.dump", custom, pipeline.FormatPGCustom, nil},
		{"mastodon.social/accounts.csv", custom, pipeline.FormatPGCustom, nil},
		{"db.tar", tarA[:1024], pipeline.FormatPGTar, nil},
		{"x/plain.txt", []byte("--\n-- PostgreSQL database dump\n--\n"), pipeline.FormatPGCopy, nil},
		{"fd/toc.dat", fdTOC, "", pipeline.ErrUnreadable},
		{"fd/toc.dat.gz", []byte{0x1f, 0x8b}, "", pipeline.ErrUnreadable},
		{"mastodon.social/._backup.dump", custom, "", nil},
		{"__MACOSX/backup.dump", custom, "", nil},
		{"notes.txt", []byte("hello"), "", nil},
	} {
		k, err := sniffMember(tc.path, tc.head)
		if k.Format != tc.format || !errors.Is(err, tc.err) {
			t.Errorf("%s: %q, %v", tc.path, k.Format, err)
		}
		if err != nil && !strings.Contains(err.Error(), "pg_restore -f plain.sql DIR") {
			t.Errorf("%s: %v does not give the way out", tc.path, err)
		}
	}
}
