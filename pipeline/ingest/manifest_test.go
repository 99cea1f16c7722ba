package ingest

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"

	"fediforensics/pipeline"
	"fediforensics/pipeline/store"
)

// tarFile is one member of a test dump, in tar order.
type tarFile struct{ name, body string }

// writeTarGz writes files as a real .tar.gz and returns its path.
func writeTarGz(t *testing.T, files []tarFile) string {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, f := range files {
		hdr := &tar.Header{Name: f.name, Mode: 0o644, Size: int64(len(f.body)), Typeflag: tar.TypeReg, ModTime: time.Date(2023, 5, 20, 0, 0, 0, 0, time.UTC)}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(f.body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "dump.tar.gz")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// accountsCSV is a database-export accounts member with one account.
func accountsCSV(id int, username string) string {
	return "id,username\n" + strconv.Itoa(id) + "," + username + "\n"
}

// TestDumpManifest runs the ingest stage over real .tar.gz dumps whose root
// manifest.json names the instance or maps folders to instances, and
// checks which instance every member, and every account loaded, gets; a
// manifest that is not valid JSON, has fields of the wrong type or names
// something that is not a host is refused as bad input, saying so.
func TestDumpManifest(t *testing.T) {
	for _, tc := range []struct {
		name     string
		files    []tarFile
		fallback string            // --instance
		want     map[string]string // member path -> instance
		err      []string          // the error says all of these; nil: no error
	}{
		{
			name: "one instance",
			files: []tarFile{
				{"manifest.json", `{"instance": "Example.Social"}`},
				{"accounts.csv", accountsCSV(1, "alice")},
				{"export/db/statuses.csv", "id,account_id,text\n10,1,hello\n"},
			},
			want: map[string]string{"accounts.csv": "example.social", "export/db/statuses.csv": "example.social"},
		},
		{
			name: "folders mapped to instances",
			files: []tarFile{
				{"manifest.json", `{"instances": {"db1": "mastodon.social", "db2": "Mastodon.Online"}}`},
				{"db1/accounts.csv", accountsCSV(1, "alice")},
				{"db2/accounts.csv", accountsCSV(2, "bob")},
			},
			want: map[string]string{"db1/accounts.csv": "mastodon.social", "db2/accounts.csv": "mastodon.online"},
		},
		{
			name: "the mapping wins over a folder named like a host",
			files: []tarFile{
				{"manifest.json", `{"instances": {"old.example": "mastodon.social"}}`},
				{"old.example/accounts.csv", accountsCSV(1, "alice")},
			},
			want: map[string]string{"old.example/accounts.csv": "mastodon.social"},
		},
		{
			name: "a host-named folder wins over the single instance",
			files: []tarFile{
				{"manifest.json", `{"instance": "example.social", "instances": {"db1": "mastodon.social"}}`},
				{"mastodon.online/accounts.csv", accountsCSV(1, "alice")},
				{"db1/accounts.csv", accountsCSV(2, "bob")},
				{"other/accounts.csv", accountsCSV(3, "carol")},
			},
			want: map[string]string{"mastodon.online/accounts.csv": "mastodon.online", "db1/accounts.csv": "mastodon.social",
				"other/accounts.csv": "example.social"},
		},
		{
			name: "the manifest wins over --instance",
			files: []tarFile{
				{"manifest.json", `{"instance": "example.social"}`},
				{"accounts.csv", accountsCSV(1, "alice")},
			},
			fallback: "fallback.example",
			want:     map[string]string{"accounts.csv": "example.social"},
		},
		{
			name: "the manifest after the members",
			files: []tarFile{
				{"db1/accounts.csv", accountsCSV(1, "alice")},
				{"MANIFEST.JSON", `{"instances": {"db1": "mastodon.social"}}`},
			},
			want: map[string]string{"db1/accounts.csv": "mastodon.social"},
		},
		{
			name: "unknown fields are ignored",
			files: []tarFile{
				{"manifest.json", `{"instance": "example.social", "exported_by": "admin", "version": 2}`},
				{"accounts.csv", accountsCSV(1, "alice")},
			},
			want: map[string]string{"accounts.csv": "example.social"},
		},
		{
			name: "a manifest.json below the root is only a skipped member",
			files: []tarFile{
				{"export/manifest.json", `{"instance": "example.social"}`},
				{"export/accounts.csv", accountsCSV(1, "alice")},
			},
			err: []string{"cannot tell which instance", "export/accounts.csv"},
		},
		{
			name:  "invalid JSON",
			files: []tarFile{{"manifest.json", `{"instance": "example.social"`}, {"accounts.csv", accountsCSV(1, "alice")}},
			err:   []string{"manifest.json", "unexpected end of JSON input"},
		},
		{
			name:  "not JSON at all",
			files: []tarFile{{"manifest.json", "instance=example.social\n"}, {"accounts.csv", accountsCSV(1, "alice")}},
			err:   []string{"manifest.json", "invalid character"},
		},
		{
			name:  "empty",
			files: []tarFile{{"manifest.json", ""}, {"accounts.csv", accountsCSV(1, "alice")}},
			err:   []string{"manifest.json", "unexpected end of JSON input"},
		},
		{
			name:  "instance of the wrong type",
			files: []tarFile{{"manifest.json", `{"instance": 42}`}, {"accounts.csv", accountsCSV(1, "alice")}},
			err:   []string{"manifest.json", "instance", "number"},
		},
		{
			name:  "instances a list, not a mapping",
			files: []tarFile{{"manifest.json", `{"instances": ["mastodon.social"]}`}, {"db1/accounts.csv", accountsCSV(1, "alice")}},
			err:   []string{"manifest.json", "instances", "array"},
		},
		{
			name:  "a mapping to a number",
			files: []tarFile{{"manifest.json", `{"instances": {"db1": 7}}`}, {"db1/accounts.csv", accountsCSV(1, "alice")}},
			err:   []string{"manifest.json", "instances", "number"},
		},
		{
			name:  "a list at the top",
			files: []tarFile{{"manifest.json", `["mastodon.social"]`}, {"accounts.csv", accountsCSV(1, "alice")}},
			err:   []string{"manifest.json", "array"},
		},
		{
			name:  "an instance that is not a host name",
			files: []tarFile{{"manifest.json", `{"instance": "x"}`}, {"accounts.csv", accountsCSV(1, "alice")}},
			err:   []string{`instance "x"`, "not a host name"},
		},
		{
			name:  "a mapping that escapes",
			files: []tarFile{{"manifest.json", `{"instances": {"db1": "../../etc"}}`}, {"db1/accounts.csv", accountsCSV(1, "alice")}},
			err:   []string{`"../../etc"`, "not a host name"},
		},
		{
			name: "a manifest too large to be one",
			files: []tarFile{{"manifest.json", `{"instance": "example.social", "pad": "` + strings.Repeat("x", 2<<20) + `"}`},
				{"accounts.csv", accountsCSV(1, "alice")}},
			err: []string{"manifest.json"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			dumpPath := writeTarGz(t, tc.files)
			db, err := store.Open(ctx, t.TempDir(), store.Options{Threads: 1, MemoryLimit: "512MB"})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			res, err := Run(ctx, db, dumpPath, Options{Instance: tc.fallback, ScratchDir: t.TempDir()})
			if tc.err != nil {
				if err == nil {
					t.Fatalf("accepted; members %+v", res.Members)
				}
				t.Logf("refused: %v", err)
				if !errors.Is(err, pipeline.ErrUsage) {
					t.Errorf("error %q is not a usage error (exit 2)", err)
				}
				for _, w := range tc.err {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not say %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			var instances []string
			for _, m := range res.Members {
				got[m.Path] = m.Instance
			}
			for _, inst := range tc.want {
				instances = append(instances, inst)
			}
			sort.Strings(instances)
			instances = compactStrings(instances)
			if len(got) != len(tc.want) {
				t.Errorf("members %v, want %v", got, tc.want)
			}
			for p, inst := range tc.want {
				if got[p] != inst {
					t.Errorf("%s: instance %q, want %q", p, got[p], inst)
				}
			}
			if strings.Join(res.Instances, " ") != strings.Join(instances, " ") {
				t.Errorf("instances %v, want %v", res.Instances, instances)
			}
			for _, s := range res.Skipped {
				if strings.EqualFold(s, "manifest.json") {
					t.Errorf("the manifest is listed as a skipped member")
				}
			}
			// The accounts carry the instance of their member.
			rows, err := db.QueryContext(ctx, `SELECT src_file, instance FROM accounts ORDER BY src_file`)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			n := 0
			for rows.Next() {
				var file, inst string
				if err := rows.Scan(&file, &inst); err != nil {
					t.Fatal(err)
				}
				n++
				if tc.want[file] != inst {
					t.Errorf("account from %s has instance %q, want %q", file, inst, tc.want[file])
				}
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				t.Error("no account loaded")
			}
		})
	}
}

func compactStrings(s []string) []string {
	var out []string
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}
