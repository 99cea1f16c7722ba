package ipinfo

import (
	"database/sql/driver"
	"reflect"
	"testing"
	"time"

	"fediforensics/pipeline/ipdb"
)

func TestParseAddr(t *testing.T) {
	for in, want := range map[string]string{
		"73.1.2.3": "73.1.2.3", " 73.1.2.3 ": "73.1.2.3", "::ffff:73.1.2.3": "73.1.2.3", "73.1.2.3/32": "73.1.2.3",
		"2003:4f8::1/128": "2003:4f8::1", "fe80::1%eth0": "fe80::1", "73.1.2.0/24": "", "nonsense": "", "": "",
	} {
		a, ok := parseAddr(in)
		if got := ""; ok {
			got = a.String()
			if got != want {
				t.Errorf("parseAddr(%q) = %s, want %s", in, got, want)
			}
		} else if want != "" {
			t.Errorf("parseAddr(%q) refused, want %s", in, want)
		}
	}
}

// TestMerge: each field from the first database that gives it; hosting
// from any database's infrastructure flags or the list; a residential
// proxy is flagged but not hosting; nothing known gives NULLs.
func TestMerge(t *testing.T) {
	old, recent := time.Date(2025, 1, 2, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC)
	dbs := []*ipdb.DB{{Name: "asn.mmdb", Built: recent}, {Name: "anon.mmdb", Built: old}, {Name: "ip2asn.tsv"}}
	hosting := map[uint32]bool{16509: true}
	for _, tc := range []struct {
		name  string
		infos []ipdb.Info
		want  []driver.Value
	}{
		{"nothing known", []ipdb.Info{{}, {}, {}}, []driver.Value{"x", nil, nil, nil, nil, nil, nil, nil, nil, nil}},
		{"first database gives the AS, the later the country", []ipdb.Info{
			{ASN: 7922, ASOrg: "Comcast", Network: "73.0.0.0/8"}, {}, {ASN: 1, ASOrg: "Other", Network: "73.0.0.0-73.0.0.9", Country: "US"}},
			[]driver.Value{"x", int64(7922), "Comcast", "73.0.0.0/8", "US", false, nil, nil, "asn.mmdb, ip2asn.tsv", recent}},
		{"flags from the anonymous database", []ipdb.Info{
			{ASN: 7922, ASOrg: "Comcast", Network: "73.0.0.0/8"}, {Network: "73.1.0.0/16", Flags: ipdb.FlagVPN | ipdb.FlagAnonymous}, {}},
			[]driver.Value{"x", int64(7922), "Comcast", "73.0.0.0/8", nil, true, "vpn,anonymous", "anon.mmdb: vpn", "asn.mmdb, anon.mmdb", old}},
		{"a residential proxy is not hosting", []ipdb.Info{{}, {Network: "6.1.0.4/32", Flags: ipdb.FlagResidentialProxy}, {}},
			[]driver.Value{"x", nil, nil, "6.1.0.4/32", nil, false, "residential_proxy", nil, "anon.mmdb", old}},
		{"hosting by the list", []ipdb.Info{{}, {}, {ASN: 16509, ASOrg: "AMAZON-02", Network: "3.0.0.0/9", Country: "US"}},
			[]driver.Value{"x", int64(16509), "AMAZON-02", "3.0.0.0/9", "US", true, nil, "AS16509 is on hosting_asns.txt", "ip2asn.tsv", nil}},
	} {
		if got := merge("x", dbs, tc.infos, hosting); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s:\n got %#v\nwant %#v", tc.name, got, tc.want)
		}
	}
}
