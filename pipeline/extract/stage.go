package extract

import (
	"context"
	"database/sql"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"fediforensics/pipeline/store"
)

//go:embed sql/domains.sql
var domainsSQL string

// sourcesQuery gives every text that may hold a domain, one row per source
// object (statuses with no dotted word, URL or defanged dot in them are left
// to DuckDB's regexp engine to pass over): what it is, whose, what kind of content, the content, and (for
// statuses) the URLs of the accounts it mentions, which are not promoted.
const sourcesQuery = `
SELECT s.instance, 'status' AS source, s.status_id::VARCHAR AS source_id, s.account_id::VARCHAR AS account_id,
       CASE WHEN s.content_html IS NOT NULL THEN 'html' ELSE 'text' END AS kind,
       coalesce(s.content_html, s.text) AS content, m.urls
FROM statuses s
LEFT JOIN (SELECT instance, status_id, string_agg(url, ' ') AS urls FROM mentions WHERE url IS NOT NULL GROUP BY ALL) m
  ON m.instance = s.instance AND m.status_id = s.status_id
WHERE regexp_matches(coalesce(s.content_html, s.text), '(?i)[\pL\pN][.][\pL]|://|\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)')
UNION ALL
SELECT instance, 'email', account_id::VARCHAR, account_id::VARCHAR, 'email', email, NULL FROM accounts WHERE email IS NOT NULL
UNION ALL
SELECT instance, 'note', account_id::VARCHAR, account_id::VARCHAR, CASE WHEN note LIKE '%<%' THEN 'html' ELSE 'text' END, note, NULL
FROM accounts WHERE coalesce(note, '') <> ''
UNION ALL
SELECT instance, 'field', account_id::VARCHAR, account_id::VARCHAR, 'fields', fields, NULL
FROM accounts WHERE coalesce(fields, '') NOT IN ('', '[]', '{}')
UNION ALL
SELECT instance, 'app_website', app_id::VARCHAR, NULL, 'url', website, NULL FROM apps WHERE coalesce(website, '') <> ''
UNION ALL
SELECT instance, 'app_redirect_uri', app_id::VARCHAR, NULL, 'urls', redirect_uri, NULL FROM apps WHERE coalesce(redirect_uri, '') <> ''
UNION ALL
SELECT p.instance, 'card', p.status_id::VARCHAR, s.account_id::VARCHAR, 'url', p.url, NULL
FROM preview_cards p LEFT JOIN statuses s ON s.instance = p.instance AND s.status_id = p.status_id
WHERE p.url IS NOT NULL`

const refsDDL = `CREATE OR REPLACE TABLE domain_refs (
  instance VARCHAR, source VARCHAR, source_id BIGINT, account_id BIGINT, found_in VARCHAR,
  url VARCHAR, host VARCHAR, domain VARCHAR, domain_unicode VARCHAR)`

// row is one source of the query above.
type row struct {
	instance, source, sourceID, accountID, kind, content, mentions string
}

// Run is the extract stage: it fills domain_refs and domains.
func Run(ctx context.Context, db *sql.DB, instances []string) error {
	if _, err := db.ExecContext(ctx, refsDDL); err != nil {
		return fmt.Errorf("extract: %w", err)
	}
	if err := instanceDomains(ctx, db, instances); err != nil {
		return err
	}
	src, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer src.Close()
	// Each worker extracts a share of every batch and inserts what it finds
	// through its own connection, side by side.
	workers := runtime.GOMAXPROCS(0)
	ins := make([]*store.Inserter, workers)
	for w := range ins {
		conn, err := db.Conn(ctx)
		if err != nil {
			return err
		}
		defer conn.Close()
		if ins[w], err = store.NewInserter(ctx, conn, "domain_refs"); err != nil {
			return err
		}
	}
	x := New()
	err = store.ArrowQuery(ctx, src, sourcesQuery, func(b store.Batch) error {
		rows, err := batchRows(b)
		if err != nil {
			return err
		}
		errs := make([]error, workers)
		var wg sync.WaitGroup
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for i := w; i < len(rows) && errs[w] == nil; i += workers {
					r := &rows[i]
					seen := map[Ref]bool{}
					x.Source(r.kind, r.content, strings.Fields(r.mentions), func(ref Ref) {
						if seen[ref] || errs[w] != nil {
							return
						}
						seen[ref] = true
						var uni any
						if u := Unicode(ref.Domain); u != ref.Domain {
							uni = u
						}
						errs[w] = ins[w].Add(r.instance, r.source, parseID(r.sourceID), parseID(r.accountID), ref.FoundIn,
							nullStr(ref.URL), ref.Host, ref.Domain, uni)
					})
				}
			}(w)
		}
		wg.Wait()
		return errors.Join(errs...)
	})
	for _, in := range ins {
		if cerr := in.Close(); err == nil {
			err = cerr
		}
	}
	return err
}

// Summarise builds the domains table from domain_refs.
func Summarise(ctx context.Context, db *sql.DB) error {
	return store.Exec(ctx, db, "domains", domainsSQL)
}

func parseID(s string) any {
	if s == "" {
		return nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return nil
	}
	return n
}

func nullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// Source extracts the references of one source's content by its kind.
func (x *Extractor) Source(kind, content string, mentions []string, emit func(Ref)) {
	switch kind {
	case "html":
		x.HTML(content, mentions, emit)
	case "text":
		x.Text(content, emit)
	case "email":
		if ref, ok := FromEmail(content); ok {
			emit(ref)
		}
	case "url", "urls":
		for _, u := range strings.Fields(content) {
			if ref, ok := FromURL(u); ok {
				ref.FoundIn = kind
				emit(ref)
			}
		}
	case "fields":
		var fields []struct {
			Name  string `json:"name"`
			Value string `json:"value"`
		}
		if json.Unmarshal([]byte(content), &fields) != nil {
			x.Text(content, emit)
			return
		}
		for _, f := range fields {
			if strings.Contains(f.Value, "<") {
				x.HTML(f.Value, nil, emit)
			} else {
				x.Text(f.Value, emit)
			}
		}
	}
}

// instanceDomains records the registrable domains of the instances of the
// dump: links to them are never promoted domains.
func instanceDomains(ctx context.Context, db *sql.DB, instances []string) error {
	if _, err := db.ExecContext(ctx, `CREATE OR REPLACE TABLE instance_domains (instance VARCHAR, domain VARCHAR)`); err != nil {
		return fmt.Errorf("extract: %w", err)
	}
	for _, inst := range instances {
		ref, ok := hostRef(inst)
		if !ok {
			continue
		}
		if _, err := db.ExecContext(ctx, `INSERT INTO instance_domains VALUES (?, ?)`, inst, ref.Domain); err != nil {
			return fmt.Errorf("extract: %w", err)
		}
	}
	return nil
}

// batchRows reads a batch of sourcesQuery.
func batchRows(b store.Batch) ([]row, error) {
	cols := make([]func(int) string, 7)
	for i := range cols {
		get, err := store.StringColumn(b, i)
		if err != nil {
			return nil, err
		}
		cols[i] = get
	}
	rows := make([]row, store.Rows(b))
	for i := range rows {
		rows[i] = row{cols[0](i), cols[1](i), cols[2](i), cols[3](i), cols[4](i), cols[5](i), cols[6](i)}
	}
	return rows, nil
}
