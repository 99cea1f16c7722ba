package enrich

import (
	"reflect"
	"testing"

	"fediforensics/enrich/whois"
)

func TestDropFailures(t *testing.T) {
	o := func(d string, s whois.Status, src string) whois.Observation {
		return whois.Observation{Domain: d, Status: s, Source: src}
	}
	for _, c := range []struct {
		name    string
		in, out []whois.Observation
	}{
		{"an RDAP error beside a WHOIS answer goes",
			[]whois.Observation{o("a.com", whois.StatusError, "rdap"), o("a.com", whois.StatusFound, "whois")},
			[]whois.Observation{o("a.com", whois.StatusFound, "whois")}},
		{"throttled beside not found goes",
			[]whois.Observation{o("b.com", whois.StatusThrottled, "whois"), o("b.com", whois.StatusNotFound, "rdap")},
			[]whois.Observation{o("b.com", whois.StatusNotFound, "rdap")}},
		{"failures alone stay",
			[]whois.Observation{o("c.com", whois.StatusError, "rdap"), o("c.com", whois.StatusThrottled, "whois")},
			[]whois.Observation{o("c.com", whois.StatusError, "rdap"), o("c.com", whois.StatusThrottled, "whois")}},
		{"another domain's answer does not count",
			[]whois.Observation{o("d.com", whois.StatusError, "rdap"), o("e.com", whois.StatusFound, "whois")},
			[]whois.Observation{o("d.com", whois.StatusError, "rdap"), o("e.com", whois.StatusFound, "whois")}},
	} {
		if got := dropFailures(c.in); !reflect.DeepEqual(got, c.out) {
			t.Errorf("%s: %v, want %v", c.name, got, c.out)
		}
	}
}
