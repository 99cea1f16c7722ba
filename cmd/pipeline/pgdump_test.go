package main

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/csv"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"

	"fediforensics/pipeline"
)

// pgServer is a throwaway PostgreSQL server on a Unix socket (no TCP) in a
// temporary folder, stopped when the test ends.
type pgServer struct {
	bin   string // initdb, pg_ctl, pg_dump, psql
	major int
	sock  string
}

// pgBinaries finds the newest PostgreSQL under /usr/lib/postgresql (as
// Debian installs it). Without one the test is skipped, unless it runs in
// CI (CI set), where .ci/run installs PostgreSQL and its absence fails.
func pgBinaries(t *testing.T) (string, int) {
	t.Helper()
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	best, bestMajor := "", 0
	for _, d := range dirs {
		major, err := strconv.Atoi(filepath.Base(filepath.Dir(d)))
		if err != nil {
			continue
		}
		ok := true
		for _, tool := range []string{"initdb", "pg_ctl", "postgres", "pg_dump", "psql"} {
			if _, err := os.Stat(filepath.Join(d, tool)); err != nil {
				ok = false
			}
		}
		if ok && major > bestMajor {
			best, bestMajor = d, major
		}
	}
	if best == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("no PostgreSQL under /usr/lib/postgresql/*/bin, and CI is set: .ci/run installs it (apt-get install postgresql)")
		}
		t.Skip("no PostgreSQL under /usr/lib/postgresql/*/bin (Debian: apt-get install postgresql)")
	}
	return best, bestMajor
}

// startPG runs initdb and pg_ctl start. initdb refuses to run as root: as
// root, the server's commands run as the postgres user, which owns the
// server's folder.
func startPG(t *testing.T) *pgServer {
	t.Helper()
	bin, major := pgBinaries(t)
	base := t.TempDir()
	asServer := func(name string, args ...string) *exec.Cmd {
		return exec.Command(filepath.Join(bin, name), args...)
	}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("running as root, and no postgres user to run the server as: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		// The server's user must reach its folder: open the test's
		// temporary folders to others (they hold nothing else).
		for d := base; d != os.TempDir() && d != "/" && len(d) > len(os.TempDir()); d = filepath.Dir(d) {
			if err := os.Chmod(d, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.Chown(base, uid, gid); err != nil {
			t.Fatal(err)
		}
		runuser, err := exec.LookPath("runuser")
		if err != nil {
			runuser = "/usr/sbin/runuser" // util-linux, outside a non-root PATH
		}
		asServer = func(name string, args ...string) *exec.Cmd {
			return exec.Command(runuser, append([]string{"-u", "postgres", "--", filepath.Join(bin, name)}, args...)...)
		}
	}
	data := filepath.Join(base, "data")
	run := func(cmd *exec.Cmd) {
		t.Helper()
		if out, err := cmd.CombinedOutput(); err != nil {
			log, _ := os.ReadFile(filepath.Join(base, "log"))
			t.Fatalf("%v: %v\n%s\n%s", cmd.Args, err, out, log)
		}
	}
	run(asServer("initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "-N"))
	run(asServer("pg_ctl", "-D", data, "-l", filepath.Join(base, "log"), "-w", "-o",
		fmt.Sprintf("-k %s -c listen_addresses='' -c fsync=off", base), "start"))
	t.Cleanup(func() {
		asServer("pg_ctl", "-D", data, "-m", "immediate", "-w", "stop").Run()
	})
	return &pgServer{bin: bin, major: major, sock: base}
}

// client runs psql or pg_dump against the server's database "mastodon".
func (s *pgServer) client(t *testing.T, name string, stdin []byte, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(filepath.Join(s.bin, name), append([]string{"-h", s.sock, "-U", "postgres"}, args...)...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, stderr.String())
	}
	return out.Bytes()
}

// pgType gives a column of the sample the type Mastodon's db/schema.rb
// gives it.
func pgType(col string) string {
	switch {
	case col == "session_id": // the session cookie: a string
		return "character varying"
	case col == "id" || strings.HasSuffix(col, "_id"):
		return "bigint"
	case strings.HasSuffix(col, "_at"):
		return "timestamp without time zone"
	case col == "fields":
		return "jsonb"
	case col == "ip" || strings.HasSuffix(col, "_ip"):
		return "inet"
	case slices.Contains([]string{"locked", "discoverable", "hide_collections", "sensitive", "reply", "local", "disabled", "approved", "superapp", "confidential", "silent", "success"}, col):
		return "boolean"
	case slices.Contains([]string{"visibility", "sign_in_count", "expires_in", "suspension_origin"}, col):
		return "integer"
	}
	return "text"
}

var copyLineRE = regexp.MustCompile(`^COPY public\.(\w+) \(([^)]*)\) FROM stdin;$`)

// loadSampleInstance creates the tables of the sample's mastodon.social
// folder, with the columns its CSV headers and its dump.sql's COPY
// statements name, and loads the rows: CSV members with COPY ... CSV
// HEADER, dump.sql with psql.
func loadSampleInstance(t *testing.T, s *pgServer, dir string) {
	t.Helper()
	tables := map[string][]string{}
	csvs, _ := filepath.Glob(filepath.Join(dir, "*.csv"))
	for _, p := range csvs {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		header, err := csv.NewReader(f).Read()
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		tables[strings.TrimSuffix(filepath.Base(p), ".csv")] = header
	}
	sqlDump, err := os.ReadFile(filepath.Join(dir, "dump.sql"))
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(bytes.NewReader(sqlDump))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if m := copyLineRE.FindStringSubmatch(sc.Text()); m != nil {
			tables[m[1]] = strings.Split(m[2], ", ")
		}
	}
	if len(tables) < 8 {
		t.Fatalf("only %d tables in the sample's instance: %v", len(tables), tables)
	}
	var ddl strings.Builder
	names := make([]string, 0, len(tables))
	for name := range tables {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		var cols []string
		for _, c := range tables[name] {
			cols = append(cols, fmt.Sprintf("%q %s", c, pgType(c)))
		}
		fmt.Fprintf(&ddl, "CREATE TABLE public.%s (%s);\n", name, strings.Join(cols, ", "))
	}
	s.client(t, "psql", nil, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", "postgres", "-c", "CREATE DATABASE mastodon")
	psql := func(stdin []byte, args ...string) {
		s.client(t, "psql", stdin, append([]string{"-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", "mastodon"}, args...)...)
	}
	psql([]byte(ddl.String()))
	for _, p := range csvs {
		body, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		psql(body, "-c", fmt.Sprintf("COPY public.%s FROM STDIN WITH (FORMAT csv, HEADER true)", strings.TrimSuffix(filepath.Base(p), ".csv")))
	}
	psql(sqlDump)
}

// TestPGDumpForms loads the sample's database-export instance into a real
// PostgreSQL, dumps it with pg_dump in the custom and tar formats, and
// checks that each loads exactly what the instance's CSV and plain SQL
// members load: the same rows in every canonical table.
func TestPGDumpForms(t *testing.T) {
	t.Parallel()
	s := startPG(t)
	dir := extractSample(t)
	instance := filepath.Join(dir, "mastodon.social")
	loadSampleInstance(t, s, instance)

	// The CSV form: the instance's folder alone.
	csvForm := filepath.Join(t.TempDir(), "csv")
	if err := os.Rename(instance, filepath.Join(mustMkdir(t, csvForm), "mastodon.social")); err != nil {
		t.Fatal(err)
	}
	out, want := loadedOut(t, csvForm)
	assertAllLoaded(t, want, "user_ips") // the API instance's
	wantRows := canonicalRows(t, out)

	work := t.TempDir()
	dump := func(name string, args ...string) string {
		p := filepath.Join(work, name)
		writeFile(t, p, s.client(t, "pg_dump", nil, append([]string{"-d", "mastodon"}, args...)...))
		return p
	}
	custom := filepath.Join(work, "mastodon.dump")
	s.client(t, "pg_dump", nil, "-d", "mastodon", "-Fc", "-f", custom) // a file: data offsets set
	tarForm := filepath.Join(work, "mastodon.tar")
	s.client(t, "pg_dump", nil, "-d", "mastodon", "-Ft", "-f", tarForm)
	forms := map[string]func(t *testing.T) (string, []string){
		"pg_dump -Fc -f":        func(*testing.T) (string, []string) { return custom, nil },
		"pg_dump -Fc to a pipe": func(*testing.T) (string, []string) { return dump("pipe.dump", "-Fc"), nil },
		"pg_dump -Fc -Z0":       func(*testing.T) (string, []string) { return dump("z0.dump", "-Fc", "-Z0"), nil },
		"pg_dump -Ft":           func(*testing.T) (string, []string) { return tarForm, nil },
		"pg_dump -Fc, gzipped": func(t *testing.T) (string, []string) {
			var b bytes.Buffer
			zw := gzip.NewWriter(&b)
			zw.Write(mustRead(t, custom))
			zw.Close()
			return writeFile(t, filepath.Join(work, "mastodon.dump.gz"), b.Bytes()), nil
		},
		"pg_dump -Fc in a tar, in the instance's folder": func(t *testing.T) (string, []string) {
			var b bytes.Buffer
			tw := tar.NewWriter(&b)
			body := mustRead(t, custom)
			tw.WriteHeader(&tar.Header{Name: "./", Typeflag: tar.TypeDir, Mode: 0o755})
			tw.WriteHeader(&tar.Header{Name: "./mastodon.social/", Typeflag: tar.TypeDir, Mode: 0o755})
			tw.WriteHeader(&tar.Header{Name: "./mastodon.social/backup-2023-05-20.dump", Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(body))})
			tw.Write(body)
			tw.Close()
			return writeFile(t, filepath.Join(work, "export.tar"), b.Bytes()), []string{}
		},
		"pg_dump -Fc in the instance's folder of a directory": func(t *testing.T) (string, []string) {
			d := mustMkdir(t, filepath.Join(t.TempDir(), "export", "mastodon.social"))
			writeFile(t, filepath.Join(d, "mastodon_production.pgdump"), mustRead(t, custom))
			return filepath.Dir(d), []string{}
		},
		"pg_dump -Ft in a zip, in the instance's folder": func(t *testing.T) (string, []string) {
			var b bytes.Buffer
			zw := zip.NewWriter(&b)
			w, _ := zw.Create("mastodon.social/mastodon.tar")
			w.Write(mustRead(t, tarForm))
			zw.Close()
			return writeFile(t, filepath.Join(work, "export.zip"), b.Bytes()), []string{}
		},
	}
	if s.major >= 16 {
		forms["pg_dump -Fc -Z lz4"] = func(*testing.T) (string, []string) { return dump("lz4.dump", "-Fc", "-Z", "lz4"), nil }
		forms["pg_dump -Fc -Z zstd"] = func(*testing.T) (string, []string) { return dump("zstd.dump", "-Fc", "-Z", "zstd"), nil }
	}
	for name, make := range forms {
		t.Run(name, func(t *testing.T) {
			p, flags := make(t)
			if flags == nil {
				flags = []string{"--instance", "mastodon.social"}
			}
			out, got := loadedOut(t, p, flags...)
			if got != want {
				t.Errorf("loads differently from the CSV form:\n%s", diff(want, got))
			}
			if got := canonicalRows(t, out); got != wantRows {
				t.Errorf("rows differ from the CSV form's:\n%s", diff(wantRows, got))
			}
		})
	}

	t.Run("pg_dump -Fd is refused with the way out", func(t *testing.T) {
		fd := filepath.Join(work, "fd")
		s.client(t, "pg_dump", nil, "-d", "mastodon", "-Fd", "-f", fd)
		var b bytes.Buffer
		tw := tar.NewWriter(&b)
		entries, _ := os.ReadDir(fd)
		for _, e := range entries {
			body := mustRead(t, filepath.Join(fd, e.Name()))
			tw.WriteHeader(&tar.Header{Name: "fd/" + e.Name(), Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(body))})
			tw.Write(body)
		}
		tw.Close()
		for _, p := range []string{fd, writeFile(t, filepath.Join(work, "fd.tar"), b.Bytes())} {
			code, _, stderr := runCLI(t, "ingest", p, "--instance", "mastodon.social", "--out", filepath.Join(t.TempDir(), "out"))
			if code != pipeline.ExitBroken || !strings.Contains(stderr, "pg_restore -f plain.sql DIR") {
				t.Errorf("%s: exit %d: %s", p, code, stderr)
			}
		}
	})
}

// canonicalRows prints the canonical tables of an output, less where each
// row came from.
func canonicalRows(t *testing.T, out string) string {
	t.Helper()
	var b strings.Builder
	for _, table := range []string{"accounts", "statuses", "mentions", "apps", "tokens", "ip_history", "preview_cards"} {
		q := fmt.Sprintf(`SELECT COLUMNS(c -> c NOT LIKE 'src_%%') FROM %s ORDER BY ALL`, table)
		if table == "accounts" {
			// PostgreSQL's jsonb prints JSON its own way: compare it minified.
			q = `SELECT COLUMNS(c -> c NOT LIKE 'src_%' AND c <> 'fields'), json(fields) AS fields FROM accounts ORDER BY ALL`
		}
		b.WriteString(queryCSV(t, out, q))
	}
	return b.String()
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustMkdir(t *testing.T, p string) string {
	t.Helper()
	if err := os.MkdirAll(p, 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}
