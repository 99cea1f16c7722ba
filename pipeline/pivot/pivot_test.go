package pivot

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"fediforensics/pipeline/store"
)

// fixture is a small output: the tables the pivots read, with the columns
// and types the link stage gives them, and a few accounts, apps, domains,
// registrants and campaigns whose connections are known. The macros are
// the link stage's own (../link/sql/macros.sql).
const fixture = `
CREATE TABLE accounts (instance VARCHAR, account_id BIGINT, username VARCHAR, acct VARCHAR, email VARCHAR,
  created_by_application_id BIGINT);
INSERT INTO accounts VALUES
  ('a.social', 1, 'alice', 'alice', 'alice@x-mail.net', 7),
  ('a.social', 2, 'bob', 'bob', 'B.o.b+promo@X-Mail.net', 7),
  ('a.social', 3, 'carol', 'carol', 'carol@example.org', NULL),
  ('a.social', 4, 'oneil', 'oneil', 'owner@x-mail.net', NULL),
  ('a.social', 6, 'remote', 'remote@elsewhere.example', NULL, NULL),
  ('b.online', 5, 'dave', 'dave', 'dave@x-mail.net', 7);

CREATE TABLE apps (instance VARCHAR, app_id BIGINT, name VARCHAR, client_id VARCHAR, website VARCHAR);
INSERT INTO apps VALUES
  ('a.social', 1, 'Web', 'webcid', NULL),
  ('a.social', 7, 'SpamApp', 'cid-a7', 'https://spam.test'),
  ('b.online', 7, 'SpamApp', 'cid-b7', 'https://spam.test');

CREATE TABLE statuses (instance VARCHAR, status_id BIGINT, account_id BIGINT, application_id BIGINT);
INSERT INTO statuses VALUES ('a.social', 100, 1, 7), ('a.social', 101, 2, 1), ('a.social', 102, 3, 7), ('a.social', 103, 4, 1);

CREATE TABLE domain_refs (instance VARCHAR, source VARCHAR, source_id BIGINT, account_id BIGINT, found_in VARCHAR, url VARCHAR,
  host VARCHAR, domain VARCHAR, domain_unicode VARCHAR);
INSERT INTO domain_refs VALUES
  ('a.social', 'status', 100, 1, 'href', 'https://spam.test/a', 'spam.test', 'spam.test', 'spam.test'),
  ('a.social', 'status', 101, 2, 'text', 'spam.test', 'spam.test', 'spam.test', 'spam.test'),
  ('a.social', 'card', 101, 2, 'url', 'https://spam.test/b', 'spam.test', 'spam.test', 'spam.test'),
  ('a.social', 'app_website', 7, NULL, 'url', 'https://spam.test', 'spam.test', 'spam.test', 'spam.test'),
  ('b.online', 'app_website', 7, NULL, 'url', 'https://spam.test', 'spam.test', 'spam.test', 'spam.test'),
  ('a.social', 'status', 103, 4, 'href', 'https://spam2.test/', 'spam2.test', 'spam2.test', 'spam2.test'),
  ('a.social', 'email', 3, 3, 'email', NULL, 'example.org', 'example.org', 'example.org'),
  ('a.social', 'status', 102, 3, 'href', 'https://xn--bcher-kva.test/', 'xn--bcher-kva.test', 'xn--bcher-kva.test', 'bücher.test');

CREATE TABLE domains (domain VARCHAR, domain_unicode VARCHAR, own BOOLEAN, promoted BOOLEAN, statuses BIGINT, accounts BIGINT,
  sources VARCHAR);
INSERT INTO domains VALUES
  ('spam.test', 'spam.test', false, true, 2, 2, 'app_website,card,status'),
  ('spam2.test', 'spam2.test', false, true, 1, 1, 'status'),
  ('example.org', 'example.org', false, false, 0, 0, 'email'),
  ('xn--bcher-kva.test', 'bücher.test', false, true, 1, 1, 'status');

CREATE TABLE whois (domain VARCHAR, registered_domain VARCHAR, source VARCHAR, server VARCHAR, observed_at TIMESTAMP, status VARCHAR,
  registrar VARCHAR, created TIMESTAMP, registrant_name VARCHAR, registrant_org VARCHAR, registrant_email VARCHAR);
INSERT INTO whois VALUES
  ('spam.test', 'spam.test', 'whois', '127.0.0.1:43', '2023-05-10 12:00:00', 'found', 'Reg Inc', '2023-04-30 00:00:00',
   'Owen Er', 'O''Reilly Media', 'owner@x-mail.net'),
  ('spam.test', 'spam.test', 'history', 'hist.csv', '2023-04-30 08:00:00', 'found', 'Reg Inc', '2023-04-30 00:00:00',
   NULL, NULL, 'owner@x-mail.net'),
  ('spam2.test', 'spam2.test', 'whois', '127.0.0.1:43', '2023-05-10 12:00:00', 'redacted', 'Privacy Reg', NULL, NULL, NULL, NULL),
  ('example.org', 'example.org', NULL, NULL, '2023-05-10 12:00:00', 'skipped', NULL, NULL, NULL, NULL, NULL);

CREATE TABLE email_groups (email VARCHAR, grp VARCHAR);
INSERT INTO email_groups VALUES ('owner@x-mail.net', 'owner@x-mail.net'), ('ownerr@x-mail.net', 'owner@x-mail.net');

CREATE TABLE registrant_values (domain VARCHAR, value VARCHAR);
INSERT INTO registrant_values VALUES
  ('spam.test', 'email:owner@x-mail.net'), ('spam.test', 'email~owner@x-mail.net'), ('spam.test', 'org:o''reilly media'),
  ('spam2.test', 'email~owner@x-mail.net');

CREATE TABLE campaigns (campaign_id VARCHAR, score DOUBLE, accounts BIGINT, summary VARCHAR);
INSERT INTO campaigns VALUES ('C1', 0.9, 3, 'three spammers' || chr(27) || '[2J'), ('C2', 0.25, 2, 'a pair');

CREATE TABLE campaign_members (component BIGINT, acct_key BIGINT, instance VARCHAR, account_id BIGINT, campaign_id VARCHAR);
INSERT INTO campaign_members VALUES
  (1, 1, 'a.social', 1, 'C1'), (1, 2, 'a.social', 2, 'C1'), (1, 5, 'b.online', 5, 'C1'),
  (2, 3, 'a.social', 3, 'C2'), (2, 4, 'a.social', 4, 'C2');

CREATE TABLE ip_history (instance VARCHAR, user_id BIGINT, account_id BIGINT, ip VARCHAR, used_at TIMESTAMP, source VARCHAR);
INSERT INTO ip_history VALUES
  ('a.social', 11, 1, '203.0.113.5', '2023-05-01 00:00:00', 'sign_up'),
  ('a.social', 11, 1, '203.0.113.5', '2023-05-02 00:00:00', 'login'),
  ('a.social', 12, 2, '203.0.113.77', '2023-05-01 00:00:00', 'user_ips'),
  ('a.social', 13, 3, '198.51.100.1', '2023-05-01 00:00:00', 'sign_up'),
  ('a.social', 14, 4, '2001:db8:1:2:ffff::1', '2023-05-01 00:00:00', 'sign_up'),
  ('b.online', NULL, 5, '2001:DB8:1:2::5', '2023-05-01 00:00:00', 'admin_api'),
  ('a.social', 99, NULL, '203.0.113.9', '2023-05-01 00:00:00', 'user_ips');

CREATE TABLE account_keys (acct_key BIGINT, instance VARCHAR, account_id BIGINT);
INSERT INTO account_keys VALUES (1, 'a.social', 1), (2, 'a.social', 2), (3, 'a.social', 3), (4, 'a.social', 4), (5, 'b.online', 5);

CREATE TABLE evidence (acct_key BIGINT, kind VARCHAR, value VARCHAR);
INSERT INTO evidence VALUES (1, 'app', 'a.social#7'), (1, 'ip', '203.0.113.5'), (1, 'email_domain', 'x-mail.net'), (1, 'domain', 'spam.test');

CREATE TABLE attributes (attr_key BIGINT, kind VARCHAR, value VARCHAR, accounts BIGINT, instances BIGINT, weight DECIMAL(2,1),
  suppressed VARCHAR);
INSERT INTO attributes VALUES
  (1, 'app', 'a.social#7', 2, 1, 1.0, NULL),
  (2, 'ip', '203.0.113.5', 1, 1, 0.8, NULL),
  (3, 'email_domain', 'x-mail.net', 4, 2, 0.6, 'common email provider (list)'),
  (4, 'domain', 'spam.test', 2, 1, 0.8, NULL);
`

// openFixture builds the fixture in a new DuckDB file, then opens it
// read-only, as the pivot command does.
func openFixture(t *testing.T, extra ...string) *sql.DB {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	db, err := store.Open(ctx, dir, store.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	macros, err := os.ReadFile("../link/sql/macros.sql")
	if err != nil {
		t.Fatal(err)
	}
	for i, script := range append([]string{string(macros), fixture}, extra...) {
		if err := store.Exec(ctx, db, fmt.Sprint("fixture ", i), script); err != nil {
			db.Close()
			t.Fatal(err)
		}
	}
	if _, err := db.ExecContext(ctx, "CHECKPOINT"); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	ro, err := store.OpenReadOnly(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ro.Close() })
	return ro
}

func printed(r *Result) string {
	var b bytes.Buffer
	Print(&b, r)
	return b.String()
}

// TestWalks pivots from each kind of value and compares the whole printed
// walk: each step, its count and its rows, in order.
func TestWalks(t *testing.T) {
	db := openFixture(t)
	for _, tc := range []struct {
		kind, value string
		matches     []string
		want        string
	}{
		{"registrant", "Owner@X-Mail.net", []string{"email:owner@x-mail.net", "email~owner@x-mail.net"}, `registrant Owner@X-Mail.net

registrant values: 2
  email:owner@x-mail.net
  email~owner@x-mail.net

near-identical emails: 1
  ownerr@x-mail.net  group owner@x-mail.net

domains: 2
  spam.test  2 statuses by 2 accounts, promoted
  spam2.test  1 statuses by 1 accounts, promoted

accounts promoting them: 3
  a.social/1  alice
  a.social/2  bob
  a.social/4  oneil

campaigns: 2
  C1  score 0.9, 3 accounts: three spammers` + "\uFFFD" + `[2J
  C2  score 0.25, 2 accounts: a pair

apps declaring them: 2
  a.social#7  SpamApp
  b.online#7  SpamApp
`},
		// An organisation, with a quote that every later query carries.
		{"registrant", "  O'Reilly Media ", []string{"org:o'reilly media"}, `registrant   O'Reilly Media 

registrant values: 1
  org:o'reilly media

near-identical emails: 0

domains: 1
  spam.test  2 statuses by 2 accounts, promoted

accounts promoting them: 2
  a.social/1  alice
  a.social/2  bob

campaigns: 1
  C1  score 0.9, 3 accounts: three spammers` + "\uFFFD" + `[2J

apps declaring them: 2
  a.social#7  SpamApp
  b.online#7  SpamApp
`},
		// Mastodon's canonical form: case, dots and +tag do not matter.
		{"email", "bob+other@x-mail.NET", []string{"a.social/2"}, `email bob+other@x-mail.NET

accounts with this email (canonical, or near-identical): 1
  a.social/2  bob <B.o.b+promo@X-Mail.net>

campaigns: 1
  C1  score 0.9, 3 accounts: three spammers` + "\uFFFD" + `[2J

domains this email registered: 0
`},
		// An account's email that registered domains: both ways out.
		{"email", "ownerr@x-mail.net", []string{"a.social/4", "spam.test", "spam2.test"}, `email ownerr@x-mail.net

accounts with this email (canonical, or near-identical): 1
  a.social/4  oneil <owner@x-mail.net>

campaigns: 1
  C2  score 0.25, 2 accounts: a pair

domains this email registered: 2
  spam.test
  spam2.test

accounts promoting them: 3
  a.social/1  alice
  a.social/2  bob
  a.social/4  oneil

campaigns: 2
  C1  score 0.9, 3 accounts: three spammers` + "\uFFFD" + `[2J
  C2  score 0.25, 2 accounts: a pair

apps declaring them: 2
  a.social#7  SpamApp
  b.online#7  SpamApp
`},
		// Skipped WHOIS rows are not observations; the history one is.
		{"domain", "SPAM.test.", []string{"spam.test"}, `domain SPAM.test.

domain: 1
  spam.test  app_website,card,status

WHOIS observations: 2
  history found 2023-04-30  Reg Inc | owner@x-mail.net | created 2023-04-30
  whois found 2023-05-10  Reg Inc | Owen Er | O'Reilly Media | owner@x-mail.net | created 2023-04-30

registrants: 3
  email:owner@x-mail.net
  email~owner@x-mail.net
  org:o'reilly media

accounts promoting them: 2
  a.social/1  alice
  a.social/2  bob

campaigns: 1
  C1  score 0.9, 3 accounts: three spammers` + "\uFFFD" + `[2J

apps declaring them: 2
  a.social#7  SpamApp
  b.online#7  SpamApp
`},
		// By its Unicode form.
		{"domain", "bücher.test", []string{"xn--bcher-kva.test"}, `domain bücher.test

domain: 1
  xn--bcher-kva.test  status

WHOIS observations: 0

registrants: 0

accounts promoting them: 1
  a.social/3  carol

campaigns: 1
  C2  score 0.25, 2 accounts: a pair

apps declaring them: 0
`},
		// A domain seen only as an email domain: no one promotes it.
		{"domain", "example.org", []string{"example.org"}, `domain example.org

domain: 1
  example.org  email

WHOIS observations: 0

registrants: 0

accounts promoting them: 0

apps declaring them: 0
`},
		// By name: every instance's app of that name.
		{"app", "spamapp", []string{"a.social#7", "b.online#7"}, `app spamapp

apps: 2
  a.social#7  SpamApp (https://spam.test)
  b.online#7  SpamApp (https://spam.test)

accounts it created or posted for: 4
  a.social/1
  a.social/2
  a.social/3
  b.online/5

campaigns: 2
  C1  score 0.9, 3 accounts: three spammers` + "\uFFFD" + `[2J
  C2  score 0.25, 2 accounts: a pair

its website and redirect domains: 1
  spam.test  app_website

registrants of those domains: 3
  email:owner@x-mail.net  spam.test
  email~owner@x-mail.net  spam.test
  org:o'reilly media  spam.test
`},
		// By instance#id, and by client id: one app only.
		{"app", "b.online#7", []string{"b.online#7"}, `app b.online#7

apps: 1
  b.online#7  SpamApp (https://spam.test)

accounts it created or posted for: 1
  b.online/5

campaigns: 1
  C1  score 0.9, 3 accounts: three spammers` + "\uFFFD" + `[2J

its website and redirect domains: 1
  spam.test  app_website

registrants of those domains: 3
  email:owner@x-mail.net  spam.test
  email~owner@x-mail.net  spam.test
  org:o'reilly media  spam.test
`},
		{"app", "webcid", []string{"a.social#1"}, `app webcid

apps: 1
  a.social#1  Web

accounts it created or posted for: 2
  a.social/2
  a.social/4

campaigns: 2
  C1  score 0.9, 3 accounts: three spammers` + "\uFFFD" + `[2J
  C2  score 0.25, 2 accounts: a pair

its website and redirect domains: 0
`},
		// An IPv6 address: its /64.
		{"ip", "2001:db8:1:2::99", []string{"2001:DB8:1:2::5", "2001:db8:1:2:ffff::1"}, `ip 2001:db8:1:2::99

addresses: 2
  2001:DB8:1:2::5  1 accounts
  2001:db8:1:2:ffff::1  1 accounts

accounts seen at this address or prefix: 2
  a.social/4  2001:db8:1:2:ffff::1 (sign_up)
  b.online/5  2001:DB8:1:2::5 (admin_api)

campaigns: 2
  C1  score 0.9, 3 accounts: three spammers` + "\uFFFD" + `[2J
  C2  score 0.25, 2 accounts: a pair
`},
		// A prefix as written in the reports.
		{"ip", "198.51.100.0/24", []string{"198.51.100.1"}, `ip 198.51.100.0/24

addresses: 1
  198.51.100.1  1 accounts

accounts seen at this address or prefix: 1
  a.social/3  198.51.100.1 (sign_up)

campaigns: 1
  C2  score 0.25, 2 accounts: a pair
`},
		// By acct with the instance, with or without the @.
		{"account", "@alice@a.social", []string{"a.social/1"}, `account @alice@a.social

account: 1
  a.social/1  alice <alice@x-mail.net>

campaigns: 1
  C1  score 0.9, 3 accounts: three spammers` + "\uFFFD" + `[2J

evidence it shares: 4
  app a.social#7  2 accounts
  domain spam.test  2 accounts
  ip 203.0.113.5  1 accounts
  email_domain x-mail.net  4 accounts, suppressed: common email provider (list)
`},
		// A remote account: no email, no campaign, no evidence.
		{"account", "remote@elsewhere.example", []string{"a.social/6"}, `account remote@elsewhere.example

account: 1
  a.social/6  remote@elsewhere.example

campaigns: 0

evidence it shares: 0
`},
	} {
		t.Run(tc.kind+" "+tc.value, func(t *testing.T) {
			r, err := Run(context.Background(), db, tc.kind, tc.value, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if r.Kind != tc.kind || r.Value != tc.value {
				t.Errorf("result is for %s %q", r.Kind, r.Value)
			}
			if strings.Join(r.Matches, " ") != strings.Join(tc.matches, " ") {
				t.Errorf("matches %q, want %q", r.Matches, tc.matches)
			}
			if got := printed(r); got != tc.want {
				t.Errorf("walk:\n%s\nwant:\n%s", got, tc.want)
			}
			if len(r.Warnings) != 0 {
				t.Errorf("warnings on a small output: %v", r.Warnings)
			}
		})
	}
}

// TestIPSeenTwice: an account seen at an address twice (sign-up and
// login) counts once, with both sightings; the walk leads to its campaign
// once. The /24 brings in the neighbour.
func TestIPSeenTwice(t *testing.T) {
	db := openFixture(t)
	r, err := Run(context.Background(), db, "ip", "203.0.113.5", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Steps) != 3 {
		t.Fatalf("steps: %+v", r.Steps)
	}
	var rows []string
	for _, row := range r.Steps[1].Rows {
		rows = append(rows, row.Value+"  "+row.Note)
	}
	want := []string{"a.social/1  203.0.113.5 (login), 203.0.113.5 (sign_up)", "a.social/2  203.0.113.77 (user_ips)"}
	if strings.Join(rows, "\n") != strings.Join(want, "\n") || r.Steps[1].Count != 2 {
		t.Errorf("accounts (%d):\n%s\nwant:\n%s", r.Steps[1].Count, strings.Join(rows, "\n"), strings.Join(want, "\n"))
	}
	if a := r.Steps[0]; a.What != "addresses" || a.Count != 2 || a.Rows[0].Value != "203.0.113.5" || a.Rows[0].Note != "1 accounts" {
		t.Errorf("addresses step %+v", a)
	}
	if c := r.Steps[2]; c.What != "campaigns" || c.Count != 1 || c.Rows[0].Value != "C1" {
		t.Errorf("campaigns step %+v", c)
	}
}

// TestUnknownValues: a value the output does not hold walks nowhere and
// says so; an unknown kind is an error.
func TestUnknownValues(t *testing.T) {
	db := openFixture(t)
	for _, tc := range []struct{ kind, value string }{
		{"registrant", "nobody@nowhere.example"},
		{"registrant", ""},
		{"email", "nobody@nowhere.example"},
		{"email", "not an email"},
		{"domain", "nowhere.example"},
		{"app", "NoSuchApp"},
		{"app", "a.social#999"},
		{"account", "nobody"},
		{"account", "a.social/999"},
		{"ip", "192.0.2.1"},
		{"ip", "not an address"},
		// Quotes and SQL in the value are data, never SQL.
		{"registrant", "x' OR '1'='1"},
		{"domain", "x'; DROP TABLE domains; --"},
		{"account", "' OR 1=1 --"},
	} {
		t.Run(tc.kind+" "+tc.value, func(t *testing.T) {
			r, err := Run(context.Background(), db, tc.kind, tc.value, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Matches) != 0 {
				t.Errorf("matches %q", r.Matches)
			}
			for _, st := range r.Steps {
				if st.Count != 0 || len(st.Rows) != 0 {
					t.Errorf("step %q found %d", st.What, st.Count)
				}
			}
			if got, want := printed(r), tc.kind+" "+tc.value+"\n  nothing in this output matches\n"; got != want {
				t.Errorf("printed %q, want %q", got, want)
			}
		})
	}
	// An IP nothing was seen at: no account, no campaign step.
	r, err := Run(context.Background(), db, "ip", "192.0.2.1", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Steps) != 1 || r.Steps[0].Count != 0 {
		t.Errorf("steps %+v", r.Steps)
	}
	// A network, in an output without IP enrichment: nothing, and why.
	r, err = Run(context.Background(), db, "asn", "AS7922", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := printed(r); !strings.Contains(got, "nothing in this output matches") || !strings.Contains(got, "warning: no IP enrichment in this output: run it with --ipdb") {
		t.Errorf("asn without ip_info:\n%s", got)
	}
	if _, err := Run(context.Background(), db, "nonsense", "x", Options{}); err == nil || !strings.Contains(err.Error(), "registrant, email, domain, app, ip, asn, account") {
		t.Errorf("unknown kind: %v", err)
	}
	// The fixture is intact.
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM domains`).Scan(&n); err != nil || n != 4 {
		t.Errorf("domains: %d %v", n, err)
	}
}

// TestLimitAndCommon: --limit bounds the rows shown, never the count; a
// step past Common rows is flagged as too common to mean much.
func TestLimitAndCommon(t *testing.T) {
	var b strings.Builder
	b.WriteString("INSERT INTO ip_history VALUES ")
	n := Common + 1
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "('c.example', %d, %d, '10.9.8.%d', '2023-05-01 00:00:00', 'sign_up')", 1000+i, 1000+i, i%250)
	}
	db := openFixture(t, b.String())
	r, err := Run(context.Background(), db, "ip", "10.9.8.1", Options{Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	st := r.Steps[1]
	if st.Count != n || len(st.Rows) != 3 {
		t.Fatalf("count %d rows %d, want %d and 3", st.Count, len(st.Rows), n)
	}
	want := fmt.Sprintf("%d accounts seen at this address or prefix: too common to mean much on its own", n)
	if len(r.Warnings) != 1 || r.Warnings[0] != want {
		t.Errorf("warnings %q, want %q", r.Warnings, want)
	}
	out := printed(r)
	for _, w := range []string{fmt.Sprintf("(+%d more)", n-3), "\nwarning: " + want + "\n", "  c.example/1000  10.9.8.0 (sign_up)\n"} {
		if !strings.Contains(out, w) {
			t.Errorf("printed walk lacks %q:\n%s", w, out)
		}
	}
	// The default limit is 20.
	r, err = Run(context.Background(), db, "ip", "10.9.8.0/24", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Steps[1].Rows) != 20 {
		t.Errorf("default limit: %d rows", len(r.Steps[1].Rows))
	}
}

// TestJSON: the result reads back as the same walk.
func TestJSON(t *testing.T) {
	db := openFixture(t)
	r, err := Run(context.Background(), db, "app", "SpamApp", Options{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var back Result
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if printed(&back) != printed(r) {
		t.Errorf("JSON round trip changed the walk:\n%s", b)
	}
	for _, key := range []string{`"kind":"app"`, `"value":"SpamApp"`, `"matches":["a.social#7","b.online#7"]`, `"what":"apps","count":2`} {
		if !bytes.Contains(b, []byte(key)) {
			t.Errorf("JSON lacks %s: %s", key, b)
		}
	}
}

// ipInfo is the fixture's IP enrichment, as the ipinfo stage makes it.
const ipInfo = `
CREATE TABLE ip_info (ip VARCHAR, asn BIGINT, as_org VARCHAR, network VARCHAR, country VARCHAR,
  hosting BOOLEAN, flags VARCHAR, why VARCHAR, source VARCHAR, built TIMESTAMP);
INSERT INTO ip_info VALUES
  ('203.0.113.5', 64500, 'Example Cable', '203.0.113.0/24', 'US', false, NULL, NULL, 'asn.mmdb', '2026-01-01'),
  ('203.0.113.77', 64500, 'Example Cable', '203.0.113.0/24', 'US', false, NULL, NULL, 'asn.mmdb', '2026-01-01'),
  ('2001:db8:1:2:ffff::1', 64500, 'Example Cable', '2001:db8::/32', 'CA', false, NULL, NULL, 'asn.mmdb', '2026-01-01'),
  ('198.51.100.1', 64501, 'Example Hosting GmbH', '198.51.100.0/24', 'DE', true, 'hosting,vpn', 'anon.mmdb: hosting,vpn', 'asn.mmdb, anon.mmdb', '2026-01-01'),
  ('203.0.113.9', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
`

// TestASN walks from a network to its addresses, accounts and campaigns,
// and says that the network itself links no one; the IP walk shows the
// networks of its addresses.
func TestASN(t *testing.T) {
	db := openFixture(t, ipInfo)
	for _, tc := range []struct {
		kind, value string
		want        string
	}{
		{"asn", "AS64500", `asn AS64500

networks: 1
  AS64500  Example Cable, 3 addresses, CA US

addresses: 3
  2001:db8:1:2:ffff::1  AS64500, CA, 2001:db8::/32, 1 accounts
  203.0.113.5  AS64500, US, 203.0.113.0/24, 1 accounts
  203.0.113.77  AS64500, US, 203.0.113.0/24, 1 accounts

accounts seen at those addresses: 3
  a.social/1  203.0.113.5 (login), 203.0.113.5 (sign_up)
  a.social/2  203.0.113.77 (user_ips)
  a.social/4  2001:db8:1:2:ffff::1 (sign_up)

campaigns: 2
  C1  score 0.9, 3 accounts: three spammers` + "\uFFFD" + `[2J
  C2  score 0.25, 2 accounts: a pair

warning: 3 accounts used this network; a network links no accounts (a consumer ISP serves millions): only the campaigns below, linked by other evidence, are connected
`},
		// By a part of the owner's name, and by number: the hosting flag shows.
		{"asn", "hosting", `asn hosting

networks: 1
  AS64501  Example Hosting GmbH, 1 addresses, DE

addresses: 1
  198.51.100.1  AS64501, DE, 198.51.100.0/24, 1 accounts, hosting: anon.mmdb: hosting,vpn

accounts seen at those addresses: 1
  a.social/3  198.51.100.1 (sign_up)

campaigns: 1
  C2  score 0.25, 2 accounts: a pair
`},
		{"ip", "203.0.113.5", `ip 203.0.113.5

addresses: 2
  203.0.113.5  1 accounts
  203.0.113.77  1 accounts

networks (from the --ipdb databases): 1
  AS64500  Example Cable, US, 2 addresses

accounts seen at this address or prefix: 2
  a.social/1  203.0.113.5 (login), 203.0.113.5 (sign_up)
  a.social/2  203.0.113.77 (user_ips)

campaigns: 1
  C1  score 0.9, 3 accounts: three spammers` + "\uFFFD" + `[2J
`},
		{"asn", "64999", "asn 64999\n  nothing in this output matches\n"},
		{"asn", "x' OR '1'='1", "asn x' OR '1'='1\n  nothing in this output matches\n"},
	} {
		r, err := Run(context.Background(), db, tc.kind, tc.value, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if got := printed(r); got != tc.want {
			t.Errorf("%s %s:\n%s\nwant:\n%s", tc.kind, tc.value, got, tc.want)
		}
	}
	r, err := Run(context.Background(), db, "asn", "64501", Options{})
	if err != nil || strings.Join(r.Matches, " ") != "AS64501" {
		t.Errorf("by number: %v %v", r.Matches, err)
	}
}
