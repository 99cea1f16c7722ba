package link

import (
	"fmt"
	"math"
	"reflect"
	"testing"
)

func TestJaroWinkler(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want float64
	}{
		{"martha", "marhta", 0.961},
		{"dwayne", "duane", 0.84},
		{"dixon", "dicksonx", 0.813},
		{"edgard011012", "edged011012", 0.94},
		{"abc", "abc", 1},
		{"abc", "xyz", 0},
		{"", "x", 0},
	} {
		if got := jaroWinkler(tc.a, tc.b); math.Abs(got-tc.want) > 0.01 {
			t.Errorf("jaroWinkler(%q, %q) = %.3f, want %.3f", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestSimilarEmails(t *testing.T) {
	got := similarEmails([]string{
		"edgard011012@gmail.com", "edged011012@googlemail.com", // siblings, same digits, near names
		"anna011012@gmail.com",            // same digits, another name
		"edgard011012@outlook.com",        // another provider family
		"john@gmail.com", "jon@gmail.com", // no digit run: never compared
		"x1234@a.org", "y1234@a.org", // too short to be alike
	})
	want := map[string]string{"edgard011012@gmail.com": "edgard011012@gmail.com", "edged011012@googlemail.com": "edgard011012@gmail.com"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("similarEmails = %v, want %v", got, want)
	}
}

func TestTextSigner(t *testing.T) {
	sg := newTextSigner()
	spam := "@%s Hi %s! I just made $%d in %d days trading on https://moonxtrade.com/?ref=%d. They give a %d%% bonus to new members this week."
	shared := func(a, b [bands]int64) int {
		n := 0
		for i := range a {
			if a[i] == b[i] {
				n++
			}
		}
		return n
	}
	a, ok1 := sg.bandHashes(fmt.Sprintf(spam, "bob", "Bob", 1000, 3, 1, 10), false)
	b, ok2 := sg.bandHashes(fmt.Sprintf(spam, "ann", "Ann", 7412, 9, 2, 35), false)
	c, ok3 := sg.bandHashes("<p>Just finished reading a wonderful book about the history of maps and the people who made them.</p>", true)
	if !ok1 || !ok2 || !ok3 {
		t.Fatal("a long text was not signed")
	}
	if n := shared(a, b); n < 1 {
		t.Errorf("near-duplicates share %d of %d bands", n, bands)
	}
	if n := shared(a, c); n != 0 {
		t.Errorf("unrelated texts share %d bands", n)
	}
	if _, ok := sg.bandHashes("too short to say", false); ok {
		t.Error("a short text was signed")
	}
	// Markup, mentions, URLs and numbers do not change the signature.
	x, _ := sg.bandHashes(`<p><span class="h-card"><a href="https://m.s/@bob">@<span>bob</span></a></span> Hi Bob! I just made $12 in 4 days trading on <a href="https://x.io/" rel="nofollow noopener noreferrer"><span class="invisible">https://</span><span class="">x.io/</span><span class="invisible"></span></a>. They give a 5% bonus to new members this week.</p>`, true)
	y, _ := sg.bandHashes("@ann Hi Bob! I just made $99 in 7 days trading on https://y.org/r?1. They give a 50% bonus to new members this week.", false)
	if x != y {
		t.Errorf("normalisation differs between HTML and text: %v %v", x, y)
	}
}

func TestLinkGroups(t *testing.T) {
	p := clusterParams{Threshold: 1.0, PairCap: 100, SplitWeight: 1.2, MinSide: 3}
	for _, tc := range []struct {
		name   string
		groups []group
		n      int
		want   [][]int // expected components (of size > 1), by member
		cut    int
	}{
		{"strong joins outright", []group{{attr: 1, kind: 1, weight: 1.0, accts: []int32{1, 2, 3}}}, 4, [][]int{{1, 2, 3}}, 0},
		{"one weak value is not enough", []group{{attr: 1, kind: 2, weight: 0.8, accts: []int32{1, 2}}}, 3, nil, 0},
		{"weak kinds add up", []group{{attr: 1, kind: 2, weight: 0.8, accts: []int32{1, 2}}, {attr: 2, kind: 3, weight: 0.3, accts: []int32{1, 2}}}, 3, [][]int{{1, 2}}, 0},
		{"two values of one kind count once", []group{{attr: 1, kind: 2, weight: 0.6, accts: []int32{1, 2}}, {attr: 2, kind: 2, weight: 0.6, accts: []int32{1, 2}}}, 3, nil, 0},
		{"light bridge between large sides is cut", []group{
			{attr: 1, kind: 1, weight: 1.0, accts: []int32{1, 2, 3}},
			{attr: 2, kind: 1, weight: 1.0, accts: []int32{4, 5, 6}},
			{attr: 3, kind: 2, weight: 0.8, accts: []int32{3, 4}},
			{attr: 4, kind: 3, weight: 0.3, accts: []int32{3, 4}},
		}, 7, [][]int{{1, 2, 3}, {4, 5, 6}}, 1},
		{"heavy bridge is kept", []group{
			{attr: 1, kind: 1, weight: 1.0, accts: []int32{1, 2, 3}},
			{attr: 2, kind: 1, weight: 1.0, accts: []int32{4, 5, 6}},
			{attr: 3, kind: 2, weight: 0.8, accts: []int32{3, 4}},
			{attr: 4, kind: 3, weight: 0.6, accts: []int32{3, 4}},
		}, 7, [][]int{{1, 2, 3, 4, 5, 6}}, 0},
		{"a bridge to a small side is kept", []group{
			{attr: 1, kind: 1, weight: 1.0, accts: []int32{1, 2, 3}},
			{attr: 3, kind: 2, weight: 0.8, accts: []int32{3, 4}},
			{attr: 4, kind: 3, weight: 0.3, accts: []int32{3, 4}},
		}, 5, [][]int{{1, 2, 3, 4}}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			uf := newUnionFind(tc.n)
			links := linkGroups(tc.groups, uf, p)
			comps := map[int][]int{}
			for i := 1; i < tc.n; i++ {
				comps[uf.find(i)] = append(comps[uf.find(i)], i)
			}
			var got [][]int
			for i := 1; i < tc.n; i++ {
				if c := comps[uf.find(i)]; len(c) > 1 && c[0] == i {
					got = append(got, c)
				}
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("components = %v, want %v", got, tc.want)
			}
			cut := 0
			for _, l := range links {
				if l.cut {
					cut++
				}
			}
			if cut != tc.cut {
				t.Errorf("cut %d links, want %d: %+v", cut, tc.cut, links)
			}
		})
	}
}
