package ipdb

import (
	"bytes"
	"compress/gzip"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The test databases: MaxMind's published test files (see
// data/ipdb-test/README.md) and an iptoasn TSV written for this project.
const testdata = "../../data/ipdb-test/"

func open(t *testing.T, name string) *DB {
	t.Helper()
	d, err := Open(testdata + name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func TestLookup(t *testing.T) {
	for _, tc := range []struct {
		db, ip string
		want   Info
	}{
		// GeoLite2 ASN: number and organisation, the network from the tree.
		{"GeoLite2-ASN-Test.mmdb", "1.128.0.1", Info{ASN: 1221, ASOrg: "Telstra Pty Ltd", Network: "1.128.0.0/11"}},
		{"GeoLite2-ASN-Test.mmdb", "73.12.34.56", Info{ASN: 7922, ASOrg: "Comcast Cable Communications, Inc.", Network: "73.0.0.0/8"}},
		{"GeoLite2-ASN-Test.mmdb", "12.81.96.7", Info{ASN: 7018, Network: "12.81.96.0/19"}}, // a record without an organisation
		{"GeoLite2-ASN-Test.mmdb", "2003:4f8::1", Info{ASN: 3320, ASOrg: "Deutsche Telekom AG", Network: "2003::/19"}},
		{"GeoLite2-ASN-Test.mmdb", "::ffff:73.1.2.3", Info{ASN: 7922, ASOrg: "Comcast Cable Communications, Inc.", Network: "73.0.0.0/8"}},
		{"GeoLite2-ASN-Test.mmdb", "10.1.2.3", Info{}},
		// GeoLite2 Country.
		{"GeoLite2-Country-Test.mmdb", "81.2.69.160", Info{Country: "GB", Network: "81.2.69.160/27"}},
		{"GeoLite2-Country-Test.mmdb", "89.160.20.129", Info{Country: "SE", Network: "89.160.20.128/25"}},
		// GeoIP2 Anonymous IP: the flags.
		{"GeoIP2-Anonymous-IP-Test.mmdb", "81.2.69.7", Info{Network: "81.2.69.0/24",
			Flags: FlagAnonymous | FlagVPN | FlagHosting | FlagPublicProxy | FlagResidentialProxy | FlagTor}},
		{"GeoIP2-Anonymous-IP-Test.mmdb", "71.160.223.9", Info{Network: "71.160.223.0/24", Flags: FlagAnonymous | FlagHosting}},
		{"GeoIP2-Anonymous-IP-Test.mmdb", "1.2.3.4", Info{Network: "1.2.0.0/16", Flags: FlagAnonymous | FlagVPN}},
		{"GeoIP2-Anonymous-IP-Test.mmdb", "6.1.0.4", Info{Network: "6.1.0.4/32", Flags: FlagAnonymous | FlagResidentialProxy}},
		{"GeoIP2-Anonymous-IP-Test.mmdb", "73.1.2.3", Info{}},
		// iptoasn TSV: ranges, country, v4 and v6, not routed left out.
		{"ip2asn-test.tsv", "73.200.1.1", Info{ASN: 7922, ASOrg: "Comcast Cable Communications, Inc.", Network: "73.0.0.0/8", Country: "US"}},
		{"ip2asn-test.tsv", "81.130.0.1", Info{ASN: 2856, ASOrg: "BTnet UK Regional network", Network: "81.128.0.0/11", Country: "GB"}},
		{"ip2asn-test.tsv", "2003:4f8:1:2::3", Info{ASN: 3320, ASOrg: "Deutsche Telekom AG", Network: "2003::/19", Country: "DE"}},
		{"ip2asn-test.tsv", "0.1.2.3", Info{}},
		{"ip2asn-test.tsv", "230.1.2.3", Info{}},
		{"ip2asn-test.tsv", "10.0.0.1", Info{}},
	} {
		d := open(t, tc.db)
		got, err := d.Lookup(netip.MustParseAddr(tc.ip))
		if err != nil {
			t.Fatalf("%s %s: %v", tc.db, tc.ip, err)
		}
		if got != tc.want {
			t.Errorf("%s %s:\n got %+v\nwant %+v", tc.db, tc.ip, got, tc.want)
		}
	}
}

func TestMetadata(t *testing.T) {
	d := open(t, "GeoLite2-ASN-Test.mmdb")
	if d.Format != FormatMMDB || d.Type != "GeoLite2-ASN" || d.Built.IsZero() || d.Built.Location().String() != "UTC" {
		t.Errorf("metadata: format %q type %q built %v", d.Format, d.Type, d.Built)
	}
	if len(d.SHA256) != 64 || d.Bytes == 0 {
		t.Errorf("sha256 %q bytes %d", d.SHA256, d.Bytes)
	}
	tsv := open(t, "ip2asn-test.tsv")
	if tsv.Format != FormatIPToASN || !tsv.Built.IsZero() || tsv.Ranges < 500 || tsv.BadLines != 0 {
		t.Errorf("tsv: format %q built %v ranges %d bad %d %v", tsv.Format, tsv.Built, tsv.Ranges, tsv.BadLines, tsv.Problems)
	}
}

func TestFlagString(t *testing.T) {
	if got := (FlagTor | FlagHosting | FlagResidentialProxy).String(); got != "hosting,tor,residential_proxy" {
		t.Errorf("got %q", got)
	}
	if Flag(0).String() != "" {
		t.Error("no flag is the empty string")
	}
}

func write(t *testing.T, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestDetectByContent: the name says nothing; a gzipped TSV, an IPv4
// number file and a TSV named .mmdb are read for what they are, and files
// that are neither are refused.
func TestDetectByContent(t *testing.T) {
	tsv := "1.0.0.0\t1.0.0.255\t13335\tUS\tCLOUDFLARENET\n1.0.4.0\t1.0.7.255\t38803\tAU\tGTELECOM-AUSTRALIA Gtelecom-AUSTRALIA\n" +
		"2001:db8::\t2001:db8:ffff:ffff:ffff:ffff:ffff:ffff\t64500\tZZ\tDOC\n"
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(tsv))
	zw.Close()
	for _, tc := range []struct {
		name string
		body []byte
		ip   string
		want Info
	}{
		{"ip2asn-v4.tsv.gz", gz.Bytes(), "1.0.5.1", Info{ASN: 38803, ASOrg: "GTELECOM-AUSTRALIA Gtelecom-AUSTRALIA", Network: "1.0.4.0/22", Country: "AU"}},
		{"looks-like.mmdb", []byte(tsv), "2001:db8::5", Info{ASN: 64500, ASOrg: "DOC", Network: "2001:db8::/32"}},
		{"ip2asn-v4-u32.tsv", []byte("16777216\t16777471\t13335\tUS\tCLOUDFLARENET\n16778240\t16778241\t1\tUS\tTWO\n"), "1.0.4.1",
			Info{ASN: 1, ASOrg: "TWO", Network: "1.0.4.0/31", Country: "US"}},
		{"odd-range.tsv", []byte("1.0.0.3\t1.0.0.9\t7\tDE\tODD\n"), "1.0.0.4", Info{ASN: 7, ASOrg: "ODD", Network: "1.0.0.3-1.0.0.9", Country: "DE"}},
	} {
		d, err := Open(write(t, tc.name, tc.body))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		got, _ := d.Lookup(netip.MustParseAddr(tc.ip))
		if got != tc.want || d.Format != FormatIPToASN {
			t.Errorf("%s %s: got %+v (format %s), want %+v", tc.name, tc.ip, got, d.Format, tc.want)
		}
	}
	for name, body := range map[string][]byte{
		"empty.mmdb":  nil,
		"notes.txt":   []byte("these are my notes\nnothing here\n"),
		"GeoIP2.mmdb": bytes.Repeat([]byte{0, 1, 2, 3}, 1000),
		"all-bad.tsv": []byte("1.2.3.4\tnot-an-ip\t5\tUS\tX\n"),
	} {
		if _, err := Open(write(t, name, body)); !errors.Is(err, ErrFormat) {
			t.Errorf("%s: got %v, want ErrFormat", name, err)
		}
	}
	if _, err := Open(t.TempDir()); err == nil || !strings.Contains(err.Error(), "directory") {
		t.Errorf("a directory: %v", err)
	}
	if _, err := Open(filepath.Join(t.TempDir(), "missing.mmdb")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a missing file: %v", err)
	}
}

// TestCorruptMMDB: a MaxMind DB with its search tree damaged is refused
// when opened, with the file named.
func TestCorruptMMDB(t *testing.T) {
	b, err := os.ReadFile(testdata + "GeoLite2-ASN-Test.mmdb")
	if err != nil {
		t.Fatal(err)
	}
	for i := 100; i < 400; i++ {
		b[i] = 0xff
	}
	p := write(t, "GeoLite2-ASN.mmdb", b)
	if _, err := Open(p); err == nil || !strings.Contains(err.Error(), p) {
		t.Errorf("a corrupt database was opened: %v", err)
	}
}

// TestBadLines: unreadable lines of a TSV are counted with line, field and
// reason; the good ones are used.
func TestBadLines(t *testing.T) {
	body := "# comment\n1.0.0.0\t1.0.0.255\t13335\tUS\tCLOUDFLARENET\n" +
		"1.0.1.0\t1.0.0.0\t5\tUS\tBACKWARDS\n" +
		"1.0.2.0\t1.0.2.255\tASx\tUS\tNOT A NUMBER\n" +
		"1.0.3.0\n" +
		"bogus\t1.0.3.255\t7\tUS\tBAD START\n" +
		"1.0.4.0\t::1\t7\tUS\tMIXED\n"
	d, err := Open(write(t, "x.tsv", []byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	if d.BadLines != 5 || len(d.Problems) != 5 {
		t.Fatalf("bad lines %d, problems %v", d.BadLines, d.Problems)
	}
	want := []struct {
		line  int64
		field string
	}{{3, "range_end"}, {4, "AS_number"}, {5, ""}, {6, "range_start"}, {7, "range_end"}}
	for i, w := range want {
		if p := d.Problems[i]; p.Line != w.line || p.Field != w.field || p.Reason == "" || p.Raw == "" {
			t.Errorf("problem %d: %+v, want line %d field %q", i, p, w.line, w.field)
		}
	}
	if got, _ := d.Lookup(netip.MustParseAddr("1.0.0.9")); got.ASN != 13335 {
		t.Errorf("the good line was not used: %+v", got)
	}
}

func TestOverlappingRanges(t *testing.T) {
	d, err := Open(write(t, "o.tsv", []byte("10.0.0.0\t10.255.255.255\t1\tUS\tWIDE\n10.1.0.0\t10.1.0.255\t2\tDE\tNARROW\n")))
	if err != nil {
		t.Fatal(err)
	}
	for ip, asn := range map[string]uint32{"10.0.0.1": 1, "10.1.0.7": 2, "10.1.1.0": 1, "10.255.0.0": 1} {
		if got, _ := d.Lookup(netip.MustParseAddr(ip)); got.ASN != asn {
			t.Errorf("%s: AS%d, want AS%d", ip, got.ASN, asn)
		}
	}
}

func TestASNumber(t *testing.T) {
	for v, want := range map[any]uint32{"AS15169": 15169, "as7922": 7922, uint64(3320): 3320, "x": 0, nil: 0, uint32(5): 5} {
		if got := asNumber(v); got != want {
			t.Errorf("asNumber(%v) = %d, want %d", v, got, want)
		}
	}
	for v, want := range map[any]bool{true: true, "true": true, "1": true, "": false, false: false, uint64(1): true, nil: false} {
		if truthy(v) != want {
			t.Errorf("truthy(%v) != %v", v, want)
		}
	}
}

// FuzzTSV: any file either fails to read or gives a database whose every
// answer is a range that holds the address.
func FuzzTSV(f *testing.F) {
	seed, _ := os.ReadFile(testdata + "ip2asn-test.tsv")
	f.Add(seed[:2000], "73.1.2.3")
	f.Add([]byte("1.0.0.0\t1.0.0.255\t13335\tUS\tCLOUDFLARENET\n"), "1.0.0.1")
	f.Add([]byte("16777216\t16777471\t13335\tUS\tX\n"), "1.0.0.200")
	f.Add([]byte("::\t::ffff\t1\tZZ\t\n"), "::5")
	f.Fuzz(func(t *testing.T, body []byte, ip string) {
		d := &DB{}
		if err := d.readTSV(bytes.NewReader(body), false); err != nil {
			return
		}
		if d.Ranges == 0 {
			t.Fatal("read without a range")
		}
		a, err := netip.ParseAddr(ip)
		if err != nil {
			return
		}
		got, err := d.Lookup(a)
		if err != nil {
			t.Fatal(err)
		}
		if !got.Known() {
			return
		}
		if got.ASN == 0 || got.Network == "" {
			t.Fatalf("an answer without AS or network: %+v", got)
		}
		a = a.Unmap().WithZone("")
		if p, err := netip.ParsePrefix(got.Network); err == nil {
			if !p.Contains(a) {
				t.Fatalf("%s is not in %s", a, p)
			}
		} else {
			first, last, ok := strings.Cut(got.Network, "-")
			fa, err1 := netip.ParseAddr(first)
			la, err2 := netip.ParseAddr(last)
			if !ok || err1 != nil || err2 != nil || a.Less(fa) || la.Less(a) {
				t.Fatalf("%s is not in %s", a, got.Network)
			}
		}
	})
}

// BenchmarkLookup looks up spread addresses in each kind of database.
func BenchmarkLookup(b *testing.B) {
	for _, name := range []string{"GeoLite2-ASN-Test.mmdb", "ip2asn-test.tsv"} {
		d, err := Open(testdata + name)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			var x uint32 = 2463534242
			for b.Loop() {
				x ^= x << 13
				x ^= x >> 17
				x ^= x << 5
				if _, err := d.Lookup(netip.AddrFrom4([4]byte{byte(x >> 24), byte(x >> 16), byte(x >> 8), byte(x)})); err != nil {
					b.Fatal(err)
				}
			}
		})
		d.Close()
	}
}
