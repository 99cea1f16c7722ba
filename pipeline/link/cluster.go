package link

import (
	"context"
	"database/sql"
	_ "embed"
	"fmt"
	"sort"

	"fediforensics/pipeline/schema"
	"fediforensics/pipeline/store"
)

// clusterParams steer the clustering.
type clusterParams struct {
	Threshold   float64 // weight two accounts (or groups) must share to be linked
	PairCap     int     // a weak value touching more groups than this proposes no pairs
	SplitWeight float64 // a bridge lighter than this between two large sides is cut
	MinSide     int     // "large": this many accounts on each side
}

// edge is a link between two strong components that weak values made.
type edge struct {
	a, b         int32 // component roots, a < b
	weight       float64
	bridge       bool
	cut          bool
	sideA, sideB int // accounts on either side, for a bridge
}

//go:embed sql/pairs.sql
var pairsSQL string

// cluster links accounts: values strong enough on their own join accounts
// outright (in Go, over the memberships streamed through Arrow); weak
// values that add up join the groups that result (in DuckDB, pairs.sql);
// light bridges between large sides are cut (in Go). It writes
// account_component and component_links.
func cluster(ctx context.Context, db *sql.DB, p clusterParams) error {
	conn, err := db.Conn(ctx) // the temporary tables below belong to it
	if err != nil {
		return err
	}
	defer conn.Close()
	var n int64
	if err := conn.QueryRowContext(ctx, `SELECT coalesce(max(acct_key), 0) FROM account_keys`).Scan(&n); err != nil {
		return err
	}
	uf := newUnionFind(int(n) + 1)
	var prevAttr, first int64 = -1, 0
	err = store.ArrowQuery(ctx, conn, fmt.Sprintf(`
SELECT a.attr_key, e.acct_key
FROM evidence e JOIN attributes a USING (kind, value)
WHERE a.suppressed IS NULL AND a.weight >= %g
ORDER BY a.attr_key, e.acct_key`, p.Threshold), func(b store.Batch) error {
		var attr, acct func(int) int64
		if err := store.Columns(b, &attr, &acct); err != nil {
			return err
		}
		for i := 0; i < store.Rows(b); i++ {
			if attr(i) != prevAttr {
				prevAttr, first = attr(i), acct(i)
				continue
			}
			uf.union(int(first), int(acct(i)))
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := schema.Create(ctx, conn, schema.AccountComponent, schema.LinkKeys, schema.LinkStats, schema.ComponentLinks); err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, fmt.Sprintf(`CREATE OR REPLACE TEMP TABLE strong_comp (acct_key BIGINT, comp BIGINT);
CREATE OR REPLACE TEMP TABLE link_flags (a BIGINT, b BIGINT, bridge BOOLEAN, cut BOOLEAN);
UPDATE link_settings SET threshold = %g, pair_cap = %d`, p.Threshold, p.PairCap)); err != nil {
		return err
	}
	if err := writeComponents(ctx, conn, "strong_comp", "comp", uf, n); err != nil {
		return err
	}
	if err := store.Exec(ctx, conn, "pairs", pairsSQL); err != nil {
		return err
	}
	var links []*edge
	err = store.ArrowQuery(ctx, conn, `SELECT a, b, weight FROM pair_links ORDER BY a, b`, func(b store.Batch) error {
		var a, bb func(int) int64
		var w func(int) float64
		if err := store.Columns(b, &a, &bb, &w); err != nil {
			return err
		}
		for i := 0; i < store.Rows(b); i++ {
			links = append(links, &edge{a: int32(a(i)), b: int32(bb(i)), weight: w(i)})
		}
		return nil
	})
	if err != nil {
		return err
	}
	decide(links, uf, p)
	if err := writeComponents(ctx, conn, string(schema.AccountComponent), "component", uf, n); err != nil {
		return err
	}
	err = store.InsertAll(ctx, conn, "link_flags", func(add func(...any) error) error {
		for _, l := range links {
			if err := add(int64(l.a), int64(l.b), l.bridge, l.cut); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	_, err = conn.ExecContext(ctx, `INSERT INTO component_links BY NAME
SELECT p.a, p.b, l.weight, f.bridge, f.cut, p.attr_key
FROM pair_attrs p JOIN pair_links l USING (a, b) JOIN link_flags f USING (a, b)`)
	return err
}

// writeComponents writes each account's component into table's acct_key
// and comp.
func writeComponents(ctx context.Context, conn *sql.Conn, table, comp string, uf *unionFind, n int64) error {
	return store.InsertAll(ctx, conn, table, func(add func(...any) error) error {
		for k := int64(1); k <= n; k++ {
			if err := add(k, int64(uf.find(int(k)))); err != nil {
				return err
			}
		}
		return nil
	}, "acct_key", comp)
}

// decide joins the groups of each link, unless the link is a bridge (the
// only connection between its two sides) lighter than SplitWeight with
// MinSide accounts or more on each side: such a link is cut.
func decide(links []*edge, uf *unionFind, p clusterParams) {
	markBridges(links, uf)
	for _, l := range links {
		if l.bridge && l.weight < p.SplitWeight && l.sideA >= p.MinSide && l.sideB >= p.MinSide {
			l.cut = true
		}
	}
	for _, l := range links {
		if !l.cut {
			uf.union(int(l.a), int(l.b))
		}
	}
}

// markBridges finds the links whose removal would disconnect their group
// (Tarjan's bridges over the graph of strong components), and the number of
// accounts on each side of each.
func markBridges(links []*edge, uf *unionFind) {
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
