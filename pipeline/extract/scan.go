package extract

import (
	"net"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
)

// URLs in plain text are cut by twitter-text's rules, the ones Mastodon's
// linkifier applies to what a local author typed (twitter-text's
// extract_urls_with_indices; its conformance suite is the test):
//
//   - a URL starts after a character that is not a letter or digit of
//     ASCII, nor @ ＠ $ # ＃ (a directional mark may precede it);
//   - its host is labels of any characters but ASCII punctuation, spaces,
//     controls and directional marks, joined by dots, with - and _ inside a
//     label (_ only left of the registrable name); the last label starts
//     with a top-level domain of the public suffix list that no ASCII
//     letter or digit, @, + or - follows (example.comだよね gives
//     example.com);
//   - a port, then a path of twitter-text's path characters (with balanced
//     parentheses) that ends on one of its path-ending characters, then a
//     query that ends on one of its query-ending characters: a sentence's
//     full stop, comma or closing quote stays out;
//   - t.co links keep their slug and query only (the conformance suite's
//     rule; the Ruby gem Mastodon runs cuts the query too).
//
// Mastodon links only URLs with a scheme. The extractor, for forensic use,
// finds more, on purpose:
//
//   - bare hosts (twitter-text's extraction without protocol): labels of
//     letters and digits of scripts written with spaces, not preceded by
//     @ ＠ $ # ＃ - _ . or /, nor by a letter or digit; text in Chinese,
//     Japanese, Korean or Thai around them is a boundary
//     (これはexample.com中国語 gives example.com); a bare host whose
//     top-level domain is more often a file extension (setup.py, notes.md)
//     needs a path to count;
//   - defanged forms: hxxp(s), [:], [://], and [.] (.) {.} [dot] (dot) for
//     a dot;
//   - the schemes ftp, gopher and gemini besides http and https, and IP
//     addresses as hosts (http://192.0.2.7/, http://[2001:db8::1]/, and a
//     bare 192.0.2.7).

// maxURL is twitter-text's bound on the length of a URL (MAX_URL_LENGTH);
// maxHost bounds how far a host is read (a longer one is no host: DNS
// names have at most 253 bytes, IDNs fewer characters than that).
const (
	maxURL     = 4096
	maxHost    = 1024
	maxTLD     = 64 // bytes; the longest top-level domains have 24
	maxTcoSlug = 40
)

// scan finds the URLs and hosts of plain text and calls emit with the
// byte offsets of each as written (before refanging) and its Ref.
//
// No URL holds white space or < > " ` , so the text is cut into tokens
// there, and only a token with a dot, a defanged dot or a scheme's "//" is
// read: the text is searched for those bytes first, and the rest of it,
// most words, costs a byte scan and no more.
func (x *Extractor) scan(text string, emit func(start, end int, ref Ref)) {
	for i := 0; i < len(text); {
		k := i
		for k < len(text) && !isTrigger(text[k]) {
			k++
		}
		if k == len(text) {
			return
		}
		start := k
		for start > i {
			r, n := utf8.DecodeLastRuneInString(text[:start])
			if isDelim(r) {
				break
			}
			start -= n
		}
		end := k
		for end < len(text) {
			r, n := utf8.DecodeRuneInString(text[end:])
			if isDelim(r) {
				break
			}
			end += n
		}
		if end == k { // the trigger byte was part of a delimiter
			i = k + 1
			continue
		}
		if mayHoldURL(text[start:end]) {
			x.scanToken(text, start, end, emit)
		}
		i = end
	}
}

// isTrigger is true for the bytes a token that holds a URL or host must
// have one of: a dot, a slash (of "://"), a bracket (of a defanged dot).
func isTrigger(c byte) bool {
	return c == '.' || c == '/' || c == '[' || c == '('
}

// isDelim is true for what no URL holds: white space as Unicode defines
// it, and < > " ` .
func isDelim(r rune) bool {
	switch r {
	case '\t', '\n', '\v', '\f', '\r', ' ', '<', '>', '"', '`':
		return true
	}
	return r >= utf8.RuneSelf && unicode.Is(unicode.White_Space, r)
}

// mayHoldURL is a fast test that a token may hold a URL or a host: it has
// a dot, a defanged dot or a scheme's "//".
func mayHoldURL(tok string) bool {
	for i := 0; i < len(tok); i++ {
		switch tok[i] {
		case '.':
			return true
		case '/':
			if i+1 < len(tok) && tok[i+1] == '/' {
				return true
			}
		case '[', '(':
			if i+4 < len(tok) && strings.EqualFold(tok[i+1:i+4], "dot") {
				return true
			}
		}
	}
	return false
}

// scanToken finds the URLs of the token text[a:b], leftmost first, as
// twitter-text's scan does: after a match the search goes on from its end,
// and the character before the next one must come after it.
func (x *Extractor) scanToken(text string, a, b int, emit func(start, end int, ref Ref)) {
	next := a // where the last match ended
	for u := a; u < b; {
		r, size := utf8.DecodeRuneInString(text[u:])
		var prev rune = -1 // the token's start: a delimiter or the text's start
		if u > a {
			if u == next {
				u += size // the character before was the last match's own
				continue
			}
			prev, _ = utf8.DecodeLastRuneInString(text[:u])
		}
		if !isDomainChar(r) || !urlMayFollow(prev) {
			u += size
			continue
		}
		if end, ok := x.schemeURL(text, u, b, emit); ok {
			u, next = end, end
			continue
		}
		if !bareHostMayFollow(prev) || !isBareLabelChar(r) {
			u += size
			continue
		}
		end, skip := x.bareHost(text, u, b, emit)
		if end > 0 {
			u, next = end, end
			continue
		}
		u = max(skip, u+size)
	}
}

// urlMayFollow is twitter-text's valid_url_preceding_chars: a URL starts
// at the token's start (prev < 0) or after anything but an ASCII letter or
// digit, @ ＠ $ # ＃ and the characters twitter-text calls invalid; a
// directional mark is always fine.
func urlMayFollow(prev rune) bool {
	switch {
	case prev < 0, isDirectional(prev):
		return true
	case prev < utf8.RuneSelf:
		return !isASCIIAlnum(byte(prev)) && prev != '@' && prev != '$' && prev != '#'
	}
	switch prev {
	case '＠', '＃', 0xfffe, 0xfeff, 0xffff:
		return false
	}
	return true
}

// bareHostMayFollow adds the rules for a host without a scheme: not after
// - _ . / (twitter-text's invalid_url_without_protocol_preceding_chars),
// nor after a letter or digit of its own labels (the host would start
// there).
func bareHostMayFollow(prev rune) bool {
	switch prev {
	case '-', '_', '.', '/':
		return false
	}
	return prev < 0 || !isBareLabelChar(prev)
}

func isASCIIAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func isDirectional(r rune) bool {
	switch r {
	case 0x061c, 0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069:
		return true
	}
	return false
}

// isDomainChar is twitter-text's DOMAIN_VALID_CHARS: anything but ASCII
// punctuation, spaces, controls, directional marks and U+FFFE U+FEFF
// U+FFFF.
func isDomainChar(r rune) bool {
	if r < utf8.RuneSelf {
		return isASCIIAlnum(byte(r))
	}
	switch {
	case r == utf8.RuneError, r == 0xfffe, r == 0xfeff, r == 0xffff, isDirectional(r),
		unicode.Is(unicode.White_Space, r), unicode.IsControl(r):
		return false
	}
	return true
}

// isBareLabelChar says whether r may be part of a label of a bare host:
// an ASCII letter or digit, or a letter, mark or digit of a script written
// with spaces between words. twitter-text takes only ASCII and Latin
// letters with accents there; the extractor takes the other alphabets
// too (пример.рф), but not Chinese, Japanese, Korean, Thai and the like,
// which run into a host with no space between.
func isBareLabelChar(r rune) bool {
	if r < utf8.RuneSelf {
		return isASCIIAlnum(byte(r))
	}
	if !unicode.IsLetter(r) && !unicode.IsMark(r) && !unicode.IsDigit(r) {
		return false
	}
	return !unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul, unicode.Bopomofo,
		unicode.Thai, unicode.Lao, unicode.Khmer, unicode.Myanmar, unicode.Tibetan, unicode.Yi)
}

// schemes a URL may start with, and their length; hxxp is the defanged
// http.
var schemeNames = [...]string{"https", "http", "hxxps", "hxxp", "ftp", "gopher", "gemini"}

// schemeLen is the length of the scheme and separator (://, [:]// or
// [://]) text[u:] starts with, 0 if none.
func schemeLen(s string) int {
	for _, name := range schemeNames {
		if len(s) > len(name) && strings.EqualFold(s[:len(name)], name) {
			rest := s[len(name):]
			switch {
			case strings.HasPrefix(rest, "://"):
				return len(name) + 3
			case strings.HasPrefix(rest, "[:]//"), strings.HasPrefix(rest, "[://]"):
				return len(name) + 5
			}
		}
	}
	return 0
}

// schemeURL reads a URL with a scheme at text[u:b] and emits it; ok is
// false when there is no scheme at u or no host after it (then nothing was
// taken). A URL read whole but refused (its host is not valid, a t.co slug
// too long) is taken all the same, as twitter-text does.
func (x *Extractor) schemeURL(text string, u, b int, emit func(start, end int, ref Ref)) (end int, ok bool) {
	c := text[u] | 0x20
	if c != 'h' && c != 'f' && c != 'g' {
		return 0, false
	}
	n := schemeLen(text[u:b])
	if n == 0 {
		return 0, false
	}
	h := u + n
	var hostEnd int
	if h < b && text[h] == '[' { // an IPv6 address
		end := strings.IndexByte(text[h:b], ']')
		if end < 0 || net.ParseIP(text[h+1:h+end]) == nil {
			return 0, false
		}
		hostEnd = h + end + 1
	} else if hostEnd = ipv4End(text, h, b); hostEnd < 0 {
		var valid bool
		hostEnd, valid, _ = x.hostEnd(text, h, b, isDomainChar)
		if hostEnd < 0 {
			return 0, false
		}
		if !valid {
			return hostEnd, true
		}
	}
	end = urlRest(text, hostEnd, b)
	raw := text[u:end]
	if strings.EqualFold(text[h:hostEnd], "t.co") && end > hostEnd && text[hostEnd] == '/' {
		// t.co links: the slug and nothing after it.
		slug := hostEnd + 1
		for slug < end && isASCIIAlnum(text[slug]) {
			slug++
		}
		if slug-hostEnd-1 > maxTcoSlug {
			return end, true
		}
		if slug > hostEnd+1 {
			end = slug
			if end < b && text[end] == '?' {
				end = queryEnd(text, end, b)
			}
			raw = text[u:end]
		}
	}
	if len(raw) > maxURL {
		return end, true
	}
	host, changed := x.refang(text[h:hostEnd])
	ref, valid := x.hostRef(host)
	if !valid {
		return end, true
	}
	ref.URL, _ = x.refang(raw)
	ref.FoundIn = InText
	if changed || ref.URL != raw {
		ref.FoundIn = InDefanged
	}
	emit(u, end, ref)
	return end, true
}

// bareHost reads a host without a scheme at text[u:b], with the port, path
// and query after it, and emits it. end is 0 when there is none; skip is
// then where the next attempt may start (no later start within the labels
// read can do better).
func (x *Extractor) bareHost(text string, u, b int, emit func(start, end int, ref Ref)) (end, skip int) {
	hostEnd, valid := ipv4End(text, u, b), true
	if hostEnd < 0 {
		hostEnd, valid, skip = x.hostEnd(text, u, b, isBareLabelChar)
	}
	if hostEnd < 0 {
		return 0, skip
	}
	if !valid {
		return hostEnd, 0
	}
	end = urlRest(text, hostEnd, b)
	if end-u+len("https://") > maxURL {
		return end, 0
	}
	host, changed := x.refang(text[u:hostEnd])
	ref, ok := x.hostRef(host)
	rest := text[hostEnd:end]
	if !ok || rest == "" && !bareTLDOK(ref.Host) {
		return end, 0
	}
	ref.FoundIn = InText
	if changed {
		ref.FoundIn = InDefanged
	}
	if rest != "" || changed {
		ref.URL = "http://" + host + rest
	}
	emit(u, end, ref)
	return end, 0
}

// ipv4End is the end of a dotted-quad IPv4 address at text[h:b] that no
// further label follows, or -1.
func ipv4End(text string, h, b int) int {
	i := h
	for part := 0; part < 4; part++ {
		if part > 0 {
			if i >= b || text[i] != '.' {
				return -1
			}
			i++
		}
		start := i
		for i < b && i-start < 3 && text[i] >= '0' && text[i] <= '9' {
			i++
		}
		if i == start {
			return -1
		}
	}
	if i < b && (text[i] == '.' || isASCIIAlnum(text[i])) || net.ParseIP(text[h:i]) == nil {
		return -1
	}
	return i
}

// sepLen is the length of the label separator at s[i:]: a dot or a
// defanged dot ([.] (.) {.} [dot] (dot), any case); 0 if none.
func sepLen(s string, i int) int {
	switch s[i] {
	case '.':
		return 1
	case '[':
		return defangedDotLen(s[i:], ']')
	case '(':
		return defangedDotLen(s[i:], ')')
	case '{':
		if strings.HasPrefix(s[i:], "{.}") {
			return 3
		}
	}
	return 0
}

// defangedDotLen is the length of "[.]" or "[dot]" (any case) at the start
// of s, with the given closing bracket; 0 if none.
func defangedDotLen(s string, closing byte) int {
	if len(s) >= 3 && s[1] == '.' && s[2] == closing {
		return 3
	}
	if len(s) >= 5 && strings.EqualFold(s[1:4], "dot") && s[4] == closing {
		return 5
	}
	return 0
}

// label is one label of a host being read: text[start:end].
type label struct {
	start, end int
	sub        bool // may be a subdomain: starts and ends with a label character
	name       bool // may be the registrable name: a subdomain without _
	tld        int  // end of the longest top-level domain it starts with, or -1
}

// hostEnd reads the labels of a host at text[u:b] (labels of chars joined
// by separators) and returns the end of the longest host among them that
// ends on a top-level domain, as twitter-text's greedy valid_domain
// finds it. valid is false when that host is too long to be one; end is
// -1 when there is none, and skip is then where to look again: no start
// before it does better.
func (x *Extractor) hostEnd(text string, u, b int, chars func(rune) bool) (end int, valid bool, skip int) {
	var labels [8]label
	ls := labels[:0]
	limit := min(b, u+maxHost)
	i := u
	for {
		l := label{start: i, tld: -1}
		underscore, last, foreign := false, rune(-1), false
		for i < b {
			r, n := utf8.DecodeRuneInString(text[i:])
			if r == '-' || r == '_' {
				if last < 0 {
					break // a label starts with a label character
				}
				underscore = underscore || r == '_'
			} else if !isDomainChar(r) {
				break
			} else if !chars(r) {
				// A label of the host only as far as chars allows; the
				// top-level domain may be in any script (twitter.みんな).
				foreign = true
				break
			}
			last = r
			i += n
		}
		if i > limit {
			return i, false, 0 // too long for a host
		}
		l.end = i
		if l.end == l.start && !(foreign && len(ls) > 0) {
			break
		}
		if foreign && len(ls) == 0 {
			return -1, false, i // no host starts before the foreign character
		}
		l.sub = !foreign && last != '-' && last != '_'
		l.name = l.sub && !underscore
		if len(ls) > 0 {
			l.tld = x.tldEnd(text, l.start, b)
		}
		ls = append(ls, l)
		if !l.sub || i >= b {
			break
		}
		n := sepLen(text[:b], i)
		if n == 0 {
			break
		}
		i += n
	}
	// The longest host: the last label k with a top-level domain whose
	// labels before are a registrable name and subdomains.
	subs := true
	best := -1
	for k := 1; k < len(ls); k++ {
		if ls[k].tld >= 0 && ls[k-1].name && subs {
			best = ls[k].tld
		}
		subs = subs && ls[k-1].sub
	}
	if best >= 0 {
		return best, true, 0
	}
	if len(ls) == 0 {
		return -1, false, u
	}
	return -1, false, ls[0].end
}

// tldEnd is the end of the longest top-level domain that text[start:b]
// starts with, of domain characters, that no ASCII letter or digit, @, +
// or - follows (twitter-text's valid_gTLD / valid_ccTLD), or -1.
func (x *Extractor) tldEnd(text string, start, b int) int {
	best := -1
	for i := start; i < b && i-start < maxTLD; {
		r, n := utf8.DecodeRuneInString(text[i:])
		if !isDomainChar(r) {
			break
		}
		i += n
		if i < len(text) {
			c := text[i]
			if c < utf8.RuneSelf && (isASCIIAlnum(c) || c == '@' || c == '+' || c == '-') {
				continue
			}
		}
		if x.isTLD(text[start:i]) {
			best = i
		}
	}
	return best
}

// isTLD says whether s (any case, Unicode or punycode) is a top-level
// domain of the public suffix list's ICANN section.
func (x *Extractor) isTLD(s string) bool {
	if len(s) > maxTLD {
		return false
	}
	var buf [maxTLD]byte
	ascii := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			ascii = false
			break
		}
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	if ascii {
		if v, ok := x.tlds[string(buf[:len(s)])]; ok {
			return v
		}
		return cached(x.tlds, string(buf[:len(s)]), isTLD)
	}
	return cached(x.tlds, s, isTLD)
}

func isTLD(s string) bool {
	ascii, err := idna.Lookup.ToASCII(s)
	if err != nil || ascii == "" || strings.Contains(ascii, ".") {
		return false
	}
	_, icann := publicsuffix.PublicSuffix("x." + ascii)
	return icann
}

// urlRest is the end of the port, path and query after a host ending at
// text[i:b], by twitter-text's rules.
func urlRest(text string, i, b int) int {
	if i+1 < b && text[i] == ':' && text[i+1] >= '0' && text[i+1] <= '9' {
		i++
		for i < b && text[i] >= '0' && text[i] <= '9' {
			i++
		}
	}
	if i < b && text[i] == '/' {
		i = pathEnd(text, i+1, b)
	}
	if i < b && text[i] == '?' {
		i = queryEnd(text, i, b)
	}
	return i
}

// pathEnd reads path characters and balanced parentheses from text[i:b]
// and returns the end of the longest run that ends on a path-ending
// character or a closing parenthesis (i itself when none does).
func pathEnd(text string, i, b int) int {
	end := i
	for i < b {
		if text[i] == '(' {
			if j := parensEnd(text, i, b); j > 0 {
				i, end = j, j
				continue
			}
			break
		}
		r, n := utf8.DecodeRuneInString(text[i:])
		if !isPathChar(r) {
			break
		}
		i += n
		if isPathEnding(r) {
			end = i
		}
	}
	return end
}

// parensEnd is the end of the balanced parentheses at text[i:b] (one
// level of nesting, as twitter-text allows), or -1.
func parensEnd(text string, i, b int) int {
	depth, inner := 0, 0
	for j := i; j < b; {
		r, n := utf8.DecodeRuneInString(text[j:])
		switch {
		case r == '(':
			if depth == 2 {
				return -1
			}
			depth++
			inner = 0
		case r == ')':
			if inner == 0 && depth == 2 || j == i+1 {
				return -1 // () and (()) hold no path character
			}
			depth--
			inner = 1
			if depth == 0 {
				return j + n
			}
		case isPathChar(r):
			inner++
		default:
			return -1
		}
		j += n
	}
	return -1
}

// isPathChar is twitter-text's valid_general_url_path_chars.
func isPathChar(r rune) bool {
	if r < utf8.RuneSelf {
		if isASCIIAlnum(byte(r)) {
			return true
		}
		return strings.IndexByte("!*';:=+,.$/%#[]-_~&|@", byte(r)) >= 0
	}
	return isLatinAccent(r) || unicode.Is(unicode.Cyrillic, r) || unicode.Is(unicode.Pd, r)
}

// isPathEnding is twitter-text's valid_url_path_ending_chars (but for
// balanced parentheses).
func isPathEnding(r rune) bool {
	if r < utf8.RuneSelf {
		return isASCIIAlnum(byte(r)) || strings.IndexByte("=_#/+-", byte(r)) >= 0
	}
	return isLatinAccent(r) || unicode.Is(unicode.Cyrillic, r)
}

// isLatinAccent is twitter-text's LATIN_ACCENTS.
func isLatinAccent(r rune) bool {
	switch {
	case r >= 0xc0 && r <= 0xd6, r >= 0xd8 && r <= 0xf6, r >= 0xf8 && r <= 0x24f,
		r == 0x253, r == 0x254, r == 0x256, r == 0x257, r == 0x259, r == 0x25b, r == 0x263,
		r == 0x268, r == 0x26f, r == 0x272, r == 0x289, r == 0x28b, r == 0x2bb,
		r >= 0x300 && r <= 0x36f, r >= 0x1e00 && r <= 0x1eff:
		return true
	}
	return false
}

// queryEnd reads a query at text[i:b] (i is at its '?') and returns the
// end of the longest run of query characters that ends on a query-ending
// character, or i when there is none (the '?' is then not the URL's).
func queryEnd(text string, i, b int) int {
	end := i
	for j := i + 1; j < b; j++ {
		c := text[j]
		if isASCIIAlnum(c) || strings.IndexByte("_&=#/-", c) >= 0 {
			end = j + 1
		} else if strings.IndexByte("!?*'();:+$%[],.~|@", c) < 0 {
			break
		}
	}
	return end
}
