package report

import (
	"strings"

	"golang.org/x/net/idna"
)

// Printable makes attacker-written text safe for a terminal: control
// characters (escape sequences among them) become U+FFFD.
func Printable(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\t' || r == 0x7f || r >= 0x80 && r < 0xa0 {
			return '\uFFFD'
		}
		return r
	}, s)
}

// UnicodeDomain renders an ASCII (punycode) domain for display, in its
// Unicode form; a name that has none is shown as it is.
func UnicodeDomain(ascii string) string {
	u, err := idna.Display.ToUnicode(ascii)
	if err != nil {
		return ascii
	}
	return u
}
