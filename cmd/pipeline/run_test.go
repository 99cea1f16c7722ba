package main

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"

	"fediforensics/pipeline"
	"fediforensics/pipeline/outdir"
	"fediforensics/pipeline/report"
	"fediforensics/pipeline/store"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

const sampleDump = "../../data/sample/dump.tar.gz"

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it):\n%s", name, diff(string(want), string(got)))
	}
}

func diff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := 0; i < max(len(wl), len(gl)) && b.Len() < 4000; i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			fmt.Fprintf(&b, "line %d:\n  want %s\n  got  %s\n", i+1, w, g)
		}
	}
	return b.String()
}

// runCLI runs the whole command line in-process, as main does, and returns
// its exit code, stdout and stderr.
func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

// queryCSV runs a query on an output and renders the rows as CSV lines.
func queryCSV(t *testing.T, out, q string) string {
	t.Helper()
	db, err := store.OpenReadOnly(context.Background(), out)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	return rowsCSV(t, db, q)
}

func rowsCSV(t *testing.T, db *sql.DB, q string) string {
	rows, err := db.Query(q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var b strings.Builder
	b.WriteString(strings.Join(cols, ",") + "\n")
	err = report.ScanRows(rows, func(vals []any) error {
		for i, v := range vals {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(report.Cell(v))
		}
		b.WriteByte('\n')
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// stableManifest is the part of a manifest that does not change between
// runs of the same input.
func stableManifest(t *testing.T, out string) []byte {
	m, err := outdir.ReadManifest(out)
	if err != nil {
		t.Fatal(err)
	}
	var stages []string
	for _, s := range m.Stages {
		stages = append(stages, s.Stage)
	}
	b, err := json.MarshalIndent(map[string]any{"input": map[string]any{"kind": m.Input.Kind, "bytes": m.Input.Bytes, "sha256": m.Input.SHA256},
		"members": m.Members, "skipped_members": m.Skipped, "tables": m.Tables, "warnings_by_kind": m.Warnings, "instances": m.Instances, "stages": stages}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

// TestRunSample checks a run over the sample with an empty WHOIS cache (the
// shared one, which TestWhoisCoverageShown reads too), and an ingest over
// (a copy of) its output.
func TestRunSample(t *testing.T) {
	t.Parallel()
	out, stdout := emptyCacheRun.get(t)
	if !strings.Contains(stdout, "warnings   0") {
		t.Errorf("the sample should load without warnings:\n%s", stdout)
	}
	golden(t, "sample/manifest.json", stableManifest(t, out))
	golden(t, "sample/counts.csv", []byte(queryCSV(t, out, `
SELECT 'accounts' AS t, instance, count(*) AS n FROM accounts GROUP BY ALL
UNION ALL SELECT 'statuses', instance, count(*) FROM statuses GROUP BY ALL
UNION ALL SELECT 'direct', instance, count(*) FROM statuses WHERE visibility = 'direct' GROUP BY ALL
UNION ALL SELECT 'mentions', instance, count(*) FROM mentions GROUP BY ALL
UNION ALL SELECT 'apps', instance, count(*) FROM apps GROUP BY ALL
UNION ALL SELECT 'tokens', instance, count(*) FROM tokens GROUP BY ALL
UNION ALL SELECT 'ip_history', instance, count(*) FROM ip_history GROUP BY ALL
UNION ALL SELECT 'preview_cards', instance, count(*) FROM preview_cards GROUP BY ALL
UNION ALL SELECT 'app_signups', instance, count(*) FROM accounts WHERE created_by_application_id IS NOT NULL GROUP BY ALL
UNION ALL SELECT 'cards', instance, count(*) FROM cards GROUP BY ALL
UNION ALL SELECT 'media_attachments', instance, count(*) FROM media_attachments GROUP BY ALL
UNION ALL SELECT 'follows', instance, count(*) FROM follows GROUP BY ALL
UNION ALL SELECT 'user_reports', instance, count(*) FROM user_reports GROUP BY ALL
UNION ALL SELECT 'account_warnings', instance, count(*) FROM account_warnings GROUP BY ALL
UNION ALL SELECT 'admin_action_logs', instance, count(*) FROM admin_action_logs GROUP BY ALL
UNION ALL SELECT 'blocks', instance, (SELECT count(*) FROM domain_blocks) || '/' || (SELECT count(*) FROM email_domain_blocks) || '/' || (SELECT count(*) FROM ip_blocks)
  FROM instances WHERE instance IN (SELECT instance FROM domain_blocks)
ORDER BY t, instance`)))
	// The same input gives the same manifest; the output of a second run
	// replaces the first whole.
	out = copyOutput(t, out)
	code, _, stderr := runCLI(t, "ingest", sampleDump, "--out", out)
	if code != 0 {
		t.Fatalf("second run: exit %d: %s", code, stderr)
	}
	golden(t, "sample/manifest-ingest.json", stableManifest(t, out))
	code, stdout, _ = runCLI(t, "inspect", out)
	if code != 0 || !strings.Contains(stdout, "mastodon.social/dump.sql") || !strings.Contains(stdout, "pg_copy") {
		t.Errorf("inspect: exit %d\n%s", code, stdout)
	}
	// Secrets never reach the database in clear.
	secrets := readTruth(t).Secrets
	db := queryCSV(t, out, "SELECT * FROM apps")
	for _, s := range secrets {
		if strings.Contains(db, s) {
			t.Fatalf("an OAuth secret is stored in clear")
		}
	}
	if !strings.Contains(db, "9731,MastoBoost") {
		t.Errorf("campaign app missing from apps:\n%s", db)
	}
}

type truth struct {
	Campaigns map[string][]string `json:"campaigns"`
	Secrets   []string            `json:"secrets"`
}

func readTruth(t *testing.T) truth {
	b, err := os.ReadFile("../../data/sample/truth.json")
	if err != nil {
		t.Fatal(err)
	}
	var tr truth
	if err := json.Unmarshal(b, &tr); err != nil {
		t.Fatal(err)
	}
	return tr
}

// sampleMembers calls fn with each member of the sample dump, in order.
func sampleMembers(t *testing.T, fn func(hdr *tar.Header, body []byte)) {
	t.Helper()
	f, err := os.Open(sampleDump)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		fn(hdr, body)
	}
}

// rewriteSample copies the sample dump, letting edit change each member
// and add members, and returns the path of the new .tar.gz.
func rewriteSample(t *testing.T, edit func(name string, body []byte) []byte, extra ...*tar.Header) string {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	sampleMembers(t, func(hdr *tar.Header, body []byte) {
		if edit != nil {
			body = edit(hdr.Name, body)
		}
		hdr.Size = int64(len(body))
		tw.WriteHeader(hdr)
		tw.Write(body)
	})
	for _, h := range extra {
		tw.WriteHeader(h)
		if h.Typeflag == tar.TypeReg {
			tw.Write(bytes.Repeat([]byte("x"), int(h.Size)))
		}
	}
	tw.Close()
	zw.Close()
	p := filepath.Join(t.TempDir(), "dump.tar.gz")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRunCorruptedRows(t *testing.T) {
	t.Parallel()
	p := rewriteSample(t, func(name string, body []byte) []byte {
		switch name {
		case "mastodon.social/accounts.csv":
			lines := strings.SplitAfter(string(body), "\n")
			dup := lines[1]
			bad := []string{
				"1,too,few\n", // column_count
				"2,bob,,Bob,note,u,u,,f,t,,,Person,not-a-time,2023-05-01 00:00:00,\n",             // bad_value
				"3,\xff\xfe,,X,note,u,u,,f,t,,,Person,2023-05-01 00:00:00,2023-05-01 00:00:00,\n", // invalid_utf8
				dup, // duplicate_key
				"4,\"carol,,X,note,u,u,,f,t,,,Person,2023-05-01 00:00:00,2023-05-01 00:00:00,\n", // bad_quoting, to the end
			}
			return []byte(strings.Join(lines, "") + strings.Join(bad, ""))
		case "mastodon.social/dump.sql":
			return bytes.Replace(body, []byte("COPY public.mentions (id, status_id, created_at, updated_at, account_id, silent) FROM stdin;\n"),
				[]byte("COPY public.mentions (id, status_id, created_at, updated_at, account_id, silent) FROM stdin;\n1\t2\n"), 1)
		case "mastodon.online/admin_accounts.jsonl":
			return append(body, []byte("{\"id\": \"77\", broken\n")...)
		}
		return body
	})
	out := filepath.Join(t.TempDir(), "out")
	code, stdout, stderr := runCLI(t, "run", p, "--out", out, "--whois-cache", t.TempDir())
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	warnings := queryCSV(t, out, `SELECT instance, file, line, "table", field, kind, kept, reason FROM warnings ORDER BY ALL`)
	golden(t, "corrupted/warnings.csv", []byte(warnings))
	golden(t, "corrupted/summary.txt", []byte(stdout[strings.Index(stdout, "table"):strings.Index(stdout, "output")]))
	// Every good row still loads: the counts match the clean sample's.
	want, _ := os.ReadFile("testdata/sample/counts.csv")
	got := queryCSV(t, out, `SELECT 'accounts' AS t, instance, count(*) AS n FROM accounts GROUP BY ALL ORDER BY ALL`)
	for _, line := range strings.Split(strings.TrimSpace(got), "\n")[1:] {
		if !strings.Contains(string(want), line) {
			t.Errorf("accounts count %q not as in the clean sample:\n%s", line, want)
		}
	}
}

func TestRunRefuses(t *testing.T) {
	t.Parallel()
	trunc := func(t *testing.T) string {
		b, _ := os.ReadFile(sampleDump)
		p := filepath.Join(t.TempDir(), "trunc.tar.gz")
		os.WriteFile(p, b[:len(b)*2/3], 0o644)
		return p
	}
	notTar := func(t *testing.T) string {
		p := filepath.Join(t.TempDir(), "dump.tar")
		os.WriteFile(p, bytes.Repeat([]byte("id,username\n1,alice\n"), 100), 0o644)
		return p
	}
	noTables := func(t *testing.T) string {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "README.txt"), []byte("hello"), 0o644)
		return dir
	}
	for _, tc := range []struct {
		name  string
		dump  func(t *testing.T) string
		flags []string
		code  int
		msg   string
	}{
		{"traversal", func(t *testing.T) string {
			return rewriteSample(t, nil, &tar.Header{Name: "../../evil.csv", Typeflag: tar.TypeReg, Size: 3, Mode: 0o644})
		}, nil, pipeline.ExitUnsafe, "escapes the archive"},
		{"symlink", func(t *testing.T) string {
			return rewriteSample(t, nil, &tar.Header{Name: "mastodon.social/users.csv", Typeflag: tar.TypeSymlink, Linkname: "/etc/passwd"})
		}, nil, pipeline.ExitUnsafe, "links are refused"},
		{"truncated gzip", trunc, nil, pipeline.ExitBroken, "truncated"},
		{"not a tar", notTar, nil, pipeline.ExitBroken, "not a tar"},
		{"bomb", func(t *testing.T) string { return sampleDump }, []string{"--max-total-bytes", "100000"}, pipeline.ExitTooLarge, "--max-total-bytes"},
		{"no tables", noTables, nil, pipeline.ExitNoData, "no member is named"},
		{"missing dump", func(t *testing.T) string { return "/nonexistent/dump.tar" }, nil, pipeline.ExitUsage, "open dump"},
		{"bad flag", func(t *testing.T) string { return sampleDump }, []string{"--bogus"}, pipeline.ExitUsage, "bogus"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			parent := t.TempDir()
			out := filepath.Join(parent, "out")
			code, _, stderr := runCLI(t, append([]string{"run", tc.dump(t), "--out", out}, tc.flags...)...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d: %s", code, tc.code, stderr)
			}
			if !strings.Contains(stderr, tc.msg) {
				t.Errorf("stderr %q does not say %q", stderr, tc.msg)
			}
			// Nothing was written: no output, no temporary sibling left.
			if entries, _ := os.ReadDir(parent); len(entries) != 0 {
				t.Errorf("left behind: %v", entries)
			}
		})
	}
	t.Run("foreign output dir", func(t *testing.T) {
		out := t.TempDir()
		os.WriteFile(filepath.Join(out, "thesis.docx"), []byte("precious"), 0o644)
		code, _, stderr := runCLI(t, "run", sampleDump, "--out", out)
		if code != pipeline.ExitOutputInUse {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		if b, _ := os.ReadFile(filepath.Join(out, "thesis.docx")); string(b) != "precious" {
			t.Fatal("the foreign file was touched")
		}
	})
	t.Run("output inside the dump", func(t *testing.T) {
		dir := t.TempDir()
		code, _, _ := runCLI(t, "run", dir, "--out", filepath.Join(dir, "out"))
		if code != pipeline.ExitUsage {
			t.Fatalf("exit %d", code)
		}
	})
}

func TestSampleIsFresh(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tarPath, truthPath := filepath.Join(dir, "dump.tar.gz"), filepath.Join(dir, "truth.json")
	if code, _, stderr := runCLI(t, "gen", "--tar", tarPath, "--truth", truthPath); code != 0 {
		t.Fatalf("gen: %s", stderr)
	}
	for _, f := range []string{"dump.tar.gz", "truth.json"} {
		got, _ := os.ReadFile(filepath.Join(dir, f))
		want, _ := os.ReadFile(filepath.Join("../../data/sample", f))
		if !bytes.Equal(got, want) {
			t.Errorf("data/sample/%s is not what the generator makes: run 'go run ./cmd/pipeline gen --tar data/sample/dump.tar.gz --truth data/sample/truth.json'", f)
		}
	}
}

// TestDirectoryInputUntouched runs on a dump given as a directory, with a
// CSV member that DuckDB's strict reader refuses as a whole (so it is read
// row by row): the directory is the same, byte for byte, afterwards.
func TestDirectoryInputUntouched(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "dump")
	if code, _, stderr := runCLI(t, "gen", "--dir", dir); code != 0 {
		t.Fatal(stderr)
	}
	accounts := filepath.Join(dir, "mastodon.social", "accounts.csv")
	b, _ := os.ReadFile(accounts)
	os.WriteFile(accounts, append(b, []byte("7,mixed\r\n8,\"open\n")...), 0o644)
	snapshot := func() string {
		var s strings.Builder
		filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				b, _ := os.ReadFile(p)
				fmt.Fprintf(&s, "%s %x\n", p, sha256.Sum256(b))
			}
			return nil
		})
		return s.String()
	}
	before := snapshot()
	out := filepath.Join(t.TempDir(), "out")
	code, stdout, stderr := runCLI(t, "ingest", dir, "--out", out)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	if after := snapshot(); after != before {
		t.Errorf("the dump directory changed:\nbefore\n%s\nafter\n%s", before, after)
	}
	if w := queryCSV(t, out, `SELECT kind FROM warnings ORDER BY ALL`); !strings.Contains(w, "csv_fallback") {
		t.Errorf("expected the row-by-row fallback, warnings:\n%s", w)
	}
}

func TestSkippedMembersInManifest(t *testing.T) {
	t.Parallel()
	p := rewriteSample(t, nil, &tar.Header{Name: "mastodon.social/notes.txt", Typeflag: tar.TypeReg, Size: 5, Mode: 0o644})
	out := filepath.Join(t.TempDir(), "out")
	if code, _, stderr := runCLI(t, "ingest", p, "--out", out); code != 0 {
		t.Fatal(stderr)
	}
	m, err := outdir.ReadManifest(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Skipped) != 1 || m.Skipped[0] != "mastodon.social/notes.txt" {
		t.Errorf("skipped members = %v", m.Skipped)
	}
	if _, stdout, _ := runCLI(t, "inspect", out); !strings.Contains(stdout, "notes.txt") {
		t.Errorf("inspect does not show the skipped member:\n%s", stdout)
	}
}

// TestRunSkippedMembers: members named for a table whose header lacks a
// required column (a CSV file, and a COPY block of the pg_dump file) are
// skipped whole; the run still writes its whole output, but its summary
// leads with them, naming each file with the columns required and found,
// and it exits 8 unless --allow-skipped is given.
func TestRunSkippedMembers(t *testing.T) {
	t.Parallel()
	p := rewriteSample(t, func(name string, body []byte) []byte {
		switch name {
		case "mastodon.social/users.csv":
			return bytes.Replace(body, []byte(",account_id,"), []byte(",acct_id,"), 1)
		case "mastodon.social/dump.sql":
			return bytes.Replace(body, []byte("COPY public.follows (id, created_at, updated_at, account_id, target_account_id,"),
				[]byte("COPY public.follows (id, created_at, updated_at, account_id, target_id,"), 1)
		}
		return body
	})
	for _, tc := range []struct {
		cmd   string
		flags []string
		code  int
	}{
		{"run", nil, pipeline.ExitSkippedMembers},
		{"ingest", []string{"--allow-skipped"}, pipeline.ExitOK},
	} {
		t.Run(strings.Join(append([]string{tc.cmd}, tc.flags...), " "), func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			code, stdout, stderr := runCLI(t, append([]string{tc.cmd, p, "--out", out, "--whois", "off", "--log-level", "error"}, tc.flags...)...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\n%s\n%s", code, tc.code, stdout, stderr)
			}
			if !strings.HasPrefix(stdout, "NOT LOADED 2 member(s)") {
				t.Errorf("the summary does not lead with the members not loaded:\n%s", stdout)
			}
			for _, want := range []string{
				"mastodon.social/users.csv (users, mastodon.social): the header lacks the required column account_id",
				"found:    id, email, created_at, updated_at, encrypted_password, locale, confirmed_at, acct_id,",
				"mastodon.social/dump.sql (follows, mastodon.social): the header lacks the required column target_account_id",
				"required: account_id, target_account_id",
			} {
				if !strings.Contains(stdout, want) {
					t.Errorf("the summary does not say %q:\n%s", want, stdout)
				}
			}
			if tc.code != 0 && !strings.Contains(stderr, "completed with skipped members") || tc.code != 0 && !strings.Contains(stderr, "--allow-skipped") {
				t.Errorf("stderr does not explain exit 8: %s", stderr)
			}
			// The output is complete and in place all the same.
			m, err := outdir.ReadManifest(out)
			if err != nil {
				t.Fatal(err)
			}
			if len(m.Unread) != 2 || m.Unread[0].Table != "follows" || m.Unread[1].Path != "mastodon.social/users.csv" {
				t.Errorf("manifest unread_members = %+v", m.Unread)
			}
			if tc.cmd == "run" {
				if _, err := os.Stat(filepath.Join(out, "report.html")); err != nil {
					t.Errorf("no report: %v", err)
				}
			}
			if n := queryInt(t, out, "SELECT count(*) FROM follows"); n != 0 {
				t.Errorf("%d follows loaded from a block without target_account_id", n)
			}
			if n := queryInt(t, out, "SELECT count(*) FROM accounts WHERE email IS NOT NULL AND instance = 'mastodon.social'"); n != 0 {
				t.Errorf("%d users loaded from a file without account_id", n)
			}
			// inspect shows them too, first.
			if _, stdout, _ := runCLI(t, "inspect", out); !strings.Contains(stdout, "NOT LOADED 2 member(s)") {
				t.Errorf("inspect does not show the members not loaded:\n%s", stdout)
			}
		})
	}
}
