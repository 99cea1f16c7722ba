package extract

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
	"unsafe"
)

// TestCachesKeepCopies: the caches keep no string that points into the text
// they were given. The link stage hands the extractor statuses straight
// from Arrow batches, which DuckDB frees after each batch: a key or value
// cut from one would be read after it is freed.
func TestCachesKeepCopies(t *testing.T) {
	buf := []byte("visit https://Shop.MoonXTrade.com/x and bitqlend.io, or shop.moonxtrade.com")
	text := unsafe.String(&buf[0], len(buf))
	x := New()
	var refs []Ref
	x.Text(text, func(r Ref) { refs = append(refs, r) })
	for _, r := range refs {
		x.unicode(r.Domain)
	}
	if len(refs) < 2 {
		t.Fatalf("found %d references %+v, the test needs its two", len(refs), refs)
	}
	lo, hi := uintptr(unsafe.Pointer(&buf[0])), uintptr(unsafe.Pointer(&buf[0]))+uintptr(len(buf))
	inBuf := func(s string) bool {
		p := uintptr(unsafe.Pointer(unsafe.StringData(s)))
		return len(s) > 0 && p >= lo && p < hi
	}
	for k, v := range x.hosts {
		if inBuf(k) || inBuf(v.ref.Host) || inBuf(v.ref.Domain) || inBuf(v.ref.URL) {
			t.Errorf("host cache keeps %q (%+v) inside the text", k, v.ref)
		}
	}
	for k, v := range x.names {
		if inBuf(k) || inBuf(v) {
			t.Errorf("name cache keeps %q → %q inside the text", k, v)
		}
	}
	for k := range x.tlds {
		if inBuf(k) {
			t.Errorf("TLD cache keeps %q inside the text", k)
		}
	}
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

// FuzzScan checks what scan cuts out of any text: spans in order, apart,
// on character boundaries, holding no delimiter, each with a valid Ref;
// and the same spans when the text has spaces around it.
func FuzzScan(f *testing.F) {
	for _, s := range []string{
		"これは日本語です。example.com/path/index.html中国語example.com/path한국",
		"http://t.co/pbY2NfTZ's http://t.co/2vYHpAc5; hxxps[:]//evil[.]com/x",
		"name.al+lastname@foo.com http://sub_domain-dash.twitter.com http:// example.com",
		"\u2066\u202atwitter.com\u202c\u2069 http://foobar.پاکستان/\u202c",
		"http://en.wikipedia.org/wiki/Primer_(film) http://[2001:db8::1]:80/x 192.0.2.1",
		"a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.com a_b.c_d.com -x.com x-.com",
	} {
		f.Add(s)
	}
	x := New()
	f.Fuzz(func(t *testing.T, s string) {
		type span struct{ start, end int }
		var spans []span
		last := 0
		x.scan(s, func(start, end int, r Ref) {
			if start < last || end <= start || end > len(s) {
				t.Fatalf("span [%d,%d) after %d in %q", start, end, last, s)
			}
			if !utf8.ValidString(s[start:end]) && utf8.ValidString(s) {
				t.Fatalf("span [%d,%d) cuts a character of %q", start, end, s)
			}
			if strings.IndexFunc(s[start:end], isDelim) >= 0 {
				t.Fatalf("span %q holds a delimiter", s[start:end])
			}
			if r.Host == "" || r.Domain == "" || !strings.HasSuffix(r.Host, r.Domain) || r.FoundIn == "" {
				t.Fatalf("bad ref %+v from %q", r, s[start:end])
			}
			last = end
			spans = append(spans, span{start, end})
		})
		var padded []span
		x.scan(" "+s+" ", func(start, end int, _ Ref) { padded = append(padded, span{start - 1, end - 1}) })
		if !slices.Equal(spans, padded) {
			t.Fatalf("%q: spans %v, with spaces around %v", s, spans, padded)
		}
	})
}
