package link

import (
	"hash/fnv"
	"strings"
	"testing"
	"unicode"
)

// The signer reads a text once, into byte bounds, and hashes with FNV-1a
// written out. These are the plain definitions it must agree with: the
// visible text lower-cased, cut at everything that is not a letter, runs of
// unspaced scripts cut into character pairs, and the MinHash of
// hash/fnv's FNV-1a of each pair of tokens "a b" (folded into bands by the
// same bandsOf).

func refTokens(t *textSigner, s string, isHTML bool) []string {
	s = t.x.Visible(s, isHTML, nil)
	words := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) })
	var out []string
	for _, w := range words {
		start := -1
		var runUnspaced bool
		flush := func(end int) {
			if start < 0 {
				return
			}
			run := w[start:end]
			rs := []rune(run)
			if !runUnspaced || len(rs) == 1 {
				out = append(out, run)
				return
			}
			for i := 0; i+1 < len(rs); i++ {
				out = append(out, string(rs[i:i+2]))
			}
		}
		for i, r := range w {
			u := unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Thai, unicode.Lao, unicode.Khmer, unicode.Myanmar)
			if start >= 0 && u == runUnspaced {
				continue
			}
			flush(i)
			start, runUnspaced = i, u
		}
		flush(len(w))
	}
	return out
}

func refSign(t *textSigner, s string, isHTML bool) (out [bands]int64, n int, key uint64, ok bool) {
	words := refTokens(t, s, isHTML)
	if len(words) < minTokens {
		return out, len(words), 0, false
	}
	kh := fnv.New64a()
	for _, w := range words {
		kh.Write([]byte(w))
		kh.Write([]byte{0})
	}
	var sig [numHashes]uint64
	for i := range sig {
		sig[i] = ^uint64(0)
	}
	h := fnv.New64a()
	for i := 0; i+1 < len(words); i++ {
		h.Reset()
		h.Write([]byte(words[i] + " " + words[i+1]))
		sh := h.Sum64()
		for k := range sig {
			if v := mix(sh ^ t.seeds[k]); v < sig[k] {
				sig[k] = v
			}
		}
	}
	return bandsOf(&sig), len(words), kh.Sum64(), true
}

var signCases = []struct {
	text   string
	isHTML bool
}{
	{"Hello World, this is a plain message with six words or more", false},
	{"HELLO World ÄÖÜ straße İstanbul ǅemal Kelvin K sign ΣΊΣΥΦΟΣ words", false},
	{"@bob Hi Bob! I just made $12 in 4 days trading on https://x.io/. They give a 5% bonus.", false},
	{`<p><span class="h-card"><a href="https://m.s/@bob">@<span>bob</span></a></span> Hi Bob! I just made $12 in 4 days on <a href="https://x.io/">x.io</a>. Bonus for new members.</p>`, true},
	{"限时优惠！立即加入我们的投资计划，每天稳定收益百分之五，名额有限，先到先得。", false},
	{"今日はいい天気ですね。公園に行きましょう、みんなで一緒に散歩します。", false},
	{"abc日本def x 日 y สวัสดีครับ ยินดีต้อนรับ ທດສອບ ខ្មែរ မြန်မာ one two three", false},
	{"bad \xff\xfe utf8 \xc3 in the middle of some words here and there", false},
	{"Ⅰ Ⅱ Ⅲ roman numerals and ① circled digits ｆｕｌｌｗｉｄｔｈ letters here", false},
	{"too short", false},
	{"", false},
}

func TestSignMatchesDefinition(t *testing.T) {
	sg := newTextSigner()
	for _, c := range signCases {
		want, wn, wkey, wok := refSign(sg, c.text, c.isHTML)
		got, gn, gkey, gok := sg.signCached(nil, c.text, c.isHTML)
		if got != want || gn != wn || gkey != wkey || gok != wok {
			t.Errorf("%q: signed (%v %d %x %v), definition gives (%v %d %x %v)", c.text, got, gn, gkey, gok, want, wn, wkey, wok)
		}
		if toks := sg.normalize(c.text, c.isHTML); strings.Join(toks, "|") != strings.Join(refTokens(sg, c.text, c.isHTML), "|") {
			t.Errorf("%q: tokens %q, definition gives %q", c.text, toks, refTokens(sg, c.text, c.isHTML))
		}
	}
}

func FuzzSign(f *testing.F) {
	for _, c := range signCases {
		f.Add(c.text, c.isHTML)
	}
	sg := newTextSigner()
	f.Fuzz(func(t *testing.T, text string, isHTML bool) {
		want, wn, wkey, wok := refSign(sg, text, isHTML)
		got, gn, gkey, gok := sg.signCached(nil, text, isHTML)
		if got != want || gn != wn || gkey != wkey || gok != wok {
			t.Fatalf("%q: signed (%v %d %x %v), definition gives (%v %d %x %v)", text, got, gn, gkey, gok, want, wn, wkey, wok)
		}
	})
}

func BenchmarkSign(b *testing.B) {
	sg := newTextSigner()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		c := signCases[i%len(signCases)]
		sg.signCached(nil, c.text, c.isHTML)
	}
}

func BenchmarkSignDefinition(b *testing.B) {
	sg := newTextSigner()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		c := signCases[i%len(signCases)]
		refSign(sg, c.text, c.isHTML)
	}
}
