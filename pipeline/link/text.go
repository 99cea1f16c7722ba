package link

import (
	"hash/fnv"
	"strings"
	"unicode"

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
	s = t.x.Visible(s, isHTML, nil)
	words := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) })
	out := make([]string, 0, len(words))
	for _, w := range words {
		out = appendTokens(out, w)
	}
	return out
}

// unspaced says whether r belongs to a script written without spaces
// between words (Chinese, Japanese, Thai, Lao, Khmer, Myanmar).
func unspaced(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Thai, unicode.Lao, unicode.Khmer, unicode.Myanmar)
}

// appendTokens appends the tokens of one word: the word itself, or, for
// the runs of it in a script written without spaces, its overlapping
// character pairs (a run of one character is a token of its own), so that
// a Japanese or Chinese message is fingerprinted by its characters rather
// than as one long word.
func appendTokens(out []string, w string) []string {
	start := -1 // start of the current run, by kind
	var runUnspaced bool
	flush := func(end int) {
		if start < 0 {
			return
		}
		run := w[start:end]
		if !runUnspaced {
			out = append(out, run)
			return
		}
		rs := []rune(run)
		if len(rs) == 1 {
			out = append(out, run)
			return
		}
		for i := 0; i+1 < len(rs); i++ {
			out = append(out, string(rs[i:i+2]))
		}
	}
	for i, r := range w {
		u := unspaced(r)
		if start >= 0 && u == runUnspaced {
			continue
		}
		flush(i)
		start, runUnspaced = i, u
	}
	flush(len(w))
	return out
}

func mix(x uint64) uint64 {
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	x *= 0xc4ceb9fe1a85ec53
	x ^= x >> 33
	return x
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
	return t.signCached(nil, text, isHTML)
}

// signCached is sign with a cache of the signatures of templates already
// seen, keyed by a hash of the template's words: spam repeats one template
// tens of thousands of times with other names, numbers and links, and each
// is signed once. A nil cache signs every text. The cache is one worker's;
// it is emptied when it reaches maxSignCache entries, so memory stays
// bounded.
func (t *textSigner) signCached(cache map[uint64][bands]int64, text string, isHTML bool) (out [bands]int64, n int, ok bool) {
	words := t.normalize(text, isHTML)
	if len(words) < minTokens {
		return out, len(words), false
	}
	var key uint64
	if cache != nil {
		h := fnv.New64a()
		for _, w := range words {
			h.Write([]byte(w))
			h.Write([]byte{0})
		}
		key = h.Sum64()
		if hs, hit := cache[key]; hit {
			return hs, len(words), true
		}
	}
	out = t.signWords(words)
	if cache != nil {
		if len(cache) >= maxSignCache {
			clear(cache)
		}
		cache[key] = out
	}
	return out, len(words), true
}

// maxSignCache bounds a worker's cache of template signatures.
const maxSignCache = 1 << 16

// signWords is the band hashes of the MinHash signature of the word pairs.
func (t *textSigner) signWords(words []string) (out [bands]int64) {
	var sig [numHashes]uint64
	for i := range sig {
		sig[i] = ^uint64(0)
	}
	h := fnv.New64a()
	for i := 0; i+1 < len(words); i++ {
		h.Reset()
		h.Write([]byte(words[i]))
		h.Write([]byte{' '})
		h.Write([]byte(words[i+1]))
		sh := h.Sum64()
		for k := range sig {
			if v := mix(sh ^ t.seeds[k]); v < sig[k] {
				sig[k] = v
			}
		}
	}
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
