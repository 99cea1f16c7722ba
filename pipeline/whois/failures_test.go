package whois

import (
	"reflect"
	"testing"

	"fediforensics/enrich"
)

func TestDropFailures(t *testing.T) {
	o := func(d string, s enrich.Status, src string) enrich.Observation {
		return enrich.Observation{Domain: d, Status: s, Source: src}
	}
	for _, c := range []struct {
		name    string
		in, out []enrich.Observation
	}{
		{"an RDAP error beside a WHOIS answer goes",
			[]enrich.Observation{o("a.com", enrich.StatusError, "rdap"), o("a.com", enrich.StatusFound, "whois")},
			[]enrich.Observation{o("a.com", enrich.StatusFound, "whois")}},
		{"throttled beside not found goes",
			[]enrich.Observation{o("b.com", enrich.StatusThrottled, "whois"), o("b.com", enrich.StatusNotFound, "rdap")},
			[]enrich.Observation{o("b.com", enrich.StatusNotFound, "rdap")}},
		{"failures alone stay",
			[]enrich.Observation{o("c.com", enrich.StatusError, "rdap"), o("c.com", enrich.StatusThrottled, "whois")},
			[]enrich.Observation{o("c.com", enrich.StatusError, "rdap"), o("c.com", enrich.StatusThrottled, "whois")}},
		{"another domain's answer does not count",
			[]enrich.Observation{o("d.com", enrich.StatusError, "rdap"), o("e.com", enrich.StatusFound, "whois")},
			[]enrich.Observation{o("d.com", enrich.StatusError, "rdap"), o("e.com", enrich.StatusFound, "whois")}},
	} {
		if got := dropFailures(c.in); !reflect.DeepEqual(got, c.out) {
			t.Errorf("%s: %v, want %v", c.name, got, c.out)
		}
	}
}
