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
	"math"
	"runtime"
	"slices"
	"strconv"
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
	// textRange is how many rowids of statuses one query of the text step
	// spans (default textRange); tests make it small to cross ranges.
	textRange int64
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
	if o.textRange == 0 {
		o.textRange = textRange
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
			return textEvidence(ctx, db, opt.Log, opt.textRange)
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
  1.0 AS threshold, 200 AS pair_cap, 6.0 AS full_bits, 2.0 AS bits_margin, 12 AS full_words, 5 AS min_key, 3.0 AS lift_min, 3 AS min_campaign, 1.5 AS min_pair_weight,
  0.5 AS chance_share, 0.01 AS key_alpha`, opt.IPCap, opt.PrefixCap, opt.MinHub, opt.HubShare))
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
// band hash (near-duplicates), and adds the groups that span two or more
// accounts to the evidence and to text_clusters.
//
// The statuses' keys stay in Go (16 bytes a signed status, in chunks, with
// the union-find forest beside them); DuckDB holds the band hashes of the
// new templates and finds the buckets shared by two or more statuses.
func textEvidence(ctx context.Context, db *sql.DB, log *slog.Logger, perQuery int64) error {
	src, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := db.Conn(ctx) // the temporary table below belongs to it
	if err != nil {
		return err
	}
	defer dst.Close()
	if _, err := dst.ExecContext(ctx, `CREATE OR REPLACE TEMP TABLE text_bands (band BIGINT, h BIGINT, doc BIGINT)`); err != nil {
		return err
	}
	workers := runtime.GOMAXPROCS(0)
	caches := make([]map[uint64][bands]int64, workers)
	signers := make([]*textSigner, workers)
	for i := range caches {
		caches[i] = map[uint64][bands]int64{}
		signers[i] = newTextSigner()
	}
	bandRows, err := store.NewInserter(ctx, dst, "text_bands")
	if err != nil {
		return err
	}
	t0 := time.Now()
	keys, err := loadAccountKeys(ctx, src)
	if err != nil {
		return err
	}
	var docs docList
	firstDoc := map[uint64]int32{} // template key → its first status (bounded as the signers' caches)
	var repeats [][2]int32         // statuses that repeat a template, with its first
	sign := func(b store.Batch) error {
		var instance, body func(int) string
		var account, status, isHTML func(int) int64
		if err := store.Columns(b, &instance, &account, &status, &body, &isHTML); err != nil {
			return err
		}
		// Sign the batch on every core, then hand the rows over in order.
		type signed struct {
			hs    [bands]int64
			words int
			key   uint64
			acct  int32
			ok    bool
		}
		sig := make([]signed, store.Rows(b))
		for i := range sig {
			k, ok := keys.key(instance(i), account(i))
			if ok && k > math.MaxInt32 {
				return errors.New("text: more than 2^31 accounts")
			}
			sig[i].acct, sig[i].ok = int32(k), ok // a status of no known account is left out
		}
		var wg sync.WaitGroup
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for i := w; i < len(sig); i += workers {
					if sig[i].ok {
						sig[i].hs, sig[i].words, sig[i].key, sig[i].ok = signers[w].signCached(caches[w], body(i), isHTML(i) == 1)
					}
				}
			}(w)
		}
		wg.Wait()
		for i, sg := range sig {
			if !sg.ok {
				continue
			}
			n, err := docs.add(textDoc{status: status(i), acct: sg.acct, words: int32(min(sg.words, math.MaxInt32))})
			if err != nil {
				return err
			}
			// A repeat of a template seen lately joins its first status
			// here; only a new template's bands go to DuckDB.
			if first, seen := firstDoc[sg.key]; seen {
				repeats = append(repeats, [2]int32{n, first})
				continue
			}
			if len(firstDoc) >= maxSignCache {
				clear(firstDoc)
			}
			firstDoc[sg.key] = n
			for band, h := range sg.hs {
				if err := bandRows.AddInt64(int64(band), h, int64(n)); err != nil {
					return err
				}
			}
		}
		return nil
	}
	// A range of statuses at a time: the driver holds a result whole.
	ranges, err := store.RowidRanges(ctx, src, "statuses", perQuery)
	for i := 0; i < len(ranges) && err == nil; i++ {
		err = store.ArrowQuery(ctx, src, `
SELECT s.instance, s.account_id, s.status_id, coalesce(s.content_html, s.text) AS body, (s.content_html IS NOT NULL)::INTEGER::BIGINT AS is_html
FROM statuses s
WHERE s.rowid >= $1 AND s.rowid < $2 AND s.account_id IS NOT NULL
  AND coalesce(s.content_html, s.text) IS NOT NULL AND s.reblog_of_id IS NULL`, sign, ranges[i][0], ranges[i][1])
	}
	if cerr := bandRows.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	log.Debug("link text", "phase", "signed", "statuses", docs.n, "repeats", len(repeats), "seconds", time.Since(t0).Seconds())
	t0 = time.Now()
	// Statuses sharing a band hash are one group, transitively: each joins
	// the first status of each bucket it is in.
	uf := newUnionFind(int(docs.n))
	for _, r := range repeats {
		uf.union(int(r[0]), int(r[1]))
	}
	repeats = nil
	err = store.ArrowQuery(ctx, dst, `
SELECT t.doc, m.first
FROM text_bands t
JOIN (SELECT band, h, min(doc) AS first FROM text_bands GROUP BY band, h HAVING count(*) > 1) m USING (band, h)
WHERE t.doc <> m.first`, func(b store.Batch) error {
		var doc, first func(int) int64
		if err := store.Columns(b, &doc, &first); err != nil {
			return err
		}
		for i := 0; i < store.Rows(b); i++ {
			uf.union(int(doc(i)), int(first(i)))
		}
		return nil
	})
	if err != nil {
		return err
	}
	if _, err := dst.ExecContext(ctx, `DROP TABLE text_bands`); err != nil {
		return err
	}
	log.Debug("link text", "phase", "buckets", "seconds", time.Since(t0).Seconds())
	t0 = time.Now()
	// A group is evidence when it spans two or more accounts; it is named
	// by its first status.
	type group struct {
		first  int64 // the least status id
		acct   int32 // an account of it
		shared bool  // more than one account
	}
	groups := map[int32]group{}
	for d := int32(0); d < docs.n; d++ {
		r := int32(uf.find(int(d)))
		if uf.size[r] < 2 {
			continue
		}
		doc := docs.at(d)
		g, ok := groups[r]
		switch {
		case !ok:
			g = group{first: doc.status, acct: doc.acct}
		default:
			g.first = min(g.first, doc.status)
			g.shared = g.shared || doc.acct != g.acct
		}
		groups[r] = g
	}
	err = store.InsertAll(ctx, dst, string(schema.TextClusters), func(add func(...any) error) error {
		for d := int32(0); d < docs.n; d++ {
			r := int32(uf.find(int(d)))
			if uf.size[r] < 2 || !groups[r].shared {
				continue
			}
			doc := docs.at(d)
			if err := add(int64(doc.acct), doc.status, "text~"+strconv.FormatInt(groups[r].first, 10), int64(doc.words)); err != nil {
				return err
			}
		}
		return nil
	}, "acct_key", "status_id", "text_group", "words")
	if err != nil {
		return err
	}
	_, err = dst.ExecContext(ctx, `
-- How long a group's messages are (the median, in words of the template).
INSERT INTO text_groups BY NAME
SELECT text_group AS value, median(words)::BIGINT AS words FROM text_clusters GROUP BY ALL;
INSERT INTO evidence BY NAME SELECT DISTINCT acct_key, 'text' AS kind, text_group AS value FROM text_clusters`)
	log.Debug("link text", "phase", "groups", "groups", len(groups), "seconds", time.Since(t0).Seconds())
	return err
}

// textRange is how many statuses' rowids one query of the text step
// spans (a few hundred megabytes of text at most).
const textRange = 1 << 19

// accountKeys finds an account's key (account_keys.acct_key) by a binary
// search of its instance's account ids: 16 bytes an account, where a join
// in DuckDB would build its hash table again for every range of statuses.
type accountKeys map[string]*instanceKeys

type instanceKeys struct{ ids, keys []int64 }

func loadAccountKeys(ctx context.Context, conn *sql.Conn) (accountKeys, error) {
	keys := accountKeys{}
	err := store.ArrowQuery(ctx, conn, `SELECT instance, account_id, acct_key FROM account_keys ORDER BY instance, account_id`, func(b store.Batch) error {
		var instance func(int) string
		var id, key func(int) int64
		if err := store.Columns(b, &instance, &id, &key); err != nil {
			return err
		}
		for i := 0; i < store.Rows(b); i++ {
			in := keys[instance(i)]
			if in == nil {
				in = &instanceKeys{}
				keys[strings.Clone(instance(i))] = in
			}
			in.ids, in.keys = append(in.ids, id(i)), append(in.keys, key(i))
		}
		return nil
	})
	return keys, err
}

func (a accountKeys) key(instance string, id int64) (int64, bool) {
	in := a[instance]
	if in == nil {
		return 0, false
	}
	i, ok := slices.BinarySearch(in.ids, id)
	if !ok {
		return 0, false
	}
	return in.keys[i], true
}

// textDoc is a signed status: its id, its account's key and its length
// in words.
type textDoc struct {
	status      int64
	acct, words int32
}

// docList holds the signed statuses in chunks, so that a list of millions
// never needs one block of memory or a copy to grow.
type docList struct {
	chunks [][]textDoc
	n      int32
}

const docChunk = 1 << 16

func (l *docList) add(d textDoc) (int32, error) {
	if l.n == math.MaxInt32 {
		return 0, errors.New("text: more than 2^31 statuses to sign")
	}
	if int(l.n)%docChunk == 0 {
		l.chunks = append(l.chunks, make([]textDoc, 0, docChunk))
	}
	c := &l.chunks[len(l.chunks)-1]
	*c = append(*c, d)
	l.n++
	return l.n - 1, nil
}

func (l *docList) at(i int32) textDoc { return l.chunks[i/docChunk][i%docChunk] }
