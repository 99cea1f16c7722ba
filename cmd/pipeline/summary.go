package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"

	"fediforensics/pipeline"
	"fediforensics/pipeline/ipinfo"
	"fediforensics/pipeline/report"
	"fediforensics/pipeline/store"
)

func printSummary(w io.Writer, m *pipeline.Manifest, out string) {
	printUnread(w, m.Unread)
	fmt.Fprintf(w, "dump       %s (%s, %d bytes)\n", m.Input.Path, m.Input.Kind, m.Input.Bytes)
	fmt.Fprintf(w, "instances  %v\n", m.Instances)
	fmt.Fprintf(w, "\n%-24s %10s %10s %12s\n", "table", "read", "loaded", "quarantined")
	for _, t := range m.Tables {
		if t.Read == 0 && t.Loaded == 0 && t.Quarantined == 0 {
			continue // a table the dump does not have
		}
		fmt.Fprintf(w, "%-24s %10d %10d %12d\n", t.Table, t.Read, t.Loaded, t.Quarantined)
	}
	var kinds []string
	var total int64
	for k, n := range m.Warnings {
		kinds = append(kinds, k)
		total += n
	}
	sort.Strings(kinds)
	fmt.Fprintf(w, "\nwarnings   %d", total)
	if total > 0 {
		fmt.Fprint(w, " (see the warnings table)")
	}
	fmt.Fprintln(w)
	for _, k := range kinds {
		fmt.Fprintf(w, "  %-22s %d\n", k, m.Warnings[k])
	}
	if m.Whois != nil {
		fmt.Fprintln(w)
		printWhois(w, m.Whois)
	}
	if out != "" {
		fmt.Fprintf(w, "\noutput     %s\n", out)
	}
	if s, ok := m.Settings["ipdb"]; ok {
		fmt.Fprintf(w, "\nip enrichment  %s\n", s)
	}
}

// printUnread leads the summary with the members skipped whole for their
// header: their tables are missing from the output, and nothing else in
// the summary would say so.
func printUnread(w io.Writer, unread []pipeline.UnreadMember) {
	if len(unread) == 0 {
		return
	}
	fmt.Fprintf(w, "NOT LOADED %d member(s) named for a table were skipped for their header: their rows are missing from this output\n", len(unread))
	for _, u := range unread {
		found := strings.Join(u.Found, ", ")
		if found == "" {
			found = "(none)"
		}
		fmt.Fprintf(w, "  %s (%s, %s): %s\n", report.Printable(u.Path), u.Table, u.Instance, report.Printable(u.Reason))
		fmt.Fprintf(w, "    required: %s\n    found:    %s\n", strings.Join(u.Required, ", "), report.Printable(found))
	}
	fmt.Fprintln(w)
}

// printWhois says how much registrant data there is, and what to do about
// what is missing.
func printWhois(w io.Writer, c *pipeline.WhoisCoverage) {
	fmt.Fprintf(w, "whois      %s\n", c.Line())
	if c.Advice != "" {
		fmt.Fprintf(w, "  !! %s\n", c.Advice)
	}
}

// ipSummary is the line the run summary and the manifest give of the
// ipinfo stage.
func ipSummary(r ipinfo.Result) string {
	if r.Skipped {
		return "skipped: no --ipdb database given, ip_info is empty (README: IP enrichment)"
	}
	var names []string
	for _, d := range r.Databases {
		n := d.Name
		if d.Built != "" {
			n += " built " + d.Built[:10]
		}
		names = append(names, n)
	}
	s := fmt.Sprintf("%d of %d addresses known to %s; %d hosting", r.Known, r.Addresses, strings.Join(names, ", "), r.Hosting)
	if r.Invalid > 0 {
		s += fmt.Sprintf("; %d values are not addresses", r.Invalid)
	}
	return s
}

// topCampaigns gives one line for each of the n strongest campaigns.
func topCampaigns(ctx context.Context, db *sql.DB, n int) ([]string, error) {
	var out []string
	err := store.Each(ctx, db, "top campaigns", `SELECT campaign_id, score, summary FROM campaigns
ORDER BY score DESC, accounts DESC, campaign_id LIMIT ?`, []any{n}, func(r *sql.Rows) error {
		var id, summary string
		var score float64
		if err := r.Scan(&id, &score, &summary); err != nil {
			return err
		}
		out = append(out, fmt.Sprintf("%s  %.2f  %s", id, score, report.Printable(summary)))
		return nil
	})
	return out, err
}

// linkSummary says how many campaigns linking found, how many groups fell
// below the minimum of evidence, and what it did with values too large to
// pair.
func linkSummary(ctx context.Context, db *sql.DB, out string) (string, error) {
	var campaigns, pairs, weak, large, keys, notChance int64
	err := db.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM campaigns), (SELECT count(*) FROM campaigns WHERE accounts = 2),
  (SELECT count(*) FROM weak_groups), large_values, keys_linking, keys_not_chance FROM link_stats`).Scan(&campaigns, &pairs, &weak, &large, &keys, &notChance)
	if err != nil {
		return "", fmt.Errorf("link summary: %w", err)
	}
	s := fmt.Sprintf("campaigns  %d (%d of two accounts); %d weaker groups below the minimum of evidence, in %s", campaigns, pairs, weak,
		filepath.Join(out, "reports", "weak_groups.csv"))
	if large > 0 {
		s += fmt.Sprintf("\n           %d values held by too many groups to pair linked through %d keys (%d shared far beyond chance); combinations of three or more such values are not looked for", large, keys, notChance)
	}
	return s, nil
}

// topHubs gives one line for each of the n values shared by most accounts
// that linking left out, and why.
func topHubs(ctx context.Context, db *sql.DB, n int) ([]string, error) {
	var out []string
	err := store.Each(ctx, db, "suppressed", `SELECT kind, label, accounts, reason FROM suppressed
ORDER BY accounts DESC, kind, value LIMIT ?`, []any{n}, func(r *sql.Rows) error {
		var kind, value, reason string
		var accounts int64
		if err := r.Scan(&kind, &value, &accounts, &reason); err != nil {
			return err
		}
		out = append(out, fmt.Sprintf("%s %s (%d accounts): %s", kind, report.Printable(value), accounts, reason))
		return nil
	})
	return out, err
}
