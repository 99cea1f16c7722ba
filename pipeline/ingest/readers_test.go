package ingest

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"fediforensics/pipeline"
)

// converted collects what a reader converts: per table, the scratch CSV
// read back, and the warnings.
type converted struct {
	dir      string
	files    map[pipeline.Table][]string
	warnings []pipeline.Warning
	n        int
}

func newConverted(t testing.TB) *converted {
	return &converted{dir: t.TempDir(), files: map[pipeline.Table][]string{}}
}

func (c *converted) open(tb pipeline.Table, cols []string) (*scratchWriter, error) {
	c.n++
	p := filepath.Join(c.dir, string(rune('a'+c.n%26))+strings.Repeat("x", c.n/26)+".csv")
	c.files[tb] = append(c.files[tb], p)
	return newScratchWriter(p, cols)
}

func (c *converted) warn(w pipeline.Warning) { c.warnings = append(c.warnings, w) }

func (c *converted) records(t testing.TB, tb pipeline.Table) [][]string {
	var out [][]string
	for _, p := range c.files[tb] {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(f).ReadAll()
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, recs...)
	}
	return out
}

func TestDecodeCopyRow(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []Value
		n    int
		bad  bool
	}{
		{"1\talice\t\\N", []Value{Str("1"), Str("alice"), {Null: true}}, 3, false},
		{"1\t\t", []Value{Str("1"), Str(""), Str("")}, 3, false},
		{`2\tline\nbreak\ttab\there`, nil, 1, false},
		{"3\tline\\nbreak\ttab\\there", []Value{Str("3"), Str("line\nbreak"), Str("tab\there")}, 3, false},
		{"4\tback\\\\slash\t\\x41\\101", []Value{Str("4"), Str(`back\slash`), Str("AA")}, 3, false},
		{"5\ta\tb\tc", []Value{Str("5"), Str("a"), Str("b")}, 4, false},
		{"6\tend\\", nil, 2, true},
		{"7\t\\xff\tz", nil, 2, true},
	} {
		vals := make([]Value, 3)
		n, err := decodeCopyRow([]byte(tc.in), vals)
		if (err != nil) != tc.bad {
			t.Errorf("%q: err = %v", tc.in, err)
			continue
		}
		if tc.bad {
			continue
		}
		if n != tc.n {
			t.Errorf("%q: n = %d, want %d", tc.in, n, tc.n)
		}
		if tc.want != nil && !reflect.DeepEqual(vals, tc.want) {
			t.Errorf("%q: vals = %#v, want %#v", tc.in, vals, tc.want)
		}
	}
}

const sqlDump = `--
-- PostgreSQL database dump
--
SET client_encoding = 'UTF8';

COPY public.accounts (id, username, note) FROM stdin;
1	alice	hello\tworld
2	bob	\N
3	carol
4	dave	"quoted, with comma"
\.

COPY public.schema_migrations (version) FROM stdin;
20230101
\.

COPY "public"."oauth_applications" ("id", "name", "secret") FROM stdin;
7	Spam App	s3cr3t
`

func TestReadPGCopy(t *testing.T) {
	c := newConverted(t)
	if err := readPGCopy(strings.NewReader(sqlDump+"\xff\xfe\tbad\tutf8\n"), "dump.sql", c.open, c.warn); err != nil {
		t.Fatal(err)
	}
	got := c.records(t, pipeline.Accounts)
	want := [][]string{
		{"src_line", "src_offset", "id", "username", "note"},
		{"7", "119", "1", "alice", "hello\tworld"},
		{"8", "140", "2", "bob", ""},
		{"10", "157", "4", "dave", `"quoted, with comma"`},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("accounts = %q\nwant %q", got, want)
	}
	apps := c.records(t, pipeline.OAuthApplications)
	if len(apps) != 2 || apps[1][4] != "s3cr3t" {
		t.Errorf("apps = %q", apps)
	}
	var kinds []string
	for _, w := range c.warnings {
		kinds = append(kinds, fmt.Sprintf("%s@%d", w.Kind, w.Line))
	}
	wantKinds := []string{"column_count@9", "invalid_utf8@19", "truncated_copy@19"}
	if !reflect.DeepEqual(kinds, wantKinds) {
		t.Errorf("warnings = %v (%+v), want %v", kinds, c.warnings, wantKinds)
	}
	if c.warnings[0].File != "dump.sql" || c.warnings[0].Table != "accounts" || !c.warnings[0].Row {
		t.Errorf("warning = %+v", c.warnings[0])
	}
}

func TestReadAPI(t *testing.T) {
	status := `{"id":"110","created_at":"2023-05-05T14:03:00.000Z","visibility":"direct","content":"<p>hi</p>",
	 "account":{"id":"9","username":"spam1","acct":"spam1","created_at":"2023-05-05T00:00:00.000Z"},
	 "mentions":[{"id":"5","username":"alice","acct":"alice","url":"https://x/@alice"}],
	 "card":{"url":"https://moonxtrade.com/"},"application":{"name":"MastoBoost","website":"https://quot.pw"},
	 "reblog":null}`
	status = strings.NewReplacer("\n", "", "\t", "").Replace(status)
	for _, tc := range []struct {
		name, kind, in string
		format         pipeline.Format
		table          pipeline.Table
		rows           int
		warnings       []string
	}{
		{"array", "statuses", "[" + status + "]", pipeline.FormatJSON, pipeline.Statuses, 1, nil},
		{"lines", "statuses", status + "\n\n" + status + "\n", pipeline.FormatJSONL, pipeline.Statuses, 2, nil},
		{"embedded account once", "statuses", "[" + status + "," + strings.Replace(status, `"110"`, `"111"`, 1) + "]", pipeline.FormatJSON, pipeline.Accounts, 1, nil},
		{"mentions", "statuses", "[" + status + "]", pipeline.FormatJSON, pipeline.Mentions, 1, nil},
		{"card", "statuses", "[" + status + "]", pipeline.FormatJSON, pipeline.PreviewCardStatuses, 1, nil},
		{"bad line kept going", "statuses", status + "\n{not json\n" + `{"id":{"x":1}}` + "\n" + status, pipeline.FormatJSONL, pipeline.Statuses, 2, []string{"json_syntax", "bad_entity"}},
		{"broken array", "statuses", "[" + status + ", {oops", pipeline.FormatJSON, pipeline.Statuses, 1, []string{"json_syntax"}},
		{"admin", "admin_accounts", `{"id":"9","username":"spam1","created_at":"2023-05-05T14:02:11.123Z","email":"a@outlook.com","ips":[{"ip":"1.2.3.4","used_at":"2023-05-05T14:02:11.123Z"}],"created_by_application_id":"41","account":{"id":"9","username":"spam1","acct":"spam1"}}`, pipeline.FormatJSONL, pipeline.UserIPs, 1, nil},
		{"app without id", "applications", `[{"name":"x"}]`, pipeline.FormatJSON, pipeline.OAuthApplications, 0, []string{"bad_entity"}},
		{"invalid utf8", "accounts", "{\"id\":\"1\",\"username\":\"\xff\"}\n", pipeline.FormatJSONL, pipeline.Accounts, 0, []string{"invalid_utf8"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newConverted(t)
			f, err := readAPI(strings.NewReader(tc.in), "x.json", tc.kind, c.open, c.warn)
			if err != nil {
				t.Fatal(err)
			}
			if f != tc.format {
				t.Errorf("format = %s, want %s", f, tc.format)
			}
			recs := c.records(t, tc.table)
			if n := max(len(recs)-1, 0); n != tc.rows {
				t.Errorf("%s rows = %d, want %d: %q", tc.table, n, tc.rows, recs)
			}
			var kinds []string
			for _, w := range c.warnings {
				kinds = append(kinds, w.Kind)
			}
			if !reflect.DeepEqual(kinds, tc.warnings) {
				t.Errorf("warnings = %v, want %v", c.warnings, tc.warnings)
			}
		})
	}
}

func TestClassifyAndInstance(t *testing.T) {
	for _, tc := range []struct {
		path   string
		ok     bool
		format pipeline.Format
		inst   string
	}{
		{"mastodon.social/accounts.csv", true, pipeline.FormatCSV, "mastodon.social"},
		{"export/Mastodon.Social/db/STATUSES.CSV", true, pipeline.FormatCSV, "mastodon.social"},
		{"mastodon.online/statuses.json", true, pipeline.FormatJSON, "mastodon.online"},
		{"mastodon.online/admin_accounts.jsonl", true, pipeline.FormatJSONL, "mastodon.online"},
		{"m.example/full.sql", true, pipeline.FormatPGCopy, "m.example"},
		{"m.example/notes.txt", false, "", ""},
		{"m.example/reports.csv", true, pipeline.FormatCSV, "m.example"},
		{"m.example/schema_migrations.csv", false, "", ""},
		{"__MACOSX/m.example/accounts.csv", false, "", ""},
	} {
		k, ok := classify(tc.path)
		if ok != tc.ok || (ok && k.Format != tc.format) {
			t.Errorf("classify(%q) = %+v, %v", tc.path, k, ok)
		}
		if !ok {
			continue
		}
		inst, err := instanceOf(tc.path, dumpManifest{}, "")
		if err != nil || inst != tc.inst {
			t.Errorf("instanceOf(%q) = %q, %v", tc.path, inst, err)
		}
	}
	if _, err := instanceOf("accounts.csv", dumpManifest{}, ""); !errors.Is(err, pipeline.ErrUsage) {
		t.Errorf("no instance: err = %v", err)
	}
	if inst, _ := instanceOf("accounts.csv", dumpManifest{}, "Example.Org"); inst != "example.org" {
		t.Errorf("fallback = %q", inst)
	}
	m := dumpManifest{Instances: map[string]string{"db1": "mastodon.social"}}
	if inst, _ := instanceOf("db1/accounts.csv", m, ""); inst != "mastodon.social" {
		t.Errorf("manifest mapping = %q", inst)
	}
}

func FuzzReadPGCopy(f *testing.F) {
	f.Add([]byte(sqlDump))
	if b, err := os.ReadFile("testdata/fuzz-seed.sql"); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c := newConverted(t)
		if err := readPGCopy(bytes.NewReader(data), "f.sql", c.open, c.warn); err != nil {
			t.Fatal(err)
		}
		for tb := range c.files {
			for _, rec := range c.records(t, tb) {
				if len(rec) != len(c.records(t, tb)[0]) {
					t.Fatalf("ragged scratch CSV for %s", tb)
				}
			}
		}
	})
}

func FuzzReadAPI(f *testing.F) {
	f.Add([]byte(`[{"id":"1","content":"<p>x</p>","account":{"id":"2","acct":"a@b.c"},"mentions":[{"id":"3"}]}]`), "statuses")
	f.Add([]byte(`{"id":"9","email":"a@b.c","ips":[{"ip":"1.2.3.4"}],"account":{"id":"9"}}`), "admin_accounts")
	f.Add([]byte(`[{"id":"1","name":"x","redirect_uris":["a","b"],"client_secret":"s"}]`), "applications")
	f.Fuzz(func(t *testing.T, data []byte, kind string) {
		switch kind {
		case "statuses", "accounts", "admin_accounts", "applications":
		default:
			kind = "statuses"
		}
		c := newConverted(t)
		if _, err := readAPI(bytes.NewReader(data), "f.json", kind, c.open, c.warn); err != nil {
			t.Fatal(err)
		}
		for tb := range c.files {
			c.records(t, tb) // the scratch CSV always reads back
		}
	})
}
