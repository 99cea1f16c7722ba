package main

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fediforensics/pipeline/htmlreport"
	"fediforensics/pipeline/store"
)

// whoisFixture is recorded WHOIS history for the sample's planted domains,
// so that the registrant parts of the outputs have something to show
// without the network or a cache.
const whoisFixture = "../../pipeline/htmlreport/testdata/whois-history.csv"

// sampleWithWhois returns a copy, for the test to change, of the output
// of the pipeline on the sample dump with the WHOIS fixture and no cache
// (made once, shared: whoisFixtureRun).
func sampleWithWhois(t *testing.T) string {
	t.Helper()
	out, _ := whoisFixtureRun.get(t)
	return copyOutput(t, out)
}

// runSampleWithWhois runs the pipeline on the sample dump, with the WHOIS
// fixture and no cache, into a new output and returns its path.
func runSampleWithWhois(t *testing.T) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "out")
	code, stdout, stderr := runCLI(t, "run", sampleDump, "--out", out, "--whois", "off", "--whois-history", whoisFixture, "--whois-cache", t.TempDir())
	if code != 0 {
		t.Fatalf("run: exit %d\n%s\n%s", code, stdout, stderr)
	}
	return out
}

// writeHTMLReport writes out/report.html from the output's database.
func writeHTMLReport(t *testing.T, out string, opt htmlreport.Options) []byte {
	t.Helper()
	ctx := context.Background()
	db, err := store.OpenReadOnly(ctx, out)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := htmlreport.Write(ctx, db, out, opt); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(out, htmlreport.FileName))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// topCampaign is the id of the strongest campaign of an output.
func topCampaign(t *testing.T, out string) string {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(queryCSV(t, out, "SELECT campaign_id FROM campaigns ORDER BY score DESC, accounts DESC, campaign_id LIMIT 1")), "\n")
	if len(lines) != 2 {
		t.Fatalf("no campaign in the sample output: %v", lines)
	}
	return lines[1]
}

// chromium runs headless Chromium with the flags that keep it off the
// network and away from the user's profile, and returns its stdout and
// stderr.
func chromium(t *testing.T, args ...string) (stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
		"--user-data-dir=" + filepath.Join(t.TempDir(), "profile")}
	cmd := exec.CommandContext(ctx, "/usr/bin/chromium", append(base, args...)...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %v: %v\n%s", args, err, e.String())
	}
	return o.String(), e.String()
}

// TestHTMLReportInBrowser loads the report of the sample in a real
// headless Chromium: the planted campaign is in the rendered page, the
// page logs nothing to the console (no error, no blocked resource, no
// Content Security Policy violation), its script ran, and a screenshot is
// kept as an artefact (copied to $PIPELINE_ARTIFACTS when set).
func TestHTMLReportInBrowser(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat("/usr/bin/chromium"); err != nil {
		t.Skip("no /usr/bin/chromium, so the report is not checked in a browser (Debian: apt-get install chromium)")
	}
	out := sampleWithWhois(t)
	writeHTMLReport(t, out, htmlreport.Options{})
	top := topCampaign(t, out)
	url := "file://" + filepath.Join(out, htmlreport.FileName)

	dom, logs := chromium(t, "--enable-logging=stderr", "--v=0", "--dump-dom", url)
	for _, want := range []string{top, "MastoBoost", `id="` + top + `"`, "moonxtrade[.]com"} {
		if !strings.Contains(dom, want) {
			t.Errorf("the rendered page lacks %q", want)
		}
	}
	if !strings.Contains(dom, `<html lang="en" class="js">`) {
		t.Error("the sorting script did not run (blocked by the page's Content Security Policy?)")
	}
	for _, line := range strings.Split(logs, "\n") {
		if strings.Contains(line, "CONSOLE") || strings.Contains(line, "Uncaught") {
			t.Errorf("console: %s", line)
		}
	}

	// Sorting works: a copy of the page with a probe script (and so
	// without the policy that would block it) clicks the headers.
	page, err := os.ReadFile(filepath.Join(out, htmlreport.FileName))
	if err != nil {
		t.Fatal(err)
	}
	probe := `<script>
var t = document.querySelector("table.sortable"), b = t.tHead.querySelectorAll("button"), o = [];
function lead(col) { return t.tBodies[0].rows[0].cells[col].textContent.trim(); }
b[2].click(); o.push(lead(2)); b[2].click(); o.push(lead(2)); b[0].click(); o.push(lead(0));
document.body.setAttribute("data-probe", o.join(" "));
</script></body>`
	i, j := bytes.Index(page, []byte(`<meta http-equiv="Content-Security-Policy"`)), bytes.Index(page, []byte(`<meta name="referrer"`))
	if i < 0 || j < i {
		t.Fatal("no Content-Security-Policy in the page")
	}
	probed := bytes.Replace(append(page[:i:i], page[j:]...), []byte("</body>"), []byte(probe), 1)
	probeFile := filepath.Join(t.TempDir(), "probe.html")
	if err := os.WriteFile(probeFile, probed, 0o644); err != nil {
		t.Fatal(err)
	}
	dom, _ = chromium(t, "--dump-dom", "file://"+probeFile)
	lines := strings.Split(strings.TrimSpace(queryCSV(t, out, "SELECT max(accounts), min(accounts), min(campaign_id) FROM campaigns")), "\n")
	// Accounts, largest first; again, smallest first; then by id.
	if want := `data-probe="` + strings.ReplaceAll(lines[1], ",", " ") + `"`; !strings.Contains(dom, want) {
		t.Errorf("sorting: want %s in %s", want, dom[strings.Index(dom, "<body"):min(len(dom), strings.Index(dom, "<body")+200)])
	}

	shot := filepath.Join(t.TempDir(), "report.png")
	chromium(t, "--screenshot="+shot, "--window-size=1280,2000", url)
	b, err := os.ReadFile(shot)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if r := img.Bounds(); r.Dx() != 1280 || r.Dy() != 2000 {
		t.Errorf("screenshot is %v, want 1280x2000", r)
	}
	if dir := os.Getenv("PIPELINE_ARTIFACTS"); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "report.png"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestHTMLReportEscapes plants attacker text in an output's tables and
// checks that the report shows it as text, defangs the domains and URLs
// in it, and links to none of them.
func TestHTMLReportEscapes(t *testing.T) {
	t.Parallel()
	out := sampleWithWhois(t)
	top := topCampaign(t, out)
	ctx := context.Background()
	db, err := store.Open(ctx, out, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`UPDATE accounts SET display_name = '<script>alert(1)</script>'
		 WHERE (instance, account_id) IN (SELECT (instance, account_id) FROM campaign_members WHERE campaign_id = '` + top + `')`,
		`UPDATE apps SET name = '<img src=x onerror=alert(1)>'`,
		`UPDATE campaign_accounts SET app = '<img src=x onerror=alert(1)>' WHERE campaign_id = '` + top + `'`,
		`UPDATE campaigns SET apps = '<img src=x onerror=alert(1)> 150', domains = 'evil-domain.example ' || domains,
		 summary = 'see <b>https://evil.example/x</b>' WHERE campaign_id = '` + top + `'`,
		`UPDATE campaign_evidence SET label = '"</title><script>alert(2)</script> https://evil.example/y"' WHERE kind = 'text'`,
		`UPDATE whois SET registrant_name = '"><svg onload=alert(3)>'`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			db.Close()
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	page := string(writeHTMLReport(t, out, htmlreport.Options{}))
	for _, bad := range []string{"<script>alert", "<img src=x", "<svg onload", "https://evil", "evil.example", "evil-domain.example", "<b>https"} {
		if strings.Contains(page, bad) {
			t.Errorf("the report holds %q unescaped or not defanged", bad)
		}
	}
	for _, want := range []string{"&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;img src=x onerror=alert(1)&gt;",
		"hxxps://evil[.]example/x", "evil-domain[.]example", "&lt;/title&gt;&lt;script&gt;alert(2)", "&lt;svg onload=alert(3)&gt;"} {
		if !strings.Contains(page, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	if strings.Contains(page, `<a href="http`) || strings.Contains(page, `href="//`) || strings.Contains(page, "src=\"http") {
		t.Error("the report links to or loads from outside itself")
	}
	// The only script is the page's own, and the only links are anchors.
	if n := strings.Count(page, "<script"); n != 1 {
		t.Errorf("%d script elements, want 1", n)
	}
	for _, part := range strings.Split(page, `href="`)[1:] {
		if !strings.HasPrefix(part, "#") {
			t.Errorf("a link that is not an anchor: href=%q", part[:min(len(part), 40)])
		}
	}
	// Without defanging, the domains show as they are, still not as links.
	page = string(writeHTMLReport(t, out, htmlreport.Options{NoDefang: true}))
	if !strings.Contains(page, "evil-domain.example") || strings.Contains(page, `<a href="http`) {
		t.Error("NoDefang: the domain should show as is, and not as a link")
	}
	// Pseudonymized, no email or IP of a member is left.
	page = string(writeHTMLReport(t, out, htmlreport.Options{Pseudonymize: "k"}))
	rows := queryCSV(t, out, "SELECT email, sign_up_ip FROM campaign_accounts WHERE campaign_id = '"+top+"' ORDER BY ALL LIMIT 5")
	for _, line := range strings.Split(strings.TrimSpace(rows), "\n")[1:] {
		for _, v := range strings.Split(line, ",") {
			if v != "" && strings.Contains(page, v) {
				t.Errorf("pseudonymized report shows %q", v)
			}
		}
	}
}
