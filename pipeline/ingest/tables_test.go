package ingest

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"fediforensics/pipeline"
	"fediforensics/pipeline/report"
	"fediforensics/pipeline/store"
)

// null stands for NULL in the fixtures below.
const null = "\x00NULL"

// fixture is one table of a database export: Mastodon's column names and
// rows, written out either as psql CSV or as a pg_dump COPY block.
type fixture struct {
	table string
	cols  []string
	rows  [][]string
}

func (f fixture) csv() string {
	var b []byte
	b = append(b, strings.Join(f.cols, ",")+"\n"...)
	for _, r := range f.rows {
		for i, v := range r {
			if i > 0 {
				b = append(b, ',')
			}
			if v != null {
				b = report.AppendCSVField(b, v)
			}
		}
		b = append(b, '\n')
	}
	return string(b)
}

func (f fixture) copyBlock() string {
	var b strings.Builder
	fmt.Fprintf(&b, "--\n-- Data for Name: %s; Type: TABLE DATA; Schema: public; Owner: mastodon\n--\n\nCOPY public.%s (%s) FROM stdin;\n", f.table, f.table, strings.Join(f.cols, ", "))
	esc := strings.NewReplacer(`\`, `\\`, "\t", `\t`, "\n", `\n`, "\r", `\r`)
	for _, r := range f.rows {
		for i, v := range r {
			if i > 0 {
				b.WriteByte('\t')
			}
			if v == null {
				b.WriteString(`\N`)
			} else {
				b.WriteString(esc.Replace(v))
			}
		}
		b.WriteByte('\n')
	}
	b.WriteString("\\.\n\n")
	return b.String()
}

const (
	spammer = "110316442309364603"
	mod     = "110228501075197953"
	alice   = "110228727771955202"
	bob     = "110229806670482422"
	dm      = "110316468624098856" // the spammer's private mention to alice
	post    = "110240582021743291" // alice's post
	t0      = "2023-05-05 14:02:00"
	t1      = "2023-05-05 17:05:58.5"
)

// fullExport is a small instance exported whole from PostgreSQL: the
// tables linking reads, and those that hold evidence and context. Each
// new table has rows that load, and rows that are quarantined or warned
// about; their kinds are in wantWarnings.
func fullExport() []fixture {
	return []fixture{
		{"accounts", []string{"id", "username", "domain", "suspended_at", "created_at"}, [][]string{
			{spammer, "jackscott4089", null, t1, t0}, {mod, "admin", null, null, "2023-04-20 01:18:26"},
			{alice, "alice", null, null, "2023-04-20 02:00:00"}, {bob, "bob", null, null, "2023-04-21 02:00:00"},
		}},
		{"users", []string{"id", "account_id", "email", "sign_up_ip", "created_at"}, [][]string{
			{"1", mod, "admin@example.social", "192.0.2.1", "2023-04-20 01:18:26"},
			{"2", alice, "alice@example.org", "203.0.113.7", "2023-04-20 02:00:00"},
			{"3", spammer, "jack.scott11@outlook.com", "67.109.52.14", t0},
		}},
		{"statuses", []string{"id", "account_id", "text", "visibility", "created_at"}, [][]string{
			{dm, spammer, "@alice have you seen moonxtrade.com", "3", "2023-05-05 14:30:00"},
			{post, alice, "Look at this", "0", "2023-04-22 10:00:00"},
		}},
		{"session_activations", []string{"id", "session_id", "created_at", "updated_at", "user_agent", "ip", "access_token_id", "user_id", "web_push_subscription_id"}, [][]string{
			{"1", "secretsession0001aaaa", "2023-04-20 02:01:00", "2023-05-02 19:18:26", "Mozilla/5.0 (X11; Linux x86_64)", "203.0.113.8", null, "2", null},
			{"2", "secretsession0002bbbb", "2023-04-20 01:19:00", "2023-05-01 08:00:00", "Mozilla/5.0", "2001:db8:1:2::5", null, "1", null},
			{"3", "secretsession0003cccc", "2023-04-21 01:19:00", "2023-05-01 08:00:00", "Mozilla/5.0", null, null, "1", null},
			{"4", "secretsession0004dddd", "2023-04-21 01:19:00", "2023-05-01 08:00:00", "Mozilla/5.0", "198.51.100.1", null, "x", null}, // bad_value
		}},
		{"preview_cards", []string{"id", "url", "title", "description", "type", "provider_name", "author_name", "image_description", "created_at"}, [][]string{
			{"1", "https://moonxtrade.com/?ref=x", "MoonX Trade", "Earn 40% daily", "0", "", "", "", "2023-05-05 14:30:00"},
			{"2", "https://www.youtube.com/watch?v=abc", "Video abc", "", "2", "YouTube", "Some channel", "", "2023-04-22 10:00:00"},
			{"nope", "https://example.org/", "", "", "0", "", "", "", "2023-04-22 10:00:00"}, // bad_value
		}},
		// As before Mastodon 4.3: no url; card 9 is not in the dump.
		{"preview_cards_statuses", []string{"preview_card_id", "status_id"}, [][]string{
			{"1", dm}, {"2", post}, {"9", post},
		}},
		{"media_attachments", []string{"id", "status_id", "file_file_name", "file_content_type", "file_file_size", "remote_url", "created_at", "type", "file_meta", "account_id", "description", "blurhash"}, [][]string{
			{"110316468500000001", dm, "a1b2c3d4e5f60718.png", "image/png", "482113", "", "2023-05-05 14:29:50", "0",
				`{"original":{"width":1080,"height":1080,"size":"1080x1080","aspect":1.0},"small":{"width":400,"height":400}}`, spammer, null, "UJF$Xb~q9FxuNGRjWBof00M{xuRjt7ofRjWB"},
			{"110240582000000002", post, "0f1e2d3c4b5a6978.jpeg", "image/jpeg", "1823937", "", "2023-04-22 09:59:00", "0",
				`{"original":{"width":1280,"height":720}}`, alice, "A photo of my kites.", "UdCvjcts*ak3iHGR72Sy}d:SNiO%#88~v]Ki"},
			{"110240582000000003", post, null, "video/mp4", "100", "https://files.other.example/x.mp4", "2023-04-22 09:59:00", "1",
				"{not json", alice, null, null}, // bad_value_sql (kept)
			{"110240582000000004", post, "x.png", "image/png", "big", "", "2023-04-22 09:59:00", "0", null, alice, null, null}, // bad_value
		}},
		{"follows", []string{"id", "created_at", "updated_at", "account_id", "target_account_id", "show_reblogs", "uri"}, [][]string{
			{"1", "2023-04-21 00:00:00", "2023-04-21 00:00:00", alice, bob, "t", "https://example.social/1"},
			{"2", "2023-04-21 00:00:00", "2023-04-21 00:00:00", bob, alice, "t", null},
			{"3", "2023-04-22 00:00:00", "2023-04-22 00:00:00", mod, alice, "f", null},
			{"3", "2023-04-22 00:00:00", "2023-04-22 00:00:00", mod, bob, "f", null}, // duplicate_key
			{"4", "2023-04-22 00:00:00", "2023-04-22 00:00:00", mod, "z", "f", null}, // bad_value
		}},
		{"reports", []string{"id", "status_ids", "comment", "created_at", "updated_at", "account_id", "action_taken_by_account_id", "target_account_id", "category", "action_taken_at", "forwarded"}, [][]string{
			{"1", "{" + dm + "}", "spam", "2023-05-05 15:00:00", t1, alice, mod, spammer, "1000", t1, null},
			{"2", "{" + dm + "," + post + "}", "", "2023-05-05 15:10:00", "2023-05-05 15:10:00", bob, null, spammer, "0", null, "f"},
			{"3", "{}", "rude", "2023-04-23 00:00:00", "2023-04-23 00:00:00", bob, null, alice, "2000", null, null},
			{"4", "not-a-list", "", "2023-04-23 00:00:00", "2023-04-23 00:00:00", bob, null, alice, "1500", null, null}, // bad_value_sql (kept)
			{"5", "{}", "", "yesterday", "2023-04-23 00:00:00", bob, null, alice, "0", null, null},                      // bad_value
		}},
		{"account_warnings", []string{"id", "account_id", "target_account_id", "action", "text", "created_at", "updated_at", "report_id", "status_ids"}, [][]string{
			{"1", mod, spammer, "4000", "Unsolicited crypto promotion.", t1, t1, "1", "{" + dm + "}"},
			{"2", mod, alice, "0", "Please keep your replies civil.", "2023-04-23 02:00:00", "2023-04-23 02:00:00", "3", null},
			{"3", mod, bob, "7", "", "2023-04-23 02:00:00", "2023-04-23 02:00:00", null, null}, // bad_value_sql (kept)
		}},
		{"admin_action_logs", []string{"id", "account_id", "action", "target_type", "target_id", "created_at", "updated_at", "human_identifier"}, [][]string{
			{"1", mod, "suspend", "Account", spammer, t1, t1, "jackscott4089"},
			{"2", mod, "create", "DomainBlock", "1", "2023-04-22 00:00:00", "2023-04-22 00:00:00", "spam-relay.social"},
			{"3", mod, "create", "DomainBlock", "abc", "2023-04-22 00:00:00", "2023-04-22 00:00:00", "x"}, // bad_value
		}},
		{"email_domain_blocks", []string{"id", "domain", "created_at", "updated_at", "parent_id", "allow_with_approval"}, [][]string{
			{"1", "Inboxzap.org", "2023-04-21 00:00:00", "2023-04-21 00:00:00", null, "f"},
			{"2", "zapmailrelay.net", "2023-04-21 00:00:00", "2023-04-21 00:00:00", "1", "f"},
			{"3", "tempinbox.cc", "2023-04-21 00:00:00", "2023-04-21 00:00:00", null, "t"},
		}},
		{"ip_blocks", []string{"id", "created_at", "updated_at", "expires_at", "ip", "severity", "comment"}, [][]string{
			{"1", "2023-04-21 00:00:00", "2023-04-21 00:00:00", null, "185.220.101.0/24", "5500", "Tor exit relays"},
			{"2", "2023-04-21 00:00:00", "2023-04-21 00:00:00", "2024-04-21 00:00:00", "45.134.26.12", "9999", ""},
			{"3", "2023-04-21 00:00:00", "2023-04-21 00:00:00", null, "2001:db8::/32", "5000", "documentation"},
		}},
		{"domain_blocks", []string{"id", "domain", "created_at", "updated_at", "severity", "reject_media", "reject_reports", "private_comment", "public_comment", "obfuscate"}, [][]string{
			{"1", "spam-relay.social", "2023-04-21 00:00:00", "2023-04-21 00:00:00", "1", "t", "t", "mass DM spam", "Spam", "f"},
			{"2", "freebies.zone", "2023-04-21 00:00:00", "2023-04-21 00:00:00", "0", "t", "f", null, null, "f"},
			{"3", "botfarm.network", "2023-04-21 00:00:00", "2023-04-21 00:00:00", "2", "f", "t", "", "", "t"},
			{"4", "x.example", "2023-04-21 00:00:00", "2023-04-21 00:00:00", "2", "maybe", "t", "", "", "t"}, // bad_value
		}},
	}
}

// wantWarnings are the warnings of fullExport, by table and kind.
var wantWarnings = []string{
	"account_warnings action bad_value_sql",
	"admin_action_logs target_id bad_value",
	"domain_blocks reject_media bad_value",
	"follows id duplicate_key",
	"follows target_account_id bad_value",
	"media_attachments file_file_size bad_value",
	"media_attachments file_meta bad_value_sql",
	"preview_cards id bad_value",
	"preview_cards_statuses preview_card_id dangling_reference",
	"reports created_at bad_value",
	"reports status_ids bad_value_sql",
	"session_activations user_id bad_value",
}

// wantCounts are the rows of each canonical table (and the session rows
// of ip_history) that fullExport gives.
var wantCounts = map[string]int{
	"cards": 2, "preview_cards": 3, "media_attachments": 3, "follows": 3, "user_reports": 4, "user_report_statuses": 3,
	"account_warnings": 3, "admin_action_logs": 2, "email_domain_blocks": 3, "ip_blocks": 3, "domain_blocks": 3,
	"ip_history WHERE source = 'session'": 2,
}

// TestFullExport loads fullExport as psql CSV files and as one pg_dump
// file, in real .tar.gz dumps, and checks every new table: its rows, the
// names its enums map to, what it feeds (IP history, card URLs, the
// statuses of each report), and that bad rows are quarantined or warned
// about the same way in both forms.
func TestFullExport(t *testing.T) {
	var csvFiles []tarFile
	var sqlDump strings.Builder
	sqlDump.WriteString("--\n-- PostgreSQL database dump\n--\n\nSET client_encoding = 'UTF8';\n\n")
	for _, f := range fullExport() {
		csvFiles = append(csvFiles, tarFile{"example.social/" + f.table + ".csv", f.csv()})
		sqlDump.WriteString(f.copyBlock())
	}
	for _, form := range []struct {
		name  string
		files []tarFile
	}{
		{"csv", csvFiles},
		{"pg_dump", []tarFile{{"example.social/dump.sql", sqlDump.String()}}},
	} {
		t.Run(form.name, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			db, err := store.Open(ctx, dir, store.Options{Threads: 1, MemoryLimit: "512MB"})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			res, err := Run(ctx, db, writeTarGz(t, form.files), Options{ScratchDir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Unread) != 0 {
				t.Errorf("members not loaded: %+v", res.Unread)
			}
			for table, want := range wantCounts {
				if got := count(t, db, "SELECT count(*) FROM "+table); got != want {
					t.Errorf("%s: %d rows, want %d", table, got, want)
				}
			}
			if got := strings.Split(strings.TrimSpace(rowsOf(t, db, `SELECT "table", field, kind FROM warnings ORDER BY ALL`)), "\n"); !reflect.DeepEqual(got, wantWarnings) {
				t.Errorf("warnings:\n got  %q\n want %q", got, wantWarnings)
			}
			// The manifest's counts: every row read is loaded or quarantined.
			for _, tc := range res.Tables {
				if tc.Table == "follows" && (tc.Read != 5 || tc.Loaded != 3 || tc.Quarantined != 2) {
					t.Errorf("follows counted %+v", tc)
				}
			}
			for _, c := range []struct{ q, want string }{
				// Enums map to Mastodon's names; unknown values are kept as they are.
				{`SELECT report_id, category, action_taken, status_ids FROM user_reports ORDER BY report_id`,
					"1 spam true [" + dm + "]\n2 other false [" + dm + ", " + post + "]\n3 violation false []\n4 legal false NULL\n"},
				{`SELECT report_id, status_id FROM user_report_statuses ORDER BY ALL`, "1 " + dm + "\n2 " + post + "\n2 " + dm + "\n"},
				{`SELECT warning_id, target_account_id, action, status_ids FROM account_warnings ORDER BY ALL`,
					"1 " + spammer + " suspend [" + dm + "]\n2 " + alice + " none NULL\n3 " + bob + " 7 NULL\n"},
				{`SELECT block_id, ip, severity, comment FROM ip_blocks ORDER BY ALL`,
					"1 185.220.101.0/24 sign_up_block Tor exit relays\n2 45.134.26.12 no_access NULL\n3 2001:db8::/32 sign_up_requires_approval documentation\n"},
				{`SELECT domain, severity, reject_media, reject_reports, obfuscate, private_comment FROM domain_blocks ORDER BY ALL`,
					"botfarm.network noop false true true NULL\nfreebies.zone silence true false false NULL\nspam-relay.social suspend true true false mass DM spam\n"},
				{`SELECT domain, parent_id, allow_with_approval FROM email_domain_blocks ORDER BY ALL`,
					"inboxzap.org NULL false\ntempinbox.cc NULL true\nzapmailrelay.net 1 false\n"},
				{`SELECT action, target_type, target_id, human_identifier FROM admin_action_logs ORDER BY ALL`,
					"create DomainBlock 1 spam-relay.social\nsuspend Account " + spammer + " jackscott4089\n"},
				{`SELECT account_id, target_account_id FROM follows ORDER BY ALL`,
					mod + " " + alice + "\n" + alice + " " + bob + "\n" + bob + " " + alice + "\n"},
				// Media: the type's name, the original's size from file_meta.
				{`SELECT media_id, status_id, account_id, type, content_type, file_size, width, height, remote_url, description FROM media_attachments ORDER BY ALL`,
					"110240582000000002 " + post + " " + alice + " image image/jpeg 1823937 1280 720 NULL A photo of my kites.\n" +
						"110240582000000003 " + post + " " + alice + " gifv video/mp4 100 NULL NULL https://files.other.example/x.mp4 NULL\n" +
						"110316468500000001 " + dm + " " + spammer + " image image/png 482113 1080 1080 NULL NULL\n"},
				// Card URLs come through the card when the join has none.
				{`SELECT card_id, type, title, provider_name FROM cards ORDER BY ALL`, "1 link MoonX Trade NULL\n2 video Video abc YouTube\n"},
				{`SELECT status_id, preview_card_id, url FROM preview_cards ORDER BY ALL`,
					post + " 2 https://www.youtube.com/watch?v=abc\n" + post + " 9 NULL\n" + dm + " 1 https://moonxtrade.com/?ref=x\n"},
				// Sessions feed the IP history like user_ips does, with the account.
				{`SELECT account_id, ip, used_at FROM ip_history WHERE source = 'session' ORDER BY ALL`,
					mod + " 2001:db8:1:2::5 2023-05-01 08:00:00 +0000 UTC\n" + alice + " 203.0.113.8 2023-05-02 19:18:26 +0000 UTC\n"},
			} {
				if got := rowsOf(t, db, c.q); got != c.want {
					t.Errorf("%s:\n got\n%s want\n%s", c.q, got, c.want)
				}
			}
			db.Close()
			// A session id is a login: it never reaches the database.
			b, err := os.ReadFile(filepath.Join(dir, "pipeline.duckdb"))
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(b), "secretsession") {
				t.Error("a session id is stored in the database")
			}
		})
	}
}

// TestAPIMedia loads media attachments and cards from a REST API export:
// a status's media_attachments[] and card, and a reblog whose status (and
// its media) is embedded and also exported on its own.
func TestAPIMedia(t *testing.T) {
	statuses := `[
 {"id": "200", "created_at": "2023-05-05T14:30:00.000Z", "visibility": "direct", "content": "<p>hi</p>",
  "account": {"id": "10", "username": "spam1", "acct": "spam1"},
  "media_attachments": [
   {"id": "900", "type": "image", "url": "https://files.example.online/media_attachments/files/000/000/900/original/a.png",
    "preview_url": "https://files.example.online/small/a.png", "remote_url": null,
    "meta": {"original": {"width": 1080, "height": 1080, "size": "1080x1080", "aspect": 1.0}, "small": {"width": 400, "height": 400}},
    "description": null, "blurhash": "UJF$Xb~q9FxuNGRjWBof00M{xuRjt7ofRjWB"}],
  "mentions": [], "card": {"url": "https://moonxtrade.com/", "title": "MoonX", "type": "link", "provider_name": ""}},
 {"id": "201", "created_at": "2023-05-05T15:00:00.000Z", "visibility": "public", "content": "",
  "account": {"id": "11", "username": "carol", "acct": "carol"},
  "reblog": {"id": "202", "created_at": "2023-05-05T14:00:00.000Z", "visibility": "public", "content": "<p>look</p>",
   "account": {"id": "12", "username": "dave", "acct": "dave"},
   "media_attachments": [{"id": "901", "type": "gifv", "url": "https://files.example.online/b.mp4", "remote_url": "https://other.example/b.mp4",
    "meta": null, "description": "a cat", "blurhash": null}]},
  "media_attachments": []},
 {"id": "202", "created_at": "2023-05-05T14:00:00.000Z", "visibility": "public", "content": "<p>look</p>",
  "account": {"id": "12", "username": "dave", "acct": "dave"},
  "media_attachments": [{"id": "901", "type": "gifv", "url": "https://files.example.online/b.mp4", "remote_url": "https://other.example/b.mp4",
   "meta": null, "description": "a cat", "blurhash": null}],
  "card": {"url": "https://moonxtrade.com/", "title": "MoonX", "type": "link"}}
]`
	ctx := context.Background()
	db := openTestDB(t)
	if _, err := Run(ctx, db, writeTarGz(t, []tarFile{{"example.online/statuses.json", statuses}}), Options{ScratchDir: t.TempDir()}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ q, want string }{
		{`SELECT media_id, status_id, account_id, type, width, height, url, remote_url, description, blurhash FROM media_attachments ORDER BY ALL`,
			"900 200 10 image 1080 1080 https://files.example.online/media_attachments/files/000/000/900/original/a.png NULL NULL UJF$Xb~q9FxuNGRjWBof00M{xuRjt7ofRjWB\n" +
				"901 202 12 gifv NULL NULL https://files.example.online/b.mp4 https://other.example/b.mp4 a cat NULL\n"},
		{`SELECT file_meta FROM media_attachments WHERE media_id = 900`,
			`{"original":{"width":1080,"height":1080,"size":"1080x1080","aspect":1.0},"small":{"width":400,"height":400}}` + "\n"},
		// One card per URL; each status keeps its own.
		{`SELECT card_id, url, title, type FROM cards`, "NULL https://moonxtrade.com/ MoonX link\n"},
		{`SELECT status_id, url FROM preview_cards ORDER BY ALL`, "200 https://moonxtrade.com/\n202 https://moonxtrade.com/\n"},
		{`SELECT count(*) FROM warnings`, "0\n"},
	} {
		if got := rowsOf(t, db, c.q); got != c.want {
			t.Errorf("%s:\n got\n%s want\n%s", c.q, got, c.want)
		}
	}
}

// TestUnreadMembers: a member whose header lacks a required column is
// skipped whole, and the result and the warning name the file, the
// columns required and the columns found; in CSV and in pg_dump form.
func TestUnreadMembers(t *testing.T) {
	for _, tc := range []struct {
		name, file, body string
		table            string
		missing          []string
	}{
		{"csv", "example.social/users.csv", "id,acct_id,email\n1,2,a@example.org\n", "users", []string{"account_id"}},
		{"pg_dump", "example.social/dump.sql", "COPY public.follows (id, account_id, created_at) FROM stdin;\n1\t2\t2023-05-05 00:00:00\n\\.\n", "follows", []string{"target_account_id"}},
		{"several missing", "example.social/admin_action_logs.csv", "id,account_id,what,on\n1,2,suspend,3\n", "admin_action_logs", []string{"action", "target_type", "target_id"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			db := openTestDB(t)
			res, err := Run(ctx, db, writeTarGz(t, []tarFile{{"example.social/accounts.csv", accountsCSV(2, "alice")}, {tc.file, tc.body}}), Options{ScratchDir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Unread) != 1 {
				t.Fatalf("unread = %+v", res.Unread)
			}
			u := res.Unread[0]
			if u.Path != tc.file || u.Table != tc.table || u.Instance != "example.social" || !reflect.DeepEqual(u.Missing, tc.missing) ||
				!reflect.DeepEqual(u.Required, requiredColumns(pipeline.Table(tc.table))) || len(u.Found) < 2 || strings.Contains(strings.Join(u.Found, ","), "src_") {
				t.Errorf("unread = %+v", u)
			}
			reason := rowsOf(t, db, `SELECT file || ': ' || reason FROM warnings WHERE kind = 'missing_column'`)
			for _, want := range append([]string{tc.file, "not loaded", strings.Join(u.Found, ", ")}, tc.missing...) {
				if !strings.Contains(reason, want) {
					t.Errorf("warning %q does not say %q", reason, want)
				}
			}
		})
	}
}

func count(t *testing.T, db *sql.DB, q string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(q).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// rowsOf renders the rows of q, one a line, values separated by spaces.
func rowsOf(t *testing.T, db *sql.DB, q string) string {
	t.Helper()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var b strings.Builder
	err = report.ScanRows(rows, func(vals []any) error {
		for i, v := range vals {
			if i > 0 {
				b.WriteByte(' ')
			}
			switch v := v.(type) {
			case nil:
				b.WriteString("NULL")
			case []any:
				s := make([]string, len(v))
				for j := range v {
					s[j] = fmt.Sprint(v[j])
				}
				b.WriteString("[" + strings.Join(s, ", ") + "]")
			default:
				fmt.Fprint(&b, v)
			}
		}
		b.WriteByte('\n')
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// FuzzStatusIDs runs the canonical stage over a report whose status_ids is
// any text: the stage never fails; the report loads, with the ids when the
// text is an array of ids (one row each in user_report_statuses) and
// without them, warned about, when it is not.
func FuzzStatusIDs(f *testing.F) {
	for _, s := range []string{"{1,2}", "{}", "[3]", `{"4", "5"}`, "not-a-list", "{99999999999999999999}", "{1,,2}", " { 7 } ", ""} {
		f.Add(s)
	}
	conn := openTestConn(f)
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, ids string) {
		if !utf8.ValidString(ids) {
			t.Skip("the readers quarantine invalid UTF-8 before any load")
		}
		if _, err := conn.ExecContext(ctx, `DELETE FROM raw_reports; DELETE FROM warnings`); err != nil {
			t.Fatal(err)
		}
		if _, err := conn.ExecContext(ctx, `INSERT INTO raw_reports (instance, src_file, src_line, id, target_account_id, status_ids) VALUES ('x.example', 'reports.csv', 2, 1, 5, ?)`, ids); err != nil {
			t.Fatal(err)
		}
		if err := canonical(ctx, conn); err != nil {
			t.Fatalf("canonical stage failed on status_ids %q: %v", ids, err)
		}
		var n, rows, warned int
		var parsed bool
		if err := conn.QueryRowContext(ctx, `SELECT count(*), bool_or(status_ids IS NOT NULL), (SELECT count(*) FROM user_report_statuses),
  (SELECT count(*) FROM warnings WHERE field = 'status_ids') FROM user_reports`).Scan(&n, &parsed, &rows, &warned); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Fatalf("%d reports loaded from one", n)
		}
		if empty := strings.TrimSpace(ids) == ""; parsed == (warned > 0) && !empty || empty && (parsed || warned > 0) {
			t.Errorf("status_ids %q: parsed %v, warned %d", ids, parsed, warned)
		}
		if !parsed && rows != 0 {
			t.Errorf("status_ids %q: %d statuses from no list", ids, rows)
		}
	})
}
