package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"fediforensics/pipeline/export"
	"fediforensics/pipeline/gen"
	"fediforensics/pipeline/htmlreport"
	"fediforensics/pipeline/store"
)

// exportCmd runs 'pipeline export ARGS' in-process.
func exportCmd(t *testing.T, args ...string) {
	t.Helper()
	var o, e bytes.Buffer
	if err := cmdExport(context.Background(), args, &o, &e); err != nil {
		t.Fatalf("export %v: %v\n%s", args, err, e.String())
	}
}

// queryInt runs a query that returns one number.
func queryInt(t *testing.T, out, q string) int {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(queryCSV(t, out, q)), "\n")
	n, err := strconv.Atoi(lines[len(lines)-1])
	if err != nil {
		t.Fatalf("%s: %v", q, lines)
	}
	return n
}

// The sizes of the evidence graph, from the database.
const (
	graphAccountsQ = `SELECT count(DISTINCT e.acct_key) FROM evidence e
JOIN attributes a ON a.kind = e.kind AND a.value = e.value AND a.suppressed IS NULL AND a.weight > 0`
	graphValuesQ = `SELECT count(*) FROM attributes WHERE suppressed IS NULL AND weight > 0`
	graphEdgesQ  = `SELECT count(*) FROM evidence e JOIN attributes a ON a.kind = e.kind AND a.value = e.value AND a.suppressed IS NULL AND a.weight > 0`
)

func TestExportTables(t *testing.T) {
	t.Parallel()
	out := sampleWithWhois(t)
	exportCmd(t, "--format", "parquet", "--out", out)
	exportCmd(t, "--format", "csv", "--out", out)
	tables := strings.Split(strings.TrimSpace(queryCSV(t, out,
		"SELECT table_name FROM duckdb_tables() WHERE NOT temporary AND schema_name = 'main' AND table_name <> 'tokens' ORDER BY 1")), "\n")[1:]
	ctx := context.Background()
	db, err := store.OpenReadOnly(ctx, out)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, format := range []string{"parquet", "csv"} {
		files, _ := filepath.Glob(filepath.Join(out, "export", format, "*."+format))
		if len(files) != len(tables) {
			t.Errorf("%s: %d files for %d tables", format, len(files), len(tables))
		}
	}
	for _, tbl := range tables {
		var want, got int
		if err := db.QueryRow(`SELECT count(*) FROM "` + tbl + `"`).Scan(&want); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(out, "export", "parquet", tbl+".parquet")
		if err := db.QueryRow(`SELECT count(*) FROM read_parquet(?)`, p).Scan(&got); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if got != want {
			t.Errorf("%s.parquet: %d rows, the table has %d", tbl, got, want)
		}
		f, err := os.Open(filepath.Join(out, "export", "csv", tbl+".csv"))
		if err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(f).ReadAll()
		f.Close()
		if err != nil {
			t.Fatalf("%s.csv: %v", tbl, err)
		}
		if len(recs)-1 != want {
			t.Errorf("%s.csv: %d rows, the table has %d", tbl, len(recs)-1, want)
		}
		for _, r := range recs[1:] {
			for _, c := range r {
				if c != "" && strings.ContainsRune("=+@", rune(c[0])) {
					t.Fatalf("%s.csv: cell %q could be read as a formula", tbl, c)
				}
			}
		}
	}
	// Nothing secret is exported.
	for _, p := range []string{"export/parquet/tokens.parquet", "export/csv/tokens.csv"} {
		if _, err := os.Stat(filepath.Join(out, p)); err == nil {
			t.Errorf("%s was exported", p)
		}
	}
	b, _ := os.ReadFile(filepath.Join(out, "export", "csv", "apps.csv"))
	if strings.Contains(string(b), "secret") {
		t.Error("apps.csv holds the secret hash")
	}
	var cols string
	if err := db.QueryRow(`SELECT string_agg(name, ',') FROM parquet_schema(?)`,
		filepath.Join(out, "export", "parquet", "apps.parquet")).Scan(&cols); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(cols, "secret") || !strings.Contains(cols, "redirect_uri") {
		t.Errorf("apps.parquet columns: %s", cols)
	}
}

func TestExportGraphs(t *testing.T) {
	t.Parallel()
	out := sampleWithWhois(t)
	exportCmd(t, "--format", "graphml", "--out", out)
	exportCmd(t, "--format", "gexf", "--out", out)
	wantNodes := queryInt(t, out, graphAccountsQ) + queryInt(t, out, graphValuesQ)
	wantEdges := queryInt(t, out, graphEdgesQ)
	top := topCampaign(t, out)

	var gml struct {
		XMLName xml.Name `xml:"http://graphml.graphdrawing.org/xmlns graphml"`
		Keys    []struct {
			ID   string `xml:"id,attr"`
			For  string `xml:"for,attr"`
			Name string `xml:"attr.name,attr"`
			Type string `xml:"attr.type,attr"`
		} `xml:"key"`
		Graph struct {
			EdgeDefault string `xml:"edgedefault,attr"`
			Nodes       []struct {
				ID   string `xml:"id,attr"`
				Data []struct {
					Key   string `xml:"key,attr"`
					Value string `xml:",chardata"`
				} `xml:"data"`
			} `xml:"node"`
			Edges []struct {
				ID     string `xml:"id,attr"`
				Source string `xml:"source,attr"`
				Target string `xml:"target,attr"`
				Data   []struct {
					Key   string `xml:"key,attr"`
					Value string `xml:",chardata"`
				} `xml:"data"`
			} `xml:"edge"`
		} `xml:"graph"`
	}
	b, err := os.ReadFile(filepath.Join(out, "export", "graphml", "evidence.graphml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := xml.Unmarshal(b, &gml); err != nil {
		t.Fatalf("graphml: %v", err)
	}
	if len(gml.Graph.Nodes) != wantNodes || len(gml.Graph.Edges) != wantEdges {
		t.Errorf("graphml: %d nodes and %d edges, the database has %d and %d", len(gml.Graph.Nodes), len(gml.Graph.Edges), wantNodes, wantEdges)
	}
	keys := map[string]string{}
	for _, k := range gml.Keys {
		if k.Name == "" || k.Type == "" || (k.For != "node" && k.For != "edge") {
			t.Errorf("graphml: key %+v", k)
		}
		keys[k.ID] = k.For
	}
	ids := map[string]bool{}
	types := map[string]int{}
	inTop := 0
	for _, n := range gml.Graph.Nodes {
		if ids[n.ID] {
			t.Errorf("graphml: node %s twice", n.ID)
		}
		ids[n.ID] = true
		for _, d := range n.Data {
			if keys[d.Key] != "node" {
				t.Errorf("graphml: node data with undeclared key %q", d.Key)
			}
			if d.Key == "type" {
				types[d.Value]++
			}
			if d.Key == "campaign" && d.Value == top && strings.HasPrefix(n.ID, "account:") {
				inTop++
			}
		}
	}
	if types["account"] == 0 || types["domain"] == 0 || types["app"] == 0 {
		t.Errorf("graphml: node types %v", types)
	}
	if want := queryInt(t, out, "SELECT accounts FROM campaigns WHERE campaign_id = '"+top+"'"); inTop != want {
		t.Errorf("graphml: %d account nodes in %s, it has %d accounts", inTop, top, want)
	}
	for _, e := range gml.Graph.Edges {
		if !ids[e.Source] || !ids[e.Target] {
			t.Fatalf("graphml: edge %s between unknown nodes %s, %s", e.ID, e.Source, e.Target)
		}
		for _, d := range e.Data {
			if keys[d.Key] != "edge" {
				t.Errorf("graphml: edge data with undeclared key %q", d.Key)
			}
			if d.Key == "weight" {
				if w, err := strconv.ParseFloat(d.Value, 64); err != nil || w <= 0 || w > 1 {
					t.Errorf("graphml: weight %q", d.Value)
				}
			}
		}
	}

	var gexf struct {
		XMLName xml.Name `xml:"http://www.gexf.net/1.2draft gexf"`
		Version string   `xml:"version,attr"`
		Graph   struct {
			Attributes []struct {
				Class string `xml:"class,attr"`
				Attrs []struct {
					ID    string `xml:"id,attr"`
					Title string `xml:"title,attr"`
					Type  string `xml:"type,attr"`
				} `xml:"attribute"`
			} `xml:"attributes"`
			Nodes []struct {
				ID        string `xml:"id,attr"`
				Label     string `xml:"label,attr"`
				AttValues []struct {
					For   string `xml:"for,attr"`
					Value string `xml:"value,attr"`
				} `xml:"attvalues>attvalue"`
			} `xml:"nodes>node"`
			Edges []struct {
				Source string  `xml:"source,attr"`
				Target string  `xml:"target,attr"`
				Weight float64 `xml:"weight,attr"`
			} `xml:"edges>edge"`
		} `xml:"graph"`
	}
	b, err = os.ReadFile(filepath.Join(out, "export", "gexf", "evidence.gexf"))
	if err != nil {
		t.Fatal(err)
	}
	if err := xml.Unmarshal(b, &gexf); err != nil {
		t.Fatalf("gexf: %v", err)
	}
	if gexf.Version != "1.2" || len(gexf.Graph.Nodes) != wantNodes || len(gexf.Graph.Edges) != wantEdges {
		t.Errorf("gexf %s: %d nodes and %d edges, the database has %d and %d", gexf.Version, len(gexf.Graph.Nodes), len(gexf.Graph.Edges), wantNodes, wantEdges)
	}
	declared := map[string]bool{}
	for _, a := range gexf.Graph.Attributes {
		if a.Class == "node" {
			for _, at := range a.Attrs {
				declared[at.ID] = at.Title != "" && at.Type != ""
			}
		}
	}
	gids := map[string]bool{}
	for _, n := range gexf.Graph.Nodes {
		gids[n.ID] = true
		if n.Label == "" {
			t.Errorf("gexf: node %s has no label", n.ID)
		}
		for _, av := range n.AttValues {
			if !declared[av.For] {
				t.Errorf("gexf: value for undeclared attribute %q", av.For)
			}
		}
	}
	for _, e := range gexf.Graph.Edges {
		if !gids[e.Source] || !gids[e.Target] || e.Weight <= 0 {
			t.Fatalf("gexf: bad edge %+v", e)
		}
	}
}

var stixID = regexp.MustCompile(`^(campaign|indicator|relationship)--[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestExportSTIX(t *testing.T) {
	t.Parallel()
	out := sampleWithWhois(t)
	exportCmd(t, "--format", "stix", "--out", out)
	b, err := os.ReadFile(filepath.Join(out, "export", "stix", "campaigns.stix.json"))
	if err != nil {
		t.Fatal(err)
	}
	var bundle struct {
		Type    string           `json:"type"`
		ID      string           `json:"id"`
		Objects []map[string]any `json:"objects"`
	}
	if err := json.Unmarshal(b, &bundle); err != nil {
		t.Fatal(err)
	}
	if bundle.Type != "bundle" || !strings.HasPrefix(bundle.ID, "bundle--") {
		t.Errorf("bundle: type %q id %q", bundle.Type, bundle.ID)
	}
	top := topCampaign(t, out)
	ids := map[string]map[string]any{}
	byType := map[string]int{}
	var topID string
	for _, o := range bundle.Objects {
		id, _ := o["id"].(string)
		typ, _ := o["type"].(string)
		if !stixID.MatchString(id) || !strings.HasPrefix(id, typ+"--") {
			t.Errorf("bad id %q for type %q", id, typ)
		}
		if ids[id] != nil {
			t.Errorf("id %s twice", id)
		}
		ids[id] = o
		byType[typ]++
		if o["spec_version"] != "2.1" {
			t.Errorf("%s: spec_version %v", id, o["spec_version"])
		}
		created, err1 := time.Parse(time.RFC3339Nano, o["created"].(string))
		modified, err2 := time.Parse(time.RFC3339Nano, o["modified"].(string))
		if err1 != nil || err2 != nil || modified.Before(created) {
			t.Errorf("%s: created %v modified %v", id, o["created"], o["modified"])
		}
		switch typ {
		case "campaign":
			if o["name"] == nil {
				t.Errorf("%s has no name", id)
			}
			if o["x_fediforensics_campaign_id"] == top {
				topID = id
			}
		case "indicator":
			if o["pattern_type"] != "stix" || o["valid_from"] == nil || !strings.HasPrefix(o["pattern"].(string), "[") {
				t.Errorf("%s: %v", id, o)
			}
		}
	}
	if want := queryInt(t, out, "SELECT count(*) FROM campaigns"); byType["campaign"] != want {
		t.Errorf("%d campaign objects, %d campaigns", byType["campaign"], want)
	}
	var indicatesTop []string
	for _, o := range bundle.Objects {
		if o["type"] != "relationship" {
			continue
		}
		src, dst := ids[o["source_ref"].(string)], ids[o["target_ref"].(string)]
		if o["relationship_type"] != "indicates" || src == nil || dst == nil || src["type"] != "indicator" || dst["type"] != "campaign" {
			t.Errorf("bad relationship %v", o)
			continue
		}
		if o["target_ref"] == topID {
			indicatesTop = append(indicatesTop, src["pattern"].(string))
		}
	}
	for _, want := range []string{"[domain-name:value = 'moonxtrade.com']", "[domain-name:value = 'quot.pw']", "[email-addr:value = 'edgard011012@gmail.com']"} {
		found := false
		for _, p := range indicatesTop {
			found = found || p == want
		}
		if !found {
			t.Errorf("no indicator %s of %s among %v", want, top, indicatesTop)
		}
	}
}

func TestRemediation(t *testing.T) {
	t.Parallel()
	out := sampleWithWhois(t)
	exportCmd(t, "--format", "remediation", "--out", out)
	dir := filepath.Join(out, "remediation")
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	// The sample's only domain blocks are the federated wave's servers
	// (TestFederatedWave checks them one by one): never an instance of the
	// dump, a web site the campaigns promote, or a server of ordinary people.
	const header = "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate\n"
	blocks := read("domain_blocks.csv")
	if !strings.HasPrefix(blocks, header) {
		t.Errorf("domain_blocks.csv lacks Mastodon's header:\n%s", blocks)
	}
	for _, line := range strings.Split(strings.TrimSpace(strings.TrimPrefix(blocks, header)), "\n") {
		if line != "" && !strings.Contains(line, "accounts seen from it") {
			t.Errorf("a domain block that is not a wave's source server: %s", line)
		}
	}
	if !strings.Contains(read("README.txt"), "Suspend: 7 servers. Limit: 1 servers.") {
		t.Errorf("README.txt does not count the proposed server blocks:\n%s", read("README.txt"))
	}
	recs, err := csv.NewReader(strings.NewReader(read("suspend_accounts.csv"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	// The accounts of the strong campaigns, but those the moderators
	// suspended already (the sample has a few), listed as covered.
	if want := queryInt(t, out, `SELECT count(*) FROM campaign_members cm JOIN campaigns c USING (campaign_id)
JOIN accounts a USING (instance, account_id) WHERE c.score >= 0.5 AND NOT a.suspended`); len(recs)-1 != want || want == 0 {
		t.Errorf("suspend_accounts.csv: %d accounts, want %d", len(recs)-1, want)
	}
	suspended := queryInt(t, out, `SELECT count(*) FROM campaign_members cm JOIN campaigns c USING (campaign_id)
JOIN accounts a USING (instance, account_id) WHERE c.score >= 0.5 AND a.suspended`)
	if got := strings.Count(read("already_covered.csv"), "\naccount,"); got != suspended || suspended == 0 {
		t.Errorf("already_covered.csv lists %d suspended accounts, want %d:\n%s", got, suspended, read("already_covered.csv"))
	}
	if !strings.Contains(read("README.txt"), "accounts already\n                     suspended "+strconv.Itoa(suspended)) {
		t.Errorf("README.txt does not count the accounts already suspended:\n%s", read("README.txt"))
	}
	checkScript := func(sh string) {
		t.Helper()
		lines := strings.Split(sh, "\n")
		for i, l := range lines {
			cmd := strings.TrimPrefix(l, "# ")
			if !strings.HasPrefix(cmd, "tootctl ") {
				continue
			}
			if i == 0 || !strings.HasPrefix(lines[i-1], "# campaign C") || !strings.Contains(lines[i-1], "score ") {
				t.Errorf("tootctl.sh: %q is not preceded by its campaign and score", l)
			}
			for _, common := range []string{"gmail.com", "outlook.com", "hotmail.com", "yahoo.com"} {
				if strings.Contains(cmd, "'"+common+"'") {
					t.Errorf("tootctl.sh blocks a common provider: %s", l)
				}
			}
		}
	}
	checkScript(read("tootctl.sh"))
	suppressed := queryCSV(t, out, "SELECT value FROM suppressed ORDER BY 1")
	for _, l := range strings.Split(read("tootctl.sh"), "\n") {
		if f := strings.Fields(l); len(f) > 3 && strings.Contains(l, "ip-blocks add") {
			v := strings.Trim(f[len(f)-3], "'")
			if strings.Contains("\n"+suppressed, "\n"+v+"\n") {
				t.Errorf("tootctl.sh blocks a suppressed hub: %s", l)
			}
		}
	}

	// A campaign with its own email domain, a hostile one, and an account
	// on a promoted domain's instance.
	top := topCampaign(t, out)
	ctx := context.Background()
	db, err := store.Open(ctx, out, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	members := `(instance, account_id) IN (SELECT (instance, account_id) FROM campaign_members WHERE campaign_id = '` + top + `' ORDER BY ALL LIMIT `
	for _, q := range []string{
		`UPDATE accounts SET email_domain = 'spam-mail.example' WHERE ` + members + `3)`,
		`UPDATE accounts SET email_domain = 'x.example;rm -rf ~' WHERE ` + members + `5) AND email_domain <> 'spam-mail.example'`,
		`UPDATE accounts SET domain = 'social.moonxtrade.com' WHERE ` + members + `1)`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()
	exportCmd(t, "--format", "remediation", "--out", out)
	sh := read("tootctl.sh")
	checkScript(sh)
	if !strings.Contains(sh, "\ntootctl email-domain-blocks add 'spam-mail.example'\n") {
		t.Errorf("tootctl.sh lacks the campaign's email domain:\n%s", sh)
	}
	if strings.Contains(sh, "rm -rf") {
		t.Errorf("tootctl.sh holds a hostile value:\n%s", sh)
	}
	if got := read("domain_blocks.csv"); !strings.Contains(got, "\nsocial.moonxtrade.com,suspend,true,true,spam campaign "+top) {
		t.Errorf("domain_blocks.csv lacks the campaign's instance:\n%s", got)
	}

	// Once the instance blocks the domain above it, the block is not
	// proposed again: it is named as covered.
	db, err = store.Open(ctx, out, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO domain_blocks (instance, block_id, domain, severity) VALUES ('mastodon.social', 77, 'moonxtrade.com', 'suspend')`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	exportCmd(t, "--format", "remediation", "--out", out)
	if got := read("domain_blocks.csv"); strings.Contains(got, "social.moonxtrade.com") {
		t.Errorf("domain_blocks.csv proposes a domain already blocked:\n%s", got)
	}
	if got := read("already_covered.csv"); !strings.Contains(got, "\ndomain,social.moonxtrade.com,"+top+",") || !strings.Contains(got, "moonxtrade.com: domain block 77 on mastodon.social (suspend)") {
		t.Errorf("already_covered.csv does not name the covered domain:\n%s", got)
	}
}

// TestRemediationAlreadyCovered runs the pipeline over a generated instance
// large enough to hold the noapp-wave campaign, whose email domains
// include inboxzap.org, which the generated instance already blocks: it
// is not proposed again but named as covered, while the wave's other
// domains are proposed. Then the instance blocks an address range that
// holds one the run proposed: the remediation proposes it no more.
func TestRemediationAlreadyCovered(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	dump, out := filepath.Join(root, "dump"), filepath.Join(root, "out")
	if _, err := gen.Write(dump, gen.Config{Seed: 2023, Accounts: gen.LargeAccounts, Statuses: 5000, CSVOnly: true}); err != nil {
		t.Fatal(err)
	}
	if code, stdout, stderr := runCLI(t, "run", dump, "--out", out, "--whois", "off", "--log-level", "warn"); code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	read := func() (sh, covered string) {
		b, _ := os.ReadFile(filepath.Join(out, "remediation", "tootctl.sh"))
		c, _ := os.ReadFile(filepath.Join(out, "remediation", "already_covered.csv"))
		return string(b), string(c)
	}
	sh, covered := read()
	if strings.Contains(sh, "email-domain-blocks add 'inboxzap.org'") {
		t.Errorf("tootctl.sh proposes an email domain the instance blocks already:\n%s", sh)
	}
	if !strings.Contains(covered, "\nemail,inboxzap.org,") || !strings.Contains(covered, "email domain block 3 on mastodon.social (blocked)") {
		t.Errorf("already_covered.csv does not name inboxzap.org:\n%s", covered)
	}
	if !strings.Contains(sh, "email-domain-blocks add 'mailvex.net'") {
		t.Errorf("tootctl.sh lacks the wave's other email domain:\n%s", sh)
	}
	m := regexp.MustCompile(`(?m)^(?:# )?tootctl ip-blocks add '([0-9.]+)/24'`).FindStringSubmatch(sh)
	if m == nil {
		t.Fatalf("the run proposes no address range to cover:\n%s", sh)
	}
	// A /16 block holds the /24 proposed.
	octets := strings.Split(m[1], ".")
	wide := octets[0] + "." + octets[1] + ".0.0/16"
	ctx := context.Background()
	db, err := store.Open(ctx, out, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO ip_blocks (instance, block_id, ip, severity) VALUES ('mastodon.social', 99, ?, 'sign_up_block')`, wide); err != nil {
		t.Fatal(err)
	}
	db.Close()
	exportCmd(t, "--format", "remediation", "--out", out)
	sh2, covered2 := read()
	if strings.Contains(sh2, "ip-blocks add '"+m[1]+"/24'") {
		t.Errorf("tootctl.sh proposes %s/24, inside the block %s:\n%s", m[1], wide, sh2)
	}
	if !strings.Contains(covered2, "\nip,"+m[1]+"/24,") || !strings.Contains(covered2, "IP block 99 on mastodon.social (sign_up_block) "+wide) {
		t.Errorf("already_covered.csv does not name %s/24:\n%s", m[1], covered2)
	}
	if !strings.Contains(covered2, "\nemail,inboxzap.org,") {
		t.Errorf("the second export forgot inboxzap.org:\n%s", covered2)
	}
}

// TestOutputsAreDeterministic: two runs of the sample (the shared one and
// a new one) give the same bytes in the HTML report, every export, the
// remediation and the notebooks.
func TestOutputsAreDeterministic(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("two pipeline runs")
	}
	write := func(out string) map[string][]byte {
		writeHTMLReport(t, out, htmlreport.Options{})
		for _, f := range export.Formats() {
			exportCmd(t, "--format", f, "--out", out)
		}
		exportCmd(t, "--format", "remediation", "--out", out)
		files, _ := filepath.Glob("../../notebooks/*.md")
		if _, _, err := notebookCmd(t, append([]string{"run", "--out", out}, files...)...); err != nil {
			t.Fatal(err)
		}
		got := map[string][]byte{}
		for _, sub := range []string{"report.html", "export", "remediation", "notebooks"} {
			filepath.WalkDir(filepath.Join(out, sub), func(p string, d fs.DirEntry, err error) error {
				if err == nil && !d.IsDir() {
					rel, _ := filepath.Rel(out, p)
					got[rel], _ = os.ReadFile(p)
				}
				return err
			})
		}
		return got
	}
	a, b := write(sampleWithWhois(t)), write(runSampleWithWhois(t))
	if len(a) < 70 || len(a) != len(b) {
		t.Fatalf("%d files, then %d", len(a), len(b))
	}
	for name, x := range a {
		if !bytes.Equal(x, b[name]) {
			t.Errorf("%s differs between two runs of the same input", name)
		}
	}
}
