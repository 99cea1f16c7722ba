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
		"anna011012@gmail.com",                              // same digits, another name
		"edgard011012@outlook.com",                          // another provider family
		"john@gmail.com", "jon@gmail.com",                   // no digit run: never compared
		"x1234@a.org", "y1234@a.org",                        // too short to be alike
	})
	want := map[string]string{"edgard011012@gmail.com": "edgard011012@gmail.com", "edged011012@googlemail.com": "edgard011012@gmail.com"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("similarEmails = %v, want %v", got, want)
	}
}

func TestTextClusters(t *testing.T) {
	idx := newTextIndex()
	spam := "@%s Hi %s! I just made $%d in %d days trading on https://moonxtrade.com/?ref=%d. They give a %d%% bonus to new members this week."
	for i := 0; i < 20; i++ {
		idx.add(int64(100+i), int64(1000+i), fmt.Sprintf(spam, "bob", "Bob", 1000+i*37, 3+i, i, 10+i), false)
	}
	idx.add(1, 1, "<p>Just finished reading a wonderful book about the history of maps and the people who made them.</p>", true)
	idx.add(2, 2, "Anyone else into pottery? I started last month and it is harder than it looks, but fun.", false)
	idx.add(3, 3, "too short to say", false)
	accts, statuses, groups := idx.clusters()
	if len(accts) != 20 {
		t.Fatalf("clustered %d statuses, want the 20 near-duplicates: %v", len(accts), statuses)
	}
	for i, g := range groups {
		if g != "text~1000" || accts[i] < 100 {
			t.Errorf("status %d in group %s", statuses[i], g)
		}
	}
	// One account alone repeating itself is not a link between accounts.
	solo := newTextIndex()
	for i := 0; i < 5; i++ {
		solo.add(7, int64(i), fmt.Sprintf(spam, "x", "X", i, i, i, i), false)
	}
	if a, _, _ := solo.clusters(); len(a) != 0 {
		t.Errorf("one account's repeats made a group: %v", a)
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
