package link

import (
	"hash/fnv"
	"html"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

// textIndex finds near-duplicate status texts with MinHash and
// locality-sensitive hashing: no pair of statuses is compared unless their
// signatures collide in a band, so it scales with the number of statuses.
type textIndex struct {
	tagRE, mentionRE, urlRE *regexp.Regexp
	seeds                   [numHashes]uint64
	buckets                 map[uint64][]int32 // band hash -> doc indexes
	docs                    []textDoc
}

const (
	numHashes  = 64
	bands      = 16
	rows       = numHashes / bands
	minTokens  = 6    // shorter texts say too little
	minJaccard = 0.55 // estimated similarity that counts as near-duplicate
)

type textDoc struct {
	acct   int64
	status int64
	sig    [numHashes]uint64
}

func newTextIndex() *textIndex {
	t := &textIndex{
		tagRE:     regexp.MustCompile(`<[^>]*>`),
		mentionRE: regexp.MustCompile(`@[\w.-]+(?:@[\w.-]+)?`),
		urlRE:     regexp.MustCompile(`(?i)\b(?:https?|hxxps?)://\S+|\b[\w-]+(?:\.|\[\.\])[\w.\[\]-]+/\S*`),
		buckets:   map[uint64][]int32{},
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
func (t *textIndex) normalize(s string, isHTML bool) []string {
	if isHTML {
		s = html.UnescapeString(t.tagRE.ReplaceAllString(s, " "))
	}
	s = t.mentionRE.ReplaceAllString(s, " ")
	s = t.urlRE.ReplaceAllString(s, " ")
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) })
}

func mix(x uint64) uint64 {
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	x *= 0xc4ceb9fe1a85ec53
	x ^= x >> 33
	return x
}

// add indexes one status; texts too short are left out.
func (t *textIndex) add(acct, status int64, text string, isHTML bool) {
	words := t.normalize(text, isHTML)
	if len(words) < minTokens {
		return
	}
	var d textDoc
	d.acct, d.status = acct, status
	for i := range d.sig {
		d.sig[i] = ^uint64(0)
	}
	h := fnv.New64a()
	for i := 0; i+1 < len(words); i++ {
		h.Reset()
		h.Write([]byte(words[i]))
		h.Write([]byte{' '})
		h.Write([]byte(words[i+1]))
		sh := h.Sum64()
		for k := range d.sig {
			if v := mix(sh ^ t.seeds[k]); v < d.sig[k] {
				d.sig[k] = v
			}
		}
	}
	idx := int32(len(t.docs))
	t.docs = append(t.docs, d)
	for b := 0; b < bands; b++ {
		bh := uint64(b) * 0x9e3779b97f4a7c15
		for r := 0; r < rows; r++ {
			bh = mix(bh ^ d.sig[b*rows+r])
		}
		t.buckets[bh] = append(t.buckets[bh], idx)
	}
}

func similarity(a, b *[numHashes]uint64) float64 {
	same := 0
	for i := range a {
		if a[i] == b[i] {
			same++
		}
	}
	return float64(same) / numHashes
}

// clusters returns, for every status in a near-duplicate group that spans
// at least two accounts, its account, status and group id (the smallest
// status id of the group, so ids are stable).
func (t *textIndex) clusters() (accts, statuses []int64, groups []string) {
	uf := newUnionFind(len(t.docs))
	keys := make([]uint64, 0, len(t.buckets))
	for k := range t.buckets {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	for _, k := range keys {
		docs := t.buckets[k]
		for _, d := range docs[1:] {
			if uf.find(int(d)) != uf.find(int(docs[0])) && similarity(&t.docs[d].sig, &t.docs[docs[0]].sig) >= minJaccard {
				uf.union(int(d), int(docs[0]))
			}
		}
	}
	minStatus := map[int]int64{}
	acctsOf := map[int]map[int64]bool{}
	for i, d := range t.docs {
		r := uf.find(i)
		if m, ok := minStatus[r]; !ok || d.status < m {
			minStatus[r] = d.status
		}
		if acctsOf[r] == nil {
			acctsOf[r] = map[int64]bool{}
		}
		acctsOf[r][d.acct] = true
	}
	for i, d := range t.docs {
		r := uf.find(i)
		if len(acctsOf[r]) < 2 {
			continue
		}
		accts = append(accts, d.acct)
		statuses = append(statuses, d.status)
		groups = append(groups, "text~"+strconv.FormatInt(minStatus[r], 10))
	}
	return accts, statuses, groups
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
