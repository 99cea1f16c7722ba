package report

import "testing"

func TestPrintable(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"MastoBoost", "MastoBoost"},
		{"evil\x1b]0;pwned\x07app", "evil\uFFFD]0;pwned\uFFFDapp"},
		{"line\nbreak\tand tab", "line\uFFFDbreak\tand tab"},
		{"bücher.de \u009b31m", "bücher.de \uFFFD31m"},
	} {
		if got := Printable(tc.in); got != tc.want {
			t.Errorf("Printable(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestUnicodeDomain(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"xn--bcher-kva.de", "bücher.de"},
		{"example.org", "example.org"},
		{"xn--zz.example", "xn--zz.example"}, // not punycode: shown as it is
	} {
		if got := UnicodeDomain(tc.in); got != tc.want {
			t.Errorf("UnicodeDomain(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
