package link

import (
	"context"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"

	"fediforensics/pipeline/store"
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

// clusterOf runs the clustering over memberships (account, kind, value,
// weight) in a real database and returns the components of two or more.
func clusterOf(t *testing.T, n int, rows [][4]any, p clusterParams) ([][]int, int) {
	t.Helper()
	// Every value at its kind's full weight: these cases are about how
	// weights combine, not about specificity (see TestSpecificity).
	return clusterWith(t, n, rows, p, 0.000001)
}

// clusterWith is clusterOf with full_bits: how many bits of specificity
// give a weak value its kind's full weight.
func clusterWith(t *testing.T, n int, rows [][4]any, p clusterParams, fullBits float64) ([][]int, int) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, t.TempDir(), store.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	stmts := []string{
		`CREATE TABLE account_keys AS SELECT range + 1 AS acct_key FROM range(` + fmt.Sprint(n) + `)`,
		`CREATE TABLE evidence (acct_key BIGINT, kind VARCHAR, value VARCHAR)`,
		`CREATE TABLE link_settings AS SELECT 1.0 AS threshold, 100 AS pair_cap, ` + fmt.Sprint(fullBits) + ` AS full_bits, 100.0 AS bits_margin, 10 AS full_words, 5 AS min_key, 3.0 AS lift_min, 0.5 AS chance_share, 0.01 AS key_alpha`,
		`CREATE TABLE text_groups (value VARCHAR, words BIGINT)`,
	}
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatal(err)
		}
	}
	weights := map[string]any{}
	var vals []string
	for _, r := range rows {
		vals = append(vals, fmt.Sprintf("(%d, '%s', '%s')", r[0], r[1], r[2]))
		weights[r[1].(string)] = r[3]
	}
	if len(vals) > 0 {
		if _, err := db.Exec(`INSERT INTO evidence VALUES ` + strings.Join(vals, ", ")); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Exec(`CREATE TABLE weights (kind VARCHAR, weight DOUBLE, family VARCHAR)`); err != nil {
		t.Fatal(err)
	}
	for k, w := range weights {
		family := map[string]string{"ip_prefix": "ip", "registrant": "domain"}[k]
		if family == "" {
			family = k
		}
		db.Exec(`INSERT INTO weights VALUES (?, ?, ?)`, k, w, family)
	}
	if _, err := db.Exec(`CREATE TABLE attributes AS SELECT row_number() OVER (ORDER BY kind, value) AS attr_key, kind, value, accounts, w.weight, NULL::VARCHAR AS suppressed,
  w.weight AS base_weight, NULL::BIGINT AS groups, 1.0::DOUBLE AS specificity, 1.0::DOUBLE AS length_factor, NULL::VARCHAR AS why
FROM (SELECT kind, value, count(*) AS accounts FROM evidence GROUP BY ALL) JOIN weights w USING (kind)`); err != nil {
		t.Fatal(err)
	}
	if err := cluster(ctx, db, p); err != nil {
		t.Fatal(err)
	}
	rs, err := db.Query(`SELECT list(acct_key ORDER BY acct_key) FROM account_component GROUP BY component HAVING count(*) > 1 ORDER BY min(acct_key)`)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	var comps [][]int
	for rs.Next() {
		var l []any
		if err := rs.Scan(&l); err != nil {
			t.Fatal(err)
		}
		var c []int
		for _, v := range l {
			c = append(c, int(v.(int64)))
		}
		comps = append(comps, c)
	}
	var cut int
	db.QueryRow(`SELECT count(DISTINCT (a, b)) FROM component_links WHERE cut`).Scan(&cut)
	return comps, cut
}

func TestCluster(t *testing.T) {
	p := clusterParams{Threshold: 1.0, PairCap: 100, SplitWeight: 1.2, MinSide: 3}
	type r = [4]any
	for _, tc := range []struct {
		name string
		rows [][4]any
		n    int
		want [][]int
		cut  int
	}{
		{"strong joins outright", []r{{1, "app", "x", 1.0}, {2, "app", "x", 1.0}, {3, "app", "x", 1.0}}, 4, [][]int{{1, 2, 3}}, 0},
		{"one weak value is not enough", []r{{1, "domain", "d", 0.8}, {2, "domain", "d", 0.8}}, 3, nil, 0},
		{"weak kinds add up", []r{{1, "domain", "d", 0.8}, {2, "domain", "d", 0.8}, {1, "ip_prefix", "p", 0.3}, {2, "ip_prefix", "p", 0.3}}, 3, [][]int{{1, 2}}, 0},
		{"two values of one kind count once", []r{{1, "text", "a", 0.6}, {2, "text", "a", 0.6}, {1, "text", "b", 0.6}, {2, "text", "b", 0.6}}, 3, nil, 0},
		{"light bridge between large sides is cut", []r{
			{1, "app", "x", 1.0}, {2, "app", "x", 1.0}, {3, "app", "x", 1.0},
			{4, "app", "y", 1.0}, {5, "app", "y", 1.0}, {6, "app", "y", 1.0},
			{3, "domain", "d", 0.8}, {4, "domain", "d", 0.8}, {3, "ip_prefix", "p", 0.3}, {4, "ip_prefix", "p", 0.3},
		}, 7, [][]int{{1, 2, 3}, {4, 5, 6}}, 1},
		{"heavy bridge is kept", []r{
			{1, "app", "x", 1.0}, {2, "app", "x", 1.0}, {3, "app", "x", 1.0},
			{4, "app", "y", 1.0}, {5, "app", "y", 1.0}, {6, "app", "y", 1.0},
			{3, "domain", "d", 0.8}, {4, "domain", "d", 0.8}, {3, "text", "t", 0.6}, {4, "text", "t", 0.6},
		}, 7, [][]int{{1, 2, 3, 4, 5, 6}}, 0},
		{"a bridge to a small side is kept", []r{
			{1, "app", "x", 1.0}, {2, "app", "x", 1.0}, {3, "app", "x", 1.0},
			{3, "domain", "d", 0.8}, {4, "domain", "d", 0.8}, {3, "ip_prefix", "p", 0.3}, {4, "ip_prefix", "p", 0.3},
		}, 5, [][]int{{1, 2, 3, 4}}, 0},
		{"the same IP and its prefix count once", []r{{1, "ip", "i", 0.8}, {2, "ip", "i", 0.8}, {1, "ip_prefix", "p", 0.3}, {2, "ip_prefix", "p", 0.3}}, 3, nil, 0},
		{"a domain and its registrant count once", []r{{1, "domain", "d", 0.8}, {2, "domain", "d", 0.8}, {1, "registrant", "r", 0.8}, {2, "registrant", "r", 0.8}}, 3, nil, 0},
		{"values of many groups join through a key, whole", func() []r {
			var big []r
			for i := 1; i <= 300; i++ {
				big = append(big, r{i, "domain", "d", 0.8}, r{i, "text", "t", 0.6})
			}
			return big
		}(), 301, [][]int{func() []int {
			var all []int
			for i := 1; i <= 300; i++ {
				all = append(all, i)
			}
			return all
		}()}, 0},
		{"a value of many groups proposes no pair, but adds weight", append([]r{
			{1, "domain", "d", 0.8}, {2, "domain", "d", 0.8}},
			func() []r {
				var big []r
				for i := 1; i <= 150; i++ {
					big = append(big, r{i, "text", "t", 0.6})
				}
				return big
			}()...), 151, [][]int{{1, 2}}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, cut := clusterOf(t, tc.n, tc.rows, p)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("components = %v, want %v", got, tc.want)
			}
			if cut != tc.cut {
				t.Errorf("cut %d links, want %d", cut, tc.cut)
			}
		})
	}
}

// TestChanceAgreements covers what becomes common at instance size: in a
// population of 3,000 accounts (full weight from log2(3000) - 2 = 9.6
// bits, nothing at 4.8 or fewer), where one account in ten links the local
// paper and one in ten posts the same greeting, ordinary coincidences must
// not link anybody, and a small campaign must.
func TestChanceAgreements(t *testing.T) {
	type r = [4]any
	const n = 3000
	fullBits := math.Log2(n) - 2
	background := func() []r {
		var rows []r
		for i := 1; i <= n; i++ {
			if i%10 == 0 {
				rows = append(rows, r{i, "domain", "localpaper.example", 0.8})
			}
			if i%10 == 3 {
				rows = append(rows, r{i, "text", "good-morning", 0.6})
			}
		}
		return rows
	}
	for _, tc := range []struct {
		name string
		rows []r
		want [][]int
	}{
		// One address behind which six accounts signed up, three of them
		// linking the paper and posting the greeting (as 1 in 100 pairs
		// would by chance): the common values weigh nothing, and the
		// address alone is not enough.
		{"a household with common habits", []r{
			{10, "ip", "h", 0.8}, {13, "ip", "h", 0.8}, {20, "ip", "h", 0.8}, {21, "ip", "h", 0.8}, {22, "ip", "h", 0.8}, {23, "ip", "h", 0.8},
			{13, "domain", "localpaper.example", 0.8}, {23, "domain", "localpaper.example", 0.8},
			{10, "text", "good-morning", 0.6}, {20, "text", "good-morning", 0.6},
		}, nil},
		// A /24 of 14 accounts, 5 of which link the paper: 3.6 times the 1.4
		// expected, but a count that chance gives one time in 16: no key.
		{"a network where the paper is read a little more", func() []r {
			var rows []r
			for _, i := range []int{100, 200, 300, 400, 500, 101, 102, 104, 105, 106, 107, 108, 109, 111} {
				rows = append(rows, r{i, "ip_prefix", "p", 0.3})
			}
			return rows
		}(), nil},
		// Twenty accounts promoting one domain nobody else links, with one
		// message: each value alone is weak here (20 of 3,000), but 20
		// accounts holding both is no chance, and they join whole.
		{"a small campaign", func() []r {
			var rows []r
			for i := 2001; i <= 2020; i++ {
				rows = append(rows, r{i, "domain", "spam.example", 0.8}, r{i, "text", "pitch", 0.6})
			}
			return rows
		}(), [][]int{func() []int {
			var ids []int
			for i := 2001; i <= 2020; i++ {
				ids = append(ids, i)
			}
			return ids
		}()}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, _ := clusterWith(t, n, append(background(), tc.rows...), clusterParams{Threshold: 1.0, PairCap: 100, SplitWeight: 1.2, MinSide: 3}, fullBits)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("components = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestSpecificity plants, in a population of 3,000 accounts, a campaign of
// 300 that share a domain and a message, beside a popular site that 900
// ordinary accounts link and a greeting that 600 post (independently), and
// two friends who share one small blog and a common greeting. The
// campaign's values are as common as the others; what sets it apart is
// that its two values go together far more often than chance.
func TestSpecificity(t *testing.T) {
	type r = [4]any
	const n = 3000
	var rows []r
	for i := 1; i <= 300; i++ {
		rows = append(rows, r{i, "domain", "spam.example", 0.8}, r{i, "text", "pitch", 0.6})
	}
	// Deterministic spread of the ordinary accounts 301..3000.
	for i := 301; i <= n; i++ {
		if i%3 == 0 {
			rows = append(rows, r{i, "domain", "localnews.example", 0.8})
		}
		if (i*7)%9 < 2 {
			rows = append(rows, r{i, "text", "good-morning", 0.6})
		}
	}
	rows = append(rows, r{2990, "domain", "ourblog.example", 0.8}, r{2991, "domain", "ourblog.example", 0.8})
	got, _ := clusterWith(t, n, rows, clusterParams{Threshold: 1.0, PairCap: 100, SplitWeight: 1.2, MinSide: 3}, 6)
	if len(got) != 1 || len(got[0]) != 300 || got[0][0] != 1 || got[0][299] != 300 {
		sizes := []int{}
		for _, c := range got {
			sizes = append(sizes, len(c))
		}
		t.Fatalf("want one group, the 300 planted accounts; got groups of %v", sizes)
	}
}

func TestTextTokens(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
	}{
		{"Hello World", []string{"hello", "world"}},
		{"大家早上好", []string{"大家", "家早", "早上", "上好"}},
		{"今日はいい天気ですね", []string{"今日", "日は", "はい", "いい", "い天", "天気", "気で", "です", "すね"}},
		{"abc日本def", []string{"abc", "日本", "def"}},
		{"x 日 y", []string{"x", "日", "y"}},
	} {
		got := newTextSigner().normalize(c.in, false)
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%q: %q, want %q", c.in, got, c.want)
		}
	}
	// Two Chinese messages that differ by a few characters share a band;
	// an unrelated one does not.
	sg := newTextSigner()
	a, ok1 := sg.bandHashes("限时优惠！立即加入我们的投资计划，每天稳定收益百分之五，名额有限，先到先得。", false)
	b, ok2 := sg.bandHashes("限时优惠！马上加入我们的投资计划，每天稳定收益百分之五，名额有限，先到先得。", false)
	c, ok3 := sg.bandHashes("今天天气很好，我们一家人去公园散步，看到了很多漂亮的花和可爱的小狗。", false)
	if !ok1 || !ok2 || !ok3 {
		t.Fatal("not signed")
	}
	if !shareBand(a, b) || shareBand(a, c) {
		t.Errorf("near-duplicates share a band: %v; unrelated share one: %v", shareBand(a, b), shareBand(a, c))
	}
}

func shareBand(a, b [bands]int64) bool {
	for i := range a {
		if a[i] == b[i] {
			return true
		}
	}
	return false
}

func TestSignCacheGivesSameSignatures(t *testing.T) {
	sg := newTextSigner()
	cache := map[uint64][bands]int64{}
	texts := []string{
		"@bob Hi Bob! I just made $12 in 4 days trading on https://x.io/. They give a 5% bonus to new members this week.",
		"@ann Hi Bob! I just made $99 in 7 days trading on https://y.org/. They give a 50% bonus to new members this week.",
		"Just finished reading a wonderful book about the history of maps and the people who made them.",
	}
	for round := 0; round < 2; round++ {
		for _, s := range texts {
			want, wn, wok := sg.sign(s, false)
			got, gn, _, gok := sg.signCached(cache, s, false)
			if got != want || gn != wn || gok != wok {
				t.Fatalf("round %d: cached signature differs for %q", round, s)
			}
		}
	}
	if len(cache) != 2 {
		t.Errorf("cache holds %d templates, want 2 (the two spam texts are one template)", len(cache))
	}
}
