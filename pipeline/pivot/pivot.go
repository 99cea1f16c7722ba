// Package pivot answers "what connects to this?" for a registrant, email,
// domain, app, IP, network (AS) or account of an output: step by step, with counts at
// each step, and a warning where a count is too large to mean much.
package pivot

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"strings"

	"fediforensics/pipeline/report"
	"fediforensics/pipeline/store"
)

// Kinds are the things one can pivot from.
func Kinds() []string {
	return []string{"registrant", "email", "domain", "app", "ip", "asn", "account"}
}

// Common is the count past which a value is "too common to mean much".
const Common = 1000

// Result is a pivot: the value, what it resolved to, and the steps out.
type Result struct {
	Kind     string   `json:"kind"`
	Value    string   `json:"value"`
	Matches  []string `json:"matches"` // the stored values the input matched
	Steps    []Step   `json:"steps"`
	Warnings []string `json:"warnings,omitempty"`
}

// Step is one hop: what was found, how many, and the first few.
type Step struct {
	What  string `json:"what"`
	Count int    `json:"count"`
	Rows  []Row  `json:"rows"`
}

// Row is one thing found, with a note.
type Row struct {
	Value string `json:"value"`
	Note  string `json:"note,omitempty"`
}

// Options bound the output.
type Options struct {
	Limit int // rows shown per step (default 20)
}

// Run pivots from value of kind.
func Run(ctx context.Context, db *sql.DB, kind, value string, opt Options) (*Result, error) {
	if opt.Limit <= 0 {
		opt.Limit = 20
	}
	r := &Result{Kind: kind, Value: value}
	p := &pivoter{ctx: ctx, db: db, r: r, limit: opt.Limit}
	v := strings.TrimSpace(value)
	var err error
	switch kind {
	case "registrant":
		err = p.registrant(v)
	case "email":
		err = p.email(v)
	case "domain":
		err = p.domain(v)
	case "app":
		err = p.app(v)
	case "ip":
		err = p.ip(v)
	case "asn":
		err = p.asn(v)
	case "account":
		err = p.account(v)
	default:
		return nil, fmt.Errorf("unknown pivot %q: one of %s", kind, strings.Join(Kinds(), ", "))
	}
	return r, err
}

type pivoter struct {
	ctx   context.Context
	db    *sql.DB
	r     *Result
	limit int
}

// step runs a query of (value, note) rows, ordered, and records the step.
// The key set of its values is returned for the next hop.
func (p *pivoter) step(what, q string, args ...any) ([]string, error) {
	rows, err := p.db.QueryContext(p.ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("pivot %s: %w", what, err)
	}
	defer rows.Close()
	st := Step{What: what}
	var all []string
	for rows.Next() {
		var v, note sql.NullString
		if err := rows.Scan(&v, &note); err != nil {
			return nil, err
		}
		all = append(all, v.String)
		if len(st.Rows) < p.limit {
			st.Rows = append(st.Rows, Row{Value: v.String, Note: note.String})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	st.Count = len(all)
	if st.Count > Common {
		p.r.Warnings = append(p.r.Warnings, fmt.Sprintf("%d %s: too common to mean much on its own", st.Count, what))
	}
	p.r.Steps = append(p.r.Steps, st)
	return all, nil
}

func (p *pivoter) campaignsOfAccounts(keys []string) error {
	if len(keys) == 0 {
		return nil
	}
	list := sqlList(keys)
	_, err := p.step("campaigns", `
SELECT c.campaign_id, 'score ' || c.score || ', ' || c.accounts || ' accounts: ' || c.summary
FROM campaigns c WHERE c.campaign_id IN (
  SELECT campaign_id FROM campaign_members WHERE instance || '/' || account_id IN (`+list+`))
ORDER BY c.score DESC, c.campaign_id`)
	return err
}

func (p *pivoter) registrant(v string) error {
	v = strings.ToLower(v)
	matches, err := p.step("registrant values", `
SELECT DISTINCT value, NULL FROM registrant_values
WHERE value = ? OR substr(value, strpos(value, ':') + 1) = ? OR value = 'email:' || canonical_email(?)
   OR value IN (SELECT 'email~' || grp FROM email_groups WHERE email = canonical_email(?))
ORDER BY value`, v, v, v, v)
	if err != nil {
		return err
	}
	p.r.Matches = matches
	if len(matches) == 0 {
		return nil
	}
	if _, err := p.step("near-identical emails", `
SELECT email, 'group ' || grp FROM email_groups WHERE grp IN (SELECT grp FROM email_groups WHERE email = canonical_email(?)) AND email <> canonical_email(?)
ORDER BY email`, v, v); err != nil {
		return err
	}
	domains, err := p.step("domains", `
SELECT d.domain, coalesce(d.statuses, 0) || ' statuses by ' || coalesce(d.accounts, 0) || ' accounts' || CASE WHEN d.promoted THEN ', promoted' ELSE '' END
FROM (SELECT DISTINCT domain FROM registrant_values WHERE value IN (`+sqlList(matches)+`)) r
LEFT JOIN domains d USING (domain) ORDER BY d.accounts DESC NULLS LAST, r.domain`)
	if err != nil {
		return err
	}
	return p.domainsOut(domains)
}

// domainsOut follows domains to the campaigns and accounts promoting them.
func (p *pivoter) domainsOut(domains []string) error {
	if len(domains) == 0 {
		return nil
	}
	accts, err := p.step("accounts promoting them", `
SELECT DISTINCT r.instance || '/' || r.account_id, a.acct
FROM domain_refs r LEFT JOIN accounts a ON a.instance = r.instance AND a.account_id = r.account_id
WHERE r.domain IN (`+sqlList(domains)+`) AND r.source IN ('status', 'card', 'note', 'field') AND r.account_id IS NOT NULL
ORDER BY 1`)
	if err != nil {
		return err
	}
	if err := p.campaignsOfAccounts(accts); err != nil {
		return err
	}
	_, err = p.step("apps declaring them", `
SELECT DISTINCT p.instance || '#' || p.app_id, p.name FROM domain_refs r JOIN apps p ON p.instance = r.instance AND p.app_id = r.source_id
WHERE r.domain IN (`+sqlList(domains)+`) AND r.source LIKE 'app_%' ORDER BY 1`)
	return err
}

func (p *pivoter) email(v string) error {
	matches, err := p.step("accounts with this email (canonical, or near-identical)", `
SELECT a.instance || '/' || a.account_id, a.acct || ' <' || a.email || '>'
FROM accounts a
WHERE canonical_email(a.email) = canonical_email(?)
   OR canonical_email(a.email) IN (SELECT email FROM email_groups WHERE grp IN (SELECT grp FROM email_groups WHERE email = canonical_email(?)))
ORDER BY 1`, v, v)
	if err != nil {
		return err
	}
	p.r.Matches = matches
	if err := p.campaignsOfAccounts(matches); err != nil {
		return err
	}
	domains, err := p.step("domains this email registered", `
SELECT DISTINCT domain, NULL FROM registrant_values WHERE value = 'email:' || canonical_email(?)
   OR value IN (SELECT 'email~' || grp FROM email_groups WHERE email = canonical_email(?)) ORDER BY 1`, v, v)
	if err != nil {
		return err
	}
	p.r.Matches = append(p.r.Matches, domains...)
	return p.domainsOut(domains)
}

func (p *pivoter) domain(v string) error {
	v = strings.TrimSuffix(strings.ToLower(v), ".")
	matches, err := p.step("domain", `SELECT domain, sources FROM domains WHERE domain = ? OR domain_unicode = ? ORDER BY 1`, v, v)
	if err != nil {
		return err
	}
	p.r.Matches = matches
	if len(matches) == 0 {
		return nil
	}
	if _, err := p.step("WHOIS observations", `
SELECT source || ' ' || status || ' ' || strftime(observed_at, '%Y-%m-%d'),
       concat_ws(' | ', registrar, registrant_name, registrant_org, registrant_email, strftime(created, 'created %Y-%m-%d'))
FROM whois WHERE domain IN (`+sqlList(matches)+`) AND status <> 'skipped' ORDER BY observed_at, source`); err != nil {
		return err
	}
	if _, err := p.step("registrants", `SELECT value, NULL FROM registrant_values WHERE domain IN (`+sqlList(matches)+`) ORDER BY value`); err != nil {
		return err
	}
	return p.domainsOut(matches)
}

func (p *pivoter) app(v string) error {
	matches, err := p.step("apps", `
SELECT instance || '#' || app_id, name || coalesce(' (' || website || ')', '') FROM apps
WHERE instance || '#' || app_id = ? OR client_id = ? OR lower(name) = lower(?) OR CAST(app_id AS VARCHAR) = ?
ORDER BY 1`, v, v, v, v)
	if err != nil {
		return err
	}
	p.r.Matches = matches
	if len(matches) == 0 {
		return nil
	}
	accts, err := p.step("accounts it created or posted for", `
SELECT DISTINCT instance || '/' || account_id, NULL FROM (
  SELECT instance, account_id FROM accounts WHERE instance || '#' || created_by_application_id IN (`+sqlList(matches)+`)
  UNION SELECT instance, account_id FROM statuses WHERE instance || '#' || application_id IN (`+sqlList(matches)+`))
ORDER BY 1`)
	if err != nil {
		return err
	}
	if err := p.campaignsOfAccounts(accts); err != nil {
		return err
	}
	domains, err := p.step("its website and redirect domains", `
SELECT DISTINCT domain, source FROM domain_refs WHERE source LIKE 'app_%' AND instance || '#' || source_id IN (`+sqlList(matches)+`) ORDER BY 1`)
	if err != nil {
		return err
	}
	if len(domains) == 0 {
		return nil
	}
	_, err = p.step("registrants of those domains", `SELECT value, domain FROM registrant_values WHERE domain IN (`+sqlList(domains)+`) ORDER BY 1, 2`)
	return err
}

// ip walks from an address, or from the /24 or /64 of an address or
// prefix, to the accounts seen there (each counted once, with the
// addresses and sources it was seen at), what the network databases say
// of those addresses, and the campaigns.
func (p *pivoter) ip(v string) error {
	const match = `ip IS NOT NULL AND (ip = $1 OR ip_prefix(ip) = $1 OR ip_prefix(ip) = ip_prefix($1))`
	addrs, err := p.step("addresses", `
SELECT ip, count(DISTINCT (instance, account_id)) || ' accounts' FROM ip_history
WHERE account_id IS NOT NULL AND `+match+` GROUP BY ip ORDER BY count(DISTINCT (instance, account_id)) DESC, ip`, v)
	if err != nil {
		return err
	}
	p.r.Matches = addrs
	if len(addrs) == 0 {
		return nil
	}
	if err := p.networksOf(`SELECT ip FROM ip_history WHERE `+match, v); err != nil {
		return err
	}
	accts, err := p.step("accounts seen at this address or prefix", `
SELECT instance || '/' || account_id, string_agg(DISTINCT ip || ' (' || source || ')', ', ' ORDER BY ip || ' (' || source || ')')
FROM ip_history WHERE account_id IS NOT NULL AND `+match+`
GROUP BY instance, account_id ORDER BY 1`, v)
	if err != nil {
		return err
	}
	return p.campaignsOfAccounts(accts)
}

// networksOf is the step saying what ip_info knows of the addresses the
// query gives (with args): one row per AS. Outputs made without --ipdb,
// or before ip_info existed, have nothing to say, and say so.
func (p *pivoter) networksOf(addrs string, args ...any) error {
	ok, err := p.enriched(false)
	if err != nil || !ok {
		return err
	}
	_, err = p.step("networks (from the --ipdb databases)", `
SELECT coalesce('AS' || asn, 'no AS known'),
       concat_ws(', ', min(as_org), string_agg(DISTINCT country, ' ' ORDER BY country), count(*) || ' addresses',
                 CASE WHEN bool_or(hosting) THEN count(*) FILTER (WHERE hosting) || ' hosting: ' || min(why) END)
FROM ip_info WHERE ip IN (`+addrs+`) AND source IS NOT NULL
GROUP BY asn ORDER BY count(*) DESC, asn NULLS LAST`, args...)
	return err
}

// enriched says whether the output holds IP enrichment (ip_info with
// rows); if not and warn, the result says why nothing is shown.
func (p *pivoter) enriched(warn bool) (bool, error) {
	var n int64
	err := p.db.QueryRowContext(p.ctx, `SELECT count(*) FROM information_schema.tables WHERE table_name = 'ip_info'`).Scan(&n)
	if err == nil && n > 0 {
		err = p.db.QueryRowContext(p.ctx, `SELECT count(*) FROM (SELECT 1 FROM ip_info WHERE source IS NOT NULL LIMIT 1)`).Scan(&n)
	}
	if err != nil {
		return false, fmt.Errorf("pivot: ip_info: %w", err)
	}
	if n == 0 && warn {
		p.r.Warnings = append(p.r.Warnings, "no IP enrichment in this output: run it with --ipdb (README: IP enrichment) to see who routes these addresses")
	}
	return n > 0, nil
}

// asn walks from an autonomous system (AS7922, 7922, or a part of its
// owner's name) to its addresses in this output, the accounts seen at them
// and their campaigns. A network links no accounts: the walk shows who
// used it, not who is connected.
func (p *pivoter) asn(v string) error {
	ok, err := p.enriched(true)
	if err != nil || !ok {
		return err
	}
	num := strings.TrimPrefix(strings.ToUpper(v), "AS")
	const match = `(CAST(asn AS VARCHAR) = $1 OR lower(as_org) = lower($2) OR (length($2) >= 4 AND strpos(lower(as_org), lower($2)) > 0))`
	nets, err := p.step("networks", `
SELECT 'AS' || asn, min(as_org) || ', ' || count(*) || ' addresses' || coalesce(', ' || string_agg(DISTINCT country, ' ' ORDER BY country), '')
FROM ip_info WHERE asn IS NOT NULL AND `+match+` GROUP BY asn ORDER BY count(*) DESC, asn`, num, v)
	if err != nil {
		return err
	}
	p.r.Matches = nets
	if len(nets) == 0 {
		return nil
	}
	in := `SELECT ip FROM ip_info WHERE asn IS NOT NULL AND ` + match
	if _, err := p.step("addresses", `
SELECT i.ip, concat_ws(', ', 'AS' || i.asn, i.country, i.network, count(DISTINCT (h.instance, h.account_id)) || ' accounts',
                       CASE WHEN i.hosting THEN 'hosting: ' || i.why END)
FROM ip_info i JOIN ip_history h ON h.ip = i.ip AND h.account_id IS NOT NULL
WHERE i.ip IN (`+in+`) GROUP BY i.ip, i.asn, i.country, i.network, i.hosting, i.why ORDER BY count(DISTINCT (h.instance, h.account_id)) DESC, i.ip`, num, v); err != nil {
		return err
	}
	accts, err := p.step("accounts seen at those addresses", `
SELECT instance || '/' || account_id, string_agg(DISTINCT ip || ' (' || source || ')', ', ' ORDER BY ip || ' (' || source || ')')
FROM ip_history WHERE account_id IS NOT NULL AND ip IN (`+in+`)
GROUP BY instance, account_id ORDER BY 1`, num, v)
	if err != nil {
		return err
	}
	if len(accts) > 1 {
		p.r.Warnings = append(p.r.Warnings, fmt.Sprintf("%d accounts used this network; a network links no accounts (a consumer ISP serves millions): only the campaigns below, linked by other evidence, are connected", len(accts)))
	}
	return p.campaignsOfAccounts(accts)
}

func (p *pivoter) account(v string) error {
	matches, err := p.step("account", `
SELECT instance || '/' || account_id, acct || coalesce(' <' || email || '>', '') FROM accounts
WHERE instance || '/' || account_id = ? OR acct = ? OR acct || '@' || instance = ? OR CAST(account_id AS VARCHAR) = ?
ORDER BY 1`, v, v, strings.TrimPrefix(v, "@"), v)
	if err != nil {
		return err
	}
	p.r.Matches = matches
	if len(matches) == 0 {
		return nil
	}
	if err := p.campaignsOfAccounts(matches); err != nil {
		return err
	}
	_, err = p.step("evidence it shares", `
SELECT e.kind || ' ' || e.value, a.accounts || ' accounts' || coalesce(', suppressed: ' || a.suppressed, '')
FROM evidence e JOIN account_keys k USING (acct_key) JOIN attributes a ON a.kind = e.kind AND a.value = e.value
WHERE k.instance || '/' || k.account_id IN (`+sqlList(matches)+`)
ORDER BY a.suppressed IS NOT NULL, a.weight DESC, e.kind, e.value`)
	return err
}

// sqlList renders values as a SQL list of string literals.
func sqlList(vals []string) string {
	if len(vals) == 0 {
		return "NULL"
	}
	q := make([]string, len(vals))
	for i, v := range vals {
		q[i] = store.QuoteString(v)
	}
	return strings.Join(q, ", ")
}

// Print writes a pivot as text.
func Print(w io.Writer, r *Result) {
	fmt.Fprintf(w, "%s %s\n", r.Kind, report.Printable(r.Value))
	if len(r.Matches) == 0 {
		fmt.Fprintln(w, "  nothing in this output matches")
	}
	for _, st := range r.Steps {
		if len(r.Matches) == 0 {
			break
		}
		fmt.Fprintf(w, "\n%s: %d\n", st.What, st.Count)
		for _, row := range st.Rows {
			if row.Note != "" {
				fmt.Fprintf(w, "  %s  %s\n", report.Printable(row.Value), report.Printable(row.Note))
			} else {
				fmt.Fprintf(w, "  %s\n", report.Printable(row.Value))
			}
		}
		if st.Count > len(st.Rows) {
			fmt.Fprintf(w, "  (+%d more)\n", st.Count-len(st.Rows))
		}
	}
	for _, wn := range r.Warnings {
		fmt.Fprintf(w, "\nwarning: %s\n", wn)
	}
}
