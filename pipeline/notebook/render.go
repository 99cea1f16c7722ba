package notebook

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"regexp"
	"strings"

	"fediforensics/pipeline/htmlreport"
)

//go:embed notebook.html.tmpl notebook.css
var assets embed.FS

var (
	pageTemplate = template.Must(template.ParseFS(assets, "notebook.html.tmpl"))
	orderedRE    = regexp.MustCompile(`^\d+[.)]\s+`)
	strongRE     = regexp.MustCompile(`\*\*([^*]+)\*\*`)
	emRE         = regexp.MustCompile(`(^|[^*\w])[*_]([^*_\s][^*_]*)[*_]`)
	linkRE       = regexp.MustCompile(`\[([^\]]+)\]\(([^)\s]+)\)`)
	// mdSpecialRE finds what could start markup in a table cell.
	mdSpecialRE = regexp.MustCompile("[\\\\|`*_\\[\\]<>~]|\r\n|\n|\r")
)

type htmlPage struct {
	CSP, Title, Name string
	CSS              template.CSS
	Defanged         bool
	Values           []Value
	Blocks           []htmlBlock
}

type htmlBlock struct {
	Prose       template.HTML
	Params      bool
	Name, Title string
	Chart       template.HTML
	Columns     []column
	Rows        [][]htmlCell
	Count, SQL  string
	Fold        bool // a long table under a chart starts folded
}

type column struct {
	Name    string
	Numeric bool
}

type htmlCell struct {
	Text    string
	Numeric bool
}

// count says how many rows a cell gave and how many are shown.
func count(cr *CellResult) string {
	switch {
	case cr.Total == 1:
		return "1 row"
	case len(cr.Rows) < cr.Total:
		return fmt.Sprintf("the first %d of %d rows", len(cr.Rows), cr.Total)
	}
	return fmt.Sprintf("%d rows", cr.Total)
}

// HTML renders the run as one self-contained page: no script, styles
// inline and pinned by hash, everything from the database escaped.
func (r *Result) HTML() ([]byte, error) {
	own, _ := assets.ReadFile("notebook.css")
	css := append(htmlreport.Stylesheet(), own...)
	sum := sha256.Sum256(css)
	p := htmlPage{Title: r.Notebook.Title, Name: r.Notebook.Name, CSS: template.CSS(css), Defanged: r.defang, Values: r.Values,
		CSP: "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'; img-src 'none'; base-uri 'none'; form-action 'none'"}
	for _, b := range r.Notebook.Blocks {
		switch {
		case b.Params:
			p.Blocks = append(p.Blocks, htmlBlock{Params: true})
		case b.Cell != nil:
			cr := r.Cells[b.Cell.Name]
			hb := htmlBlock{Name: b.Cell.Name, Title: b.Cell.Title, Chart: cr.Chart, Count: count(cr), SQL: b.Cell.SQL,
				Fold: cr.Chart != "" && len(cr.Rows) > 12}
			for i, c := range cr.Columns {
				hb.Columns = append(hb.Columns, column{Name: c, Numeric: cr.Numeric[i] && cr.Total > 0})
			}
			for _, row := range cr.Rows {
				cells := make([]htmlCell, len(row))
				for i, v := range row {
					cells[i] = htmlCell{Text: v, Numeric: hb.Columns[i].Numeric}
				}
				hb.Rows = append(hb.Rows, cells)
			}
			p.Blocks = append(p.Blocks, hb)
		default:
			p.Blocks = append(p.Blocks, htmlBlock{Prose: proseHTML(b.Prose)})
		}
	}
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, p); err != nil {
		return nil, fmt.Errorf("notebook %s: %w", r.Notebook.Name, err)
	}
	return buf.Bytes(), nil
}

// Markdown renders the run as Markdown: the prose as written, the
// parameters and each cell's SQL and result as tables. Cells are escaped
// so that no text from the database becomes markup.
func (r *Result) Markdown() []byte {
	var b bytes.Buffer
	for _, blk := range r.Notebook.Blocks {
		switch {
		case blk.Params:
			b.WriteString("| Parameter | Value | From |\n| --- | --- | --- |\n")
			for _, v := range r.Values {
				fmt.Fprintf(&b, "| `$%s` | %s | %s |\n", v.Name, mdCell(v.Value), v.Source)
			}
			b.WriteString("\n")
		case blk.Cell != nil:
			c, cr := blk.Cell, r.Cells[blk.Cell.Name]
			fmt.Fprintf(&b, "**%s**", c.Name)
			if c.Title != "" {
				fmt.Fprintf(&b, " — %s", mdCell(c.Title))
			}
			b.WriteString("\n\n```sql\n" + c.SQL + "\n```\n\n")
			if len(cr.Columns) > 0 {
				row := func(cells []string) {
					b.WriteString("|")
					for _, s := range cells {
						b.WriteString(" " + mdCell(s) + " |")
					}
					b.WriteString("\n")
				}
				row(cr.Columns)
				b.WriteString("|" + strings.Repeat(" --- |", len(cr.Columns)) + "\n")
				for _, rw := range cr.Rows {
					row(rw)
				}
				b.WriteString("\n")
			}
			b.WriteString("_" + count(cr))
			if cr.Chart != "" {
				b.WriteString("; the HTML version has the chart")
			}
			b.WriteString("_\n\n")
		default:
			b.WriteString(strings.TrimRight(blk.Prose, "\n") + "\n\n")
		}
	}
	return bytes.TrimRight(b.Bytes(), "\n")
}

// mdCell escapes text for a Markdown table cell: every character that
// could start markup is backslash-escaped and line breaks become spaces.
func mdCell(s string) string {
	if s == "" {
		return " "
	}
	return mdSpecialRE.ReplaceAllStringFunc(s, func(m string) string {
		if m[0] == '\r' || m[0] == '\n' {
			return " "
		}
		return `\` + m
	})
}

// proseHTML renders the Markdown the notebooks use: headings, paragraphs,
// lists, quotes, fenced code, inline code, bold and emphasis. Text is
// escaped first; links show their text and address, not as links.
func proseHTML(src string) template.HTML {
	var b strings.Builder
	var para []string
	list, item := "", ""
	flushPara := func() {
		if len(para) > 0 {
			b.WriteString("<p>" + inline(strings.Join(para, " ")) + "</p>\n")
			para = nil
		}
	}
	flushItem := func() {
		if item != "" {
			b.WriteString("<li>" + inline(item) + "</li>\n")
			item = ""
		}
	}
	closeList := func() {
		flushItem()
		if list != "" {
			b.WriteString("</" + list + ">\n")
			list = ""
		}
	}
	openList := func(kind string) {
		flushPara()
		flushItem()
		if list != kind {
			closeList()
			b.WriteString("<" + kind + ">\n")
			list = kind
		}
	}
	lines := strings.Split(src, "\n")
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		t := strings.TrimSpace(l)
		if fence, _, ok := openFence(l); ok {
			flushPara()
			closeList()
			var code []string
			for i++; i < len(lines) && !strings.HasPrefix(strings.TrimSpace(lines[i]), fence); i++ {
				code = append(code, lines[i])
			}
			b.WriteString("<pre><code>" + template.HTMLEscapeString(strings.Join(code, "\n")) + "</code></pre>\n")
			continue
		}
		level := len(t) - len(strings.TrimLeft(t, "#"))
		switch {
		case t == "":
			flushPara()
			closeList()
		case level >= 1 && level <= 6 && strings.HasPrefix(t[level:], " "):
			flushPara()
			closeList()
			fmt.Fprintf(&b, "<h%d>%s</h%d>\n", level, inline(strings.TrimSpace(t[level:])), level)
		case strings.HasPrefix(t, "- ") || strings.HasPrefix(t, "* "):
			openList("ul")
			item = t[2:]
		case orderedRE.MatchString(t):
			openList("ol")
			item = orderedRE.ReplaceAllString(t, "")
		case strings.HasPrefix(t, ">"):
			flushPara()
			closeList()
			b.WriteString("<blockquote><p>" + inline(strings.TrimSpace(strings.TrimPrefix(t, ">"))) + "</p></blockquote>\n")
		case item != "" && l != t:
			item += " " + t // an indented line continues the item
		default:
			closeList()
			para = append(para, t)
		}
	}
	flushPara()
	closeList()
	return template.HTML(b.String())
}

// inline escapes a line of prose and renders its code spans, bold,
// emphasis and links (as text).
func inline(s string) string {
	parts := strings.Split(s, "`")
	var b strings.Builder
	for i, p := range parts {
		e := template.HTMLEscapeString(p)
		if i%2 == 1 && i < len(parts)-1 {
			b.WriteString("<code>" + e + "</code>")
			continue
		}
		if i%2 == 1 {
			b.WriteString("`") // an unpaired backtick
		}
		e = linkRE.ReplaceAllString(e, "$1 ($2)")
		e = strongRE.ReplaceAllString(e, "<strong>$1</strong>")
		e = emRE.ReplaceAllString(e, "$1<em>$2</em>")
		b.WriteString(e)
	}
	return b.String()
}
