// Package link joins accounts into campaigns by the evidence they share —
// OAuth apps, emails, IPs, promoted domains, registrants, near-duplicate text,
// sign-up bursts — suppressing values too common to mean anything, and says
// for every campaign which shared values made it.
package link

import (
	"context"
	"database/sql"
	_ "embed"
	"fmt"
	"io/fs"
	"log/slog"
	"strings"
	"time"

	"fediforensics/data"
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
)

// Options steer the linking. Zero values take the defaults.
type Options struct {
	Lists     fs.FS   // common_email_providers.txt, popular_domains.txt, well_known_apps.txt
	IPCap     int     // an address shared by more accounts is a NAT or proxy exit (default 10)
	PrefixCap int     // likewise for a /24 or /64 (default 25)
	MinHub    int     // a value needs this many accounts to be a hub by share (default 50)
	HubShare  float64 // a value shared by more than this share of local accounts is a hub (default 0.5)
	Log       *slog.Logger
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
		{"registrants", func() error { return store.Exec(ctx, db, "registrants", registrantsSQL) }},
		{"signups", func() error { return store.Exec(ctx, db, "signups", signupsSQL) }},
		{"evidence", func() error { return store.Exec(ctx, db, "evidence", evidenceSQL) }},
		{"text", func() error { return textEvidence(ctx, db) }},
		{"attributes", func() error { return store.Exec(ctx, db, "attributes", attributesSQL) }},
		{"cluster", func() error {
			return cluster(ctx, db, clusterParams{Threshold: 1.0, PairCap: 200, SplitWeight: 1.2, MinSide: 5})
		}},
		{"campaigns", func() error { return store.Exec(ctx, db, "campaigns", campaignsSQL) }},
	}
	for _, s := range steps {
		t0 := time.Now()
		if err := s.run(); err != nil {
			return fmt.Errorf("link %s: %w", s.name, err)
		}
		opt.Log.Debug("link", "step", s.name, "seconds", time.Since(t0).Seconds())
	}
	return nil
}

// loadLists reads the editable lists into tables, with the settings.
func loadLists(ctx context.Context, db *sql.DB, opt Options) error {
	stmts := []string{
		`CREATE OR REPLACE TABLE list_email_providers (domain VARCHAR)`,
		`CREATE OR REPLACE TABLE list_popular_domains (domain VARCHAR)`,
		`CREATE OR REPLACE TABLE list_apps (name VARCHAR, website VARCHAR)`,
		fmt.Sprintf(`CREATE OR REPLACE TABLE link_settings AS SELECT %d AS ip_cap, %d AS prefix_cap, %d AS min_hub, %f AS hub_share`,
			opt.IPCap, opt.PrefixCap, opt.MinHub, opt.HubShare),
	}
	for _, s := range stmts {
		if _, err := db.ExecContext(ctx, s); err != nil {
			return err
		}
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
			q := `INSERT INTO ` + l.table + ` VALUES (?)`
			if l.table == "list_apps" {
				name, site, _ := strings.Cut(e, "\t")
				args = []any{strings.TrimSpace(name), strings.TrimSpace(site)}
				q = `INSERT INTO list_apps VALUES (?, ?)`
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
	rows, err := db.QueryContext(ctx, `SELECT DISTINCT canonical_email(e) FROM (
  SELECT email AS e FROM accounts WHERE email LIKE '%@%'
  UNION ALL SELECT registrant_email FROM whois WHERE registrant_email LIKE '%@%') ORDER BY 1`)
	if err != nil {
		return err
	}
	var emails []string
	for rows.Next() {
		var e string
		if err := rows.Scan(&e); err != nil {
			rows.Close()
			return err
		}
		emails = append(emails, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	groups := similarEmails(emails)
	if _, err := db.ExecContext(ctx, `CREATE OR REPLACE TABLE email_groups (email VARCHAR, grp VARCHAR)`); err != nil {
		return err
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return store.InsertAll(ctx, conn, "email_groups", func(add func(...any) error) error {
		for _, e := range emails {
			if g, ok := groups[e]; ok {
				if err := add(e, g); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// textEvidence indexes every status's text and adds near-duplicate groups
// to the evidence, and each clustered status to text_clusters.
func textEvidence(ctx context.Context, db *sql.DB) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	idx := newTextIndex()
	err = store.ArrowQuery(ctx, conn, `
SELECT k.acct_key, s.status_id, coalesce(s.content_html, s.text) AS body, (s.content_html IS NOT NULL)::INTEGER::BIGINT AS is_html
FROM statuses s JOIN account_keys k USING (instance, account_id)
WHERE coalesce(s.content_html, s.text) IS NOT NULL AND s.reblog_of_id IS NULL
ORDER BY k.acct_key, s.status_id`, func(b store.Batch) error {
		acct, err := store.Int64Column(b, 0)
		if err != nil {
			return err
		}
		status, err := store.Int64Column(b, 1)
		if err != nil {
			return err
		}
		body, err := store.StringColumn(b, 2)
		if err != nil {
			return err
		}
		isHTML, err := store.Int64Column(b, 3)
		if err != nil {
			return err
		}
		for i := 0; i < store.Rows(b); i++ {
			idx.add(acct(i), status(i), body(i), isHTML(i) == 1)
		}
		return nil
	})
	if err != nil {
		return err
	}
	accts, statuses, groups := idx.clusters()
	if _, err := conn.ExecContext(ctx, `CREATE OR REPLACE TABLE text_clusters (acct_key BIGINT, status_id BIGINT, text_group VARCHAR)`); err != nil {
		return err
	}
	if err := store.InsertAll(ctx, conn, "text_clusters", func(add func(...any) error) error {
		for i := range accts {
			if err := add(accts[i], statuses[i], groups[i]); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return err
	}
	_, err = conn.ExecContext(ctx, `INSERT INTO evidence SELECT DISTINCT acct_key, 'text', text_group FROM text_clusters`)
	return err
}
