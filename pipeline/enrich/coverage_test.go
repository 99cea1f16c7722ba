package enrich

import (
	"testing"
	"time"

	"fediforensics/enrich/whois"
	"fediforensics/pipeline"
)

func TestCoverage(t *testing.T) {
	since := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	old, now := since.Add(-time.Hour), since.Add(time.Second)
	found := func(d string, at time.Time, c whois.Contact) whois.Observation {
		return whois.Observation{Domain: d, Source: whois.SourceWHOIS, Status: whois.StatusFound, ObservedAt: at, Registrant: c}
	}
	named := whois.Contact{Email: "x@example.org"}
	for _, tc := range []struct {
		name   string
		mode   whois.Mode
		regs   []string
		obs    []whois.Observation
		want   pipeline.WhoisCoverage
		advice bool
		down   bool
	}{
		{name: "all from the cache", mode: whois.ModeCache, regs: []string{"a.com", "b.com"},
			obs:  []whois.Observation{found("a.com", old, named), {Domain: "b.com", Status: whois.StatusNotFound, Source: whois.SourceWHOIS, ObservedAt: old}},
			want: pipeline.WhoisCoverage{Mode: "cache", Domains: 2, Registrant: 1, NotFound: 1}},
		{name: "the best observation counts", mode: whois.ModeCache, regs: []string{"a.com"},
			obs:  []whois.Observation{{Domain: "a.com", Status: whois.StatusError, ObservedAt: old}, found("a.com", old, whois.Contact{}), {Domain: "a.com", Source: whois.SourceHistory, Status: whois.StatusFound, ObservedAt: old, Registrant: named}},
			want: pipeline.WhoisCoverage{Mode: "cache", Domains: 1, Registrant: 1}},
		{name: "privacy is never a registrant", mode: whois.ModeCache, regs: []string{"a.com", "b.com"},
			obs:  []whois.Observation{{Domain: "a.com", Status: whois.StatusFound, Privacy: true, Registrant: whois.Contact{Org: "Privacy service"}, ObservedAt: old}, found("b.com", old, whois.Contact{})},
			want: pipeline.WhoisCoverage{Mode: "cache", Domains: 2, Redacted: 1, NoRegistrant: 1}},
		{name: "not in the cache", mode: whois.ModeCache, regs: []string{"a.com", "b.com"},
			obs:  []whois.Observation{found("a.com", old, named), {Domain: "b.com", Status: whois.StatusSkipped}},
			want: pipeline.WhoisCoverage{Mode: "cache", Domains: 2, Registrant: 1, Skipped: 1}, advice: true},
		{name: "a domain with no observation at all is skipped", mode: whois.ModeCache, regs: []string{"a.com"},
			want: pipeline.WhoisCoverage{Mode: "cache", Domains: 1, Skipped: 1}, advice: true},
		{name: "off", mode: whois.ModeOff, regs: []string{"a.com"}, obs: []whois.Observation{{Domain: "a.com", Status: whois.StatusSkipped}},
			want: pipeline.WhoisCoverage{Mode: "off", Domains: 1, Skipped: 1}, advice: true},
		{name: "live, some answered", mode: whois.ModeLive, regs: []string{"a.com", "b.com", "c.com"},
			obs: []whois.Observation{found("a.com", now, named), {Domain: "b.com", Source: whois.SourceRDAP, Status: whois.StatusError, ObservedAt: now},
				found("c.com", old, named)},
			want: pipeline.WhoisCoverage{Mode: "live", Domains: 3, Registrant: 2, Failed: 1, LiveAsked: 2, LiveAnswered: 1}, advice: true},
		{name: "live, every look-up failed", mode: whois.ModeLive, regs: []string{"a.com", "b.com"},
			obs: []whois.Observation{{Domain: "a.com", Source: whois.SourceWHOIS, Status: whois.StatusError, ObservedAt: now},
				{Domain: "b.com", Source: whois.SourceRDAP, Status: whois.StatusThrottled, ObservedAt: now}},
			want: pipeline.WhoisCoverage{Mode: "live", Domains: 2, Failed: 2, LiveAsked: 2}, advice: true, down: true},
		{name: "live with everything cached asks nothing", mode: whois.ModeLive, regs: []string{"a.com"},
			obs:  []whois.Observation{found("a.com", old, named)},
			want: pipeline.WhoisCoverage{Mode: "live", Domains: 1, Registrant: 1}},
		{name: "history of a domain the dump lacks is not counted", mode: whois.ModeCache, regs: []string{"a.com"},
			obs:  []whois.Observation{found("a.com", old, named), {Domain: "z.com", Source: whois.SourceHistory, Status: whois.StatusFound, Registrant: named}},
			want: pipeline.WhoisCoverage{Mode: "cache", Domains: 1, Registrant: 1}},
		{name: "no domains", mode: whois.ModeLive, want: pipeline.WhoisCoverage{Mode: "live"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			regs := map[string]bool{}
			for _, d := range tc.regs {
				regs[d] = true
			}
			got := coverage(tc.mode, regs, tc.obs, since)
			if (got.Advice != "") != tc.advice {
				t.Errorf("advice %q, want one: %v", got.Advice, tc.advice)
			}
			if got.Unavailable() != tc.down {
				t.Errorf("unavailable %v, want %v", got.Unavailable(), tc.down)
			}
			got.Advice = ""
			if *got != tc.want {
				t.Errorf("coverage\n got %+v\nwant %+v", *got, tc.want)
			}
		})
	}
}
