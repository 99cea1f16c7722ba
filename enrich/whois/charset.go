package whois

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
)

// toUTF8 returns b as a string. UTF-8 is kept as it is (a cut inside the
// last character only drops that character). Anything else is decoded
// from the legacy charset it reads as: Shift_JIS or EUC-JP when the bytes
// decode to Japanese text with kana, KOI8-R or Windows-1251 when they
// form Cyrillic words, else Windows-1252 (Latin-1 with the printable
// characters at 0x80-0x9f), the usual charset of old WHOIS servers.
func toUTF8(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	for i := 1; i < utf8.UTFMax && i < len(b); i++ {
		if utf8.Valid(b[:len(b)-i]) && !utf8.FullRune(b[len(b)-i:]) {
			return string(b[:len(b)-i])
		}
	}
	s, err := detectCharset(b).NewDecoder().Bytes(b)
	if err != nil || !utf8.Valid(s) {
		s, _ = charmap.Windows1252.NewDecoder().Bytes(b)
	}
	return string(s)
}

// detectCharset guesses the charset of a WHOIS answer that is not UTF-8.
func detectCharset(b []byte) encoding.Encoding {
	for _, enc := range []encoding.Encoding{japanese.EUCJP, japanese.ShiftJIS} {
		if japaneseText(enc, b) {
			return enc
		}
	}
	if cyrillicWords(b) {
		// In KOI8-R the lower-case letters are 0xc0-0xdf, in Windows-1251
		// the upper-case ones: text is mostly lower case.
		var koiLower, winLower int
		for _, c := range b {
			switch {
			case c >= 0xc0 && c <= 0xdf:
				koiLower++
			case c >= 0xe0:
				winLower++
			}
		}
		if koiLower > winLower {
			return charmap.KOI8R
		}
		return charmap.Windows1251
	}
	return charmap.Windows1252
}

// japaneseText reports whether b decodes with enc, without errors, to
// text whose non-ASCII characters are Japanese and include kana.
func japaneseText(enc encoding.Encoding, b []byte) bool {
	s, err := enc.NewDecoder().Bytes(b)
	if err != nil {
		return false
	}
	var kana, japanese, other int
	for _, r := range string(s) {
		switch {
		case r < utf8.RuneSelf:
		case r == utf8.RuneError:
			return false
		case r >= 0xff61 && r <= 0xff9f:
			// Half-width katakana: what Latin-1 and KOI8-R letters read
			// as in Shift_JIS; real text has full-width kana.
			other++
		case unicode.In(r, unicode.Hiragana, unicode.Katakana):
			kana++
			japanese++
		case unicode.Is(unicode.Han, r) || r >= 0x3000 && r <= 0x303f || r >= 0xff00 && r <= 0xff60:
			japanese++
		default:
			other++
		}
	}
	return kana > 0 && japanese > 4*other
}

// cyrillicWords reports whether most bytes above 0x7f come in runs of
// three or more, as the letters of words in a one-byte Cyrillic charset
// do (Latin-1 text has them one at a time, inside ASCII words).
func cyrillicWords(b []byte) bool {
	high, inRuns, run := 0, 0, 0
	flush := func() {
		if run >= 3 {
			inRuns += run
		}
		run = 0
	}
	for _, c := range b {
		if c >= 0xc0 {
			high++
			run++
			continue
		}
		if c >= 0x80 {
			high++
		}
		flush()
	}
	flush()
	return high > 0 && 2*inRuns > high
}
