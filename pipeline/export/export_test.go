package export

import "testing"

func TestUUID5(t *testing.T) {
	// The RFC 4122 example namespace for DNS names, and Python's uuid5.
	if got := uuid5("6ba7b810-9dad-11d1-80b4-00c04fd430c8", "python.org"); got != "886313e1-3b8a-5372-9b90-0c9aee199e5d" {
		t.Errorf("uuid5 = %s", got)
	}
}

func TestIndicatorOf(t *testing.T) {
	for _, tc := range []struct{ typ, value, want string }{
		{"domain", "MoonXTrade.com", "[domain-name:value = 'moonxtrade.com']"},
		{"domain", "evil.com' OR '1'='1", ""},
		{"domain", "x.com;rm -rf ~", ""},
		{"email", "o'brien@example.org", `[email-addr:value = 'o\'brien@example.org']`},
		{"email", "nobody", ""},
		{"ip", "67.140.254.171", "[ipv4-addr:value = '67.140.254.171']"},
		{"ip", "2001:db8::1", "[ipv6-addr:value = '2001:db8::1']"},
		{"ip", "not an ip", ""},
		{"prefix", "67.140.254.0/24", "[ipv4-addr:value ISSUBSET '67.140.254.0/24']"},
		{"prefix", "2001:db8:0:0::/64", "[ipv6-addr:value ISSUBSET '2001:db8::/64']"},
	} {
		got, ok := indicatorOf(tc.typ, tc.value)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("indicatorOf(%s, %q) = %q, %v; want %q", tc.typ, tc.value, got, ok, tc.want)
		}
	}
}
