package export

import (
	"context"
	"database/sql"
	"encoding/csv"
	"fediforensics/pipeline/outdir"
	"fediforensics/pipeline/store"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"fediforensics/pipeline/report"
)

// MinScore is the score from which a campaign's remediation is proposed
// as is (and its indicators marked malicious). Below it, the commands are
// written commented out, for review: weak campaigns are often families or
// friends behind one address.
const MinScore = 0.5

// Remediation writes dir/remediation/: what a Mastodon admin may apply
// after review.
//
//   - domain_blocks.csv, in Mastodon's import format, proposes only
//     promoted domains of strong campaigns that are the instances of
//     accounts in a campaign: domain blocks are for fediverse instances, so
//     it is often just the header (README.txt then says so);
//   - tootctl.sh blocks the campaigns' uncommon email domains (never a
//     common provider or a suppressed hub) and asks for approval of
//     sign-ups from their shared addresses and prefixes (never a hub),
//     each command after a comment naming the campaign and its score;
//   - suspend_accounts.csv lists the accounts of the strong campaigns.
//
// Only what is new is proposed: a domain, email domain or address that the
// dump's own blocks (domain_blocks, email_domain_blocks, ip_blocks) already
// cover, and an account already suspended, are left out and listed in
// already_covered.csv, with the block that covers them.
func Remediation(ctx context.Context, db *sql.DB, dir string) error {
	out := filepath.Join(dir, "remediation")
	if err := os.MkdirAll(out, 0o755); err != nil {
		return fmt.Errorf("remediation: %w", err)
	}
	have, err := loadBlocks(ctx, db)
	if err != nil {
		return fmt.Errorf("remediation: existing blocks: %w", err)
	}
	blocks, err := domainBlocks(ctx, db, filepath.Join(out, "domain_blocks.csv"), have)
	if err != nil {
		return fmt.Errorf("remediation: domain blocks: %w", err)
	}
	st, err := tootctl(ctx, db, filepath.Join(out, "tootctl.sh"), have)
	if err != nil {
		return fmt.Errorf("remediation: tootctl.sh: %w", err)
	}
	accounts, err := suspensions(ctx, db, filepath.Join(out, "suspend_accounts.csv"), have)
	if err != nil {
		return fmt.Errorf("remediation: suspensions: %w", err)
	}
	if err := have.writeCovered(filepath.Join(out, "already_covered.csv")); err != nil {
		return fmt.Errorf("remediation: already covered: %w", err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, `Remediation proposed from this output. Review every line before you apply it:
the pipeline links accounts by evidence, and evidence can mislead.

Campaigns scoring %g or more are proposed as they are; the commands of
weaker campaigns are in tootctl.sh commented out, for review.

domain_blocks.csv    Mastodon's domain block import (Moderation > Federation >
                     Import). Domain blocks are for fediverse instances: this
                     proposes the source servers of federated waves whose
                     accounts seen here are mostly in strong campaigns
                     (suspend when the campaigns are all that was seen of the
                     server, limit - "silence" in the file - when they are
                     most of it; media rejected where an image is the
                     campaign's vehicle), and promoted domains that are also
                     the instances of accounts in a campaign. A server with
                     substantial ordinary activity is never proposed: its
                     campaign accounts are in suspend_accounts.csv.
`, MinScore)
	if blocks.total() == 0 {
		b.WriteString(`                     None is: the campaigns' accounts live on the dump's own
                     instances or on servers with ordinary activity, and their
                     promoted domains are web sites, not instances. The file
                     holds only the header.
`)
	} else {
		fmt.Fprintf(&b, "                     Suspend: %d servers. Limit: %d servers. Promoted instances: %d.\n", blocks.suspend, blocks.limit, blocks.promoted)
	}
	fmt.Fprintf(&b, `tootctl.sh           tootctl email-domain-blocks and ip-blocks commands, for
                     email domains (never a common provider or a suppressed hub)
                     and sign-up addresses and prefixes that only the campaign
                     used (never a hub, never a prefix of a consumer network
                     when --ipdb says whose it is).
                     Email domains: %d. Addresses and prefixes: %d.
                     Active (not commented out): %d.
                     Left out (with the reason, in comments): %d.
suspend_accounts.csv The accounts of the campaigns scoring %g or more that are
                     not suspended yet: %d (remote accounts by their full acct,
                     user@server: a suspension here stops them reaching this
                     server).
already_covered.csv  What the campaigns would call for that the instances already
                     block or did, so it is not proposed again: domains %d, email
                     domains %d, addresses and prefixes %d, accounts already
                     suspended %d. Each row names the block that covers it.
`, st.emails, st.ips, st.active, st.leftOut, MinScore, accounts, have.count("domain"), have.count("email"), have.count("ip"), have.count("account"))
	if st.skipped > 0 {
		fmt.Fprintf(&b, "\n%d values were left out: they are not well-formed domains or addresses.\n", st.skipped)
	}
	return outdir.Write(filepath.Join(out, "README.txt"), func(w io.Writer) error {
		_, err := io.WriteString(w, b.String())
		return err
	})
}

// queryEach runs an embedded query with the minimum score bound.
func queryEach(ctx context.Context, db *sql.DB, name string, scan func(*sql.Rows) error) error {
	var q []byte
	var err error
	if base, ok := strings.CutSuffix(name, "_no_ipinfo"); ok {
		// An output without ip_info: the same query over no network data.
		if q, err = queries.ReadFile("sql/" + base + ".sql"); err == nil {
			q = []byte(strings.ReplaceAll(string(q), "JOIN ip_info i",
				"JOIN (SELECT NULL::VARCHAR AS ip, NULL::BIGINT AS asn, NULL::VARCHAR AS as_org, NULL::BOOLEAN AS hosting WHERE false) i"))
		}
	} else {
		q, err = queries.ReadFile("sql/" + name + ".sql")
	}
	if err != nil {
		return err
	}
	var args []any
	if strings.Contains(string(q), "$min_score") {
		args = append(args, sql.Named("min_score", MinScore))
	}
	return store.Each(ctx, db, name, string(q), args, scan)
}

func score(s float64) string { return ftoa(s) }

func domainBlocks(ctx context.Context, db *sql.DB, path string, have *existing) (blockCounts, error) {
	seen := map[string]bool{}
	var bc blockCounts
	header := []string{"#domain", "#severity", "#reject_media", "#reject_reports", "#public_comment", "#obfuscate"}
	_, err := csvFile(ctx, db, path, "remediation_domains", header, func(r *sql.Rows) ([]string, error) {
		var host, severity, campaign, why string
		var rejectMedia bool
		var s float64
		var rank int
		if err := r.Scan(&host, &severity, &rejectMedia, &campaign, &s, &why, &rank); err != nil {
			return nil, err
		}
		if seen[host] || !domainRE.MatchString(host) {
			return nil, nil
		}
		seen[host] = true
		if have.coveredDomain("domain", host, campaign, s) {
			return nil, nil
		}
		switch {
		case rank == 2:
			bc.promoted++
		case severity == "suspend":
			bc.suspend++
		default:
			bc.limit++
		}
		// Mastodon's file says "silence" for what its interface calls limit.
		return []string{host, severity, strconv.FormatBool(rejectMedia), strconv.FormatBool(severity == "suspend"),
			"spam campaign " + campaign + " (score " + score(s) + "): " + why, "false"}, nil
	})
	return bc, err
}

// blockCounts counts the proposed domain blocks by kind.
type blockCounts struct{ suspend, limit, promoted int }

func (b blockCounts) total() int { return b.suspend + b.limit + b.promoted }

// existing is what the instances of the dump already block, and what the
// remediation left out because of it.
type existing struct {
	domains, emails map[string][]string // domain -> the blocks of it
	ips             []ipBlock
	covered         [][]string // kind, value, campaign_id, score, covered_by
}

type ipBlock struct {
	prefix netip.Prefix
	label  string
}

// loadBlocks reads the blocks of the dump. An address block is an inet: a
// bare address is a block of that one address.
func loadBlocks(ctx context.Context, db *sql.DB) (*existing, error) {
	have := &existing{domains: map[string][]string{}, emails: map[string][]string{}}
	err := queryEach(ctx, db, "remediation_blocks", func(r *sql.Rows) error {
		var kind, value, inst, what string
		var id sql.NullInt64
		var whatN sql.NullString
		if err := r.Scan(&kind, &value, &inst, &id, &whatN); err != nil {
			return err
		}
		what = whatN.String
		label := fmt.Sprintf("%s block", map[string]string{"domain": "domain", "email": "email domain", "ip": "IP"}[kind])
		if id.Valid {
			label += fmt.Sprintf(" %d", id.Int64)
		}
		label += " on " + inst
		if what != "" {
			label += " (" + what + ")"
		}
		switch kind {
		case "domain":
			have.domains[value] = append(have.domains[value], label)
		case "email":
			have.emails[value] = append(have.emails[value], label)
		case "ip":
			p, err := netip.ParsePrefix(value)
			if err != nil {
				a, aerr := netip.ParseAddr(value)
				if aerr != nil {
					return nil // not an address: it covers nothing
				}
				p = netip.PrefixFrom(a, a.BitLen())
			}
			have.ips = append(have.ips, ipBlock{p.Masked(), label + " " + value})
		}
		return nil
	})
	return have, err
}

// coveredDomain says whether a domain block (kind "domain") or email domain
// block (kind "email") of d or of a domain above it exists, as Mastodon
// matches them, and records it if so.
func (e *existing) coveredDomain(kind, d, campaign string, s float64) bool {
	set := e.domains
	if kind == "email" {
		set = e.emails
	}
	for p := d; p != ""; {
		if by := set[p]; len(by) > 0 {
			what := strings.Join(by, "; ")
			if p != d {
				what = p + ": " + what
			}
			e.covered = append(e.covered, []string{kind, d, campaign, score(s), what})
			return true
		}
		_, p, _ = strings.Cut(p, ".")
	}
	return false
}

// coveredIP says whether an IP block holds the whole of p, and records it
// if so.
func (e *existing) coveredIP(p netip.Prefix, value, campaign string, s float64) bool {
	var by []string
	for _, b := range e.ips {
		if b.prefix.Bits() <= p.Bits() && b.prefix.Contains(p.Addr()) {
			by = append(by, b.label)
		}
	}
	if len(by) == 0 {
		return false
	}
	e.covered = append(e.covered, []string{"ip", value, campaign, score(s), strings.Join(by, "; ")})
	return true
}

func (e *existing) count(kind string) int {
	n := 0
	for _, c := range e.covered {
		if c[0] == kind {
			n++
		}
	}
	return n
}

func (e *existing) writeCovered(path string) error {
	return outdir.Write(path, func(w io.Writer) error {
		cw := csv.NewWriter(w)
		cw.Write([]string{"kind", "value", "campaign_id", "score", "covered_by"})
		for _, rec := range e.covered {
			out := make([]string, len(rec))
			for i := range rec {
				out[i] = report.Neutralize(rec[i])
			}
			cw.Write(out)
		}
		cw.Flush()
		return cw.Error()
	})
}

// csvFile writes path as CSV: the header, then one neutralised record for
// each row of the query that row turns into one (nil skips the row). It
// returns the number of records.
func csvFile(ctx context.Context, db *sql.DB, path, query string, header []string, row func(*sql.Rows) ([]string, error)) (int, error) {
	n := 0
	err := outdir.Write(path, func(w io.Writer) error {
		cw := csv.NewWriter(w)
		cw.Write(header)
		err := queryEach(ctx, db, query, func(r *sql.Rows) error {
			rec, err := row(r)
			if err != nil || rec == nil {
				return err
			}
			n++
			for i := range rec {
				rec[i] = report.Neutralize(rec[i])
			}
			return cw.Write(rec)
		})
		if err != nil {
			return err
		}
		cw.Flush()
		return cw.Error()
	})
	return n, err
}

type tootctlStats struct{ emails, ips, active, skipped, leftOut int }

// hasIPInfo says whether the output has ip_info: outputs made before IP
// enrichment existed have not.
func hasIPInfo(ctx context.Context, db *sql.DB) (bool, error) {
	var n int64
	err := db.QueryRowContext(ctx, `SELECT count(*) FROM information_schema.tables WHERE table_name = 'ip_info'`).Scan(&n)
	return n > 0, err
}

// shellWord quotes a value for sh; the values are checked first, so this
// is a second line of defence.
func shellWord(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func tootctl(ctx context.Context, db *sql.DB, path string, have *existing) (tootctlStats, error) {
	var st tootctlStats
	var b strings.Builder
	fmt.Fprintf(&b, `#!/bin/sh
# Remediation proposed by the fediforensics pipeline. Review every line
# before running it on the instance's server (as the mastodon user, in the
# Mastodon directory, with RAILS_ENV=production). Commands of campaigns
# scoring below %g are commented out: uncomment those you confirm.
set -eu
`, MinScore)
	line := func(campaign string, s float64, what, cmd string) {
		prefix := ""
		if s < MinScore {
			prefix = "# "
		} else {
			st.active++
		}
		fmt.Fprintf(&b, "# campaign %s, score %s: %s\n%s%s\n", campaign, score(s), what, prefix, cmd)
	}
	b.WriteString("\n# Email domains\n")
	seen := map[string]bool{}
	err := queryEach(ctx, db, "remediation_email_domains", func(r *sql.Rows) error {
		var campaign, domain string
		var s float64
		var n int64
		if err := r.Scan(&campaign, &s, &domain, &n); err != nil {
			return err
		}
		if seen[domain] {
			return nil
		}
		seen[domain] = true
		if !domainRE.MatchString(domain) {
			st.skipped++
			return nil
		}
		if have.coveredDomain("email", domain, campaign, s) {
			fmt.Fprintf(&b, "# campaign %s: email domain %s is blocked already (already_covered.csv)\n", campaign, domain)
			return nil
		}
		st.emails++
		line(campaign, s, fmt.Sprintf("email domain of %d of its accounts", n), "tootctl email-domain-blocks add "+shellWord(domain))
		return nil
	})
	if err != nil {
		return st, err
	}
	b.WriteString("\n# Sign-up addresses and prefixes\n")
	ipInfo, err := hasIPInfo(ctx, db)
	if err != nil {
		return st, err
	}
	query := "remediation_ips"
	if !ipInfo {
		query = "remediation_ips_no_ipinfo"
	}
	var prefixes []netip.Prefix
	err = queryEach(ctx, db, query, func(r *sql.Rows) error {
		var campaign, kind, value string
		var s float64
		var n, outside int64
		var consumer sql.NullString
		if err := r.Scan(&campaign, &s, &kind, &value, &n, &outside, &consumer); err != nil {
			return err
		}
		// A block stops everyone behind it: only what the campaign alone
		// used, and never a home ISP's range whole.
		leftOut := func(why string) error {
			if !seen["left out "+value] {
				seen["left out "+value] = true
				st.leftOut++
				fmt.Fprintf(&b, "# campaign %s, score %s: left out %s: %s\n", campaign, score(s), report.Printable(value), why)
			}
			return nil
		}
		if outside > 0 {
			return leftOut(fmt.Sprintf("%d accounts outside the campaign were seen there too", outside))
		}
		if kind == "ip_prefix" && consumer.Valid {
			return leftOut(fmt.Sprintf("a prefix of %s, a consumer network: a block would stop its other customers (addresses the campaign itself shared are proposed one by one)",
				report.Printable(consumer.String)))
		}
		var target, what string
		var block netip.Prefix
		switch kind {
		case "ip_prefix":
			p, err := netip.ParsePrefix(value)
			if err != nil {
				st.skipped++
				return nil
			}
			block = p.Masked()
			target, what = block.String(), fmt.Sprintf("prefix shared by %d of its accounts", n)
		default:
			a, err := netip.ParseAddr(value)
			if err != nil {
				st.skipped++
				return nil
			}
			for _, p := range prefixes {
				if p.Contains(a) {
					return nil // its prefix is blocked already
				}
			}
			block = netip.PrefixFrom(a, a.BitLen())
			target, what = a.String(), fmt.Sprintf("address shared by %d of its accounts", n)
		}
		if seen[target] {
			return nil
		}
		seen[target] = true
		if kind == "ip_prefix" {
			prefixes = append(prefixes, block)
		}
		if have.coveredIP(block, target, campaign, s) {
			fmt.Fprintf(&b, "# campaign %s: %s is blocked already (already_covered.csv)\n", campaign, target)
			return nil
		}
		st.ips++
		line(campaign, s, what, "tootctl ip-blocks add "+shellWord(target)+" --severity sign_up_requires_approval")
		return nil
	})
	if err != nil {
		return st, err
	}
	err = outdir.Write(path, func(w io.Writer) error {
		_, err := io.WriteString(w, b.String())
		return err
	})
	if err == nil {
		err = os.Chmod(path, 0o755)
	}
	return st, err
}

func suspensions(ctx context.Context, db *sql.DB, path string, have *existing) (int, error) {
	header := []string{"campaign_id", "score", "instance", "account_id", "username", "acct"}
	return csvFile(ctx, db, path, "remediation_accounts", header, func(r *sql.Rows) ([]string, error) {
		var campaign, inst, id string
		var s float64
		var username, acct sql.NullString
		var suspended bool
		if err := r.Scan(&campaign, &s, &inst, &id, &username, &acct, &suspended); err != nil {
			return nil, err
		}
		if suspended {
			have.covered = append(have.covered, []string{"account", inst + "/" + id, campaign, score(s), "suspended on " + inst})
			return nil, nil
		}
		return []string{campaign, score(s), inst, id, username.String, acct.String}, nil
	})
}
