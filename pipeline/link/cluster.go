package link

import (
	"context"
	"database/sql"
	"math"
	"sort"

	"fediforensics/pipeline/store"
)

// clusterParams steer the clustering.
type clusterParams struct {
	Threshold   float64 // weight two accounts (or groups) must share to be linked
	PairCap     int     // a weak value touching more groups than this proposes no pairs
	SplitWeight float64 // a bridge lighter than this between two large sides is cut
	MinSide     int     // "large": this many accounts on each side
}

type group struct {
	attr   int64
	kind   int64
	weight float64
	accts  []int32
}

// link is an accepted link between two strong components.
type link struct {
	a, b         int32 // component roots, a < b
	weight       float64
	attrs        []int64
	byKind       map[int64]float64 // the heaviest shared value of each kind
	bridge       bool
	cut          bool
	sideA, sideB int // accounts on either side, for a bridge
}

// cluster reads the evidence memberships through Arrow, links accounts and
// writes account_component and campaign_links.
func cluster(ctx context.Context, db *sql.DB, p clusterParams) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	var n int64
	if err := conn.QueryRowContext(ctx, `SELECT coalesce(max(acct_key), 0) FROM account_keys`).Scan(&n); err != nil {
		return err
	}
	var groups []group
	err = store.ArrowQuery(ctx, conn, `
SELECT a.attr_key, a.weight::DOUBLE AS weight, e.acct_key, dense_rank() OVER (ORDER BY a.kind) AS kind_id
FROM evidence e JOIN attributes a USING (kind, value)
WHERE a.suppressed IS NULL
ORDER BY a.attr_key, e.acct_key`, func(b store.Batch) error {
		attr, err := store.Int64Column(b, 0)
		if err != nil {
			return err
		}
		weight, err := store.Float64Column(b, 1)
		if err != nil {
			return err
		}
		acct, err := store.Int64Column(b, 2)
		if err != nil {
			return err
		}
		kind, err := store.Int64Column(b, 3)
		if err != nil {
			return err
		}
		for i := 0; i < store.Rows(b); i++ {
			if len(groups) == 0 || groups[len(groups)-1].attr != attr(i) {
				groups = append(groups, group{attr: attr(i), kind: kind(i), weight: weight(i)})
			}
			g := &groups[len(groups)-1]
			if k := int32(acct(i)); len(g.accts) == 0 || g.accts[len(g.accts)-1] != k {
				g.accts = append(g.accts, k)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	uf := newUnionFind(int(n) + 1)
	links := linkGroups(groups, uf, p)

	// Write the components and the links that joined them.
	if _, err := conn.ExecContext(ctx, `CREATE OR REPLACE TABLE account_component (acct_key BIGINT, component BIGINT);
CREATE OR REPLACE TABLE component_links (a BIGINT, b BIGINT, weight DOUBLE, bridge BOOLEAN, cut BOOLEAN, attr_key BIGINT)`); err != nil {
		return err
	}
	err = store.InsertAll(ctx, conn, "account_component", func(add func(...any) error) error {
		for k := 1; k <= int(n); k++ {
			if err := add(int64(k), int64(uf.find(k))); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return store.InsertAll(ctx, conn, "component_links", func(add func(...any) error) error {
		for _, l := range links {
			for _, a := range l.attrs {
				if err := add(int64(l.a), int64(l.b), l.weight, l.bridge, l.cut, a); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// linkGroups unions the accounts of uf: first every value strong enough on
// its own, then groups joined by weak values whose weights add up to the
// threshold, unless a light bridge would join two large sides. It returns
// the links between strong components it considered.
func linkGroups(groups []group, uf *unionFind, p clusterParams) []link {
	for _, g := range groups {
		if g.weight >= p.Threshold {
			for _, a := range g.accts[1:] {
				uf.union(int(g.accts[0]), int(a))
			}
		}
	}
	// Weak values join groups only in combination. Candidate pairs come
	// from values shared by few groups (at most PairCap): a pair that only
	// values of many groups have in common is not looked for. Each
	// candidate's weight is then taken over every weak value the two groups
	// share, of any size.
	type member struct {
		attr   int64
		kind   int64
		weight float64
	}
	weakOf := map[int32][]member{} // group root -> its weak values, by attr
	type pair struct{ a, b int32 }
	candidates := map[pair]bool{}
	for _, g := range groups {
		if g.weight >= p.Threshold {
			continue
		}
		seen := map[int32]bool{}
		var comps []int32
		for _, a := range g.accts {
			r := int32(uf.find(int(a)))
			if !seen[r] {
				seen[r] = true
				comps = append(comps, r)
				weakOf[r] = append(weakOf[r], member{g.attr, g.kind, g.weight})
			}
		}
		if len(comps) < 2 || len(comps) > p.PairCap {
			continue
		}
		sort.Slice(comps, func(i, j int) bool { return comps[i] < comps[j] })
		for i := range comps {
			for j := i + 1; j < len(comps); j++ {
				candidates[pair{comps[i], comps[j]}] = true
			}
		}
	}
	acc := make(map[pair]*link, len(candidates))
	for k := range candidates {
		l := &link{a: k.a, b: k.b, byKind: map[int64]float64{}}
		// Both lists are in attr order (groups are): intersect them.
		x, y := weakOf[k.a], weakOf[k.b]
		for i, j := 0, 0; i < len(x) && j < len(y); {
			switch {
			case x[i].attr < y[j].attr:
				i++
			case x[i].attr > y[j].attr:
				j++
			default:
				l.byKind[x[i].kind] = max(l.byKind[x[i].kind], x[i].weight)
				l.attrs = append(l.attrs, x[i].attr)
				i++
				j++
			}
		}
		acc[k] = l
	}
	// Values of one kind do not add up: two texts shared, or three domains,
	// are one kind of evidence. Kinds add up.
	var accepted []*link
	for _, l := range acc {
		kinds := make([]int64, 0, len(l.byKind))
		for k := range l.byKind {
			kinds = append(kinds, k)
		}
		sort.Slice(kinds, func(i, j int) bool { return kinds[i] < kinds[j] })
		for _, k := range kinds { // in a fixed order: float sums depend on it
			l.weight += l.byKind[k]
		}
		l.weight = math.Round(l.weight*1000) / 1000
		if l.weight >= p.Threshold-1e-9 {
			accepted = append(accepted, l)
		}
	}
	sort.Slice(accepted, func(i, j int) bool {
		if accepted[i].a != accepted[j].a {
			return accepted[i].a < accepted[j].a
		}
		return accepted[i].b < accepted[j].b
	})
	markBridges(accepted, uf)
	out := make([]link, 0, len(accepted))
	for _, l := range accepted {
		if l.bridge && l.weight < p.SplitWeight && l.sideA >= p.MinSide && l.sideB >= p.MinSide {
			l.cut = true
		}
	}
	for _, l := range accepted {
		if !l.cut {
			uf.union(int(l.a), int(l.b))
		}
		out = append(out, *l)
	}
	return out
}

// markBridges finds the links whose removal would disconnect their group
// (Tarjan's bridges over the graph of strong components), and the number of
// accounts on each side of each.
func markBridges(links []*link, uf *unionFind) {
	adj := map[int32][]int{} // node -> indexes of links
	for i, l := range links {
		adj[l.a] = append(adj[l.a], i)
		adj[l.b] = append(adj[l.b], i)
	}
	nodes := make([]int32, 0, len(adj))
	for n := range adj {
		nodes = append(nodes, n)
	}
	sort.Slice(nodes, func(i, j int) bool { return nodes[i] < nodes[j] })
	disc, low, sub := map[int32]int{}, map[int32]int{}, map[int32]int{}
	timer := 0
	var dfs func(u int32, via int) int
	dfs = func(u int32, via int) int {
		timer++
		disc[u], low[u] = timer, timer
		sub[u] = int(uf.size[u])
		for _, li := range adj[u] {
			if li == via {
				continue
			}
			l := links[li]
			v := l.a
			if v == u {
				v = l.b
			}
			if _, ok := disc[v]; ok {
				low[u] = min(low[u], disc[v])
				continue
			}
			sub[u] += dfs(v, li)
			low[u] = min(low[u], low[v])
			if low[v] > disc[u] {
				l.bridge = true
				l.sideA = sub[v] // completed below with the whole group's size
			}
		}
		return sub[u]
	}
	for _, n := range nodes {
		if _, ok := disc[n]; ok {
			continue
		}
		total := dfs(n, -1)
		// Every bridge found under this root splits total into two sides.
		for _, l := range links {
			if l.bridge && l.sideB == 0 && (disc[l.a] >= disc[n]) {
				l.sideB = total - l.sideA
			}
		}
	}
}
