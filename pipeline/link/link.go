// Package link joins accounts into campaigns by the evidence they share —
// OAuth apps, emails, IPs, promoted domains, registrants, near-duplicate text,
// sign-up bursts — suppressing values too common to mean anything, and says
// for every campaign which shared values made it.
package link

import (
	"context"
	"database/sql"
	_ "embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"time"

	"fediforensics/data"
	"fediforensics/pipeline/progress"
	"fediforensics/pipeline/schema"
	"fediforensics/pipeline/store"
)

var (
	//go:embed sql/macros.sql
	macrosSQL string
	//go:embed sql/registrants.sql
	registrantsSQL string
	//go:embed sql/signups.sql
	signupsSQL string
	//go:embed sql/evidence.sql
	evidenceSQL string
	//go:embed sql/attributes.sql
	attributesSQL string
	//go:embed sql/campaigns.sql
	campaignsSQL string
	//go:embed sql/remote.sql
	remoteSQL string
	//go:embed sql/servers.sql
	serversSQL string
)

// Options steer the linking. Zero values take the defaults.
type Options struct {
	Lists     fs.FS   // common_email_providers.txt, popular_domains.txt, well_known_apps.txt
	IPCap     int     // an address shared by more accounts is a NAT or proxy exit (default 10)
	PrefixCap int     // likewise for a /24 or /64 (default 25)
	MinHub    int     // a value needs this many accounts to be a hub by share (default 50)
	HubShare  float64 // a value shared by more than this share of local accounts is a hub (default 0.5)
	Log       *slog.Logger
	Progress  progress.Options // shows which step of how many runs; zero shows nothing
}

func (o *Options) defaults() {
	if o.IPCap == 0 {
		o.IPCap = 10
	}
	if o.PrefixCap == 0 {
		o.PrefixCap = 25
	}
	if o.MinHub == 0 {
		o.MinHub = 50
	}
	if o.HubShare == 0 {
		o.HubShare = 0.5
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
}

// Run is the link stage over the canonical, domain and WHOIS tables.
func Run(ctx context.Context, db *sql.DB, opt Options) error {
	opt.defaults()
	steps := []struct {
		name string
		run  func() error
	}{
		{"macros", func() error { return store.Exec(ctx, db, "macros", macrosSQL) }},
		{"lists", func() error { return loadLists(ctx, db, opt) }},
		{"email groups", func() error { return emailGroups(ctx, db) }},
		{"registrants", func() error {
			return sqlStep(ctx, db, "registrants", registrantsSQL, schema.RegistrantValues, schema.RegistrarPatterns)
		}},
		{"signups", func() error { return sqlStep(ctx, db, "signups", signupsSQL, schema.Signups, schema.Spikes) }},
		{"names", func() error { return nameShapes(ctx, db) }},
		{"remote", func() error { return sqlStep(ctx, db, "remote", remoteSQL, schema.RemoteAccounts, schema.RemoteBursts) }},
		{"evidence", func() error {
			return sqlStep(ctx, db, "evidence", evidenceSQL, schema.AccountKeys, schema.Weights, schema.KnownApps, schema.Evidence)
		}},
		{"text", func() error {
			if err := schema.Create(ctx, db, schema.TextClusters, schema.TextGroups); err != nil {
				return err
			}
			return textEvidence(ctx, db)
		}},
		{"attributes", func() error {
			return sqlStep(ctx, db, "attributes", attributesSQL, schema.Attributes, schema.Suppressed)
		}},
		{"cluster", func() error {
			return cluster(ctx, db, clusterParams{Threshold: 1.0, PairCap: 200, SplitWeight: 1.2, MinSide: 5})
		}},
		{"campaigns", func() error {
			return sqlStep(ctx, db, "campaigns", campaignsSQL, schema.WeakGroups, schema.CampaignMembers, schema.CampaignEvidence,
				schema.CampaignLinks, schema.CampaignAccounts, schema.CampaignNetworks, schema.Campaigns, schema.CampaignModeration)
		}},
		{"servers", func() error { return sqlStep(ctx, db, "servers", serversSQL, schema.Servers) }},
	}
	prog := progress.New(progress.Task{Name: "link", Unit: "steps", Kind: progress.Steps, Total: int64(len(steps))}, opt.Progress)
	prog.Start()
	defer prog.Stop()
	for i, s := range steps {
		prog.SetNote(s.name)
		prog.Set(int64(i))
		t0 := time.Now()
		if err := s.run(); err != nil {
			return fmt.Errorf("link %s: %w", s.name, err)
		}
		opt.Log.Debug("link", "step", s.name, "seconds", time.Since(t0).Seconds())
	}
	prog.Set(int64(len(steps)))
	prog.Done()
	return nil
}

// sqlStep runs a step's SQL, which fills tables: they are made anew
// first, so that the step can run again.
func sqlStep(ctx context.Context, db *sql.DB, name, script string, tables ...schema.Table) error {
	if err := schema.Create(ctx, db, tables...); err != nil {
		return err
	}
	return store.Exec(ctx, db, name, script)
}

// loadLists reads the editable lists into tables, with the settings.
func loadLists(ctx context.Context, db *sql.DB, opt Options) error {
	if err := schema.Create(ctx, db, schema.ListEmailProviders, schema.ListPopularDomains, schema.ListApps, schema.LinkSettings); err != nil {
		return err
	}
	_, err := db.ExecContext(ctx, fmt.Sprintf(`INSERT INTO link_settings BY NAME SELECT %d AS ip_cap, %d AS prefix_cap, %d AS min_hub, %f AS hub_share,
  1.0 AS threshold, 200 AS pair_cap, 6.0 AS full_bits, 2.0 AS bits_margin, 12 AS full_words, 5 AS min_key, 3.0 AS lift_min, 3 AS min_campaign, 1.5 AS min_pair_weight`, opt.IPCap, opt.PrefixCap, opt.MinHub, opt.HubShare))
	if err != nil {
		return err
	}
	for _, l := range []struct{ file, table string }{
		{"common_email_providers.txt", "list_email_providers"},
		{"popular_domains.txt", "list_popular_domains"},
		{"well_known_apps.txt", "list_apps"},
	} {
		entries, err := data.ReadList(opt.Lists, l.file)
		if err != nil {
			return err
		}
		for _, e := range entries {
			args := []any{strings.ToLower(e)}
			q := `INSERT INTO ` + l.table + ` (domain) VALUES (?)`
			if l.table == "list_apps" {
				name, site, _ := strings.Cut(e, "\t")
				args = []any{strings.TrimSpace(name), strings.TrimSpace(site)}
				q = `INSERT INTO list_apps (name, website) VALUES (?, ?)`
			}
			if _, err := db.ExecContext(ctx, q, args...); err != nil {
				return err
			}
		}
	}
	return nil
}

// emailGroups finds near-identical addresses among accounts' emails and
// registrants' emails, into email_groups.
func emailGroups(ctx context.Context, db *sql.DB) error {
	var emails []string
	err := store.Each(ctx, db, "emails", `SELECT DISTINCT canonical_email(e) FROM (
  SELECT email AS e FROM accounts WHERE email LIKE '%@%'
  UNION ALL SELECT registrant_email FROM whois WHERE registrant_email LIKE '%@%') ORDER BY 1`, nil, func(r *sql.Rows) error {
		var e string
		err := r.Scan(&e)
		emails = append(emails, e)
		return err
	})
	if err != nil {
		return err
	}
	groups := similarEmails(emails)
	if err := schema.Create(ctx, db, schema.EmailGroups); err != nil {
		return err
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return store.InsertAll(ctx, conn, string(schema.EmailGroups), func(add func(...any) error) error {
		for _, e := range emails {
			if g, ok := groups[e]; ok {
				if err := add(e, g); err != nil {
					return err
				}
			}
		}
		return nil
	}, "email", "grp")
}

// textEvidence signs every status's text, groups the statuses that share a
// band hash (near-duplicates) in DuckDB, and adds the groups that span two
// or more accounts to the evidence and to text_clusters.
func textEvidence(ctx context.Context, db *sql.DB) error {
	src, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := db.Conn(ctx) // the temporary tables below belong to it
	if err != nil {
		return err
	}
	defer dst.Close()
	if _, err := dst.ExecContext(ctx, `CREATE OR REPLACE TEMP TABLE text_docs (doc BIGINT, acct_key BIGINT, status_id BIGINT, words BIGINT);
CREATE OR REPLACE TEMP TABLE text_bands (band BIGINT, h BIGINT, doc BIGINT);
CREATE OR REPLACE TEMP TABLE text_roots (doc BIGINT, root BIGINT)`); err != nil {
		return err
	}
	workers := runtime.GOMAXPROCS(0)
	caches := make([]map[uint64][bands]int64, workers)
	signers := make([]*textSigner, workers)
	for i := range caches {
		caches[i] = map[uint64][bands]int64{}
		signers[i] = newTextSigner()
	}
	docs, err := store.NewInserter(ctx, dst, "text_docs")
	if err != nil {
		return err
	}
	bandRows, err := store.NewInserter(ctx, dst, "text_bands")
	if err != nil {
		docs.Close()
		return err
	}
	var n int64
	firstDoc := map[uint64]int32{} // template key → its first status (bounded as the signers' caches)
	var repeats [][2]int32         // statuses that repeat a template, with its first
	err = store.ArrowQuery(ctx, src, `
SELECT k.acct_key, s.status_id, coalesce(s.content_html, s.text) AS body, (s.content_html IS NOT NULL)::INTEGER::BIGINT AS is_html
FROM statuses s JOIN account_keys k USING (instance, account_id)
WHERE coalesce(s.content_html, s.text) IS NOT NULL AND s.reblog_of_id IS NULL`, func(b store.Batch) error {
		var acct, status, isHTML func(int) int64
		var body func(int) string
		if err := store.Columns(b, &acct, &status, &body, &isHTML); err != nil {
			return err
		}
		// Sign the batch on every core, then hand the rows over in order.
		type signed struct {
			hs    [bands]int64
			words int
			key   uint64
			ok    bool
		}
		sig := make([]signed, store.Rows(b))
		var wg sync.WaitGroup
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for i := w; i < len(sig); i += workers {
					sig[i].hs, sig[i].words, sig[i].key, sig[i].ok = signers[w].signCached(caches[w], body(i), isHTML(i) == 1)
				}
			}(w)
		}
		wg.Wait()
		for i, sg := range sig {
			if !sg.ok {
				continue
			}
			if err := docs.AddInt64(n, acct(i), status(i), int64(sg.words)); err != nil {
				return err
			}
			// A repeat of a template seen lately joins its first status
			// here; only a new template's bands go to DuckDB.
			if first, seen := firstDoc[sg.key]; seen {
				repeats = append(repeats, [2]int32{int32(n), first})
				n++
				continue
			}
			if len(firstDoc) >= maxSignCache {
				clear(firstDoc)
			}
			firstDoc[sg.key] = int32(n)
			for band, h := range sg.hs {
				if err := bandRows.AddInt64(int64(band), h, n); err != nil {
					return err
				}
			}
			n++
		}
		return nil
	})
	if err1, err2 := docs.Close(), bandRows.Close(); err == nil {
		err = errors.Join(err1, err2)
	}
	if err != nil {
		return err
	}
	// Statuses sharing a band hash are one group, transitively.
	uf := newUnionFind(int(n))
	for _, r := range repeats {
		uf.union(int(r[0]), int(r[1]))
	}
	var prevBand, prevH int64
	prev := int64(-1)
	err = store.ArrowQuery(ctx, dst, `
SELECT band, h, doc FROM text_bands
WHERE (band, h) IN (SELECT (band, h) FROM text_bands GROUP BY band, h HAVING count(*) > 1)
ORDER BY band, h, doc`, func(b store.Batch) error {
		var band, h, doc func(int) int64
		if err := store.Columns(b, &band, &h, &doc); err != nil {
			return err
		}
		for i := 0; i < store.Rows(b); i++ {
			if prev >= 0 && band(i) == prevBand && h(i) == prevH {
				uf.union(int(prev), int(doc(i)))
			} else {
				prev, prevBand, prevH = doc(i), band(i), h(i)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	roots, err := store.NewInserter(ctx, dst, "text_roots")
	if err != nil {
		return err
	}
	for d := 0; d < int(n) && err == nil; d++ {
		if r := uf.find(d); r != d || uf.size[r] > 1 {
			err = roots.AddInt64(int64(d), int64(r))
		}
	}
	if cerr := roots.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	_, err = dst.ExecContext(ctx, `
INSERT INTO text_clusters BY NAME
WITH g AS (SELECT r.root, d.acct_key, d.status_id, d.words FROM text_roots r JOIN text_docs d USING (doc))
SELECT acct_key, status_id, 'text~' || min(status_id) OVER (PARTITION BY root) AS text_group, words
FROM g WHERE root IN (SELECT root FROM g GROUP BY root HAVING count(DISTINCT acct_key) >= 2);
-- How long a group's messages are (the median, in words of the template).
INSERT INTO text_groups BY NAME
SELECT text_group AS value, median(words)::BIGINT AS words FROM text_clusters GROUP BY ALL;
INSERT INTO evidence BY NAME SELECT DISTINCT acct_key, 'text' AS kind, text_group AS value FROM text_clusters;
DROP TABLE text_docs; DROP TABLE text_bands; DROP TABLE text_roots`)
	return err
}
