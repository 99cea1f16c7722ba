package htmlreport

import (
	"fediforensics/pipeline/report"
	"fmt"
	"math"
	"sort"
)

// The evidence graph of a campaign is drawn in two columns: its accounts on
// the left (one node each up to maxAccountNodes, else one node for all of
// them), the values they share on the right, grouped by type; an edge is a
// piece of campaign evidence. The layout depends only on the rows, which
// come fully ordered, so the same database draws the same picture.
const (
	maxAccountNodes = 30
	maxValueNodes   = 36
	graphW          = 960
	graphRowH       = 22
	graphTop        = 34
	accountX        = 250
	valueX          = 560
)

// typeOrder is the order of the groups in the value column and the legend.
func typeOrder() []string {
	return []string{"account", "app", "email", "ip", "domain", "registrant", "text", "burst"}
}

// typeName names a node type in the legend.
func typeName(t string) string {
	switch t {
	case "account":
		return "accounts"
	case "app":
		return "apps"
	case "email":
		return "emails, email domains"
	case "ip":
		return "IPs, prefixes"
	case "domain":
		return "domains"
	case "registrant":
		return "registrants"
	case "text":
		return "texts"
	}
	return "sign-up bursts"
}

// evidenceRow is one row of campaign_evidence.
type evidenceRow struct {
	Kind, Value, Label, Meaning string
	Accounts                    int64
	Weight                      float64
}

// memberEdge is one account's share in a piece of evidence.
type memberEdge struct {
	Account   string // instance/account_id
	Kind, Val string
}

type graph struct {
	Width, Height int
	Nodes         []gNode
	Edges         []gEdge
	Legend        []gLegend
	More          string
	MoreY         string
}

type gNode struct {
	X, Y, R, LX, LY string
	Type            string
	Anchor          string
	Label, Count    string
	Title           string
}

type gEdge struct {
	D, Width, Type string
	Title          string
}

type gLegend struct {
	X, TX, Type, Name string
}

// accountNode is an account of the left column.
type accountNode struct {
	Key, Label string
}

// newGraph lays out the evidence graph of a campaign of total accounts.
// With accounts (at most maxAccountNodes of them, all of the campaign),
// each gets a node and edges follows the members; otherwise one node
// stands for all the accounts and an edge per value carries its count.
// show turns a value into display text (defanged, pseudonymized).
func newGraph(total int64, ev []evidenceRow, accounts []accountNode, edges []memberEdge, show func(string) string) graph {
	g := graph{Width: graphW}
	// The values, grouped by type in typeOrder, keeping the order of the
	// rows (weight, then accounts) within a group.
	rank := map[string]int{}
	for i, t := range typeOrder() {
		rank[t] = i
	}
	vals := append([]evidenceRow(nil), ev...)
	sort.SliceStable(vals, func(i, j int) bool {
		return rank[report.EvidenceNode(vals[i].Kind)] < rank[report.EvidenceNode(vals[j].Kind)]
	})
	if len(vals) > maxValueNodes {
		// Keep the strongest values: ev is ordered by weight, then accounts.
		keep := map[[2]string]bool{}
		for _, r := range ev[:maxValueNodes] {
			keep[[2]string{r.Kind, r.Value}] = true
		}
		kept := vals[:0]
		for _, r := range vals {
			if keep[[2]string{r.Kind, r.Value}] {
				kept = append(kept, r)
			}
		}
		g.More = fmt.Sprintf("+%d more values in the evidence table", len(ev)-maxValueNodes)
		vals = kept
	}
	individual := len(accounts) > 0 && len(accounts) <= maxAccountNodes
	left := 1
	if individual {
		left = len(accounts)
	}
	rows := max(left, len(vals), 3)
	g.Height = graphTop + rows*graphRowH + 16
	if g.More != "" {
		g.Height += 18
		g.MoreY = num(float64(g.Height - 10))
	}
	yOf := func(i, n int) float64 {
		// n nodes spread over the rows, centred.
		span := float64(rows * graphRowH)
		return graphTop + span/2 + (float64(i)-float64(n-1)/2)*math.Min(graphRowH, span/float64(max(n, 1)))
	}
	valueY := map[[2]string]float64{}
	for i, r := range vals {
		y := yOf(i, len(vals))
		valueY[[2]string{r.Kind, r.Value}] = y
		t := report.EvidenceNode(r.Kind)
		g.Nodes = append(g.Nodes, gNode{X: num(valueX), Y: num(y), R: "6", LX: num(valueX + 12), LY: num(y + 4), Type: t, Anchor: "start",
			Label: truncate(show(r.Label), 56), Count: fmt.Sprintf("%d", r.Accounts),
			Title: fmt.Sprintf("%s: %s (%d accounts, weight %s): %s", r.Kind, show(r.Label), r.Accounts, num(r.Weight), r.Meaning)})
	}
	curve := func(y0, y1 float64) string {
		mid := (accountX + valueX) / 2.0
		return fmt.Sprintf("M%s %sC%s %s %s %s %s %s", num(accountX), num(y0), num(mid), num(y0), num(mid), num(y1), num(valueX), num(y1))
	}
	if individual {
		accY := map[string]float64{}
		for i, a := range accounts {
			y := yOf(i, len(accounts))
			accY[a.Key] = y
			g.Nodes = append(g.Nodes, gNode{X: num(accountX), Y: num(y), R: "5", LX: num(accountX - 10), LY: num(y + 4), Type: "account",
				Anchor: "end", Label: truncate(show(a.Label), 34), Title: show(a.Label)})
		}
		for _, e := range edges {
			y1, ok := valueY[[2]string{e.Kind, e.Val}]
			y0, ok2 := accY[e.Account]
			if !ok || !ok2 {
				continue
			}
			g.Edges = append(g.Edges, gEdge{D: curve(y0, y1), Width: "1.2", Type: report.EvidenceNode(e.Kind), Title: show(e.Account) + " — " + e.Kind})
		}
	} else {
		y := yOf(0, 1)
		g.Nodes = append(g.Nodes, gNode{X: num(accountX), Y: num(y), R: "16", LX: num(accountX - 24), LY: num(y + 5), Type: "account",
			Anchor: "end", Label: fmt.Sprintf("%d accounts", total), Title: fmt.Sprintf("the %d accounts of the campaign", total)})
		for _, r := range vals {
			share := float64(r.Accounts) / math.Max(float64(total), 1)
			g.Edges = append(g.Edges, gEdge{D: curve(y, valueY[[2]string{r.Kind, r.Value}]), Width: num(0.8 + 7*share),
				Type: report.EvidenceNode(r.Kind), Title: fmt.Sprintf("%d of %d accounts — %s", r.Accounts, total, r.Kind)})
		}
	}
	// The legend names the types present.
	present := map[string]bool{"account": true}
	for _, r := range vals {
		present[report.EvidenceNode(r.Kind)] = true
	}
	x := 12.0
	for _, t := range typeOrder() {
		if !present[t] {
			continue
		}
		g.Legend = append(g.Legend, gLegend{X: num(x), TX: num(x + 10), Type: t, Name: typeName(t)})
		x += 24 + 7.2*float64(len(typeName(t)))
	}
	return g
}
