package extract

import (
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// regexpText is how Text worked before it scanned tokens: both patterns run
// over the whole text. Text must find exactly what it finds.
type regexpText struct {
	x      *Extractor
	urlRE  *regexp.Regexp
	hostRE *regexp.Regexp
}

func newRegexpText() *regexpText {
	return &regexpText{
		x:      New(),
		urlRE:  regexp.MustCompile(`(?i)\b(?:h(?:tt|xx)ps?|ftp)(?::|\[:\])//[^\s<>"'` + "`" + `]+`),
		hostRE: New().hostRE,
	}
}

func (r *regexpText) Text(text string, emit func(Ref)) {
	taken := r.urlRE.FindAllStringIndex(text, -1)
	for _, m := range taken {
		r.x.emitURL(text[m[0]:m[1]], emit)
	}
	for _, m := range r.hostRE.FindAllStringIndex(text, -1) {
		overlaps := false
		for _, s := range taken {
			overlaps = overlaps || m[0] < s[1] && m[1] > s[0]
		}
		if overlaps {
			continue
		}
		if m[0] > 0 {
			switch text[m[0]-1] {
			case '@', '.', '/', '#', '-', '_':
				continue
			}
		}
		r.x.emitHost(text[m[0]:m[1]], emit)
	}
}

func sameAsRegexp(t *testing.T, ref *regexpText, x *Extractor, text string) {
	t.Helper()
	want := collect(func(emit func(Ref)) { ref.Text(text, emit) })
	got := collect(func(emit func(Ref)) { x.Text(text, emit) })
	slices.Sort(want)
	slices.Sort(got)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Text(%q)\n got  %q\n want %q (whole-text patterns)", text, got, want)
	}
}

func TestTextMatchesWholeTextPatterns(t *testing.T) {
	ref, x := newRegexpText(), New()
	for _, text := range []string{
		"", "plain words only", "Join https://moonxtrade.com/r/1.", "see https://moonxtrade.com/?ref=abcJoin now",
		"(see example.org)", "a(.)b.com c[dot]net hxxp://d[.]org", "visit bücher.de today",
		"write bob@mail.example.com or @alice@mastodon.social", "run setup.py", "version 1.2.3",
		"foo.com/https://bar.com", "xhttps://a.com", "_https://a.com", "éhttps://a.com", "https://", "https:// a.com",
		"HTTPS://A.COM", "hxxps[:]//evil[.]com/x", "ftp://files.example.net/a", "httpſ://evil.com/x", "httpsſ://x.com",
		"a.com\tb.org\nc.net\fd.io\re.dev", "<a.com>'b.org'\"c.net\"`d.io`", "a.com\u00a0b.org", "a.com\vb.org",
		"http://a.com/x,http://b.com", "mail.example.com/https://c.com x.org", "1.2.3.4 and http://[::1]:80/",
		"trailing dot example.com.", "two urls https://a.com https://b.com", "(https://a.com/x)", "[dot]com a[dot]b",
	} {
		sameAsRegexp(t, ref, x, text)
	}
}

func FuzzTextMatchesWholeTextPatterns(f *testing.F) {
	for _, s := range []string{"foo.com/https://bar.com x", "hxxps[:]//evil[.]com/x and a(.)b.com", "httpſ://evil.com", "e.g. x.io\ty.org"} {
		f.Add(s)
	}
	ref, x := newRegexpText(), New()
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > 4096 {
			return
		}
		sameAsRegexp(t, ref, x, s)
	})
}

// TestHostCacheBounded: the cache starts over rather than grow past its cap.
func TestHostCacheBounded(t *testing.T) {
	x := New()
	var b strings.Builder
	for i := range maxCachedHosts + 10 {
		b.Reset()
		b.WriteString("h")
		for n := i; n > 0; n /= 26 {
			b.WriteByte(byte('a' + n%26))
		}
		b.WriteString(".example.com")
		if _, ok := x.hostRef(b.String()); !ok {
			t.Fatalf("hostRef(%q) failed", b.String())
		}
		if len(x.hosts) > maxCachedHosts {
			t.Fatalf("cache holds %d hosts", len(x.hosts))
		}
	}
}

// TestRefSet: a source's duplicate references are dropped whether it gave a
// handful or thousands.
func TestRefSet(t *testing.T) {
	for _, n := range []int{1, 32, 33, 2000} {
		var s refSet
		for round := range 2 {
			for i := range n {
				ref := Ref{Host: strings.Repeat("a", i%7+1) + ".com", URL: string(rune('a' + i%26)), Domain: string(rune(i))}
				if got := s.add(ref); got != (round == 0) {
					t.Fatalf("n=%d round %d ref %d: add = %v", n, round, i, got)
				}
			}
		}
		s.reset()
		if !s.add(Ref{Host: "x.com"}) {
			t.Fatalf("n=%d: reset kept old references", n)
		}
	}
}
