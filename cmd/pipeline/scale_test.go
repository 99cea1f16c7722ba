package main

import (
	"context"
	"database/sql"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"fediforensics/pipeline/gen"
	"fediforensics/pipeline/store"
)

// TestScale runs the whole pipeline on a generated instance of 100,000
// accounts and 450,000 statuses, with campaigns that grow with it (a wave
// of a fifth of the accounts through one app, a slow campaign of 1% held
// together only by its domains and messages, a wave with no shared app)
// and hard negatives that grow with it (a local paper 11% of the accounts
// link, a NAT shared by hundreds, short generic posts, a legitimate burst,
// friends sharing blogs), and checks what a researcher would: every
// planted campaign found whole and pure, ordinary life left out, and
// campaigns, not pairs, at the top. -short skips it.
func TestScale(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("the instance-scale test takes a minute or two")
	}
	root := t.TempDir()
	dump := filepath.Join(root, "dump")
	t0 := time.Now()
	truth, err := gen.Write(dump, gen.Config{Seed: 7, Accounts: 100000, Statuses: 450000, CSVOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("generated in %v", time.Since(t0).Round(time.Millisecond))
	out := filepath.Join(root, "out")
	t0 = time.Now()
	if code, stdout, stderr := runCLI(t, "run", dump, "--out", out, "--whois", "off", "--log-level", "warn"); code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	t.Logf("run in %v", time.Since(t0).Round(time.Millisecond))

	db, err := store.OpenReadOnly(context.Background(), out)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	members := map[string]string{} // account -> campaign
	size := map[string]int{}
	score := map[string]float64{}
	err = store.Each(context.Background(), db, "members", `SELECT m.instance || '/' || m.account_id, m.campaign_id, c.score
FROM campaign_members m JOIN campaigns c USING (campaign_id)`, nil, func(r *sql.Rows) error {
		var a, c string
		var s float64
		if err := r.Scan(&a, &c, &s); err != nil {
			return err
		}
		members[a] = c
		size[c]++
		score[c] = s
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	planted := map[string]bool{}
	lowestPlanted := 2.0
	names := make([]string, 0, len(truth.Campaigns))
	for name := range truth.Campaigns {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		accts := truth.Campaigns[name]
		count := map[string]int{}
		for _, a := range accts {
			planted[a] = true
			if c, ok := members[a]; ok {
				count[c]++
			}
		}
		best, n := "", 0
		for c, k := range count {
			if k > n || (k == n && c < best) {
				best, n = c, k
			}
		}
		recall := float64(n) / float64(len(accts))
		purity := 0.0
		if best != "" {
			purity = float64(n) / float64(size[best])
			lowestPlanted = min(lowestPlanted, score[best])
		}
		t.Logf("%-14s %6d accounts: recall %.3f, purity %.3f (%s, score %.3f)", name, len(accts), recall, purity, best, score[best])
		if recall < 0.95 || purity < 0.95 {
			t.Errorf("%s: recall %.3f, purity %.3f; want both >= 0.95", name, recall, purity)
		}
	}
	if len(truth.Campaigns) < 4 {
		t.Errorf("the generator planted %d campaigns at this size, want the four of an instance", len(truth.Campaigns))
	}

	// Ordinary accounts: none in a campaign. A household sharing one
	// address, the local paper and a stock greeting is a weak group at
	// most (see TestChanceAgreements in pipeline/link).
	ordinary, pairs := 0, 0
	ordinaryCampaigns := map[string]bool{}
	for a, c := range members {
		if !planted[a] {
			ordinary++
			ordinaryCampaigns[c] = true
		}
	}
	for c := range size {
		if size[c] == 2 {
			pairs++
		}
	}
	for c := range ordinaryCampaigns {
		if score[c] >= lowestPlanted {
			t.Errorf("campaign %s of ordinary accounts (score %.3f) ranks with the planted ones (lowest %.3f)", c, score[c], lowestPlanted)
		}
	}
	for group, accts := range truth.HardNegatives {
		in := 0
		for _, a := range accts {
			if _, ok := members[a]; ok {
				in++
			}
		}
		t.Logf("hard negative %-14s %6d accounts, %d in campaigns", group, len(accts), in)
	}
	t.Logf("%d campaigns, %d of two accounts, %d ordinary accounts in %d of them", len(size), pairs, ordinary, len(ordinaryCampaigns))
	if ordinary > 0 {
		t.Errorf("%d ordinary accounts are in campaigns, want none", ordinary)
	}
	if len(size) > 0 && float64(pairs)/float64(len(size)) >= 0.05 {
		t.Errorf("%d of %d campaigns have two accounts, want under 5%%", pairs, len(size))
	}
	// The run summary leads with the biggest planted campaign.
	var top string
	if err := db.QueryRow(`SELECT summary FROM campaigns ORDER BY score DESC, accounts DESC, campaign_id LIMIT 1`).Scan(&top); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(top, "MastoBoost") {
		t.Errorf("the top campaign is not the wave: %s", top)
	}
}
