package link

import (
	"hash/fnv"
	"html"
	"regexp"
	"strings"
	"unicode"
)

// textSigner turns a status into the band hashes of its MinHash signature
// (locality-sensitive hashing): two statuses whose word pairs are mostly the
// same share a band hash with high probability, unrelated ones almost
// never. Only the band hashes leave it; the grouping happens in DuckDB, so
// memory does not grow with the number of statuses.
type textSigner struct {
	tagRE, mentionRE, urlRE *regexp.Regexp
	seeds                   [numHashes]uint64
}

const (
	bands     = 8
	rows      = 5
	numHashes = bands * rows
	minTokens = 6 // shorter texts say too little
)

func newTextSigner() *textSigner {
	t := &textSigner{
		tagRE:     regexp.MustCompile(`<[^>]*>`),
		mentionRE: regexp.MustCompile(`@[\w.-]+(?:@[\w.-]+)?`),
		urlRE:     regexp.MustCompile(`(?i)\b(?:https?|hxxps?)://\S+|\b[\w-]+(?:\.|\[\.\])[\w.\[\]-]+/\S*`),
	}
	x := uint64(0x9e3779b97f4a7c15)
	for i := range t.seeds {
		x ^= x >> 12
		x ^= x << 25
		x ^= x >> 27
		t.seeds[i] = x * 0x2545F4914F6CDD1D
	}
	return t
}

// normalize reduces a status to the words that make its template: markup,
// mentions, URLs and numbers go.
func (t *textSigner) normalize(s string, isHTML bool) []string {
	if isHTML {
		s = html.UnescapeString(t.tagRE.ReplaceAllString(s, " "))
	}
	s = t.mentionRE.ReplaceAllString(s, " ")
	s = t.urlRE.ReplaceAllString(s, " ")
	words := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) })
	out := words[:0]
	for _, w := range words {
		switch w {
		case "http", "https", "hxxp", "hxxps", "www":
			// what is left of a link that markup split
		default:
			out = append(out, w)
		}
	}
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
	words := t.normalize(text, isHTML)
	if len(words) < minTokens {
		return out, false
	}
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
	return out, true
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
