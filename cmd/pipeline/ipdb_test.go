package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fediforensics/pipeline/outdir"
	"fediforensics/pipeline/store"
)

// The test network databases (data/ipdb-test/README.md): MaxMind's test
// files and an iptoasn file, in the order of the README's example.
func ipdbArgs() []string {
	var args []string
	for _, f := range []string{"GeoLite2-ASN-Test.mmdb", "GeoIP2-Anonymous-IP-Test.mmdb", "GeoLite2-Country-Test.mmdb", "ip2asn-test.tsv"} {
		args = append(args, "--ipdb", "../../data/ipdb-test/"+f)
	}
	return args
}

func csvColumn(t *testing.T, recs [][]string, name string) int {
	t.Helper()
	for i, h := range recs[0] {
		if h == name {
			return i
		}
	}
	t.Fatalf("no column %s in %v", name, recs[0])
	return -1
}

// TestIPEnrichmentSample: a run of the sample with the test databases
// fills ip_info, and the burst campaign, its spike, the HTML report and
// the pivots show its network spread: many home networks in many
// countries, a few hosting and VPN exits, the proxy-pool signature.
func TestIPEnrichmentSample(t *testing.T) {
	t.Parallel()
	out, stdout := sharedIPSample(t)
	if !strings.Contains(stdout, "ip enrichment  ") || !strings.Contains(stdout, "addresses known to GeoLite2-ASN-Test.mmdb built 20") {
		t.Errorf("the run summary does not say what IP enrichment did:\n%s", stdout)
	}
	// Every distinct address of ip_history has its row; the sample's
	// addresses are all in the test networks but the carrier-grade NAT.
	if a, b := queryInt(t, out, "SELECT count(*) FROM ip_info"), queryInt(t, out, "SELECT count(DISTINCT ip) FROM ip_history"); a != b || a == 0 {
		t.Errorf("ip_info has %d rows, ip_history %d distinct addresses", a, b)
	}
	if n := queryInt(t, out, "SELECT count(*) FROM ip_info WHERE source IS NULL"); n != 1 {
		t.Errorf("%d addresses unknown to every database, want 1 (100.64.12.7):\n%s", n, queryCSV(t, out, "SELECT ip FROM ip_info WHERE source IS NULL ORDER BY ip"))
	}
	if got := queryCSV(t, out, "SELECT name, format, type, built IS NOT NULL AS built, addresses_known > 0 AS used FROM ip_databases ORDER BY name"); got != `name,format,type,built,used
GeoIP2-Anonymous-IP-Test.mmdb,mmdb,GeoIP2-Anonymous-IP,true,true
GeoLite2-ASN-Test.mmdb,mmdb,GeoLite2-ASN,true,true
GeoLite2-Country-Test.mmdb,mmdb,GeoLite2-Country,true,true
ip2asn-test.tsv,iptoasn,iptoasn,false,true
` {
		t.Errorf("ip_databases:\n%s", got)
	}
	// Hosting comes from the databases' flags and from the list.
	hosting := queryCSV(t, out, "SELECT DISTINCT why LIKE '%hosting_asns.txt' AS by_list FROM ip_info WHERE hosting ORDER BY 1")
	if hosting != "by_list\nfalse\ntrue\n" {
		t.Errorf("hosting should come from both the flags and the list:\n%s", hosting)
	}
	m, err := outdir.ReadManifest(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.IPDatabases) != 4 || m.IPDatabases[0].Name != "GeoLite2-ASN-Test.mmdb" || m.IPDatabases[0].SHA256 == "" || !strings.Contains(m.Settings["ipdb"], "known to") {
		t.Errorf("manifest: %+v %q", m.IPDatabases, m.Settings["ipdb"])
	}

	// The burst campaign: its addresses spread over many networks and
	// countries, a few hosting, the proxy-pool signature; the quiet pair
	// of ordinary households is no pool.
	burst := readTruth(t).Campaigns["crypto-burst"]
	camps := readCSV(t, filepath.Join(out, "reports", "campaigns.csv"))
	top := camps[1]
	inst, id, _ := strings.Cut(burst[0], "/")
	if n := queryInt(t, out, "SELECT count(*) FROM campaign_members WHERE campaign_id = '"+top[0]+"' AND instance = '"+inst+"' AND account_id = "+id); n != 1 {
		t.Fatalf("the top campaign %s is not the burst", top[0])
	}
	col := func(name string) string { return top[csvColumn(t, camps, name)] }
	var asns, countries int
	var share float64
	fmt.Sscan(col("asns"), &asns)
	fmt.Sscan(col("countries"), &countries)
	fmt.Sscan(col("hosting_share"), &share)
	if asns < 15 || countries < 6 || share <= 0 || share > 0.1 || col("proxy_pool") != "true" || col("top_networks") == "" {
		t.Errorf("burst campaign networks: asns %d countries %d hosting %v proxy_pool %s top %q", asns, countries, share, col("proxy_pool"), col("top_networks"))
	}
	summary := col("summary")
	for _, want := range []string{"150 IPs across ", " ASes in ", "% hosting", "one or two accounts per address across many residential networks (a proxy pool)"} {
		if !strings.Contains(summary, want) {
			t.Errorf("the burst summary lacks %q: %s", want, summary)
		}
	}
	for _, r := range camps[1:] {
		if r[csvColumn(t, camps, "accounts")] == "2" && r[csvColumn(t, camps, "proxy_pool")] != "false" {
			t.Errorf("a pair is a proxy pool: %v", r)
		}
	}
	// A network is never evidence.
	if n := queryInt(t, out, "SELECT count(*) FROM attributes WHERE kind IN ('asn', 'network', 'country')"); n != 0 {
		t.Errorf("%d attributes of network kinds: a network must not link accounts", n)
	}
	// Spikes name the networks that dominate them.
	spikes := readCSV(t, filepath.Join(out, "reports", "spikes.csv"))
	for _, s := range spikes[1:] {
		if s[csvColumn(t, spikes, "top_networks")] == "" || s[csvColumn(t, spikes, "distinct_asns")] == "" {
			t.Errorf("spike %s does not say its networks: %v", s[0], s)
		}
	}
	// The HTML report.
	page, err := os.ReadFile(filepath.Join(out, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Networks of its addresses", "the signature of a residential proxy pool", "<dt>Networks</dt>", "% hosting"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("report.html lacks %q", want)
		}
	}

	// Pivots: from the burst's busiest network to its accounts and the
	// campaign; from one of its addresses; from nothing.
	topAS := strings.Split(strings.TrimSpace(queryCSV(t, out, "SELECT 'AS' || asn FROM campaign_networks WHERE campaign_id = '"+top[0]+"' ORDER BY addresses DESC, asn LIMIT 1")), "\n")[1]
	code, pv, stderr := runCLI(t, "pivot", "asn", topAS, "--out", out)
	if code != 0 {
		t.Fatalf("pivot asn: exit %d %s", code, stderr)
	}
	for _, want := range []string{"networks: 1\n  " + topAS, "accounts seen at those addresses: ", "campaigns: ", top[0], "a network links no accounts"} {
		if !strings.Contains(pv, want) {
			t.Errorf("pivot asn %s lacks %q:\n%s", topAS, want, pv)
		}
	}
	ip := strings.Split(strings.TrimSpace(queryCSV(t, out, "SELECT a.sign_up_ip FROM campaign_members m JOIN accounts a USING (instance, account_id) JOIN ip_info i ON i.ip = a.sign_up_ip WHERE m.campaign_id = '"+top[0]+"' AND i.asn IS NOT NULL ORDER BY 1 LIMIT 1")), "\n")[1]
	code, pv, _ = runCLI(t, "pivot", "ip", ip, "--out", out)
	if code != 0 || !strings.Contains(pv, "networks (from the --ipdb databases): 1") || !strings.Contains(pv, "accounts seen at this address or prefix: 1\n") || !strings.Contains(pv, top[0]) {
		t.Errorf("pivot ip %s: exit %d\n%s", ip, code, pv)
	}
	code, pv, _ = runCLI(t, "pivot", "ip", "192.0.2.44", "--out", out)
	if code != 0 || pv != "ip 192.0.2.44\n  nothing in this output matches\n" {
		t.Errorf("pivot ip of an unknown address: exit %d %q", code, pv)
	}
}

// TestIPEnrichmentSkipped: without --ipdb the run says that IP enrichment
// was skipped, in its summary and the manifest, and nothing describes
// networks.
func TestIPEnrichmentSkipped(t *testing.T) {
	t.Parallel()
	out := sharedSample(t)
	m, err := outdir.ReadManifest(out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(m.Settings["ipdb"], "skipped: no --ipdb") || len(m.IPDatabases) != 0 || !m.Ran("ipinfo") {
		t.Errorf("manifest: %q %v %v", m.Settings["ipdb"], m.IPDatabases, m.Stages)
	}
	var b strings.Builder
	printSummary(&b, m, "")
	if !strings.Contains(b.String(), "ip enrichment  skipped: no --ipdb database given") {
		t.Errorf("summary:\n%s", b.String())
	}
	if n := queryInt(t, out, "SELECT count(*) FROM ip_info"); n != 0 {
		t.Errorf("ip_info has %d rows without a database", n)
	}
	camps := readCSV(t, filepath.Join(out, "reports", "campaigns.csv"))
	for _, r := range camps[1:] {
		if r[csvColumn(t, camps, "asns")] != "" || r[csvColumn(t, camps, "proxy_pool")] != "" || strings.Contains(r[len(r)-1], "ASes") {
			t.Errorf("a campaign describes networks without a database: %v", r)
		}
	}
}

// TestIPDBRefused: a --ipdb that is missing, a directory or not a database
// is refused before any work, with exit 2 and the file named.
func TestIPDBRefused(t *testing.T) {
	t.Parallel()
	notes := filepath.Join(t.TempDir(), "GeoLite2-ASN.mmdb")
	os.WriteFile(notes, []byte("my notes, not a database\n"), 0o644)
	for _, f := range []string{filepath.Join(t.TempDir(), "missing.mmdb"), t.TempDir(), notes} {
		out := filepath.Join(t.TempDir(), "out")
		code, _, stderr := runCLI(t, "run", sampleDump, "--out", out, "--ipdb", f)
		if code != 2 || !strings.Contains(stderr, f) {
			t.Errorf("--ipdb %s: exit %d\n%s", f, code, stderr)
		}
		if _, err := os.Stat(out); !os.IsNotExist(err) {
			t.Errorf("--ipdb %s: an output was made", f)
		}
	}
}

// TestIPInfoStageAgain: the ipinfo stage run again over an output with the
// same databases gives the same ip_info, row for row.
func TestIPInfoStageAgain(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "out")
	if code, stdout, stderr := runCLI(t, "ingest", sampleDump, "--out", out); code != 0 {
		t.Fatalf("ingest: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if code, _, stderr := runCLI(t, "extract", "--out", out, "--then", "--whois", "off"); code != 0 {
		t.Fatalf("extract --then: exit %d\n%s", code, stderr)
	}
	if n := queryInt(t, out, "SELECT count(*) FROM ip_info"); n != 0 {
		t.Fatalf("ip_info has %d rows without a database", n)
	}
	const q = "SELECT * FROM ip_info ORDER BY ip"
	var runs []string
	for range 2 {
		if code, _, stderr := runCLI(t, append([]string{"ipinfo", "--out", out}, ipdbArgs()...)...); code != 0 {
			t.Fatalf("ipinfo: exit %d\n%s", code, stderr)
		}
		runs = append(runs, queryCSV(t, out, q))
	}
	if runs[0] != runs[1] || strings.Count(runs[0], "\n") < 100 {
		t.Errorf("ip_info differs between two runs of the stage (or is nearly empty: %d lines)", strings.Count(runs[0], "\n"))
	}
	// The link stage after it reads it: campaigns describe networks.
	if code, _, stderr := runCLI(t, "link", "--out", out); code != 0 {
		t.Fatalf("link: exit %d\n%s", code, stderr)
	}
	if n := queryInt(t, out, "SELECT count(*) FROM campaigns WHERE asns > 0"); n == 0 {
		t.Errorf("no campaign describes its networks after ipinfo and link")
	}
}

// TestRemediationIPBlocks: tootctl.sh proposes ip-blocks only for what
// the campaign alone used, and never a prefix of a consumer network.
func TestRemediationIPBlocks(t *testing.T) {
	t.Parallel()
	out, _ := sharedIPSample(t)
	out = copyOutput(t, out)
	top := topCampaign(t, out)
	members := strings.Split(strings.TrimSpace(queryCSV(t, out, "SELECT instance || ',' || account_id FROM campaign_members WHERE campaign_id = '"+top+"' ORDER BY 1 LIMIT 4")), "\n")[1:]
	other := strings.Split(strings.TrimSpace(queryCSV(t, out, "SELECT instance || ',' || account_id FROM accounts WHERE (instance, account_id) NOT IN (SELECT (instance, account_id) FROM campaign_members) ORDER BY 1 LIMIT 1")), "\n")[1]
	hist := func(acct, ip string) string {
		inst, id, _ := strings.Cut(acct, ",")
		return fmt.Sprintf("INSERT INTO ip_history VALUES ('%s', NULL, %s, '%s', NULL, 'login')", inst, id, ip)
	}
	evidence := func(kind, value string) string {
		return fmt.Sprintf("INSERT INTO campaign_evidence (campaign_id, kind, value, label, accounts, accounts_overall, weight) VALUES ('%s', '%s', '%s', '%s', 2, 2, 0.3)", top, kind, value, value)
	}
	stmts := []string{
		// A hosting /24 only the campaign used: blocked.
		hist(members[0], "81.2.69.10"), hist(members[1], "81.2.69.11"), evidence("ip_prefix", "81.2.69.0/24"),
		// A home ISP's /24: never whole; its address the campaign alone shared is.
		hist(members[0], "73.5.6.7"), hist(members[1], "73.5.6.7"), hist(members[2], "73.5.6.9"),
		evidence("ip_prefix", "73.5.6.0/24"), evidence("ip", "73.5.6.7"),
		// An address someone outside the campaign used too: left out.
		hist(members[2], "98.200.1.2"), hist(members[3], "98.200.1.2"), hist(other, "98.200.1.2"), evidence("ip", "98.200.1.2"),
		`INSERT INTO ip_info VALUES
  ('81.2.69.10', NULL, NULL, '81.2.69.0/24', 'GB', true, 'hosting', 'test: hosting', 'test', NULL),
  ('81.2.69.11', NULL, NULL, '81.2.69.0/24', 'GB', true, 'hosting', 'test: hosting', 'test', NULL),
  ('73.5.6.7', 7922, 'Comcast Cable Communications, Inc.', '73.0.0.0/8', 'US', false, NULL, NULL, 'test', NULL),
  ('73.5.6.9', 7922, 'Comcast Cable Communications, Inc.', '73.0.0.0/8', 'US', false, NULL, NULL, 'test', NULL),
  ('98.200.1.2', 7922, 'Comcast Cable Communications, Inc.', '98.192.0.0/10', 'US', false, NULL, NULL, 'test', NULL)`,
	}
	ctx := context.Background()
	db, err := store.Open(ctx, out, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range stmts {
		if _, err := db.ExecContext(ctx, q); err != nil {
			db.Close()
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()
	exportCmd(t, "--format", "remediation", "--out", out)
	b, err := os.ReadFile(filepath.Join(out, "remediation", "tootctl.sh"))
	if err != nil {
		t.Fatal(err)
	}
	sh := string(b)
	for _, want := range []string{
		"\ntootctl ip-blocks add '81.2.69.0/24' --severity sign_up_requires_approval\n",
		"\ntootctl ip-blocks add '73.5.6.7' --severity sign_up_requires_approval\n",
		"left out 73.5.6.0/24: a prefix of AS7922 Comcast Cable Communications, Inc., a consumer network",
		"left out 98.200.1.2: 1 accounts outside the campaign were seen there too",
	} {
		if !strings.Contains(sh, want) {
			t.Errorf("tootctl.sh lacks %q:\n%s", want, sh)
		}
	}
	for _, never := range []string{"add '73.5.6.0/24'", "add '98.200.1.2'", "add '73.0.0.0/8'"} {
		if strings.Contains(sh, never) {
			t.Errorf("tootctl.sh blocks %s:\n%s", never, sh)
		}
	}
	readme, _ := os.ReadFile(filepath.Join(out, "remediation", "README.txt"))
	if !strings.Contains(string(readme), "Left out (with the reason, in comments): 2.") {
		t.Errorf("README.txt does not count what was left out:\n%s", readme)
	}
}

// TestReadmePivotASNExample runs the network pivot the README shows on the
// sample with the test databases and compares it with the README.
func TestReadmePivotASNExample(t *testing.T) {
	t.Parallel()
	out, _ := sharedIPSample(t)
	checkReadmeExample(t, "pivot asn AS12322 --out out-ip/", out)
}
