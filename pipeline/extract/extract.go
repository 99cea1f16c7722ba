// Package extract finds the URLs and domains in what accounts wrote and
// declared: status HTML and text (defanged forms too), emails, app websites
// and redirect URIs, profile notes and fields, preview cards. It skips what
// Mastodon itself skips (mentions, hashtags) and normalises every host to its
// registrable domain.
package extract

import (
	"errors"
	"net"
	"net/url"
	"strings"

	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"

	"fediforensics/pipeline/report"
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

// Extractor holds caches of normalised hosts and of top-level domains
// (the same few recur across a dump). It is not safe for concurrent use:
// give each goroutine its own.
type Extractor struct {
	defang *strings.Replacer
	hosts  map[string]cachedHost
	names  map[string]string // ASCII domain to its display form
	tlds   map[string]bool   // top-level domain (any case, any script) to whether it is one
}

type cachedHost struct {
	ref Ref
	ok  bool
}

// maxCachedHosts bounds an Extractor's caches; each starts over when full.
const maxCachedHosts = 1 << 16

// New makes an Extractor.
func New() *Extractor {
	return &Extractor{
		defang: strings.NewReplacer("[.]", ".", "(.)", ".", "{.}", ".",
			"[dot]", ".", "(dot)", ".", "[DOT]", ".", "(DOT)", ".", "[Dot]", ".", "(Dot)", ".",
			"hxxp", "http", "HXXP", "HTTP", "Hxxp", "Http", "hXXp", "http",
			"[://]", "://", "[:]", ":"),
		hosts: map[string]cachedHost{},
		names: map[string]string{},
		tlds:  map[string]bool{},
	}
}

// refang undoes the usual defanging; changed says whether it did anything.
func (x *Extractor) refang(s string) (out string, changed bool) {
	if !strings.ContainsAny(s, "[({xX") {
		return s, false // every defanged form holds one of these
	}
	out = x.defang.Replace(s)
	return out, out != s
}

// Text finds URLs and bare hosts in plain text (see scan.go for the
// rules).
func (x *Extractor) Text(text string, emit func(Ref)) {
	x.scan(text, func(_, _ int, ref Ref) { emit(ref) })
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
// and links to mentioned accounts as Mastodon does (see readHTML), then
// scans the text outside links for bare and defanged hosts.
func (x *Extractor) HTML(src string, mentionURLs []string, emit func(Ref)) {
	if src == "" {
		return
	}
	_, outside, links := x.readHTML(src, mentionURLs)
	for _, l := range links {
		if l.kind != 'l' {
			continue
		}
		if ref, ok := x.fromURL(l.href); ok {
			ref.FoundIn = InHref
			emit(ref)
		}
	}
	x.Text(outside, emit)
}

func hasWord(s, w string) bool {
	for _, f := range strings.Fields(s) {
		if f == w {
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
// holds maxCachedHosts entries. What it keeps is computed from a copy of
// key: the text a key is cut from may live only for one call (a status
// read from an Arrow batch, freed after it), and the key, and the strings
// of a value that alias it, outlive that.
func cached[V any](m map[string]V, key string, compute func(string) V) V {
	if v, ok := m[key]; ok {
		return v
	}
	key = strings.Clone(key)
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
	ascii, err := toASCII(h)
	if err != nil || !strings.Contains(ascii, ".") {
		return Ref{}, false
	}
	suffix, icann := publicsuffix.PublicSuffix(ascii)
	if !icann && !strings.Contains(suffix, ".") {
		return Ref{}, false // not under a real top-level domain
	}
	domain, err := publicsuffix.EffectiveTLDPlusOne(ascii)
	if err != nil {
		if suffix != ascii {
			return Ref{}, false
		}
		domain = ascii // a host that is a public suffix itself (*.pg, *.np)
	}
	if strings.Contains(domain, "_") {
		return Ref{}, false // _ only in subdomains
	}
	return Ref{Host: ascii, Domain: domain}, true
}

// toASCII is idna's Lookup profile, but for labels with underscores, which
// hosts have (sub_domain.example.com) and which the profile refuses: such
// a label must be ASCII letters, digits, - and _, and neither start nor
// end with - or _.
func toASCII(h string) (string, error) {
	if !strings.Contains(h, "_") {
		return idna.Lookup.ToASCII(h)
	}
	labels := strings.Split(h, ".")
	underscored := map[int]string{}
	for i, l := range labels {
		if !strings.Contains(l, "_") {
			continue
		}
		if l[0] == '_' || l[0] == '-' || l[len(l)-1] == '_' || l[len(l)-1] == '-' {
			return "", errBadLabel
		}
		for j := 0; j < len(l); j++ {
			if c := l[j]; !isASCIIAlnum(c) && c != '-' && c != '_' {
				return "", errBadLabel
			}
		}
		underscored[i] = strings.ToLower(l)
		labels[i] = "a" // converts to itself
	}
	ascii, err := idna.Lookup.ToASCII(strings.Join(labels, "."))
	if err != nil {
		return "", err
	}
	out := strings.Split(ascii, ".")
	if len(out) != len(labels) {
		return "", errBadLabel // a mapping made or took a dot
	}
	for i, l := range underscored {
		out[i] = l
	}
	return strings.Join(out, "."), nil
}

var errBadLabel = errors.New("bad label")

// unicode is report.UnicodeDomain through the cache.
func (x *Extractor) unicode(ascii string) string {
	return cached(x.names, ascii, report.UnicodeDomain)
}
