package export

import (
	"context"
	"database/sql"
	"embed"
	"encoding/xml"
	"fediforensics/pipeline/outdir"
	"fediforensics/pipeline/report"
	"fediforensics/pipeline/store"
	"io"
	"strconv"
	"time"
)

//go:embed sql/*.sql
var queries embed.FS

// The evidence graph: accounts and the values they share (not the
// suppressed hubs), an edge for each account sharing a value, weighted by
// the kind of the value. Node ids are readable and stable:
// "account:INSTANCE/ID" and "KIND:VALUE".

// node is a node of the evidence graph with its attributes.
type node struct {
	ID, Label, Type, Group string
	Campaign, Instance     string
	Score                  float64
	HasScore               bool
	Accounts               int64
	Weight                 float64
	Created                string
}

// edge links an account to a value.
type edge struct {
	Source, Target, Kind string
	Weight               float64
}

func accountID(instance, id string) string { return "account:" + instance + "/" + id }

func valueID(kind, value string) string { return kind + ":" + value }

// nodes streams the nodes of the evidence graph: the accounts, then the
// values.
func nodes(ctx context.Context, db *sql.DB, onNode func(node) error) error {
	err := store.EachFile(ctx, db, queries, "graph_accounts", nil, func(r *sql.Rows) error {
		var key int64
		var inst, id string
		var username, domain, campaign sql.NullString
		var created sql.NullTime
		var score sql.NullFloat64
		if err := r.Scan(&key, &inst, &id, &username, &domain, &created, &campaign, &score); err != nil {
			return err
		}
		label := "@" + username.String
		if domain.Valid {
			label += "@" + domain.String
		}
		n := node{ID: accountID(inst, id), Label: label + " (" + inst + ")", Type: "account", Group: "account",
			Campaign: campaign.String, Instance: inst, Score: score.Float64, HasScore: score.Valid}
		if created.Valid {
			n.Created = created.Time.UTC().Format(time.RFC3339Nano)
		}
		return onNode(n)
	})
	if err != nil {
		return err
	}
	err = store.EachFile(ctx, db, queries, "graph_values", nil, func(r *sql.Rows) error {
		var kind, value, label string
		var accounts int64
		var weight float64
		var campaigns sql.NullString
		if err := r.Scan(&kind, &value, &label, &accounts, &weight, &campaigns); err != nil {
			return err
		}
		return onNode(node{ID: valueID(kind, value), Label: label, Type: kind, Group: report.EvidenceNode(kind), Campaign: campaigns.String,
			Accounts: accounts, Weight: weight})
	})
	return err
}

// edges streams the edges of the evidence graph.
func edges(ctx context.Context, db *sql.DB, onEdge func(edge) error) error {
	return store.EachFile(ctx, db, queries, "graph_edges", nil, func(r *sql.Rows) error {
		var inst, id, kind, value string
		var weight float64
		if err := r.Scan(&inst, &id, &kind, &value, &weight); err != nil {
			return err
		}
		return onEdge(edge{Source: accountID(inst, id), Target: valueID(kind, value), Kind: kind, Weight: weight})
	})
}

func ftoa(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

type gmlData struct {
	XMLName xml.Name `xml:"data"`
	Key     string   `xml:"key,attr"`
	Value   string   `xml:",chardata"`
}

type gmlNode struct {
	XMLName xml.Name  `xml:"node"`
	ID      string    `xml:"id,attr"`
	Data    []gmlData `xml:"data"`
}

type gmlEdge struct {
	XMLName xml.Name  `xml:"edge"`
	ID      string    `xml:"id,attr"`
	Source  string    `xml:"source,attr"`
	Target  string    `xml:"target,attr"`
	Data    []gmlData `xml:"data"`
}

// GraphML writes the evidence graph to path as GraphML.
func GraphML(ctx context.Context, db *sql.DB, path string) error {
	return outdir.Write(path, func(w io.Writer) error {
		io.WriteString(w, xml.Header)
		enc := xml.NewEncoder(w)
		enc.Indent("", " ")
		root := xml.StartElement{Name: xml.Name{Local: "graphml"}, Attr: []xml.Attr{
			{Name: xml.Name{Local: "xmlns"}, Value: "http://graphml.graphdrawing.org/xmlns"},
			{Name: xml.Name{Local: "xmlns:xsi"}, Value: "http://www.w3.org/2001/XMLSchema-instance"},
			{Name: xml.Name{Local: "xsi:schemaLocation"}, Value: "http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd"},
		}}
		if err := enc.EncodeToken(root); err != nil {
			return err
		}
		// The attributes of nodes and edges, declared up front.
		keys := []struct{ id, scope, typ string }{
			{"label", "node", "string"}, {"type", "node", "string"}, {"group", "node", "string"},
			{"campaign", "node", "string"}, {"score", "node", "double"}, {"instance", "node", "string"},
			{"created", "node", "string"}, {"accounts", "node", "long"}, {"node_weight", "node", "double"},
			{"kind", "edge", "string"}, {"weight", "edge", "double"},
		}
		for _, k := range keys {
			name := k.id
			if name == "node_weight" {
				name = "weight"
			}
			el := xml.StartElement{Name: xml.Name{Local: "key"}, Attr: []xml.Attr{
				{Name: xml.Name{Local: "id"}, Value: k.id}, {Name: xml.Name{Local: "for"}, Value: k.scope},
				{Name: xml.Name{Local: "attr.name"}, Value: name}, {Name: xml.Name{Local: "attr.type"}, Value: k.typ}}}
			if err := enc.EncodeToken(el); err != nil {
				return err
			}
			if err := enc.EncodeToken(el.End()); err != nil {
				return err
			}
		}
		g := xml.StartElement{Name: xml.Name{Local: "graph"}, Attr: []xml.Attr{
			{Name: xml.Name{Local: "id"}, Value: "evidence"}, {Name: xml.Name{Local: "edgedefault"}, Value: "undirected"}}}
		if err := enc.EncodeToken(g); err != nil {
			return err
		}
		err := nodes(ctx, db, func(nd node) error {
			d := []gmlData{{Key: "label", Value: nd.Label}, {Key: "type", Value: nd.Type}, {Key: "group", Value: nd.Group}}
			if nd.Campaign != "" {
				d = append(d, gmlData{Key: "campaign", Value: nd.Campaign})
			}
			if nd.HasScore {
				d = append(d, gmlData{Key: "score", Value: ftoa(nd.Score)})
			}
			if nd.Instance != "" {
				d = append(d, gmlData{Key: "instance", Value: nd.Instance})
			}
			if nd.Created != "" {
				d = append(d, gmlData{Key: "created", Value: nd.Created})
			}
			if nd.Type != "account" {
				d = append(d, gmlData{Key: "accounts", Value: strconv.FormatInt(nd.Accounts, 10)},
					gmlData{Key: "node_weight", Value: ftoa(nd.Weight)})
			}
			return enc.Encode(gmlNode{ID: nd.ID, Data: d})
		})
		if err != nil {
			return err
		}
		n := 0
		err = edges(ctx, db, func(e edge) error {
			n++
			return enc.Encode(gmlEdge{ID: "e" + strconv.Itoa(n), Source: e.Source, Target: e.Target,
				Data: []gmlData{{Key: "kind", Value: e.Kind}, {Key: "weight", Value: ftoa(e.Weight)}}})
		})
		if err != nil {
			return err
		}
		if err := enc.EncodeToken(g.End()); err != nil {
			return err
		}
		if err := enc.EncodeToken(root.End()); err != nil {
			return err
		}
		if err := enc.Flush(); err != nil {
			return err
		}
		_, err = io.WriteString(w, "\n")
		return err
	})
}

type gexfAttValue struct {
	XMLName xml.Name `xml:"attvalue"`
	For     string   `xml:"for,attr"`
	Value   string   `xml:"value,attr"`
}

type gexfNode struct {
	XMLName   xml.Name       `xml:"node"`
	ID        string         `xml:"id,attr"`
	Label     string         `xml:"label,attr"`
	AttValues []gexfAttValue `xml:"attvalues>attvalue"`
}

type gexfEdge struct {
	XMLName   xml.Name       `xml:"edge"`
	ID        string         `xml:"id,attr"`
	Source    string         `xml:"source,attr"`
	Target    string         `xml:"target,attr"`
	Weight    string         `xml:"weight,attr"`
	AttValues []gexfAttValue `xml:"attvalues>attvalue"`
}

// GEXF writes the evidence graph to path as GEXF 1.2, which Gephi opens
// with node types, campaigns, scores and edge weights as attributes.
func GEXF(ctx context.Context, db *sql.DB, path string) error {
	return outdir.Write(path, func(w io.Writer) error {
		io.WriteString(w, xml.Header)
		enc := xml.NewEncoder(w)
		enc.Indent("", " ")
		start := func(name string, attrs ...string) xml.StartElement {
			el := xml.StartElement{Name: xml.Name{Local: name}}
			for i := 0; i+1 < len(attrs); i += 2 {
				el.Attr = append(el.Attr, xml.Attr{Name: xml.Name{Local: attrs[i]}, Value: attrs[i+1]})
			}
			return el
		}
		root := start("gexf", "xmlns", "http://www.gexf.net/1.2draft", "version", "1.2")
		meta := start("meta")
		g := start("graph", "mode", "static", "defaultedgetype", "undirected")
		nodeAttrs := start("attributes", "class", "node")
		edgeAttrs := start("attributes", "class", "edge")
		nodesEl, edgesEl := start("nodes"), start("edges")
		for _, t := range []xml.Token{root, meta} {
			if err := enc.EncodeToken(t); err != nil {
				return err
			}
		}
		if err := enc.EncodeElement("fediforensics pipeline", start("creator")); err != nil {
			return err
		}
		if err := enc.EncodeElement("evidence graph: accounts and the values they share (hubs suppressed)", start("description")); err != nil {
			return err
		}
		for _, t := range []xml.Token{meta.End(), g, nodeAttrs} {
			if err := enc.EncodeToken(t); err != nil {
				return err
			}
		}
		// The node attributes, by id: those of the GraphML keys.
		attrs := []struct{ id, title, typ string }{
			{"0", "type", "string"}, {"1", "group", "string"}, {"2", "campaign", "string"}, {"3", "score", "double"},
			{"4", "instance", "string"}, {"5", "created", "string"}, {"6", "accounts", "long"}, {"7", "weight", "double"},
		}
		for _, a := range attrs {
			el := start("attribute", "id", a.id, "title", a.title, "type", a.typ)
			if err := enc.EncodeToken(el); err != nil {
				return err
			}
			if err := enc.EncodeToken(el.End()); err != nil {
				return err
			}
		}
		for _, t := range []xml.Token{nodeAttrs.End(), edgeAttrs} {
			if err := enc.EncodeToken(t); err != nil {
				return err
			}
		}
		el := start("attribute", "id", "0", "title", "kind", "type", "string")
		for _, t := range []xml.Token{el, el.End(), edgeAttrs.End(), nodesEl} {
			if err := enc.EncodeToken(t); err != nil {
				return err
			}
		}
		err := nodes(ctx, db, func(nd node) error {
			av := []gexfAttValue{{For: "0", Value: nd.Type}, {For: "1", Value: nd.Group}}
			if nd.Campaign != "" {
				av = append(av, gexfAttValue{For: "2", Value: nd.Campaign})
			}
			if nd.HasScore {
				av = append(av, gexfAttValue{For: "3", Value: ftoa(nd.Score)})
			}
			if nd.Instance != "" {
				av = append(av, gexfAttValue{For: "4", Value: nd.Instance})
			}
			if nd.Created != "" {
				av = append(av, gexfAttValue{For: "5", Value: nd.Created})
			}
			if nd.Type != "account" {
				av = append(av, gexfAttValue{For: "6", Value: strconv.FormatInt(nd.Accounts, 10)}, gexfAttValue{For: "7", Value: ftoa(nd.Weight)})
			}
			return enc.Encode(gexfNode{ID: nd.ID, Label: nd.Label, AttValues: av})
		})
		if err != nil {
			return err
		}
		if err := enc.EncodeToken(nodesEl.End()); err != nil {
			return err
		}
		if err := enc.EncodeToken(edgesEl); err != nil {
			return err
		}
		n := 0
		err = edges(ctx, db, func(e edge) error {
			ge := gexfEdge{ID: strconv.Itoa(n), Source: e.Source, Target: e.Target, Weight: ftoa(e.Weight),
				AttValues: []gexfAttValue{{For: "0", Value: e.Kind}}}
			n++
			return enc.Encode(ge)
		})
		if err != nil {
			return err
		}
		for _, t := range []xml.Token{edgesEl.End(), g.End(), root.End()} {
			if err := enc.EncodeToken(t); err != nil {
				return err
			}
		}
		if err := enc.Flush(); err != nil {
			return err
		}
		_, err = io.WriteString(w, "\n")
		return err
	})
}
