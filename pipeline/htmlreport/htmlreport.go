// Package htmlreport writes the report of an output as one self-contained
// HTML file: the sign-up timeline of each instance with its spikes, the
// campaigns (sortable), the evidence graph, timeline, domains and members
// of each campaign, and the registrants behind the domains.
//
// The file works offline and fetches nothing: styles and the small
// sorting script are inline (and pinned by hash in its Content Security
// Policy), charts are SVG drawn here. Everything the dump's users wrote is
// escaped by html/template; domains and URLs are shown defanged and never
// as links. The same database gives the same bytes.
package htmlreport

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/base64"
	"errors"
	"fediforensics/pipeline"
	"fediforensics/pipeline/outdir"
	"fediforensics/pipeline/report"
	"fediforensics/pipeline/store"
	"fmt"
	"html"
	"html/template"
	"path/filepath"
	"strings"
	"time"
)

//go:embed sql/*.sql
var queries embed.FS

//go:embed report.html.tmpl style.css sort.js
var assets embed.FS

// pageTemplate is the page and its charts.
var pageTemplate = template.Must(template.New("report.html.tmpl").ParseFS(assets, "report.html.tmpl"))

// FileName is the report inside an output directory.
const FileName = "report.html"

// Options of the HTML report.
type Options struct {
	NoDefang     bool   // show domains and URLs as they are (they are never links)
	Pseudonymize string // key: emails and IPs become keyed hashes, as in the CSV reports
	MaxCampaigns int    // campaigns that get a section of their own, strongest first; default 50
}

// Write writes dir/report.html atomically from the tables of db.
func Write(ctx context.Context, db *sql.DB, dir string, opt Options) error {
	if opt.MaxCampaigns <= 0 {
		opt.MaxCampaigns = 50
	}
	p, err := load(ctx, db, opt)
	if err != nil {
		return fmt.Errorf("html report: %w", err)
	}
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, p); err != nil {
		return fmt.Errorf("html report: %w", err)
	}
	return outdir.WriteFile(filepath.Join(dir, FileName), buf.Bytes())
}

// Page is what the template shows.
type page struct {
	CSS           template.CSS
	Script        template.JS
	CSP           string
	Instances     []instanceView
	Stats         []stat
	Timelines     []timelineView
	Campaigns     []campaignRow
	Details       []campaignDetail
	MoreCampaigns int
	Registrants   []registrantView
	Servers       []serverView
	Defanged      bool
	Pseudonymized bool
	Period        string
	// Whois is what is known of the registrants, and what to do about
	// what is not; nil when the output has no enrich stage.
	Whois *pipeline.WhoisCoverage
}

type stat struct{ Label, Value string }

type instanceView struct {
	Name, First, Last       string
	LocalAccounts, Statuses int64
}

type timelineView struct {
	Instance string
	Chart    timeChart
	Spikes   []spikeView
}

type spikeView struct {
	From, To, TopApp, Emails string
	Networks                 string // the ASes of its sign-up addresses, with --ipdb
	Signups, Peak            int64
	Baseline, AppShare       string
	Zoom                     timeChart
}

type campaignRow struct {
	ID, Score, Level, Instances                 string
	Accounts, Peak, Direct, Recipients, NDomain int64
	UserReports, Reporters, Actioned            int64
	First, Last, FirstV                         string
	Apps, Emails, Registrants                   string
	SourceServers                               int64
	TopServers                                  string
	Domains                                     []string
	MoreDomains                                 int
	Detail                                      bool
}

type campaignDetail struct {
	campaignRow
	Summary     string
	Networks    string        // the spread of its addresses over networks, with --ipdb
	NetRows     []networkView // its networks, most used first
	MoreNets    int
	Graph       graph
	Timeline    timeChart
	Evidence    []evidenceView
	Domains     []domainView
	Members     []memberView
	MoreMembers int
}

type networkView struct {
	AS, Owner, Countries                  string
	Addresses, Accounts, HostingAddresses int64
}

type evidenceView struct {
	Kind, Type, Label, Weight, Meaning, Why string
	Accounts                                int64
}

type domainView struct {
	Domain, FirstSeen, Whois, Registrar, Created string
	Registrant                                   string
	Registrants                                  []string
	Statuses, Accounts                           int64
	Privacy                                      bool
}

type memberView struct {
	Instance, AccountID, Username, DisplayName string
	Email, IP, Created, App, Evidence          string
	Statuses, Direct                           int64
}

// serverView is a remote server some of whose accounts are in campaigns.
type serverView struct {
	Server, Share, First, Last string
	Seen, InCampaigns          int64
	Campaigns                  []campaignLink
}

type registrantView struct {
	Registrant string
	Kind       string
	Domains    []registrantDomain
}

type registrantDomain struct {
	Domain    string
	Campaigns []campaignLink
}

// campaignLink leads to a campaign's section, or to its row of the table.
type campaignLink struct{ ID, Href string }

// viewer turns the dump's text into display text.
type viewer struct {
	opt    Options
	pseudo *report.Pseudonymizer
}

// show is for any text an attacker may have written: pseudonymized if
// asked, then defanged.
func (v viewer) show(s string) string {
	s = v.pseudo.Apply(s)
	if v.opt.NoDefang {
		return s
	}
	return Defang(s)
}

// domain shows a registrable domain in its Unicode form.
func (v viewer) domain(ascii string) string {
	return v.show(report.UnicodeDomain(ascii))
}

func ts(t sql.NullTime) string {
	if !t.Valid {
		return ""
	}
	return t.Time.UTC().Format("2006-01-02 15:04:05")
}

func minute(t time.Time) string { return t.UTC().Format("2006-01-02 15:04") }

func load(ctx context.Context, db *sql.DB, opt Options) (*page, error) {
	v := viewer{opt: opt, pseudo: report.NewPseudonymizer(opt.Pseudonymize)}
	css, _ := assets.ReadFile("style.css")
	js, _ := assets.ReadFile("sort.js")
	p := &page{CSS: template.CSS(css), Script: template.JS(js), Defanged: !opt.NoDefang, Pseudonymized: opt.Pseudonymize != ""}
	p.CSP = fmt.Sprintf("default-src 'none'; style-src '%s'; script-src '%s'; img-src 'none'; base-uri 'none'; form-action 'none'",
		hash(css), hash(js))

	var first, last sql.NullTime
	err := store.EachFile(ctx, db, queries, "instances", nil, func(r *sql.Rows) error {
		var iv instanceView
		var f, l sql.NullTime
		if err := r.Scan(&iv.Name, &iv.LocalAccounts, &iv.Statuses, &f, &l); err != nil {
			return err
		}
		iv.First, iv.Last = ts(f), ts(l)
		if f.Valid && (!first.Valid || f.Time.Before(first.Time)) {
			first = f
		}
		if l.Valid && (!last.Valid || l.Time.After(last.Time)) {
			last = l
		}
		p.Instances = append(p.Instances, iv)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if first.Valid && last.Valid {
		p.Period = fmt.Sprintf("sign-ups from %s to %s UTC", minute(first.Time), minute(last.Time))
	}
	windows, err := loadTimelines(ctx, db, p, v)
	if err != nil {
		return nil, err
	}
	if err := loadCampaigns(ctx, db, p, v, opt.MaxCampaigns, windows); err != nil {
		return nil, err
	}
	if err := loadRegistrants(ctx, db, p, v); err != nil {
		return nil, err
	}
	if err := loadServers(ctx, db, p, v); err != nil {
		return nil, err
	}
	if p.Whois, err = loadWhoisCoverage(ctx, db); err != nil {
		return nil, err
	}
	var local, statuses, promoted, registrants, suppressed int64
	err = store.EachFile(ctx, db, queries, "stats", nil, func(r *sql.Rows) error {
		return r.Scan(&local, &statuses, &promoted, &registrants, &suppressed)
	})
	if err != nil {
		return nil, err
	}
	var inCampaigns, strong int64
	for _, c := range p.Campaigns {
		inCampaigns += c.Accounts
		if c.Level == "high" {
			strong++
		}
	}
	spikes := 0
	for _, t := range p.Timelines {
		spikes += len(t.Spikes)
	}
	p.Stats = []stat{
		{"local accounts", fmt.Sprint(local)},
		{"statuses", fmt.Sprint(statuses)},
		{"campaigns", fmt.Sprint(len(p.Campaigns))},
		{"campaigns scoring 0.5+", fmt.Sprint(strong)},
		{"accounts in campaigns", fmt.Sprint(inCampaigns)},
		{"sign-up spikes", fmt.Sprint(spikes)},
		{"promoted domains", fmt.Sprint(promoted)},
		{"registrant values", fmt.Sprint(registrants)},
	}
	if c := p.Whois; c != nil {
		p.Stats = append(p.Stats, stat{"domains with registrant data", fmt.Sprintf("%d of %d", c.Registrant, c.Domains)})
	}
	return p, nil
}

// detailed is the set of the campaigns the page has a section for.
func (p *page) detailed() map[string]bool {
	m := map[string]bool{}
	for _, d := range p.Details {
		m[d.ID] = true
	}
	return m
}

// campaignLinks links each of the space-separated campaign ids to the
// campaign's section where the page has one, else to its row in the table.
func campaignLinks(ids string, detailed map[string]bool) []campaignLink {
	var links []campaignLink
	for _, id := range strings.Fields(ids) {
		href := "#row-" + id
		if detailed[id] {
			href = "#" + id
		}
		links = append(links, campaignLink{ID: id, Href: href})
	}
	return links
}

// loadServers reads the remote servers behind the campaigns.
func loadServers(ctx context.Context, db *sql.DB, p *page, v viewer) error {
	detailed := p.detailed()
	return store.EachFile(ctx, db, queries, "servers", nil, func(r *sql.Rows) error {
		var s serverView
		var share float64
		var first, last sql.NullTime
		var campaigns string
		if err := r.Scan(&s.Server, &s.Seen, &s.InCampaigns, &share, &first, &last, &campaigns); err != nil {
			return err
		}
		s.Server, s.Share, s.First, s.Last = v.domain(s.Server), fmt.Sprintf("%.0f%%", 100*share), ts(first), ts(last)
		s.Campaigns = campaignLinks(campaigns, detailed)
		p.Servers = append(p.Servers, s)
		return nil
	})
}

// loadWhoisCoverage reads the enrich stage's coverage; an output made
// before the stage recorded it has none.
func loadWhoisCoverage(ctx context.Context, db *sql.DB) (*pipeline.WhoisCoverage, error) {
	var n int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM information_schema.tables WHERE table_schema = 'main' AND table_name = 'whois_coverage'`).Scan(&n); err != nil || n == 0 {
		return nil, err
	}
	c := &pipeline.WhoisCoverage{}
	err := db.QueryRowContext(ctx, `SELECT mode, domains, registrant, redacted, no_registrant, not_found, failed, skipped, live_asked, live_answered, coalesce(advice, '') FROM whois_coverage`).
		Scan(&c.Mode, &c.Domains, &c.Registrant, &c.Redacted, &c.NoRegistrant, &c.NotFound, &c.Failed, &c.Skipped, &c.LiveAsked, &c.LiveAnswered, &c.Advice)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return c, err
}

func hash(b []byte) string {
	h := sha256.Sum256(b)
	return "sha256-" + base64.StdEncoding.EncodeToString(h[:])
}

// loadTimelines draws the sign-ups of each instance and returns the
// spike windows of each.
func loadTimelines(ctx context.Context, db *sql.DB, p *page, v viewer) (map[string][]Window, error) {
	points := map[string][]TimePoint{}
	var order []string
	err := store.EachFile(ctx, db, queries, "signups", nil, func(r *sql.Rows) error {
		var inst string
		var t time.Time
		var n int64
		if err := r.Scan(&inst, &t, &n); err != nil {
			return err
		}
		if _, ok := points[inst]; !ok {
			order = append(order, inst)
		}
		points[inst] = append(points[inst], TimePoint{T: t, N: float64(n)})
		return nil
	})
	if err != nil {
		return nil, err
	}
	windows := map[string][]Window{}
	spikes := map[string][]spikeView{}
	err = store.EachFile(ctx, db, queries, "spikes", nil, func(r *sql.Rows) error {
		var inst string
		var from, to time.Time
		var s spikeView
		var baseline, share sql.NullFloat64
		var app, emails, nets sql.NullString
		var asns sql.NullInt64
		var hosting sql.NullFloat64
		if err := r.Scan(&inst, &from, &to, &s.Signups, &s.Peak, &baseline, &app, &share, &emails, &asns, &nets, &hosting); err != nil {
			return err
		}
		if asns.Valid {
			s.Networks = count(asns.Int64, "AS", "ASes")
			if nets.String != "" {
				s.Networks += ": " + v.show(nets.String)
			}
			s.Networks += fmt.Sprintf("; %.0f%% hosting", 100*hosting.Float64)
		}
		s.From, s.To = minute(from), to.UTC().Format("15:04")
		s.TopApp, s.Emails = v.show(app.String), v.show(emails.String)
		s.Baseline = fmt.Sprintf("%.3f", baseline.Float64)
		if share.Valid {
			s.AppShare = fmt.Sprintf("%.0f%%", 100*share.Float64)
		}
		w := Window{From: from, To: to, Label: fmt.Sprintf("spike %s–%s", from.UTC().Format("Jan 2 15:04"), s.To)}
		windows[inst] = append(windows[inst], w)
		// A close-up, minute by minute, an hour either side.
		s.Zoom = newTimeChart("sign-ups", zoomW, zoomH, from.Add(-time.Hour), to.Add(time.Hour), points[inst], []Window{w})
		spikes[inst] = append(spikes[inst], s)
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, inst := range order {
		pts := points[inst]
		c := newTimeChart("sign-ups", chartW, chartH, pts[0].T, pts[len(pts)-1].T, pts, windows[inst])
		p.Timelines = append(p.Timelines, timelineView{Instance: inst, Chart: c, Spikes: spikes[inst]})
	}
	return windows, nil
}

// count says n things, singular or plural.
func count(n int64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

func level(score float64) string {
	switch {
	case score >= 0.5:
		return "high"
	case score >= 0.2:
		return "mid"
	}
	return "low"
}

func loadCampaigns(ctx context.Context, db *sql.DB, p *page, v viewer, maxDetail int, spikes map[string][]Window) error {
	summaries, networks := map[string]string{}, map[string]string{}
	err := store.EachFile(ctx, db, queries, "campaigns", nil, func(r *sql.Rows) error {
		var c campaignRow
		var score, burst, hosting sql.NullFloat64
		var first, last sql.NullTime
		var peak, ips, statuses, asns, countries sql.NullInt64
		var apps, emails, domains, registrants, summary, servers sql.NullString
		var proxy sql.NullBool
		if err := r.Scan(&c.ID, &score, &c.Accounts, &c.Instances, &first, &last, &peak, &burst, &apps, &emails, &ips,
			&c.NDomain, &domains, &registrants, &statuses, &c.Direct, &c.Recipients, &summary, &asns, &countries, &hosting, &proxy,
			&c.UserReports, &c.Reporters, &c.Actioned, &c.SourceServers, &servers); err != nil {
			return err
		}
		c.TopServers = v.show(servers.String)
		if asns.Valid {
			n := fmt.Sprintf("%s across %s in %s; %.0f%% hosting", count(ips.Int64, "address", "addresses"), count(asns.Int64, "AS", "ASes"),
				count(countries.Int64, "country", "countries"), 100*hosting.Float64)
			if proxy.Bool {
				n += "; one or two accounts per address across many residential networks: the signature of a residential proxy pool"
			}
			networks[c.ID] = n
		}
		c.Score, c.Level = fmt.Sprintf("%.3f", score.Float64), level(score.Float64)
		c.First, c.Last, c.Peak = ts(first), ts(last), peak.Int64
		if first.Valid {
			c.First, c.FirstV = minute(first.Time), first.Time.UTC().Format(time.RFC3339Nano)
		}
		if last.Valid {
			c.Last = minute(last.Time)
		}
		c.Apps, c.Emails, c.Registrants = v.show(apps.String), v.show(emails.String), v.show(registrants.String)
		for i, d := range strings.Fields(domains.String) {
			if i == 3 {
				c.MoreDomains = len(strings.Fields(domains.String)) - 3
				break
			}
			c.Domains = append(c.Domains, v.domain(d))
		}
		c.Detail = len(p.Campaigns) < maxDetail
		summaries[c.ID] = v.show(summary.String)
		p.Campaigns = append(p.Campaigns, c)
		return nil
	})
	if err != nil {
		return err
	}
	p.MoreCampaigns = max(len(p.Campaigns)-maxDetail, 0)
	detail := map[string]*campaignDetail{}
	for _, c := range p.Campaigns {
		if !c.Detail {
			break
		}
		p.Details = append(p.Details, campaignDetail{campaignRow: c, Summary: summaries[c.ID], Networks: networks[c.ID]})
	}
	for i := range p.Details {
		detail[p.Details[i].ID] = &p.Details[i]
	}
	err = store.EachFile(ctx, db, queries, "campaign_networks", nil, func(r *sql.Rows) error {
		var id string
		var asn int64
		var org, countries sql.NullString
		var nv networkView
		if err := r.Scan(&id, &asn, &org, &countries, &nv.Addresses, &nv.Accounts, &nv.HostingAddresses); err != nil {
			return err
		}
		d := detail[id]
		if d == nil {
			return nil
		}
		if len(d.NetRows) >= 10 {
			d.MoreNets++
			return nil
		}
		nv.AS, nv.Owner, nv.Countries = fmt.Sprintf("AS%d", asn), v.show(org.String), countries.String
		d.NetRows = append(d.NetRows, nv)
		return nil
	})
	if err != nil {
		return err
	}
	evidence := map[string][]evidenceRow{}
	err = store.EachFile(ctx, db, queries, "evidence", nil, func(r *sql.Rows) error {
		var id string
		var e evidenceRow
		var label, meaning, why sql.NullString
		if err := r.Scan(&id, &e.Kind, &e.Value, &label, &e.Accounts, &e.Weight, &meaning, &why); err != nil {
			return err
		}
		if detail[id] == nil {
			return nil
		}
		e.Label, e.Meaning = label.String, meaning.String
		if e.Label == "" {
			e.Label = e.Value
		}
		if e.Kind == "text" {
			// Labels of texts come from the statuses' HTML.
			e.Label = html.UnescapeString(e.Label)
		}
		evidence[id] = append(evidence[id], e)
		d := detail[id]
		d.Evidence = append(d.Evidence, evidenceView{Kind: e.Kind, Type: report.EvidenceNode(e.Kind), Label: v.show(e.Label),
			Weight: num(e.Weight), Meaning: e.Meaning, Why: v.show(why.String), Accounts: e.Accounts})
		return nil
	})
	if err != nil {
		return err
	}
	signups := map[string][]TimePoint{}
	accounts := map[string][]accountNode{}
	err = store.EachFile(ctx, db, queries, "members", nil, func(r *sql.Rows) error {
		var id string
		var m memberView
		var username, display, email, ip, app, ev sql.NullString
		var created sql.NullTime
		if err := r.Scan(&id, &m.Instance, &m.AccountID, &username, &display, &email, &ip, &created, &app, &m.Statuses, &m.Direct, &ev); err != nil {
			return err
		}
		d := detail[id]
		if d == nil {
			return nil
		}
		if created.Valid {
			signups[id] = append(signups[id], TimePoint{T: created.Time, N: 1})
		}
		accounts[id] = append(accounts[id], accountNode{Key: m.Instance + "/" + m.AccountID, Label: "@" + username.String + " (" + m.Instance + ")"})
		if len(d.Members) >= 30 {
			d.MoreMembers++
			return nil
		}
		m.Username, m.DisplayName, m.Email, m.IP = v.show(username.String), v.show(display.String), v.show(email.String), v.show(ip.String)
		m.Created, m.App, m.Evidence = ts(created), v.show(app.String), ev.String
		d.Members = append(d.Members, m)
		return nil
	})
	if err != nil {
		return err
	}
	edges := map[string][]memberEdge{}
	err = store.EachFile(ctx, db, queries, "member_edges", []any{sql.Named("max_accounts", maxAccountNodes)}, func(r *sql.Rows) error {
		var id string
		var e memberEdge
		if err := r.Scan(&id, &e.Account, &e.Kind, &e.Val); err != nil {
			return err
		}
		if detail[id] != nil {
			edges[id] = append(edges[id], e)
		}
		return nil
	})
	if err != nil {
		return err
	}
	err = store.EachFile(ctx, db, queries, "campaign_domains", nil, func(r *sql.Rows) error {
		var id, ascii, uni string
		var dv domainView
		var first, created sql.NullTime
		var status, registrar, name, org, email, country, regs sql.NullString
		if err := r.Scan(&id, &ascii, &uni, &dv.Statuses, &dv.Accounts, &first, &status, &registrar, &created, &name, &org,
			&email, &country, &dv.Privacy, &regs); err != nil {
			return err
		}
		d := detail[id]
		if d == nil {
			return nil
		}
		dv.Domain, dv.Whois = v.show(uni), status.String
		if first.Valid {
			dv.FirstSeen = first.Time.UTC().Format("2006-01-02")
		}
		if dv.Whois == "" {
			dv.Whois = "no record"
		}
		dv.Registrar = v.show(registrar.String)
		if created.Valid {
			dv.Created = created.Time.UTC().Format("2006-01-02")
		}
		var who []string
		for _, s := range []sql.NullString{name, org, email, country} {
			if s.String != "" {
				who = append(who, s.String)
			}
		}
		dv.Registrant = v.show(strings.Join(who, ", "))
		for _, r := range strings.Split(regs.String, "\x1f") {
			if r != "" {
				dv.Registrants = append(dv.Registrants, v.show(r))
			}
		}
		d.Domains = append(d.Domains, dv)
		return nil
	})
	if err != nil {
		return err
	}
	for i := range p.Details {
		d := &p.Details[i]
		var ws []Window
		for _, inst := range strings.Fields(d.Instances) {
			for _, w := range spikes[inst] {
				w.Label = inst + " " + w.Label
				ws = append(ws, w)
			}
		}
		if pts := signups[d.ID]; len(pts) > 0 {
			from, to := timeSpan(pts)
			pad := max(to.Sub(from)/20, 10*time.Minute)
			d.Timeline = newTimeChart("sign-ups", chartW, chartH, from.Add(-pad), to.Add(pad), pts, ws)
		}
		d.Graph = newGraph(d.Accounts, evidence[d.ID], accounts[d.ID], edges[d.ID], v.show)
	}
	return nil
}

func loadRegistrants(ctx context.Context, db *sql.DB, p *page, v viewer) error {
	detailed := p.detailed()
	return store.EachFile(ctx, db, queries, "registrants", nil, func(r *sql.Rows) error {
		var reg, ascii, uni string
		var camps sql.NullString
		var nd, np int64
		if err := r.Scan(&reg, &ascii, &uni, &camps, &nd, &np); err != nil {
			return err
		}
		if n := len(p.Registrants); n == 0 || p.Registrants[n-1].Registrant != v.show(reg) {
			kind := reg
			if i := strings.IndexAny(reg, ":~"); i >= 0 {
				kind = reg[:i]
				if reg[i] == '~' {
					kind += " (similar)"
				}
			}
			p.Registrants = append(p.Registrants, registrantView{Registrant: v.show(reg), Kind: kind})
		}
		rv := &p.Registrants[len(p.Registrants)-1]
		dv := registrantDomain{Domain: v.show(uni), Campaigns: campaignLinks(camps.String, detailed)}
		rv.Domains = append(rv.Domains, dv)
		return nil
	})
}

// Stylesheet is the report's CSS, charts included, for other pages that
// show the same things (the notebooks).
func Stylesheet() []byte {
	b, _ := assets.ReadFile("style.css")
	return b
}
