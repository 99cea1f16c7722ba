// Package extract finds the URLs and domains in what accounts wrote and
// declared: status HTML and text (defanged forms too), emails, app websites
// and redirect URIs, profile notes and fields, preview cards. It skips what
// Mastodon itself skips (mentions, hashtags) and normalises every host to its
// registrable domain.
package extract

import (
	"net"
	"net/url"
	"regexp"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
)

// Ref is one URL or host found in a source.
type Ref struct {
	FoundIn string // href, text, defanged, email, website, redirect_uri, note, field, card
	URL     string // refanged; empty for a bare host or an email
	Host    string // lower-case ASCII (punycode), no port, no trailing dot
	Domain  string // registrable domain (eTLD+1), ASCII; the address itself for an IP
}

// Where a reference was found.
const (
	InHref     = "href"
	InText     = "text"
	InDefanged = "defanged"
	InEmail    = "email"
)

// Extractor holds the compiled host pattern and a bounded cache of
// normalised hosts (the same few hosts recur across a dump). It is not safe
// for concurrent use: give each goroutine its own.
type Extractor struct {
	hostRE *regexp.Regexp
	defang *strings.Replacer
	hosts  map[string]cachedHost
	names  map[string]string // ASCII domain to its display form
}

type cachedHost struct {
	ref Ref
	ok  bool
}

// maxCachedHosts bounds an Extractor's cache; it starts over when full.
const maxCachedHosts = 1 << 16

// New compiles the patterns.
func New() *Extractor {
	sep := `(?:\.|\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\))`
	label := `[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?`
	return &Extractor{
		// A bare host: labels joined by dots or defanged dots.
		hostRE: regexp.MustCompile(`(?i)(?:` + label + sep + `)+` + label + `(?:/[^\s<>"'` + "`" + `]*)?`),
		defang: strings.NewReplacer("[.]", ".", "(.)", ".", "{.}", ".", "[dot]", ".", "(dot)", ".", "[DOT]", ".", "(DOT)", ".",
			"hxxp", "http", "HXXP", "http", "[:]", ":", "[://]", "://"),
		hosts: map[string]cachedHost{},
		names: map[string]string{},
	}
}

// refang undoes the usual defanging; changed says whether it did anything.
func (x *Extractor) refang(s string) (out string, changed bool) {
	out = x.defang.Replace(s)
	return out, out != s
}

// trimURL cuts punctuation that ends a sentence rather than the URL.
func trimURL(s string) string {
	for len(s) > 0 {
		c := s[len(s)-1]
		switch c {
		case '.', ',', ';', ':', '!', '?', '\'', '"', '*':
			s = s[:len(s)-1]
			continue
		case ')', ']', '}':
			open := byte('(')
			switch c {
			case ']':
				open = '['
			case '}':
				open = '{'
			}
			if strings.Count(s, string(open)) < strings.Count(s, string(c)) {
				s = s[:len(s)-1]
				continue
			}
		}
		return s
	}
	return s
}

// Text finds URLs and bare hosts in plain text.
//
// No URL or host holds white space (as regexp's \s: tab, newline, form
// feed, carriage return, space) or any of <>"'` , so the text is cut into
// tokens at those bytes and each token is looked at alone: most tokens are
// words with no dot in them and cost a byte scan. A URL with a scheme runs
// to the end of its token, so a token holds at most one; the host pattern is
// run only on tokens that may hold a host, and not on a token that is a URL
// from its first byte (any host in it would lie inside the URL). This finds
// exactly what running both patterns over the whole text would find.
func (x *Extractor) Text(text string, emit func(Ref)) {
	type span struct{ start, end, url int }
	var hosts []span
	for i := 0; i < len(text); {
		if isDelim(text[i]) {
			i++
			continue
		}
		j := i + 1
		for j < len(text) && !isDelim(text[j]) {
			j++
		}
		tok := text[i:j]
		u := urlStart(tok)
		if u >= 0 {
			x.emitURL(tok[u:], emit)
		}
		if u != 0 && mayHoldHost(tok) {
			hosts = append(hosts, span{i, j, u})
		}
		i = j
	}
	for _, h := range hosts {
		tok := text[h.start:h.end]
		for _, m := range x.hostRE.FindAllStringIndex(tok, -1) {
			if h.url >= 0 && m[1] > h.url {
				continue // overlaps the URL, which runs to the token's end
			}
			if at := h.start + m[0]; at > 0 {
				switch text[at-1] {
				case '@', '.', '/', '#', '-', '_':
					continue // a mention, an email, a path, a tag: not a promoted host
				}
			}
			x.emitHost(tok[m[0]:m[1]], emit)
		}
	}
}

// emitHost emits a bare (maybe defanged) host with an optional path.
func (x *Extractor) emitHost(match string, emit func(Ref)) {
	s, changed := x.refang(trimURL(match))
	host, path, _ := strings.Cut(s, "/")
	ref, ok := x.hostRef(host)
	if !ok || !bareTLDOK(ref.Host) {
		return
	}
	ref.FoundIn = InText
	if changed {
		ref.FoundIn = InDefanged
	}
	if path != "" || changed {
		ref.URL = "http://" + host
		if path != "" {
			ref.URL += "/" + path
		}
	}
	emit(ref)
}

func (x *Extractor) emitURL(match string, emit func(Ref)) {
	u, changed := x.refang(trimURL(match))
	if ref, ok := x.fromURL(u); ok {
		ref.FoundIn = InText
		if changed {
			ref.FoundIn = InDefanged
		}
		emit(ref)
	}
}

// isDelim is true for the bytes no URL or host holds.
func isDelim(c byte) bool {
	switch c {
	case '\t', '\n', '\f', '\r', ' ', '<', '>', '"', '\'', '`':
		return true
	}
	return false
}

// isWord is true for the bytes of regexp's \w, whose edges are \b.
func isWord(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

// urlStart is where the token's URL begins, or -1: the leftmost place, at a
// word boundary, where a scheme (http, https, ftp, or defanged hxxp and
// hxxps; in any case) and "://" (or "[:]//") are followed by at least one
// byte. The URL runs to the end of the token.
func urlStart(tok string) int {
	if !strings.Contains(tok, "//") {
		return -1
	}
	for p := 0; p < len(tok); p++ {
		if c := tok[p] | 0x20; c != 'h' && c != 'f' || p > 0 && isWord(tok[p-1]) {
			continue
		}
		if n := schemeLen(tok[p:]); n > 0 && p+n < len(tok) {
			return p
		}
	}
	return -1
}

// schemeLen is the length of the scheme and separator s starts with, 0 if
// none: (?i)(?:h(?:tt|xx)ps?|ftp)(?::|\[:\])// as regexp matches it, where
// case folding lets an s be written ſ (U+017F).
func schemeLen(s string) int {
	n := 0
	switch {
	case hasFold(s, "http"), hasFold(s, "hxxp"):
		n = 4
		if len(s) > n && s[n]|0x20 == 's' {
			n++
		} else if strings.HasPrefix(s[n:], "ſ") {
			n += len("ſ")
		}
	case hasFold(s, "ftp"):
		n = 3
	default:
		return 0
	}
	if m := sepLen(s[n:]); m > 0 {
		return n + m
	}
	return 0 // giving back the s would leave it where the separator must be
}

// sepLen matches :// or [:]//.
func sepLen(s string) int {
	switch {
	case strings.HasPrefix(s, "://"):
		return 3
	case strings.HasPrefix(s, "[:]//"):
		return 5
	}
	return 0
}

// hasFold reports whether s starts with the ASCII letters of p in any case.
func hasFold(s, p string) bool {
	if len(s) < len(p) {
		return false
	}
	for i := 0; i < len(p); i++ {
		if s[i]|0x20 != p[i] {
			return false
		}
	}
	return true
}

// mayHoldHost is a fast test that text has something like a host: a dot
// between two letters or digits, or a defanged dot. Most sentences have
// none, and then the slower pattern is not run.
func mayHoldHost(text string) bool {
	for i := 1; i+1 < len(text); i++ {
		switch text[i] {
		case '.':
			if isAlnum(text[i-1]) && isAlnum(text[i+1]) {
				return true
			}
		case '[', '(', '{':
			if rest := text[i+1:]; strings.HasPrefix(rest, ".") || len(rest) >= 3 && strings.EqualFold(rest[:3], "dot") {
				return true
			}
		}
	}
	return false
}

// isAlnum is true for ASCII letters and digits and for any byte of a
// multi-byte character (an IDN label).
func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

// bareTLDOK refuses bare hosts whose last label is more often a file
// extension than a top-level domain in what people write.
func bareTLDOK(host string) bool {
	tld := host[strings.LastIndexByte(host, '.')+1:]
	switch tld {
	case "py", "sh", "md", "zip", "mov", "rs", "pl", "js", "ts", "exe", "so", "cc", "gz", "png", "jpg", "txt", "pdf", "csv", "json", "html", "htm", "php":
		return false
	}
	return true
}

// HTML finds the links of status or note HTML, skipping mentions, hashtags
// and links to mentioned accounts as Mastodon does, then scans the text
// outside links for bare and defanged hosts.
func (x *Extractor) HTML(src string, mentionURLs []string, emit func(Ref)) {
	if src == "" {
		return
	}
	z := html.NewTokenizer(strings.NewReader(src))
	var text strings.Builder
	inLink, hcard := 0, 0
	var spanStack []bool
	for {
		switch z.Next() {
		case html.ErrorToken:
			x.Text(text.String(), emit)
			return
		case html.TextToken:
			if inLink == 0 {
				text.Write(z.Text())
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			var href, class, rel string
			for hasAttr {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				switch string(k) {
				case "href":
					href = string(v)
				case "class":
					class = string(v)
				case "rel":
					rel = string(v)
				}
			}
			switch string(name) {
			case "a":
				inLink++
				if hcard > 0 || hasWord(class, "mention") || hasWord(class, "u-url") || hasWord(class, "hashtag") || hasWord(rel, "tag") || contains(mentionURLs, href) {
					continue
				}
				if ref, ok := x.fromURL(href); ok {
					ref.FoundIn = InHref
					emit(ref)
				}
			case "span":
				isCard := hasWord(class, "h-card")
				spanStack = append(spanStack, isCard)
				if isCard {
					hcard++
				}
			case "br", "p":
				text.WriteByte(' ')
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "a":
				if inLink > 0 {
					inLink--
				}
			case "span":
				if n := len(spanStack); n > 0 {
					if spanStack[n-1] {
						hcard--
					}
					spanStack = spanStack[:n-1]
				}
			case "p":
				text.WriteByte(' ')
			}
		}
	}
}

func hasWord(s, w string) bool {
	for _, f := range strings.Fields(s) {
		if f == w {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, l := range list {
		if l == s {
			return true
		}
	}
	return false
}

// fromURL normalises a URL with a scheme into a Ref (FoundIn unset).
func (x *Extractor) fromURL(raw string) (Ref, bool) {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return Ref{}, false
	}
	ref, ok := x.hostRef(u.Host)
	if !ok {
		return Ref{}, false
	}
	ref.URL = raw
	return ref, true
}

// fromEmail gives the domain of an email address.
func (x *Extractor) fromEmail(addr string) (Ref, bool) {
	i := strings.LastIndexByte(addr, '@')
	if i < 0 {
		return Ref{}, false
	}
	ref, ok := x.hostRef(addr[i+1:])
	ref.FoundIn = InEmail
	return ref, ok
}

// hostRef is the package's hostRef through the cache.
func (x *Extractor) hostRef(h string) (Ref, bool) {
	c := cached(x.hosts, h, func(h string) cachedHost {
		ref, ok := hostRef(h)
		return cachedHost{ref, ok}
	})
	return c.ref, c.ok
}

// cached is m[key], computed by compute when missing; m starts over when it
// holds maxCachedHosts entries.
func cached[V any](m map[string]V, key string, compute func(string) V) V {
	if v, ok := m[key]; ok {
		return v
	}
	v := compute(key)
	if len(m) >= maxCachedHosts {
		clear(m)
	}
	m[key] = v
	return v
}

// hostRef normalises a host: user info and port cut, lower-case, trailing
// dot dropped, IDN to punycode; the registrable domain by the public suffix
// list. ok is false for what is not a host on the public internet.
func hostRef(h string) (Ref, bool) {
	if i := strings.LastIndexByte(h, '@'); i >= 0 {
		h = h[i+1:]
	}
	if strings.HasPrefix(h, "[") { // an IPv6 literal
		if end := strings.IndexByte(h, ']'); end > 0 {
			ip := net.ParseIP(h[1:end])
			if ip == nil {
				return Ref{}, false
			}
			return Ref{Host: ip.String(), Domain: ip.String()}, true
		}
		return Ref{}, false
	}
	if hp, _, err := net.SplitHostPort(h); err == nil {
		h = hp
	}
	h = strings.TrimSuffix(strings.ToLower(h), ".")
	if h == "" || len(h) > 253 {
		return Ref{}, false
	}
	if ip := net.ParseIP(h); ip != nil {
		return Ref{Host: ip.String(), Domain: ip.String()}, true
	}
	ascii, err := idna.Lookup.ToASCII(h)
	if err != nil || !strings.Contains(ascii, ".") {
		return Ref{}, false
	}
	suffix, icann := publicsuffix.PublicSuffix(ascii)
	if !icann && !strings.Contains(suffix, ".") {
		return Ref{}, false // not under a real top-level domain
	}
	domain, err := publicsuffix.EffectiveTLDPlusOne(ascii)
	if err != nil {
		return Ref{}, false
	}
	return Ref{Host: ascii, Domain: domain}, true
}

// unicode is Unicode through the cache.
func (x *Extractor) unicode(ascii string) string {
	return cached(x.names, ascii, Unicode)
}

// Unicode renders an ASCII (punycode) domain for display.
func Unicode(ascii string) string {
	u, err := idna.Display.ToUnicode(ascii)
	if err != nil {
		return ascii
	}
	return u
}
