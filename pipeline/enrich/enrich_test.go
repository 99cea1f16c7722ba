package enrich

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"fediforensics/data"
	"fediforensics/enrich/whois"
	"fediforensics/enrich/whoisserver"
	"fediforensics/internal/testwhois"
	"fediforensics/pipeline/report"
	"fediforensics/pipeline/store"
)

const mirror = "../../data/sample/whois-mirror"

// domainsFixture is a domains table as the extract stage leaves it (the
// columns the stage reads), with domains worth asking about and domains
// that must never be asked about, and the warnings table of ingest.
const domainsFixture = `
CREATE TABLE domains (domain VARCHAR, domain_unicode VARCHAR, own BOOLEAN, promoted BOOLEAN, statuses BIGINT, accounts BIGINT, sources VARCHAR);
INSERT INTO domains (domain, own, promoted, sources) VALUES
  ('moonxtrade.com', false, true, 'status'),
  ('bitqlend.com', false, true, 'card,status'),
  ('tradewiseacademy.net', false, true, 'status'),
  ('tradebtcx.org', false, true, 'status'),
  ('quot.pw', false, false, 'app_redirect_uri,app_website'),
  ('hallfamily.net', false, false, 'email'),
  ('nosuchdomain-fediforensics.com', false, true, 'status'),
  ('someone.github.io', false, true, 'status'),
  ('other.github.io', false, true, 'note'),
  ('co.uk', false, true, 'status'),
  -- never asked: a common email provider, a popular domain, the dump's
  -- own instance, a domain neither promoted nor an app's nor an email's,
  -- an IP address, a name with no dot.
  ('gmail.com', false, false, 'email'),
  ('youtube.com', false, true, 'status'),
  ('mastodon.social', true, true, 'status'),
  ('example.org', false, false, 'status'),
  ('192.0.2.7', false, true, 'status'),
  ('localhost', false, true, 'status');
CREATE TABLE warnings (instance VARCHAR, file VARCHAR, line BIGINT, byte_offset BIGINT, "table" VARCHAR, field VARCHAR,
  kind VARCHAR, reason VARCHAR, raw VARCHAR, kept BOOLEAN);
`

// asked are the fixture's domains the stage looks up.
var asked = []string{"bitqlend.com", "co.uk", "hallfamily.net", "moonxtrade.com", "nosuchdomain-fediforensics.com",
	"other.github.io", "quot.pw", "someone.github.io", "tradebtcx.org", "tradewiseacademy.net"}

func openDB(t *testing.T) *sql.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, t.TempDir(), store.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := store.Exec(ctx, db, "fixture", domainsFixture); err != nil {
		t.Fatal(err)
	}
	return db
}

// startMirror serves the sample's recorded WHOIS answers on loopback.
func startMirror(t *testing.T) (*whoisserver.Server, string) {
	t.Helper()
	srv := whoisserver.New(mirror)
	return srv, testwhois.Serve(t, srv)
}

func liveConfig(addr string) whois.Config {
	return whois.Config{Mode: whois.ModeLive, WhoisServer: addr, Order: []string{whois.SourceWHOIS},
		PerServerRate: -1, Retries: -1, Timeout: 5 * time.Second}
}

// whoisRows renders the whole whois table, every column, fully ordered.
func whoisRows(t *testing.T, db *sql.DB) []string {
	t.Helper()
	rows, err := db.Query(`SELECT * FROM whois ORDER BY ALL`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	err = report.ScanRows(rows, func(vals []any) error {
		var b strings.Builder
		for i, v := range vals {
			if i > 0 {
				b.WriteString(" | ")
			}
			if tm, ok := v.(time.Time); ok {
				v = tm.UTC().Format(time.RFC3339Nano)
			}
			fmt.Fprintf(&b, "%s=%v", cols[i], v)
		}
		out = append(out, b.String())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

type row struct {
	domain, registered, source, status, email string
	privacy                                   bool
}

// summary is one line per row: domain, registered domain, source, status,
// registrant email, privacy.
func summary(t *testing.T, db *sql.DB) map[string]row {
	t.Helper()
	rows, err := db.Query(`SELECT domain, registered_domain, coalesce(source, ''), status, coalesce(registrant_email, ''), coalesce(privacy, false) FROM whois`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]row{}
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.domain, &r.registered, &r.source, &r.status, &r.email, &r.privacy); err != nil {
			t.Fatal(err)
		}
		if _, dup := out[r.domain]; dup {
			t.Errorf("%s has more than one row", r.domain)
		}
		out[r.domain] = r
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func domainsOf(m map[string]row) []string {
	var out []string
	for d := range m {
		out = append(out, d)
	}
	sort.Strings(out)
	return out
}

// TestLive asks the project's WHOIS server on loopback, through a new
// cache, and checks every row of the whois table: one per domain worth
// asking about, with the status and registrant of the recorded answer.
func TestLive(t *testing.T) {
	ctx := context.Background()
	srv, addr := startMirror(t)
	srv.SetMode("tradebtcx.org", whoisserver.LimitExceeded)
	db := openDB(t)
	cache := filepath.Join(t.TempDir(), "cache")
	res, err := Run(ctx, db, Options{Config: liveConfig(addr), CacheDir: cache, Lists: data.Lists()})
	if err != nil {
		t.Fatal(err)
	}
	got := summary(t, db)
	if d := domainsOf(got); strings.Join(d, " ") != strings.Join(asked, " ") {
		t.Errorf("rows for %v,\nwant %v", d, asked)
	}
	for _, want := range []row{
		{"bitqlend.com", "bitqlend.com", "whois", "redacted", "pw-3f9c0e1b7a2d44c59e8b1f06d2a7c3e1@privacyguardian.org", true},
		{"co.uk", "co.uk", "", "error", "", false},
		{"hallfamily.net", "hallfamily.net", "whois", "not_found", "", false},
		{"moonxtrade.com", "moonxtrade.com", "whois", "found", "edgard011012@gmail.com", false},
		{"nosuchdomain-fediforensics.com", "nosuchdomain-fediforensics.com", "whois", "not_found", "", false},
		// Hosts under a private suffix are asked about once, as what
		// registries know.
		{"other.github.io", "github.io", "whois", "not_found", "", false},
		{"someone.github.io", "github.io", "whois", "not_found", "", false},
		{"quot.pw", "quot.pw", "whois", "found", "edged011012@gmail.com", false},
		{"tradebtcx.org", "tradebtcx.org", "whois", "throttled", "", false},
		{"tradewiseacademy.net", "tradewiseacademy.net", "whois", "found", "j.kowalski.reg@protonmail.com", false},
	} {
		if g := got[want.domain]; g != want {
			t.Errorf("%s:\n got  %+v\n want %+v", want.domain, g, want)
		}
	}
	// One query per registrable domain; co.uk is no domain to ask about.
	if n := srv.Queries(); n != 8 {
		t.Errorf("%d queries, want 8", n)
	}
	if res.Domains != len(asked) {
		t.Errorf("res.Domains = %d, want %d", res.Domains, len(asked))
	}
	wantStatus := map[string]int{"found": 3, "redacted": 1, "not_found": 3, "throttled": 1, "error": 1}
	if fmt.Sprint(res.ByStatus) != fmt.Sprint(wantStatus) {
		t.Errorf("by status %v, want %v", res.ByStatus, wantStatus)
	}
	// The server, time and raw answer's hash of a network observation.
	var server, hash, errText sql.NullString
	var observed time.Time
	if err := db.QueryRow(`SELECT server, observed_at, raw_sha256, error FROM whois WHERE domain = 'moonxtrade.com'`).Scan(&server, &observed, &hash, &errText); err != nil {
		t.Fatal(err)
	}
	if server.String != addr || len(hash.String) != 64 || errText.Valid || time.Since(observed) > time.Hour || time.Since(observed) < 0 {
		t.Errorf("moonxtrade.com: server %q observed %v hash %q error %q", server.String, observed, hash.String, errText.String)
	}
	// The answers are in the cache.
	if b, err := os.ReadFile(filepath.Join(cache, whois.CacheFile)); err != nil || !strings.Contains(string(b), "edgard011012@gmail.com") {
		t.Errorf("the cache does not hold the answers: %v", err)
	}
}

// TestCacheModeEmptyCache: in cache mode with an empty cache nothing is
// asked and every domain is skipped; the cache is only read.
func TestCacheModeEmptyCache(t *testing.T) {
	ctx := context.Background()
	srv, addr := startMirror(t)
	for _, tc := range []struct {
		name   string
		mode   whois.Mode
		exists bool
	}{
		{"cache, empty directory", whois.ModeCache, true},
		{"cache, no directory yet", whois.ModeCache, false},
		{"off", whois.ModeOff, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := openDB(t)
			cache := filepath.Join(t.TempDir(), "cache")
			if tc.exists {
				if err := os.Mkdir(cache, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			cfg := liveConfig(addr)
			cfg.Mode = tc.mode
			res, err := Run(ctx, db, Options{Config: cfg, CacheDir: cache, Lists: data.Lists()})
			if err != nil {
				t.Fatal(err)
			}
			got := summary(t, db)
			if d := domainsOf(got); strings.Join(d, " ") != strings.Join(asked, " ") {
				t.Errorf("rows for %v,\nwant %v", d, asked)
			}
			for d, r := range got {
				want := "skipped"
				if d == "co.uk" {
					want = "error" // not a domain: said so whatever the mode
				}
				if r.status != want || r.source != "" || r.email != "" {
					t.Errorf("%s: %+v, want status %s and nothing else", d, r, want)
				}
			}
			// Observations: one per registrable domain (the two github.io
			// hosts share one), and co.uk's error.
			if want := map[string]int{"skipped": 8, "error": 1}; fmt.Sprint(res.ByStatus) != fmt.Sprint(want) {
				t.Errorf("by status %v, want %v", res.ByStatus, want)
			}
			var observed int
			if err := db.QueryRow(`SELECT count(*) FROM whois WHERE observed_at IS NOT NULL OR server IS NOT NULL`).Scan(&observed); err != nil || observed != 0 {
				t.Errorf("%d skipped rows claim an observation (%v)", observed, err)
			}
			if n := srv.Queries(); n != 0 {
				t.Errorf("%d queries reached the network", n)
			}
			entries, err := os.ReadDir(cache)
			switch {
			case tc.exists && (err != nil || len(entries) != 0):
				t.Errorf("the cache directory changed: %v %v", entries, err)
			case !tc.exists && err == nil:
				t.Errorf("the cache directory was created")
			}
		})
	}
}

// TestDeterministic: a second live run over the same cache asks nothing
// and gives the same whois rows, every column; so does cache mode, in
// this output or another.
func TestDeterministic(t *testing.T) {
	ctx := context.Background()
	srv, addr := startMirror(t)
	cache := filepath.Join(t.TempDir(), "cache")
	db := openDB(t)
	opt := Options{Config: liveConfig(addr), CacheDir: cache, Lists: data.Lists()}
	if _, err := Run(ctx, db, opt); err != nil {
		t.Fatal(err)
	}
	first := whoisRows(t, db)
	if len(first) != len(asked) {
		t.Fatalf("%d rows, want %d:\n%s", len(first), len(asked), strings.Join(first, "\n"))
	}
	queries := srv.Queries()
	check := func(name string, db *sql.DB, opt Options) {
		t.Helper()
		if _, err := Run(ctx, db, opt); err != nil {
			t.Fatal(err)
		}
		got := whoisRows(t, db)
		if strings.Join(got, "\n") != strings.Join(first, "\n") {
			t.Errorf("%s: the whois rows differ from the first run's:\n%s\nfirst:\n%s", name, strings.Join(got, "\n"), strings.Join(first, "\n"))
		}
		if n := srv.Queries(); n != queries {
			t.Errorf("%s: %d more queries", name, n-queries)
		}
	}
	check("second live run", db, opt)
	opt.Config.Mode = whois.ModeCache
	check("cache mode", db, opt)
	check("cache mode, another output", openDB(t), opt)
}

// TestHistory imports a historical-WHOIS file: its observations join the
// table, for a domain of the dump and one it does not show, and its bad
// row becomes a warning with its line.
func TestHistory(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	history := filepath.Join(t.TempDir(), "history.csv")
	if err := os.WriteFile(history, []byte("domain,observed_at,registrant_name,registrant_email,registrar,created\n"+
		"moonxtrade.com,2023-04-02T00:00:00Z,Edgard Varela,edgard011012@gmail.com,Harbour Domains Ltd,2023-04-01T10:00:00Z\n"+
		"cryptonexa.io,not-a-date,X,x@example.org,,\n"+
		"cryptonexa.io,2023-04-03T00:00:00Z,Edgard Varela,Edgard.011012@gmail.com,Nordvik Registrar UAB,\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := Run(ctx, db, Options{Config: whois.Config{Mode: whois.ModeOff}, History: []string{history}, Lists: data.Lists()})
	if err != nil {
		t.Fatal(err)
	}
	if res.History != 2 {
		t.Errorf("%d observations imported, want 2", res.History)
	}
	rows, err := db.Query(`SELECT domain, registered_domain, source, server, status, registrant_email, strftime(observed_at, '%Y-%m-%d')
FROM whois WHERE source = 'history' ORDER BY ALL`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var d, rd, src, srvName, st, email, at string
		if err := rows.Scan(&d, &rd, &src, &srvName, &st, &email, &at); err != nil {
			t.Fatal(err)
		}
		got = append(got, strings.Join([]string{d, rd, src, srvName, st, email, at}, ","))
	}
	rows.Close()
	want := []string{
		"cryptonexa.io,cryptonexa.io,history,history.csv,found,edgard.011012@gmail.com,2023-04-03",
		"moonxtrade.com,moonxtrade.com,history,history.csv,found,edgard011012@gmail.com,2023-04-02",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("history rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	var file, kind string
	var line int
	if err := db.QueryRow(`SELECT file, line, kind FROM warnings`).Scan(&file, &line, &kind); err != nil {
		t.Fatalf("no warning for the bad history row: %v", err)
	}
	if file != "history.csv" || line != 3 || kind != "whois_history" {
		t.Errorf("warning %s:%d %s", file, line, kind)
	}
	// A history file that is not there stops the stage.
	if _, err := Run(ctx, db, Options{Config: whois.Config{Mode: whois.ModeOff}, History: []string{history + ".missing"}, Lists: data.Lists()}); err == nil {
		t.Error("a missing history file was ignored")
	}
}

// TestLists: the lists decide what is never asked about.
func TestLists(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	lists := fstest.MapFS{
		"popular_domains.txt":        {Data: []byte("# mine\nmoonxtrade.com\n")},
		"common_email_providers.txt": {Data: []byte("hallfamily.net\n")},
	}
	if _, err := Run(ctx, db, Options{Config: whois.Config{Mode: whois.ModeOff}, Lists: lists}); err != nil {
		t.Fatal(err)
	}
	got := domainsOf(summary(t, db))
	want := []string{"bitqlend.com", "co.uk", "gmail.com", "nosuchdomain-fediforensics.com", "other.github.io", "quot.pw",
		"someone.github.io", "tradebtcx.org", "tradewiseacademy.net", "youtube.com"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("asked about %v,\nwant %v", got, want)
	}
	if _, err := Run(ctx, db, Options{Config: whois.Config{Mode: whois.ModeOff}, Lists: fstest.MapFS{}}); err == nil {
		t.Error("missing lists were ignored")
	}
}
