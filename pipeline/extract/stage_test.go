//go:build duckdb_arrow

package extract

import (
	"context"
	"database/sql"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"fediforensics/pipeline/store"
)

// TestStageFindsWhatTheExtractorFinds runs the stage over a real DuckDB
// database and checks domain_refs against the extractor run over every
// status with no prefilter: the query's cheap filter must never drop a
// status that holds a reference (entity-encoded dots, defanged dots, an
// IPv6 URL with no dot at all).
func TestStageFindsWhatTheExtractorFinds(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `
CREATE TABLE statuses (instance VARCHAR, status_id BIGINT, account_id BIGINT, content_html VARCHAR, text VARCHAR,
  created_at TIMESTAMP, visibility VARCHAR);
CREATE TABLE mentions (instance VARCHAR, status_id BIGINT, account_id BIGINT, acct VARCHAR, url VARCHAR);
CREATE TABLE accounts (instance VARCHAR, account_id BIGINT, username VARCHAR, domain VARCHAR, url VARCHAR, uri VARCHAR,
  email VARCHAR, note VARCHAR, fields VARCHAR);
CREATE TABLE apps (instance VARCHAR, app_id BIGINT, website VARCHAR, redirect_uri VARCHAR);
CREATE TABLE preview_cards (instance VARCHAR, status_id BIGINT, url VARCHAR)`); err != nil {
		t.Fatal(err)
	}
	type status struct {
		html bool
		body string
	}
	statuses := []status{
		{false, "no host here at all"},
		{false, "end of a sentence. Next one"},
		{false, "visit moonxtrade.com now"},
		{false, "defanged cryptonexa[dot]io and bitq(DOT)com"},
		{false, "ipv6 http://[2001:db8::1]:8080/x"},
		{false, "hxxps[:]//evil[.]com/x"},
		{true, `<p>entity dot example&#46;org and <a href="https&#58;&#47;&#47;shop&#46;example&#46;net/">x</a></p>`},
		{true, `<p><a href="http://[2001:db8::2]/">v6</a></p>`},
		{true, `<p><span class="h-card"><a href="https://m.example/@a" class="u-url mention">@<span>a</span></a></span> hi</p>`},
		{true, `<p>plain words</p>`},
		{false, "a(.)b.com c[DOT]net"},
	}
	for i, s := range statuses {
		var html, text any
		if s.html {
			html = s.body
		} else {
			text = s.body
		}
		if _, err := db.ExecContext(ctx, `INSERT INTO statuses VALUES ('m.example', ?, 7, ?, ?, TIMESTAMP '2023-05-01', 'direct')`, i+1, html, text); err != nil {
			t.Fatal(err)
		}
	}
	// A database export's mention: no URL in mentions, the account's URLs
	// in accounts. Links to them in the status are not promoted domains.
	if _, err := db.ExecContext(ctx, `
INSERT INTO accounts VALUES ('m.example', 8, 'fay', 'friends.example.com', 'https://friends.example.com/profile/fay',
  'https://friends.example.com/users/fay', NULL, NULL, NULL);
INSERT INTO mentions VALUES ('m.example', 100, 8, NULL, NULL), ('m.example', 100, 9, 'gus@pl.example.org', 'https://pl.example.org/@gus');
INSERT INTO statuses VALUES ('m.example', 100, 7, '<p><a href="https://friends.example.com/profile/fay">fay</a> and <a href="https://friends.example.com/users/fay">fay</a> and <a href="https://pl.example.org/users/gus">gus</a> see <a href="https://shop.example.net/">x</a></p>',
  NULL, TIMESTAMP '2023-05-01', 'direct')`); err != nil {
		t.Fatal(err)
	}
	// The statuses two rowids a query, then all in one: the same references.
	if err := RunWith(ctx, db, []string{"m.example"}, Options{statusRange: 2}); err != nil {
		t.Fatal(err)
	}
	inRanges := refRows(t, db)
	if err := Run(ctx, db, []string{"m.example"}); err != nil {
		t.Fatal(err)
	}
	if got := refRows(t, db); !slices.Equal(got, inRanges) {
		t.Errorf("domain_refs read two statuses a query:\n%q\nread at once:\n%q", inRanges, got)
	}
	if err := Summarise(ctx, db); err != nil {
		t.Fatal(err)
	}

	var want []string
	x := New()
	for i, s := range statuses {
		kind := "text"
		if s.html {
			kind = "html"
		}
		var seen refSet
		x.Source(kind, s.body, nil, func(r Ref) {
			if seen.add(r) {
				want = append(want, fmt.Sprintf("%d %s %s %s %s", i+1, r.FoundIn, r.URL, r.Host, r.Domain))
			}
		})
	}
	want = append(want, "100 href https://shop.example.net/ shop.example.net example.net")
	var got []string
	rows, err := db.QueryContext(ctx, `SELECT source_id, found_in, coalesce(url, ''), host, domain FROM domain_refs WHERE source = 'status'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var in, url, host, domain string
		if err := rows.Scan(&id, &in, &url, &host, &domain); err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%d %s %s %s %s", id, in, url, host, domain))
	}
	slices.Sort(want)
	slices.Sort(got)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("domain_refs:\n got  %q\n want %q", got, want)
	}
	for _, d := range []string{"example.org", "example.net", "2001:db8::1", "2001:db8::2", "evil.com", "moonxtrade.com", "cryptonexa.io"} {
		if !slices.ContainsFunc(want, func(s string) bool { return strings.HasSuffix(s, " "+d) }) {
			t.Errorf("the case for %s found nothing: the test no longer tests the filter", d)
		}
	}
	var promoted int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM domains WHERE promoted`).Scan(&promoted); err != nil {
		t.Fatal(err)
	}
	if promoted == 0 {
		t.Error("no promoted domains")
	}
}

// refRows is every row of domain_refs, sorted.
func refRows(t *testing.T, db *sql.DB) []string {
	t.Helper()
	rows, err := db.Query(`SELECT concat_ws(' ', instance, source, source_id, account_id, found_in, url, host, domain, domain_unicode) FROM domain_refs ORDER BY ALL`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
