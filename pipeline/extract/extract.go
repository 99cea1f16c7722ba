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

// Extractor holds the compiled patterns; it is safe for concurrent use.
type Extractor struct {
	urlRE  *regexp.Regexp
	hostRE *regexp.Regexp
	defang *strings.Replacer
}

// New compiles the patterns.
func New() *Extractor {
	sep := `(?:\.|\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\))`
	label := `[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?`
	return &Extractor{
		// A URL with a scheme, defanged schemes included, up to white space.
		urlRE: regexp.MustCompile(`(?i)\b(?:h(?:tt|xx)ps?|ftp)(?::|\[:\])//[^\s<>"'` + "`" + `]+`),
		// A bare host: labels joined by dots or defanged dots.
		hostRE: regexp.MustCompile(`(?i)(?:` + label + sep + `)+` + label + `(?:/[^\s<>"'` + "`" + `]*)?`),
		defang: strings.NewReplacer("[.]", ".", "(.)", ".", "{.}", ".", "[dot]", ".", "(dot)", ".", "[DOT]", ".", "(DOT)", ".",
			"hxxp", "http", "HXXP", "http", "[:]", ":", "[://]", "://"),
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
			open := map[byte]byte{')': '(', ']': '[', '}': '{'}[c]
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
func (x *Extractor) Text(text string, emit func(Ref)) {
	if text == "" {
		return
	}
	var taken [][]int
	if strings.Contains(text, "//") {
		taken = x.urlRE.FindAllStringIndex(text, -1)
	}
	if !mayHoldHost(text) {
		for _, m := range taken {
			x.emitURL(text[m[0]:m[1]], emit)
		}
		return
	}
	for _, m := range taken {
		x.emitURL(text[m[0]:m[1]], emit)
	}
	for _, m := range x.hostRE.FindAllStringIndex(text, -1) {
		if inside(m, taken) {
			continue
		}
		if m[0] > 0 {
			switch text[m[0]-1] {
			case '@', '.', '/', '#', '-', '_':
				continue // a mention, an email, a path, a tag: not a promoted host
			}
		}
		raw := trimURL(text[m[0]:m[1]])
		s, changed := x.refang(raw)
		host, path, _ := strings.Cut(s, "/")
		ref, ok := hostRef(host)
		if !ok || !bareTLDOK(ref.Host) {
			continue
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
}

func (x *Extractor) emitURL(match string, emit func(Ref)) {
	u, changed := x.refang(trimURL(match))
	if ref, ok := FromURL(u); ok {
		ref.FoundIn = InText
		if changed {
			ref.FoundIn = InDefanged
		}
		emit(ref)
	}
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

func inside(m []int, spans [][]int) bool {
	for _, s := range spans {
		if m[0] < s[1] && m[1] > s[0] {
			return true
		}
	}
	return false
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
				if ref, ok := FromURL(href); ok {
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

// FromURL normalises a URL with a scheme into a Ref (FoundIn unset).
func FromURL(raw string) (Ref, bool) {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return Ref{}, false
	}
	ref, ok := hostRef(u.Host)
	if !ok {
		return Ref{}, false
	}
	ref.URL = raw
	return ref, true
}

// FromEmail gives the domain of an email address.
func FromEmail(addr string) (Ref, bool) {
	i := strings.LastIndexByte(addr, '@')
	if i < 0 {
		return Ref{}, false
	}
	ref, ok := hostRef(addr[i+1:])
	ref.FoundIn = InEmail
	return ref, ok
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

// Unicode renders an ASCII (punycode) domain for display.
func Unicode(ascii string) string {
	u, err := idna.Display.ToUnicode(ascii)
	if err != nil {
		return ascii
	}
	return u
}
