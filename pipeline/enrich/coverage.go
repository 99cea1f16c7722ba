package enrich

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"fediforensics/enrich/whois"
	"fediforensics/pipeline"
	"fediforensics/pipeline/schema"
)

// The states of a domain, best first: a domain counts under the best
// state any of its observations gives it.
const (
	stateRegistrant = iota
	stateRedacted
	stateNoRegistrant
	stateNotFound
	stateFailed
	stateSkipped
)

func state(o whois.Observation) int {
	switch o.Status {
	case whois.StatusFound, whois.StatusRedacted:
		switch {
		case !o.Privacy && (o.Registrant.Name != "" || o.Registrant.Org != "" || o.Registrant.Email != ""):
			return stateRegistrant
		case o.Privacy || o.Status == whois.StatusRedacted:
			return stateRedacted
		}
		return stateNoRegistrant
	case whois.StatusNotFound:
		return stateNotFound
	case whois.StatusError, whois.StatusThrottled:
		return stateFailed
	}
	return stateSkipped
}

// coverage counts the registrable domains of the dump (regs) by the best
// state their observations give them. Observations made at or after since
// by the network are this run's live look-ups.
func coverage(mode whois.Mode, regs map[string]bool, obs []whois.Observation, since time.Time) *pipeline.WhoisCoverage {
	c := &pipeline.WhoisCoverage{Mode: string(mode), Domains: len(regs)}
	best := make(map[string]int, len(regs))
	asked, answered := map[string]bool{}, map[string]bool{}
	for _, o := range obs {
		if !regs[o.Domain] {
			continue
		}
		s := state(o)
		if b, ok := best[o.Domain]; !ok || s < b {
			best[o.Domain] = s
		}
		if o.Source != whois.SourceHistory && o.Status != whois.StatusSkipped && !o.ObservedAt.Before(since) {
			asked[o.Domain] = true
			if s < stateFailed {
				answered[o.Domain] = true
			}
		}
	}
	counts := [...]*int{&c.Registrant, &c.Redacted, &c.NoRegistrant, &c.NotFound, &c.Failed, &c.Skipped}
	for d := range regs {
		s, ok := best[d]
		if !ok {
			s = stateSkipped
		}
		*counts[s]++
	}
	c.LiveAsked, c.LiveAnswered = len(asked), len(answered)
	c.Advice = advice(c)
	return c
}

// advice says what to do about the domains without an answer.
func advice(c *pipeline.WhoisCoverage) string {
	switch {
	case c.Domains == 0:
		return ""
	case c.Mode == string(whois.ModeOff):
		return "WHOIS enrichment was off (--whois off): no registrant was looked up; run with --whois live to look them up, or --whois cache with a --whois-cache that holds them"
	case c.Unavailable():
		return fmt.Sprintf("every live WHOIS/RDAP look-up failed (%d domains): no network, or the registries refused; the whois table's error column says why; run again with --whois live when the network is back", c.LiveAsked)
	case c.Skipped > 0 && c.Mode == string(whois.ModeCache):
		return fmt.Sprintf("%d domains are not in the WHOIS cache: run with --whois live to look them up, or point --whois-cache at a cache that holds them", c.Skipped)
	case c.Skipped > 0:
		return fmt.Sprintf("%d domains were not looked up (the run was cancelled): run again with --whois live", c.Skipped)
	case c.Failed > 0:
		return fmt.Sprintf("%d domains failed to look up (errors or throttling, see the whois table's error column): run again with --whois live later", c.Failed)
	}
	return ""
}

// writeCoverage stores c in the whois_coverage table.
func writeCoverage(ctx context.Context, db *sql.DB, c *pipeline.WhoisCoverage) error {
	if err := schema.Create(ctx, db, schema.WhoisCoverage); err != nil {
		return fmt.Errorf("whois coverage: %w", err)
	}
	_, err := db.ExecContext(ctx, `INSERT INTO whois_coverage (mode, domains, registrant, redacted, no_registrant,
  not_found, failed, skipped, live_asked, live_answered, advice) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.Mode, c.Domains, c.Registrant, c.Redacted, c.NoRegistrant, c.NotFound, c.Failed, c.Skipped, c.LiveAsked, c.LiveAnswered, c.Advice)
	if err != nil {
		return fmt.Errorf("whois coverage: %w", err)
	}
	return nil
}
