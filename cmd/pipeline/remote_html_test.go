package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

const remoteHTMLDump = "testdata/remote-html"

// TestRemoteHTMLStatuses runs the pipeline on a database export whose
// remote statuses' text is the HTML their servers sent (testdata/
// remote-html/README.md): it is read as HTML, so ordinary remote friends
// who mention each other are no campaign, share no near-duplicate text, and
// their servers are no promoted domains; a real link in remote HTML is one.
// The same rows read as plain text (a control: every account made local)
// show the harm the HTML reading prevents.
func TestRemoteHTMLStatuses(t *testing.T) {
	t.Parallel()
	// The dump as it is, and a control: the same rows as if every account
	// were local and every text plain text.
	remoteDomain := regexp.MustCompile(`(?m)^(\d+,\w+),[a-z.]+\.[a-z]+,`)
	dump := copyRemoteHTMLDump(t, nil)
	ctl := copyRemoteHTMLDump(t, func(name, s string) string {
		switch name {
		case "accounts.csv":
			return remoteDomain.ReplaceAllString(s, "$1,,")
		case "statuses.csv":
			return strings.NewReplacer(",0,f,", ",0,t,", ",0,,", ",0,t,").Replace(s)
		}
		return s
	})

	out := filepath.Join(t.TempDir(), "out")
	if code, stdout, stderr := runCLI(t, "run", dump, "--out", out, "--whois-cache", t.TempDir()); code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	// Remote statuses are HTML (local NULL or false), local ones plain text.
	if got := queryCSV(t, out, `SELECT local, content_html IS NOT NULL AS html, text IS NOT NULL AS text, count(*) AS n
FROM statuses GROUP BY ALL ORDER BY ALL`); got != "local,html,text,n\nfalse,true,false,12\ntrue,false,true,3\n" {
		t.Errorf("statuses by form:\n%s", got)
	}
	if got := queryCSV(t, out, `SELECT domain FROM domains WHERE promoted ORDER BY domain`); got != "domain\nexample.net\n" {
		t.Errorf("promoted domains (only the bakery a status links):\n%s", got)
	}
	if got := queryCSV(t, out, `SELECT count(*) AS n FROM text_clusters`); got != "n\n0\n" {
		t.Errorf("near-duplicate groups among ordinary friends:\n%s", got)
	}
	if got := queryCSV(t, out, `SELECT count(*) AS n FROM campaign_accounts`); got != "n\n0\n" {
		t.Errorf("ordinary friends joined a campaign:\n%s", queryCSV(t, out, `SELECT * FROM campaign_accounts`))
	}

	plain := filepath.Join(t.TempDir(), "out")
	if code, stdout, stderr := runCLI(t, "run", ctl, "--out", plain, "--whois-cache", t.TempDir()); code != 0 {
		t.Fatalf("control: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if got := queryCSV(t, plain, `SELECT count(*) AS n FROM statuses WHERE text IS NOT NULL`); got != "n\n15\n" {
		t.Fatalf("control: every status should be plain text:\n%s", got)
	}
	promoted := queryCSV(t, plain, `SELECT domain FROM domains WHERE promoted ORDER BY domain`)
	for _, d := range []string{"fosstodon.org", "misskey.io"} {
		if !strings.Contains(promoted, d) {
			t.Errorf("control: read as plain text, the mention host %s should look promoted:\n%s", d, promoted)
		}
	}
	if got := queryCSV(t, plain, `SELECT count(*) > 0 AS grouped FROM text_clusters`); got != "grouped\ntrue\n" {
		t.Errorf("control: read as plain text, the markup should make near-duplicates:\n%s", got)
	}
	if got := queryCSV(t, plain, `SELECT count(*) >= 3 AS joined FROM campaign_accounts WHERE account_id BETWEEN 2001 AND 2006`); got != "joined\ntrue\n" {
		t.Errorf("control: read as plain text, the friends should look like a campaign:\n%s", queryCSV(t, plain, `SELECT * FROM campaign_accounts`))
	}
}

// copyRemoteHTMLDump copies testdata/remote-html into a temporary
// directory, with 400 quiet local accounts added and each file passed
// through edit.
func copyRemoteHTMLDump(t *testing.T, edit func(name, s string) string) string {
	t.Helper()
	dir := t.TempDir()
	member := filepath.Join(dir, "mstdn.example.org")
	if err := os.MkdirAll(member, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"accounts.csv", "users.csv", "statuses.csv", "mentions.csv"} {
		b, err := os.ReadFile(filepath.Join(remoteHTMLDump, "mstdn.example.org", name))
		if err != nil {
			t.Fatal(err)
		}
		s := string(b)
		if name == "accounts.csv" {
			var more strings.Builder
			for i := range 400 {
				fmt.Fprintf(&more, "%d,quiet%d,,Quiet %d,,https://mstdn.example.org/@quiet%d,https://mstdn.example.org/users/quiet%d,,f,t,2023-0%d-%02d 10:00:00,2023-05-01 10:00:00\n",
					10000+i, i, i, i, i, 1+i%4, 1+i%28)
			}
			s += more.String()
		}
		if edit != nil {
			s = edit(name, s)
		}
		if err := os.WriteFile(filepath.Join(member, name), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
