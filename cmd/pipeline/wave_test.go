package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fediforensics/pipeline/gen"
)

// TestFederatedWave: the sample's federated wave (remote accounts on small
// servers, seen on both instances) is one campaign that names its source
// servers; the servers that are mostly the wave are proposed for blocks,
// its accounts for suspension by their full acct, and nothing of the
// remote accounts around it (friends, news bots, newcomers) is touched.
func TestFederatedWave(t *testing.T) {
	t.Parallel()
	out := sharedSample(t)
	truth := readTruth(t)
	wave := map[string]bool{}
	for _, m := range truth.Campaigns[gen.CampaignFedWave] {
		wave[m] = true
	}
	if len(wave) == 0 {
		t.Fatal("the sample holds no federated wave")
	}
	// The campaign of the wave, and what it says of its servers.
	var id string
	for _, r := range readCSV(t, filepath.Join(out, "reports", "campaign_accounts.csv"))[1:] {
		if wave[r[1]+"/"+r[2]] {
			id = r[0]
			break
		}
	}
	camps := readCSV(t, filepath.Join(out, "reports", "campaigns.csv"))
	col := map[string]int{}
	for i, h := range camps[0] {
		col[h] = i
	}
	var row []string
	for _, r := range camps[1:] {
		if r[0] == id {
			row = r
		}
	}
	if row == nil {
		t.Fatalf("the wave is in no campaign")
	}
	if row[col["source_servers"]] != "8" || !strings.Contains(row[col["summary"]], "remote accounts from 8 servers") ||
		!strings.Contains(row[col["summary"]], "in bursts") || !strings.Contains(row[col["summary"]], "random-looking usernames") {
		t.Errorf("the wave's campaign does not name its servers, bursts and names: %v", row)
	}
	for _, c := range []string{"burst_share", "fanout_share", "media_share"} {
		if row[col[c]] < "0.9" {
			t.Errorf("%s of the wave = %s, want nearly 1", c, row[col[c]])
		}
	}
	if row[col["score"]] < "0.8" {
		t.Errorf("the wave scores %s", row[col["score"]])
	}
	// servers.csv: every wave server, wholly or mostly in the campaign.
	waveServers := map[string]bool{}
	for _, r := range readCSV(t, filepath.Join(out, "reports", "servers.csv"))[1:] {
		if strings.Contains(r[len(r)-1], id) {
			waveServers[r[0]] = true
		}
	}
	if len(waveServers) != 8 {
		t.Errorf("servers.csv names %d servers of the wave, want 8: %v", len(waveServers), waveServers)
	}
	// Domain blocks for the wave's servers only, suspensions by acct.
	blocks := readCSV(t, filepath.Join(out, "remediation", "domain_blocks.csv"))
	blocked, severities := map[string]bool{}, map[string]int{}
	for _, r := range blocks[1:] {
		blocked[r[0]] = true
		severities[r[1]]++
		if !waveServers[r[0]] {
			t.Errorf("a domain block for %s, not a server of the wave: %v", r[0], r)
		}
		if r[1] != "suspend" && r[1] != "silence" || r[2] != "true" || !strings.Contains(r[4], id) {
			t.Errorf("domain block %v: want suspend or silence, media rejected, the campaign named", r)
		}
	}
	if len(blocked) != len(waveServers) {
		t.Errorf("%d of the wave's %d servers proposed for a block", len(blocked), len(waveServers))
	}
	// One of its servers also serves two ordinary newcomers: mostly the
	// wave, so limited; the others are nothing but the wave: suspended.
	if severities["silence"] != 1 || severities["suspend"] != 7 {
		t.Errorf("severities of the proposed blocks %v, want 1 silence (limit) and 7 suspend", severities)
	}
	suspended := 0
	for _, r := range readCSV(t, filepath.Join(out, "remediation", "suspend_accounts.csv"))[1:] {
		if wave[r[2]+"/"+r[3]] {
			suspended++
			if !strings.Contains(r[5], "@") {
				t.Errorf("remote account suspended without its full acct: %v", r)
			}
		}
	}
	if suspended != len(wave) {
		t.Errorf("%d of the wave's %d accounts proposed for suspension", suspended, len(wave))
	}
	// The remote accounts around the wave are in no campaign.
	q := queryCSV(t, out, `SELECT a.domain, count(*) FROM campaign_members cm JOIN accounts a USING (instance, account_id)
WHERE a.domain IN ('fosstodon.org', 'hachyderm.io', 'chaos.social', 'botsin.space', 'mastodon.world', 'mstdn.social',
  'techhub.social', 'mas.to', 'social.vivaldi.net', 'misskey.io', 'infosec.exchange') GROUP BY ALL ORDER BY ALL`)
	if strings.Count(q, "\n") > 1 {
		t.Errorf("remote accounts of ordinary servers joined campaigns:\n%s", q)
	}
	page, err := os.ReadFile(filepath.Join(out, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(page), `<section id="servers">`) || !strings.Contains(string(page), "from 8 servers:") {
		t.Error("report.html does not name the wave's source servers")
	}
}
