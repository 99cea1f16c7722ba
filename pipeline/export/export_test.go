package export

import "testing"

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
