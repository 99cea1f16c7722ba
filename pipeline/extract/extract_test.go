package extract

import (
	"reflect"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

func collect(f func(emit func(Ref))) []string {
	var out []string
	f(func(r Ref) { out = append(out, r.FoundIn+" "+r.Domain+" "+r.Host+" "+r.URL) })
	return out
}

func TestHTML(t *testing.T) {
	x := New()
	link := `<a href="https://moonxtrade.com/?ref=abc123XYZ" target="_blank" rel="nofollow noopener noreferrer" translate="no"><span class="invisible">https://</span><span class="ellipsis">moonxtrade.com/?ref=abc123XYZ</span><span class="invisible">tail</span></a>`
	mention := `<span class="h-card" translate="no"><a href="https://mastodon.social/@alice" class="u-url mention">@<span>alice</span></a></span>`
	tag := `<a href="https://mastodon.social/tags/crypto" class="mention hashtag" rel="tag">#<span>crypto</span></a>`
	for _, tc := range []struct {
		name, html string
		mentions   []string
		want       []string
	}{
		{"ellipsis link takes the href", "<p>" + mention + " earn at " + link + "</p>", nil,
			[]string{"href moonxtrade.com moonxtrade.com https://moonxtrade.com/?ref=abc123XYZ"}},
		{"mention and hashtag skipped", "<p>" + mention + " " + tag + "</p>", nil, nil},
		{"link to a mentioned account skipped", `<p><a href="https://evil.example.com/@bob">@bob</a> hi</p>`, []string{"https://evil.example.com/@bob"}, nil},
		{"bare domain in text", "<p>go to moonxtrade.com now</p>", nil, []string{"text moonxtrade.com moonxtrade.com "}},
		{"defanged in text", "<p>visit cryptonexa[.]io or hxxps://bitqlend[.]com/x</p>", nil,
			[]string{"defanged bitqlend.com bitqlend.com https://bitqlend.com/x", "defanged cryptonexa.io cryptonexa.io http://cryptonexa.io"}},
		{"br separates", "<p>a.com<br />b.org</p>", nil, []string{"text a.com a.com ", "text b.org b.org "}},
		{"escaped text", "<p>&lt;script&gt;x.com&lt;/script&gt;</p>", nil, []string{"text x.com x.com "}},
		{"subdomain to registrable", `<p><a href="https://www.bbc.co.uk/news">x</a></p>`, nil, []string{"href bbc.co.uk www.bbc.co.uk https://www.bbc.co.uk/news"}},
		{"port and case", `<p><a href="HTTPS://Shop.Example.COM:8443/a">x</a></p>`, nil, []string{"href example.com shop.example.com HTTPS://Shop.Example.COM:8443/a"}},
		{"broken html", `<p><a href="https://ok.net/">unclosed <b>bold`, nil, []string{"href ok.net ok.net https://ok.net/"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := collect(func(emit func(Ref)) { x.HTML(tc.html, tc.mentions, emit) })
			sortStrings(got)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestText(t *testing.T) {
	x := New()
	for _, tc := range []struct {
		name, text string
		want       []string
	}{
		{"scheme url trailing dot", "Join https://moonxtrade.com/r/1.", []string{"text moonxtrade.com moonxtrade.com https://moonxtrade.com/r/1"}},
		{"url glued to text", "see https://moonxtrade.com/?ref=abcJoin now", []string{"text moonxtrade.com moonxtrade.com https://moonxtrade.com/?ref=abcJoin"}},
		{"parenthesised", "(see example.org)", []string{"text example.org example.org "}},
		{"defanged forms", "a(.)b.com c[dot]net hxxp://d[.]org", []string{"defanged b.com a.b.com http://a.b.com", "defanged c.net c.net http://c.net", "defanged d.org d.org http://d.org"}},
		{"idn", "visit bücher.de today", []string{"text xn--bcher-kva.de xn--bcher-kva.de "}},
		{"punycode in", "visit xn--bcher-kva.de", []string{"text xn--bcher-kva.de xn--bcher-kva.de "}},
		{"email and mention are not hosts", "write bob@mail.example.com or @alice@mastodon.social", nil},
		{"file names are not hosts", "run setup.py and read notes.md", nil},
		{"unknown tld", "this.isnotatld", nil},
		{"ip url", "http://192.0.2.7:8080/x", []string{"text 192.0.2.7 192.0.2.7 http://192.0.2.7:8080/x"}},
		{"version numbers", "version 1.2.3 released", nil},
		{"bare ipv4", "connect to 192.0.2.7:8080/x or 10.1.2", []string{"text 192.0.2.7 192.0.2.7 http://192.0.2.7:8080/x"}},
		{"empty", "", nil},
		{"cjk around a bare host", "写真はexample.comにあります", []string{"text example.com example.com "}},
		{"cjk after a url path", "http://twitter.com/これは日本語", []string{"text twitter.com twitter.com http://twitter.com/"}},
		{"no-break space after the scheme", "http://\u00a0example.com/path", []string{"text example.com example.com http://example.com/path"}},
		{"underscore in a subdomain", "http://sub_domain.example.com/x", []string{"text example.com sub_domain.example.com http://sub_domain.example.com/x"}},
		{"underscore in the registrable name", "http://my_site.com", nil},
		{"plus before the tld", "name.al+lastname@foo.com", nil},
		{"cash tag", "$TVI.CA up 5%", nil},
		{"sentence punctuation", "see example.com/a/b. or (https://example.net/x), ok", []string{"text example.com example.com http://example.com/a/b", "text example.net example.net https://example.net/x"}},
		{"balanced parens kept", "http://en.wikipedia.org/wiki/Primer_(film).", []string{"text wikipedia.org en.wikipedia.org http://en.wikipedia.org/wiki/Primer_(film)"}},
		{"ipv6 url", "at http://[2001:db8::1]:8080/x.", []string{"text 2001:db8::1 2001:db8::1 http://[2001:db8::1]:8080/x"}},
		{"gemini", "gemini://gem.example.org/log", []string{"text example.org gem.example.org gemini://gem.example.org/log"}},
		{"bare cyrillic idn", "см. пример.рф сегодня", []string{"text xn--e1afmkfd.xn--p1ai xn--e1afmkfd.xn--p1ai "}},
		{"file extension with a path", "it.so/abcde and libc.so.6", []string{"text it.so it.so http://it.so/abcde"}},
		{"defanged in cjk", "詳しくはcryptonexa[.]ioへ", []string{"defanged cryptonexa.io cryptonexa.io http://cryptonexa.io"}},
		{"mixed-case defanging", "HXXPS[:]//Evil[DOT]com/x", []string{"defanged evil.com evil.com HTTPS://Evil.com/x"}},
		{"wildcard suffix", "https://twitter.pg", []string{"text twitter.pg twitter.pg https://twitter.pg"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := collect(func(emit func(Ref)) { x.Text(tc.text, emit) })
			sortStrings(got)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestSources(t *testing.T) {
	x := New()
	for _, tc := range []struct {
		kind, content string
		want          []string
	}{
		{"email", "Edgard.011012+x@Outlook.COM", []string{"email outlook.com outlook.com "}},
		{"url", "https://quot.pw", []string{"url quot.pw quot.pw https://quot.pw"}},
		{"urls", "urn:ietf:wg:oauth:2.0:oob\nhttps://quot.pw/oauth/callback", []string{"urls quot.pw quot.pw https://quot.pw/oauth/callback"}},
		{"fields", `[{"name":"Blog","value":"<a href=\"https://me.example.net/\" rel=\"me\">me.example.net</a>"},{"name":"x","value":"shop.example.org"}]`,
			[]string{"href example.net me.example.net https://me.example.net/", "text example.org shop.example.org "}},
	} {
		got := collect(func(emit func(Ref)) { x.Source(tc.kind, tc.content, nil, emit) })
		sortStrings(got)
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got %q\nwant %q", tc.kind, got, tc.want)
		}
	}
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

func FuzzExtract(f *testing.F) {
	f.Add(`<p><span class="h-card"><a href="https://m.s/@a" class="u-url mention">@<span>a</span></a></span> moonxtrade[.]com <a href="https://x.io/?r=1">x</a></p>`)
	f.Add("hxxps://bitqlend[.]com/x and bücher.de and (example.org).")
	f.Fuzz(func(t *testing.T, s string) {
		x := New()
		check := func(r Ref) {
			if r.Host == "" || r.Domain == "" || !strings.HasSuffix(r.Host, r.Domain) || r.Host != strings.ToLower(r.Host) {
				t.Fatalf("bad ref %+v from %q", r, s)
			}
			if !utf8.ValidString(r.Domain) {
				t.Fatalf("invalid domain %q", r.Domain)
			}
		}
		x.HTML(s, nil, check)
		x.Text(s, check)
		x.Source("fields", s, nil, check)
		// sql/status_sources.sql passes over statuses its cheap filter rejects.
		for _, kind := range []string{"html", "text"} {
			found := false
			x.Source(kind, s, nil, func(Ref) { found = true })
			if found && !passesSourcesFilter(kind, s) {
				t.Fatalf("%s %q holds a reference but the sources filter drops it", kind, s)
			}
		}
	})
}

var defangedDot = regexp.MustCompile(`(?i)[\[(]dot[\])]`)

// passesSourcesFilter is sql/status_sources.sql's filter on status content.
func passesSourcesFilter(kind, s string) bool {
	return strings.Contains(s, ".") || strings.Contains(s, "://") || kind == "html" && strings.Contains(s, "&") || defangedDot.MatchString(s)
}
