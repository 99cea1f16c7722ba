package link

import (
	"unicode"
	"unicode/utf8"

	"fediforensics/pipeline/extract"
)

// textSigner turns a status into the band hashes of its MinHash signature
// (locality-sensitive hashing): two statuses whose word pairs are mostly the
// same share a band hash with high probability, unrelated ones almost
// never. Only the band hashes leave it; the grouping happens in DuckDB, so
// memory does not grow with the number of statuses. A signer is one
// goroutine's.
type textSigner struct {
	x     *extract.Extractor
	seeds [numHashes]uint64
	buf   []byte     // the lower-cased words of the text being signed
	tok   [][2]int32 // its tokens' bounds in buf
}

const (
	bands     = 8
	rows      = 5
	numHashes = bands * rows
	minTokens = 6 // shorter texts say too little
)

func newTextSigner() *textSigner {
	t := &textSigner{x: extract.New()}
	x := uint64(0x9e3779b97f4a7c15)
	for i := range t.seeds {
		x ^= x >> 12
		x ^= x << 25
		x ^= x >> 27
		t.seeds[i] = x * 0x2545F4914F6CDD1D
	}
	return t
}

// normalize reduces a status to the words that make its template: the
// visible text, read the same way for plain text and HTML (extract's
// Visible: markup, mentions and links go), less numbers.
func (t *textSigner) normalize(s string, isHTML bool) []string {
	t.tokenize(s, isHTML)
	out := make([]string, len(t.tok))
	for i, tk := range t.tok {
		out[i] = string(t.buf[tk[0]:tk[1]])
	}
	return out
}

// tokenize fills t.buf with the lower-cased words of a status's visible
// text and t.tok with the bounds of its tokens in t.buf: maximal runs of
// letters (numbers and punctuation part them), and, for the runs of a word
// in a script written without spaces, its overlapping character pairs (a
// run of one character is a token of its own), so that a Japanese or
// Chinese message is fingerprinted by its characters rather than as one
// long word. It reads the text once and allocates nothing once its buffers
// have grown.
func (t *textSigner) tokenize(s string, isHTML bool) {
	v := t.x.Visible(s, isHTML, nil)
	t.buf, t.tok = t.buf[:0], t.tok[:0]
	word := -1 // start of the current word in t.buf
	for i := 0; i < len(v); {
		r, size := rune(v[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(v[i:])
		}
		i += size
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		} else if r >= utf8.RuneSelf {
			r = unicode.ToLower(r)
		}
		if !isLetter(r) {
			if word >= 0 {
				t.wordTokens(word)
				word = -1
			}
			continue
		}
		if word < 0 {
			word = len(t.buf)
		}
		t.buf = utf8.AppendRune(t.buf, r)
	}
	if word >= 0 {
		t.wordTokens(word)
	}
}

func isLetter(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z'
	}
	return unicode.IsLetter(r)
}

// wordTokens appends the tokens of the word t.buf[start:]: the word itself,
// or its runs, the ones in a script written without spaces cut into
// overlapping character pairs.
func (t *textSigner) wordTokens(start int) {
	w := t.buf[start:]
	run := -1 // start of the current run, by kind, in w
	var runUnspaced bool
	flush := func(end int) {
		if run < 0 {
			return
		}
		if !runUnspaced {
			t.tok = append(t.tok, [2]int32{int32(start + run), int32(start + end)})
			return
		}
		// Overlapping pairs of characters; a lone character is a token.
		a := run
		_, n := utf8.DecodeRune(w[a:end])
		if a+n == end {
			t.tok = append(t.tok, [2]int32{int32(start + a), int32(start + end)})
			return
		}
		for b := a + n; b < end; {
			_, m := utf8.DecodeRune(w[b:end])
			t.tok = append(t.tok, [2]int32{int32(start + a), int32(start + b + m)})
			a, b = b, b+m
		}
	}
	for i := 0; i < len(w); {
		r, size := utf8.DecodeRune(w[i:])
		u := unspaced(r)
		if run < 0 || u != runUnspaced {
			flush(i)
			run, runUnspaced = i, u
		}
		i += size
	}
	flush(len(w))
}

// unspaced says whether r belongs to a script written without spaces
// between words (Chinese, Japanese, Thai, Lao, Khmer, Myanmar). Thai is the
// first of them in Unicode's order, so the many runes before it are
// answered without a table.
func unspaced(r rune) bool {
	return r >= 0x0E00 && unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Thai, unicode.Lao, unicode.Khmer, unicode.Myanmar)
}

func mix(x uint64) uint64 {
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	x *= 0xc4ceb9fe1a85ec53
	x ^= x >> 33
	return x
}

// FNV-1a, 64 bits, written out so that hashing a token allocates nothing
// and a pair of tokens can go on from the first one's state.
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func fnvAdd(h uint64, b []byte) uint64 {
	for _, c := range b {
		h ^= uint64(c)
		h *= fnvPrime
	}
	return h
}

// bandHashes signs one status; ok is false for texts too short to sign.
func (t *textSigner) bandHashes(text string, isHTML bool) (out [bands]int64, ok bool) {
	out, _, ok = t.sign(text, isHTML)
	return out, ok
}

// sign signs one status and says how many words its template has (what
// is left after markup, mentions, URLs and numbers go): a near-duplicate
// of a long message says more than one of a short greeting.
func (t *textSigner) sign(text string, isHTML bool) (out [bands]int64, n int, ok bool) {
	out, n, _, ok = t.signCached(nil, text, isHTML)
	return out, n, ok
}

// signCached is sign with a cache of the signatures of templates already
// seen, keyed by a hash of the template's words (which it also returns):
// spam repeats one template tens of thousands of times with other names,
// numbers and links, and each is signed once. A nil cache signs every
// text. The cache is one worker's; it is emptied when it reaches
// maxSignCache entries, so memory stays bounded.
func (t *textSigner) signCached(cache map[uint64][bands]int64, text string, isHTML bool) (out [bands]int64, n int, key uint64, ok bool) {
	t.tokenize(text, isHTML)
	if len(t.tok) < minTokens {
		return out, len(t.tok), 0, false
	}
	key = fnvOffset
	for _, tk := range t.tok {
		key = fnvAdd(key, t.buf[tk[0]:tk[1]])
		key = fnvAdd(key, []byte{0})
	}
	if cache != nil {
		if hs, hit := cache[key]; hit {
			return hs, len(t.tok), key, true
		}
	}
	out = t.signTokens()
	if cache != nil {
		if len(cache) >= maxSignCache {
			clear(cache)
		}
		cache[key] = out
	}
	return out, len(t.tok), key, true
}

// maxSignCache bounds a worker's cache of template signatures.
const maxSignCache = 1 << 16

// signTokens is the band hashes of the MinHash signature of the pairs of
// tokens in t.tok (each pair hashed as FNV-1a of "first second").
func (t *textSigner) signTokens() (out [bands]int64) {
	var sig [numHashes]uint64
	for i := range sig {
		sig[i] = ^uint64(0)
	}
	for i := 0; i+1 < len(t.tok); i++ {
		a, b := t.tok[i], t.tok[i+1]
		h := fnvAdd(fnvOffset, t.buf[a[0]:a[1]])
		h = (h ^ ' ') * fnvPrime
		sh := fnvAdd(h, t.buf[b[0]:b[1]])
		for k := range sig {
			if v := mix(sh ^ t.seeds[k]); v < sig[k] {
				sig[k] = v
			}
		}
	}
	return bandsOf(&sig)
}

// bandsOf folds a MinHash signature into its band hashes, rows values a
// band.
func bandsOf(sig *[numHashes]uint64) (out [bands]int64) {
	for b := 0; b < bands; b++ {
		bh := uint64(b+1) * 0x9e3779b97f4a7c15
		for r := 0; r < rows; r++ {
			bh = mix(bh ^ sig[b*rows+r])
		}
		out[b] = int64(bh)
	}
	return out
}

// unionFind is a disjoint-set forest with path halving and union by size.
type unionFind struct {
	parent []int32
	size   []int32
}

func newUnionFind(n int) *unionFind {
	u := &unionFind{parent: make([]int32, n), size: make([]int32, n)}
	for i := range u.parent {
		u.parent[i] = int32(i)
		u.size[i] = 1
	}
	return u
}

func (u *unionFind) find(x int) int {
	for int(u.parent[x]) != x {
		u.parent[x] = u.parent[u.parent[x]]
		x = int(u.parent[x])
	}
	return x
}

func (u *unionFind) union(a, b int) int {
	a, b = u.find(a), u.find(b)
	if a == b {
		return a
	}
	if u.size[a] < u.size[b] || (u.size[a] == u.size[b] && a > b) {
		a, b = b, a
	}
	u.parent[b] = int32(a)
	u.size[a] += u.size[b]
	return a
}
