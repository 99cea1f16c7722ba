package ipinfo

import (
	"context"
	"database/sql/driver"
	"reflect"
	"testing"
	"time"

	"fediforensics/pipeline/ipdb"
	"fediforensics/pipeline/store"
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

// TestManyAddresses runs the stage over 120,000 distinct addresses (and
// a few values that are not addresses) with every test database: each
// gets its row, and the time is logged.
func TestManyAddresses(t *testing.T) {
	if testing.Short() {
		t.Skip("120,000 addresses")
	}
	ctx := context.Background()
	db, err := store.Open(ctx, t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `
CREATE TABLE warnings (instance VARCHAR, file VARCHAR, line BIGINT, byte_offset BIGINT, "table" VARCHAR, field VARCHAR,
  kind VARCHAR, reason VARCHAR, raw VARCHAR, kept BOOLEAN);
CREATE TABLE ip_history AS
SELECT 'x.social' AS instance, i AS user_id, i AS account_id,
       CASE WHEN i % 5 = 0 THEN printf('2003:%x:%x:%x::1', 1272 + i % 64, i >> 16, i & 65535)
            ELSE printf('%d.%d.%d.%d', [73, 98, 81, 84, 126, 1, 23][i % 7 + 1], [0, 192, 128, 128, 0, 128, 32][i % 7 + 1] + (i >> 16),
                        (i >> 8) & 255, i & 255) END AS ip,
       TIMESTAMP '2023-05-01' AS used_at, 'sign_up' AS source
FROM range(120000) r(i)
UNION ALL SELECT 'x.social', NULL, NULL, 'not-an-ip', NULL, 'user_ips'`); err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, f := range []string{"GeoLite2-ASN-Test.mmdb", "GeoIP2-Anonymous-IP-Test.mmdb", "GeoLite2-Country-Test.mmdb", "ip2asn-test.tsv"} {
		files = append(files, "../../data/ipdb-test/"+f)
	}
	t0 := time.Now()
	res, err := Run(ctx, db, Options{Files: files})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d addresses (%d known, %d hosting, %d not addresses) in %v", res.Addresses, res.Known, res.Hosting, res.Invalid, time.Since(t0).Round(time.Millisecond))
	var rows, distinct int64
	if err := db.QueryRowContext(ctx, `SELECT count(*), count(DISTINCT ip) FROM ip_info`).Scan(&rows, &distinct); err != nil {
		t.Fatal(err)
	}
	if rows != 120000 || distinct != rows || res.Invalid != 1 || res.Known < 100000 || res.Hosting == 0 {
		t.Errorf("ip_info: %d rows, %d distinct; result %+v", rows, distinct, res)
	}
}
