package main

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"fediforensics/enrich/whoisserver"
	"fediforensics/internal/testwhois"
)

const sampleCache = "../../data/sample/whois-cache"

// runSample runs the whole pipeline on the sample into a new output.
func runSample(t *testing.T, extra ...string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "out")
	args := append([]string{"run", sampleDump, "--out", out, "--whois-cache", sampleCache}, extra...)
	if code, stdout, stderr := runCLI(t, args...); code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	return out
}

func readCSV(t *testing.T, p string) [][]string {
	t.Helper()
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// TestCampaignsMatchTruth checks every planted campaign comes out as exactly
// one campaign with all its accounts and no other.
func TestCampaignsMatchTruth(t *testing.T) {
	t.Parallel()
	out := sharedSample(t)
	members := map[string][]string{} // campaign id -> instance/account_id
	for _, r := range readCSV(t, filepath.Join(out, "reports", "campaign_accounts.csv"))[1:] {
		members[r[0]] = append(members[r[0]], r[1]+"/"+r[2])
	}
	byAccount := map[string]string{}
	for id, ms := range members {
		sort.Strings(ms)
		for _, m := range ms {
			byAccount[m] = id
		}
	}
	for name, want := range readTruth(t).Campaigns {
		id := byAccount[want[0]]
		if id == "" {
			t.Errorf("%s: %s is in no campaign", name, want[0])
			continue
		}
		got := members[id]
		if strings.Join(got, " ") != strings.Join(want, " ") {
			missing, extra := diffSets(want, got)
			t.Errorf("%s is campaign %s with %d accounts, want %d: missing %v, extra (ordinary accounts joined) %v",
				name, id, len(got), len(want), missing, extra)
		}
	}
	// The burst campaign is the top-scored one and its summary explains it.
	camps := readCSV(t, filepath.Join(out, "reports", "campaigns.csv"))
	top := camps[1]
	if byAccount[readTruth(t).Campaigns["crypto-burst"][0]] != top[0] {
		t.Errorf("the top campaign %s is not the burst campaign", top[0])
	}
	for _, want := range []string{"MastoBoost", "in a burst", "private mentions", "moonxtrade.com", "edgard011012@gmail.com"} {
		if !strings.Contains(top[len(top)-1], want) {
			t.Errorf("top campaign summary %q does not say %q", top[len(top)-1], want)
		}
	}
	// Every evidence row of a campaign says which value caused it.
	ev := readCSV(t, filepath.Join(out, "reports", "campaign_evidence.csv"))
	kinds := map[string]bool{}
	for _, r := range ev[1:] {
		if r[0] == top[0] {
			kinds[r[1]] = true
		}
		if r[2] == "" || r[7] == "" {
			t.Errorf("evidence row without value or meaning: %v", r)
		}
	}
	for _, k := range []string{"app", "domain", "burst", "text", "app_website", "registrant"} {
		if !kinds[k] {
			t.Errorf("the burst campaign lacks %s evidence (has %v)", k, kinds)
		}
	}
	// The spike stands out on its own.
	spikes := readCSV(t, filepath.Join(out, "reports", "spikes.csv"))
	if len(spikes) < 2 || !strings.Contains(strings.Join(spikes[1], ","), "MastoBoost") {
		t.Errorf("no spike dominated by the campaign app: %v", spikes)
	}
	// Hubs are suppressed, and said so.
	sup, _ := os.ReadFile(filepath.Join(out, "reports", "suppressed.csv"))
	for _, want := range []string{"gmail.com,", "common email provider", "well-known app", "100.64.12.7"} {
		if !bytes.Contains(sup, []byte(want)) {
			t.Errorf("suppressed.csv does not show %q", want)
		}
	}
}

func diffSets(want, got []string) (missing, extra []string) {
	g := map[string]bool{}
	for _, s := range got {
		g[s] = true
	}
	w := map[string]bool{}
	for _, s := range want {
		w[s] = true
		if !g[s] {
			missing = append(missing, s)
		}
	}
	for _, s := range got {
		if !w[s] {
			extra = append(extra, s)
		}
	}
	return missing, extra
}

// TestReportsDeterministic runs the pipeline again beside the shared run:
// the reports are byte-identical, and no output file holds an OAuth
// secret.
func TestReportsDeterministic(t *testing.T) {
	t.Parallel()
	a, b := sharedSample(t), runSample(t)
	entries, err := os.ReadDir(filepath.Join(a, "reports"))
	if err != nil || len(entries) < 10 {
		t.Fatalf("reports: %v %v", entries, err)
	}
	secrets := readTruth(t).Secrets
	for _, e := range entries {
		x, _ := os.ReadFile(filepath.Join(a, "reports", e.Name()))
		y, _ := os.ReadFile(filepath.Join(b, "reports", e.Name()))
		if !bytes.Equal(x, y) {
			t.Errorf("%s differs between two runs of the same input", e.Name())
		}
		for _, s := range secrets {
			if bytes.Contains(x, []byte(s)) {
				t.Errorf("%s holds an OAuth secret", e.Name())
			}
		}
		for _, r := range readCSV(t, filepath.Join(a, "reports", e.Name())) {
			for _, c := range r {
				if c != "" && strings.ContainsRune("=+@\t\r", rune(c[0])) {
					t.Errorf("%s: cell %q is not neutralised", e.Name(), c)
				}
			}
		}
	}
	db, _ := os.ReadFile(filepath.Join(a, "pipeline.duckdb"))
	for _, s := range secrets {
		if bytes.Contains(db, []byte(s)) {
			t.Errorf("the database file holds an OAuth secret in clear")
		}
	}
}

func TestPseudonymize(t *testing.T) {
	t.Parallel()
	plain, pseudo := sharedSample(t), runSample(t, "--pseudonymize", "k3y")
	p, _ := os.ReadFile(filepath.Join(plain, "reports", "campaign_accounts.csv"))
	q, _ := os.ReadFile(filepath.Join(pseudo, "reports", "campaign_accounts.csv"))
	if !bytes.Contains(p, []byte("@outlook.com")) || bytes.Contains(q, []byte("@outlook.com")) {
		t.Fatal("emails were not replaced")
	}
	if !bytes.Contains(q, []byte("email:")) || !bytes.Contains(q, []byte("ip:")) {
		t.Fatal("no keyed hashes in the pseudonymized report")
	}
	if m, _ := os.ReadFile(filepath.Join(pseudo, "manifest.json")); bytes.Contains(m, []byte("k3y")) {
		t.Error("the manifest records the pseudonymization key")
	}
	// Links still hold: the same campaigns, the same number of accounts.
	if len(readCSV(t, filepath.Join(plain, "reports", "campaign_accounts.csv"))) != len(readCSV(t, filepath.Join(pseudo, "reports", "campaign_accounts.csv"))) {
		t.Error("pseudonymizing changed the campaigns")
	}
}

func TestPivotRegistrantToAccounts(t *testing.T) {
	t.Parallel()
	out := sharedSample(t)
	code, stdout, stderr := runCLI(t, "pivot", "registrant", "edgard011012@gmail.com", "--out", out, "--limit", "500")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"moonxtrade.com", "quot.pw", "edged011012@gmail.com", "MastoBoost"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("pivot does not reach %q:\n%s", want, stdout)
		}
	}
	// It reaches back to accounts of the burst campaign.
	burst := readTruth(t).Campaigns["crypto-burst"]
	found := 0
	for _, a := range burst {
		if strings.Contains(stdout, a) {
			found++
		}
	}
	if found == 0 {
		t.Errorf("the pivot reaches none of the burst campaign's accounts")
	}
	code, stdout, _ = runCLI(t, "pivot", "domain", "tradewiseacademy.net", "--out", out, "--json")
	if code != 0 || !strings.Contains(stdout, `"registrants"`) || !strings.Contains(stdout, "jkowalskireg@protonmail.com") {
		t.Errorf("domain pivot: %d\n%s", code, stdout)
	}
	if code, _, _ := runCLI(t, "pivot", "nonsense", "x", "--out", out); code != 2 {
		t.Errorf("unknown pivot kind: exit %d", code)
	}
}

// TestWhoisLive fills a new cache from a real WHOIS server on loopback, and
// imports a history file.
func TestWhoisLive(t *testing.T) {
	t.Parallel()
	srv := whoisserver.New(sampleMirror)
	addr := testwhois.Serve(t, srv)
	history := filepath.Join(t.TempDir(), "history.csv")
	os.WriteFile(history, []byte("domain,observed_at,registrant_name,registrant_email,registrar,created\n"+
		"cryptonexa.io,2023-04-02T00:00:00Z,Edgard Varela,edgard.011012@gmail.com,Nordvik Registrar UAB,2023-04-01T10:00:00Z\n"+
		"cryptonexa.io,not-a-date,X,x@example.org,,\n"), 0o644)
	cache := t.TempDir()
	out := filepath.Join(t.TempDir(), "out")
	// RDAP is asked first and fails (nothing listens on port 1): the
	// answers come from WHOIS, and the failures must not reach the reports.
	code, stdout, stderr := runCLI(t, "run", sampleDump, "--out", out, "--whois", "live", "--whois-server", addr,
		"--rdap-server", "http://127.0.0.1:1/", "--whois-cache", cache, "--whois-rate", "-1", "--whois-history", history)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	if srv.Queries() == 0 {
		t.Fatal("the loopback WHOIS server was never asked")
	}
	got := queryCSV(t, out, `SELECT domain, source, status, registrant_email FROM whois
WHERE domain IN ('moonxtrade.com', 'bitqlend.com', 'cryptonexa.io', 'nosuchblog.net') OR source = 'history' ORDER BY ALL`)
	for _, want := range []string{
		"moonxtrade.com,whois,found,edgard011012@gmail.com",
		"bitqlend.com,whois,redacted,",
		"cryptonexa.io,history,found,edgard.011012@gmail.com",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("whois table lacks %q:\n%s", want, got)
		}
	}
	if w := queryCSV(t, out, `SELECT kind, file, line FROM warnings WHERE kind = 'whois_history'`); !strings.Contains(w, "history.csv,3") {
		t.Errorf("the bad history row is not a warning with its line:\n%s", w)
	}
	// The history ties cryptonexa.io to the campaign's registrant too.
	if r := queryCSV(t, out, `SELECT registrants FROM campaigns ORDER BY score DESC LIMIT 1`); !strings.Contains(r, "edgard011012") {
		t.Errorf("registrants of the top campaign: %s", r)
	}
	// A second run in cache mode answers from the new cache, without the server.
	before := srv.Queries()
	out2 := filepath.Join(t.TempDir(), "out")
	if code, _, stderr := runCLI(t, "run", sampleDump, "--out", out2, "--whois-cache", cache, "--whois-history", history); code != 0 {
		t.Fatal(stderr)
	}
	if srv.Queries() != before {
		t.Error("cache mode touched the network")
	}
	// The same knowledge gives the same bytes, live or from the cache.
	for _, f := range append(reportFiles(t, out), "report.html") {
		a, _ := os.ReadFile(filepath.Join(out, f))
		b, err := os.ReadFile(filepath.Join(out2, f))
		if err != nil || !bytes.Equal(a, b) {
			t.Errorf("%s differs between the live run and the run over its cache", f)
		}
	}
	if n := queryCSV(t, out2, `SELECT count(*) FROM whois WHERE status = 'found'`); strings.Contains(n, "\n0\n") {
		t.Error("cache mode found nothing in the cache just filled")
	}
}

func TestWhoisCommand(t *testing.T) {
	t.Parallel()
	code, stdout, stderr := runCLI(t, "whois", "--whois-cache", sampleCache, "moonxtrade.com", "bitqlend.com", "unknown-domain.example")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"moonxtrade.com  found  whois", "edgard011012@gmail.com", "bitqlend.com  redacted", "privacy", "unknown-domain.example  skipped"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("whois output lacks %q:\n%s", want, stdout)
		}
	}
	if code, _, _ := runCLI(t, "run", sampleDump, "--out", filepath.Join(t.TempDir(), "o"), "--whois", "sometimes"); code != 2 {
		t.Errorf("bad --whois: exit %d", code)
	}
}

func TestPivotKinds(t *testing.T) {
	t.Parallel()
	out := sharedSample(t)
	burst := readTruth(t).Campaigns["crypto-burst"]
	member := burst[0]
	for _, tc := range []struct {
		kind, value string
		want        []string
	}{
		{"app", "MastoBoost", []string{"mastodon.social#9731", "mastodon.online#41", "quot.pw", "campaigns: 1"}},
		{"app", "mastodon.social#1", []string{"Web"}},
		{"account", member, []string{"campaigns: 1", "app mastodon", "burst"}},
		{"email", "edgard011012@gmail.com", []string{"domains this email registered", "moonxtrade.com"}},
		{"ip", "100.64.12.7", []string{"accounts seen at this address or prefix"}},
		{"domain", "bitqlend.com", []string{"redacted", "accounts promoting them"}},
		{"registrant", "nobody@nowhere.example", []string{"nothing in this output matches"}},
	} {
		t.Run(tc.kind+" "+tc.value, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, "pivot", tc.kind, tc.value, "--out", out)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(stdout, w) {
					t.Errorf("pivot %s %s lacks %q:\n%s", tc.kind, tc.value, w, stdout)
				}
			}
		})
	}
}

// reportFiles lists the CSV reports of an output, as paths inside it.
func reportFiles(t *testing.T, out string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(out, "reports", "*.csv"))
	if err != nil || len(m) == 0 {
		t.Fatalf("no reports in %s", out)
	}
	var rel []string
	for _, p := range m {
		rel = append(rel, filepath.Join("reports", filepath.Base(p)))
	}
	return rel
}
