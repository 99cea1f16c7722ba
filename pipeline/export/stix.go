package export

import (
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"math"
	"net/netip"
	"regexp"
	"sort"
	"strings"
	"time"

	"fediforensics/pipeline/outdir"
	"fediforensics/pipeline/store"

	"github.com/google/uuid"
)

// stixNamespace is the UUIDv5 namespace of the ids of the objects the
// pipeline makes: the same campaign, indicator or relationship always gets
// the same id. (Ids of STIX cyber observables would use the namespace the
// standard gives; the bundle holds none.)
const stixNamespace = "1f3b8c2e-6d7a-5e94-b0c1-7a2f9d4e8b63"

// domainRE is a domain name that may go into a STIX pattern.
var domainRE = regexp.MustCompile(`^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$`)

// stixUUID is the name-based (version 5, SHA-1) UUID of name in
// stixNamespace.
func stixUUID(name string) string {
	return uuid.NewSHA1(uuid.MustParse(stixNamespace), []byte(name)).String()
}

// stixTime is a STIX timestamp: UTC, to the millisecond.
func stixTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

type stixObject map[string]any

// indicatorOf turns a value into a STIX pattern and the name of the
// indicator; ok is false for a value that is not what its type says.
func indicatorOf(typ, value string) (pattern string, ok bool) {
	quote := func(s string) string {
		return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
	}
	switch typ {
	case "domain":
		v := strings.ToLower(value)
		if !domainRE.MatchString(v) {
			return "", false
		}
		return "[domain-name:value = " + quote(v) + "]", true
	case "email":
		local, dom, found := strings.Cut(value, "@")
		if !found || local == "" || strings.ContainsAny(value, " \t\r\n<>\"") || !domainRE.MatchString(strings.ToLower(dom)) {
			return "", false
		}
		return "[email-addr:value = " + quote(value) + "]", true
	case "ip":
		a, err := netip.ParseAddr(value)
		if err != nil {
			return "", false
		}
		t := "ipv4-addr"
		if a.Is6() && !a.Is4In6() {
			t = "ipv6-addr"
		}
		return "[" + t + ":value = " + quote(a.String()) + "]", true
	case "prefix":
		p, err := netip.ParsePrefix(value)
		if err != nil {
			return "", false
		}
		t := "ipv4-addr"
		if p.Addr().Is6() {
			t = "ipv6-addr"
		}
		return "[" + t + ":value ISSUBSET " + quote(p.Masked().String()) + "]", true
	}
	return "", false
}

// STIX writes the campaigns as a STIX 2.1 bundle to path: a campaign
// object for each campaign (its score as the confidence), an indicator for
// each domain, email address, address and prefix that marks one, and an
// "indicates" relationship from each indicator to its campaigns. Ids are
// UUIDv5 of the content; every created and modified time is the last
// activity of any campaign, so the bundle depends on the data alone.
func STIX(ctx context.Context, db *sql.DB, path string) error {
	type camp struct {
		id, stixID string
		score      float64
		first      time.Time
		obj        stixObject
	}
	var camps []*camp
	byID := map[string]*camp{}
	var latest time.Time
	err := store.EachFile(ctx, db, queries, "stix_campaigns", nil, func(r *sql.Rows) error {
		var c camp
		var accounts int64
		var instances, summary sql.NullString
		var first, last sql.NullTime
		if err := r.Scan(&c.id, &c.score, &accounts, &instances, &first, &last, &summary); err != nil {
			return err
		}
		c.stixID = "campaign--" + stixUUID("campaign "+c.id)
		c.obj = stixObject{"type": "campaign", "spec_version": "2.1", "id": c.stixID,
			"name": "Fediverse abuse campaign " + c.id, "description": summary.String,
			"confidence":                  int(math.Round(100 * c.score)),
			"x_fediforensics_campaign_id": c.id, "x_fediforensics_score": c.score,
			"x_fediforensics_accounts": accounts, "x_fediforensics_instances": strings.Fields(instances.String)}
		if first.Valid {
			c.first = first.Time
			c.obj["first_seen"] = stixTime(first.Time)
		}
		if last.Valid {
			c.obj["last_seen"] = stixTime(last.Time)
			if last.Time.After(latest) {
				latest = last.Time
			}
		}
		camps = append(camps, &c)
		byID[c.id] = &c
		return nil
	})
	if err != nil {
		return err
	}
	type indicator struct {
		pattern, typ, value string
		camps               []*camp
		why                 []string
	}
	inds := map[string]*indicator{}
	err = store.EachFile(ctx, db, queries, "stix_indicators", nil, func(r *sql.Rows) error {
		var campaign, typ, value, why string
		if err := r.Scan(&campaign, &typ, &value, &why); err != nil {
			return err
		}
		c := byID[campaign]
		pattern, ok := indicatorOf(typ, value)
		if c == nil || !ok {
			return nil
		}
		in := inds[pattern]
		if in == nil {
			in = &indicator{pattern: pattern, typ: typ, value: value}
			inds[pattern] = in
		}
		in.camps = append(in.camps, c)
		in.why = append(in.why, c.id+": "+why)
		return nil
	})
	if err != nil {
		return err
	}
	now := stixTime(latest) // the data's time, not the clock's
	if latest.IsZero() {
		now = stixTime(time.Unix(0, 0))
	}
	var objects []stixObject
	var ids []string
	for _, c := range camps {
		c.obj["created"], c.obj["modified"] = now, now
		objects = append(objects, c.obj)
		ids = append(ids, c.stixID)
	}
	patterns := make([]string, 0, len(inds))
	for p := range inds {
		patterns = append(patterns, p)
	}
	sort.Strings(patterns)
	var rels []stixObject
	for _, p := range patterns {
		in := inds[p]
		id := "indicator--" + stixUUID("indicator "+p)
		var score float64
		var from time.Time
		for _, c := range in.camps {
			score = math.Max(score, c.score)
			if !c.first.IsZero() && (from.IsZero() || c.first.Before(from)) {
				from = c.first
			}
		}
		if from.IsZero() {
			from = time.Unix(0, 0)
		}
		kind := "anomalous-activity"
		if score >= MinScore {
			kind = "malicious-activity"
		}
		objects = append(objects, stixObject{"type": "indicator", "spec_version": "2.1", "id": id, "created": now, "modified": now,
			"name": in.value, "description": strings.Join(in.why, "\n"), "indicator_types": []string{kind},
			"pattern": p, "pattern_type": "stix", "pattern_version": "2.1", "valid_from": stixTime(from),
			"confidence": int(math.Round(100 * score))})
		ids = append(ids, id)
		for _, c := range in.camps {
			rid := "relationship--" + stixUUID("indicates "+id+" "+c.stixID)
			rels = append(rels, stixObject{"type": "relationship", "spec_version": "2.1", "id": rid, "created": now, "modified": now,
				"relationship_type": "indicates", "source_ref": id, "target_ref": c.stixID})
			ids = append(ids, rid)
		}
	}
	objects = append(objects, rels...)
	if objects == nil {
		objects = []stixObject{}
	}
	bundle := map[string]any{"type": "bundle", "id": "bundle--" + stixUUID("bundle "+strings.Join(ids, " ")), "objects": objects}
	return outdir.Write(path, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(bundle)
	})
}
