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
// suppressed hubs, nor values too common to weigh anything), an edge for
// each account sharing a value, weighted by the value's weight. Node ids are readable and stable:
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

// nodeAttr declares an attribute of the nodes beyond their label.
type nodeAttr struct{ name, typ string }

// nodeAttrs lists the attributes of the nodes, in the order both formats
// declare them; nodeValue.attr indexes it.
func nodeAttrs() []nodeAttr {
	return []nodeAttr{{"type", "string"}, {"group", "string"}, {"campaign", "string"}, {"score", "double"},
		{"instance", "string"}, {"created", "string"}, {"accounts", "long"}, {"weight", "double"}}
}

// nodeValue is the value of one of a node's attributes.
type nodeValue struct {
	attr  int // index in nodeAttrs
	value string
}

// values lists the attributes a node has, in the order of nodeAttrs: type
// and group always, the others where known; accounts and weight for value
// nodes only.
func (nd node) values() []nodeValue {
	v := []nodeValue{{0, nd.Type}, {1, nd.Group}}
	if nd.Campaign != "" {
		v = append(v, nodeValue{2, nd.Campaign})
	}
	if nd.HasScore {
		v = append(v, nodeValue{3, ftoa(nd.Score)})
	}
	if nd.Instance != "" {
		v = append(v, nodeValue{4, nd.Instance})
	}
	if nd.Created != "" {
		v = append(v, nodeValue{5, nd.Created})
	}
	if nd.Type != "account" {
		v = append(v, nodeValue{6, strconv.FormatInt(nd.Accounts, 10)}, nodeValue{7, ftoa(nd.Weight)})
	}
	return v
}

// writeXML writes an indented XML document to path: the header, what body
// encodes and a final newline.
func writeXML(path string, body func(enc *xml.Encoder) error) error {
	return outdir.Write(path, func(w io.Writer) error {
		io.WriteString(w, xml.Header)
		enc := xml.NewEncoder(w)
		enc.Indent("", " ")
		if err := body(enc); err != nil {
			return err
		}
		if err := enc.Flush(); err != nil {
			return err
		}
		_, err := io.WriteString(w, "\n")
		return err
	})
}

// element is the start of an element with attrs given as name, value pairs.
func element(name string, attrs ...string) xml.StartElement {
	el := xml.StartElement{Name: xml.Name{Local: name}}
	for i := 0; i+1 < len(attrs); i += 2 {
		el.Attr = append(el.Attr, xml.Attr{Name: xml.Name{Local: attrs[i]}, Value: attrs[i+1]})
	}
	return el
}

// encodeTokens encodes ts in turn.
func encodeTokens(enc *xml.Encoder, ts ...xml.Token) error {
	for _, t := range ts {
		if err := enc.EncodeToken(t); err != nil {
			return err
		}
	}
	return nil
}

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

// gmlKey is the GraphML key of a node attribute: its name, but for the
// weight, which the edges' weight key already holds.
func gmlKey(name string) string {
	if name == "weight" {
		return "node_weight"
	}
	return name
}

// GraphML writes the evidence graph to path as GraphML.
func GraphML(ctx context.Context, db *sql.DB, path string) error {
	return writeXML(path, func(enc *xml.Encoder) error {
		root := element("graphml", "xmlns", "http://graphml.graphdrawing.org/xmlns",
			"xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance",
			"xsi:schemaLocation", "http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd")
		if err := encodeTokens(enc, root); err != nil {
			return err
		}
		// The attributes of nodes and edges, declared up front.
		key := func(id, scope, name, typ string) error {
			el := element("key", "id", id, "for", scope, "attr.name", name, "attr.type", typ)
			return encodeTokens(enc, el, el.End())
		}
		if err := key("label", "node", "label", "string"); err != nil {
			return err
		}
		attrs := nodeAttrs()
		for _, a := range attrs {
			if err := key(gmlKey(a.name), "node", a.name, a.typ); err != nil {
				return err
			}
		}
		if err := key("kind", "edge", "kind", "string"); err != nil {
			return err
		}
		if err := key("weight", "edge", "weight", "double"); err != nil {
			return err
		}
		g := element("graph", "id", "evidence", "edgedefault", "undirected")
		if err := encodeTokens(enc, g); err != nil {
			return err
		}
		err := nodes(ctx, db, func(nd node) error {
			d := []gmlData{{Key: "label", Value: nd.Label}}
			for _, v := range nd.values() {
				d = append(d, gmlData{Key: gmlKey(attrs[v.attr].name), Value: v.value})
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
		return encodeTokens(enc, g.End(), root.End())
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
	return writeXML(path, func(enc *xml.Encoder) error {
		root := element("gexf", "xmlns", "http://www.gexf.net/1.2draft", "version", "1.2")
		meta := element("meta")
		g := element("graph", "mode", "static", "defaultedgetype", "undirected")
		nodeAttrsEl := element("attributes", "class", "node")
		edgeAttrsEl := element("attributes", "class", "edge")
		nodesEl, edgesEl := element("nodes"), element("edges")
		if err := encodeTokens(enc, root, meta); err != nil {
			return err
		}
		if err := enc.EncodeElement("fediforensics pipeline", element("creator")); err != nil {
			return err
		}
		if err := enc.EncodeElement("evidence graph: accounts and the values they share (hubs suppressed)", element("description")); err != nil {
			return err
		}
		if err := encodeTokens(enc, meta.End(), g, nodeAttrsEl); err != nil {
			return err
		}
		// The node attributes, by id: their index in nodeAttrs.
		for i, a := range nodeAttrs() {
			el := element("attribute", "id", strconv.Itoa(i), "title", a.name, "type", a.typ)
			if err := encodeTokens(enc, el, el.End()); err != nil {
				return err
			}
		}
		el := element("attribute", "id", "0", "title", "kind", "type", "string")
		if err := encodeTokens(enc, nodeAttrsEl.End(), edgeAttrsEl, el, el.End(), edgeAttrsEl.End(), nodesEl); err != nil {
			return err
		}
		err := nodes(ctx, db, func(nd node) error {
			var av []gexfAttValue
			for _, v := range nd.values() {
				av = append(av, gexfAttValue{For: strconv.Itoa(v.attr), Value: v.value})
			}
			return enc.Encode(gexfNode{ID: nd.ID, Label: nd.Label, AttValues: av})
		})
		if err != nil {
			return err
		}
		if err := encodeTokens(enc, nodesEl.End(), edgesEl); err != nil {
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
		return encodeTokens(enc, edgesEl.End(), g.End(), root.End())
	})
}
