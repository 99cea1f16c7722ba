// Package notebook runs investigation notebooks: Markdown files whose
// fenced SQL cells are queried against an output's database and whose
// results are rendered, with the prose, as self-contained HTML and as
// Markdown.
//
// A notebook declares its parameters in a fenced params block, one a line:
//
//	```params
//	# The registrant to follow (a value of registrant_values).
//	registrant := SELECT value FROM registrant_values ORDER BY value LIMIT 1
//	min_accounts:int = 2
//	```
//
// "name = text" gives a literal default, "name := query" a default that is
// the first column of the query's first row (indented lines continue the
// query); ":int", ":float" or ":bool"
// after the name types the value (text otherwise). A cell is a fenced
// block whose info string starts with sql:
//
//	```sql name=domains chart=bar x=domain y=accounts title="Accounts per domain"
//	SELECT ... WHERE value = $registrant ORDER BY ...
//	```
//
// and refers to parameters as $name: they are bound as parameters of a
// prepared statement, never pasted into the SQL. chart=bar draws y per x as
// horizontal bars; chart=time draws y over the times of x. limit=N shows
// at most N rows (default 200; the count of all rows is always given).
//
// The prose is rendered by proseHTML, not by a Markdown library: it knows
// the subset the notebooks use (ATX headings, paragraphs, bullet and
// numbered lists, one-line block quotes, fenced code, code spans, bold,
// emphasis and links) and nothing else. A notebook may come from someone
// else, so its prose is attacker text: every character is HTML-escaped
// before any markup is added, raw HTML is never passed through, and a link
// is shown as its text and address, never as a live link. A CommonMark
// library (goldmark, which is not in the module graph) would need its raw
// HTML and links configured away to give the same guarantees, and would
// still render every notebook differently (soft line breaks, entity
// escaping, lists and quotes), so it does not earn its place: the hundred
// lines here are the whole of what needs auditing.
package notebook

import (
	"bufio"
	"bytes"
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"
)

// Notebook is a parsed notebook.
type Notebook struct {
	Name   string // the file name without .md
	Title  string // the first heading
	Params []Param
	Blocks []Block
}

// Param is a declared parameter.
type Param struct {
	Name    string
	Type    string // text, int, float or bool
	Default string // a literal, or a query when Query is set
	Query   bool
	Doc     string // the comment lines above it
}

// Block is a piece of the notebook: prose (Markdown), a cell, or the place
// of the params block.
type Block struct {
	Prose  string
	Cell   *Cell
	Params bool
}

// Cell is a fenced SQL cell.
type Cell struct {
	Name        string
	SQL         string
	Line        int // of the opening fence
	Chart       string
	X, Y, Title string
	Limit       int
	Params      []string // the parameters it refers to, in order of first use
}

var (
	nameRE  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	paramRE = regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_]*)(?::(text|int|float|bool))?\s*(:=|=)\s*(.*)$`)
)

// Parse reads a notebook; file names it (its base without .md is the
// notebook's name) in errors.
func Parse(file string, src []byte) (*Notebook, error) {
	nb := &Notebook{Name: strings.TrimSuffix(path.Base(strings.ReplaceAll(file, "\\", "/")), ".md")}
	sc := bufio.NewScanner(bytes.NewReader(src))
	sc.Buffer(make([]byte, 0, 64*1024), 4*1024*1024)
	var prose strings.Builder
	flush := func() {
		if strings.TrimSpace(prose.String()) != "" {
			nb.Blocks = append(nb.Blocks, Block{Prose: prose.String()})
		}
		prose.Reset()
	}
	line := 0
	params, cells := map[string]bool{}, map[string]bool{}
	for sc.Scan() {
		line++
		text := sc.Text()
		if nb.Title == "" && strings.HasPrefix(text, "# ") {
			nb.Title = strings.TrimSpace(text[2:])
		}
		fence, info, ok := openFence(text)
		if !ok {
			prose.WriteString(text + "\n")
			continue
		}
		start := line
		var body strings.Builder
		closed := false
		for sc.Scan() {
			line++
			if t := strings.TrimSpace(sc.Text()); strings.HasPrefix(t, fence) && strings.Trim(t, fence[:1]) == "" {
				closed = true
				break
			}
			body.WriteString(sc.Text() + "\n")
		}
		if !closed {
			return nil, fmt.Errorf("%s:%d: the fenced block is not closed", file, start)
		}
		fields, err := splitInfo(info)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", file, start, err)
		}
		lang := ""
		if len(fields) > 0 {
			lang = strings.ToLower(fields[0])
		}
		switch lang {
		case "params":
			ps, err := parseParams(body.String())
			if err != nil {
				return nil, fmt.Errorf("%s:%d: %w", file, start, err)
			}
			for _, p := range ps {
				if params[p.Name] {
					return nil, fmt.Errorf("%s:%d: parameter %s is declared twice", file, start, p.Name)
				}
				params[p.Name] = true
			}
			nb.Params = append(nb.Params, ps...)
			flush()
			nb.Blocks = append(nb.Blocks, Block{Params: true})
		case "sql":
			c, err := parseCell(fields[1:], body.String(), start)
			if err != nil {
				return nil, fmt.Errorf("%s:%d: %w", file, start, err)
			}
			if cells[c.Name] {
				return nil, fmt.Errorf("%s:%d: a second cell named %s", file, start, c.Name)
			}
			cells[c.Name] = true
			flush()
			nb.Blocks = append(nb.Blocks, Block{Cell: c})
		default:
			prose.WriteString(text + "\n" + body.String() + fence + "\n")
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	flush()
	if nb.Title == "" {
		nb.Title = nb.Name
	}
	check := func(where, sql string) ([]string, error) {
		refs, err := References(sql)
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", file, where, err)
		}
		for _, r := range refs {
			if !params[r] {
				return nil, fmt.Errorf("%s: %s: $%s is not a declared parameter", file, where, r)
			}
		}
		return refs, nil
	}
	for _, p := range nb.Params {
		if p.Query {
			if _, err := check("default of "+p.Name, p.Default); err != nil {
				return nil, err
			}
		}
	}
	for _, b := range nb.Blocks {
		if b.Cell != nil {
			refs, err := check("cell "+b.Cell.Name, b.Cell.SQL)
			if err != nil {
				return nil, err
			}
			b.Cell.Params = refs
		}
	}
	return nb, nil
}

// openFence recognises the opening line of a fenced block: three or more
// backticks or tildes, then the info string.
func openFence(line string) (fence, info string, ok bool) {
	t := strings.TrimLeft(line, " ")
	if len(line)-len(t) > 3 {
		return "", "", false
	}
	for _, c := range []string{"`", "~"} {
		n := len(t) - len(strings.TrimLeft(t, c))
		if n >= 3 {
			return t[:n], strings.TrimSpace(t[n:]), true
		}
	}
	return "", "", false
}

// splitInfo splits an info string into words; a value may be quoted:
// title="Two words".
func splitInfo(s string) ([]string, error) {
	var out []string
	var cur strings.Builder
	quoted, any := false, false
	for _, r := range s {
		switch {
		case r == '"':
			quoted, any = !quoted, true
		case (r == ' ' || r == '\t') && !quoted:
			if any {
				out = append(out, cur.String())
			}
			cur.Reset()
			any = false
		default:
			cur.WriteRune(r)
			any = true
		}
	}
	if quoted {
		return nil, fmt.Errorf("unclosed quote in %q", s)
	}
	if any {
		out = append(out, cur.String())
	}
	return out, nil
}

func parseCell(attrs []string, sql string, line int) (*Cell, error) {
	c := &Cell{SQL: strings.TrimSpace(sql), Line: line, Limit: 200}
	for _, a := range attrs {
		k, v, ok := strings.Cut(a, "=")
		if !ok {
			return nil, fmt.Errorf("cell attribute %q is not key=value", a)
		}
		switch k {
		case "name":
			c.Name = v
		case "chart":
			if v != "bar" && v != "time" {
				return nil, fmt.Errorf("chart=%s: the charts are bar and time", v)
			}
			c.Chart = v
		case "x":
			c.X = v
		case "y":
			c.Y = v
		case "title":
			c.Title = v
		case "limit":
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return nil, fmt.Errorf("limit=%s is not a positive number", v)
			}
			c.Limit = n
		default:
			return nil, fmt.Errorf("unknown cell attribute %q", k)
		}
	}
	if !nameRE.MatchString(c.Name) {
		return nil, fmt.Errorf("a cell needs name=identifier, not %q", c.Name)
	}
	if c.Chart != "" && (c.X == "" || c.Y == "") {
		return nil, fmt.Errorf("cell %s: chart=%s needs x= and y= columns", c.Name, c.Chart)
	}
	if c.SQL == "" {
		return nil, fmt.Errorf("cell %s is empty", c.Name)
	}
	return c, nil
}

func parseParams(body string) ([]Param, error) {
	var out []Param
	var doc []string
	for i, l := range strings.Split(body, "\n") {
		t := strings.TrimSpace(l)
		switch {
		case t != "" && (l[0] == ' ' || l[0] == '\t') && len(out) > 0 && out[len(out)-1].Query:
			// An indented line continues the query above.
			out[len(out)-1].Default += "\n" + l
			continue
		case t == "":
			doc = nil
			continue
		case strings.HasPrefix(t, "#"):
			doc = append(doc, strings.TrimSpace(strings.TrimPrefix(t, "#")))
			continue
		}
		m := paramRE.FindStringSubmatch(t)
		if m == nil {
			return nil, fmt.Errorf("params line %d: want name = value or name := query, not %q", i+1, t)
		}
		p := Param{Name: m[1], Type: m[2], Query: m[3] == ":=", Default: strings.TrimSpace(m[4]), Doc: strings.Join(doc, " ")}
		if p.Type == "" {
			p.Type = "text"
		}
		if !p.Query {
			if _, err := bind(p, p.Default); err != nil {
				return nil, fmt.Errorf("params line %d: %w", i+1, err)
			}
		}
		out = append(out, p)
		doc = nil
	}
	return out, nil
}

// bind converts a parameter's text to the value bound to the statement.
func bind(p Param, s string) (any, error) {
	switch p.Type {
	case "int":
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("parameter %s: %q is not an integer", p.Name, s)
		}
		return n, nil
	case "float":
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			return nil, fmt.Errorf("parameter %s: %q is not a number", p.Name, s)
		}
		return f, nil
	case "bool":
		b, err := strconv.ParseBool(strings.TrimSpace(s))
		if err != nil {
			return nil, fmt.Errorf("parameter %s: %q is not true or false", p.Name, s)
		}
		return b, nil
	}
	return s, nil
}

// References lists the $name parameters a query refers to, in order of
// first use, skipping string literals, quoted identifiers, comments and
// dollar-quoted strings. Positional parameters ($1, ?) are refused: a
// notebook's parameters are named.
func References(sql string) ([]string, error) {
	var refs []string
	seen := map[string]bool{}
	isWord := func(c byte) bool {
		return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
	}
	for i := 0; i < len(sql); i++ {
		switch c := sql[i]; {
		case c == '\'' || c == '"':
			j := i + 1
			for ; j < len(sql); j++ {
				if sql[j] == c {
					if j+1 < len(sql) && sql[j+1] == c {
						j++ // a doubled quote
						continue
					}
					break
				}
			}
			i = j
		case c == '-' && i+1 < len(sql) && sql[i+1] == '-':
			for i < len(sql) && sql[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(sql) && sql[i+1] == '*':
			end := strings.Index(sql[i+2:], "*/")
			if end < 0 {
				return nil, fmt.Errorf("unclosed comment")
			}
			i += end + 3
		case c == '?':
			return nil, fmt.Errorf("positional parameter ? at byte %d: name it, $name", i)
		case c == '$':
			j := i + 1
			for j < len(sql) && isWord(sql[j]) {
				j++
			}
			word := sql[i+1 : j]
			if j < len(sql) && sql[j] == '$' {
				// A dollar-quoted string: $$...$$ or $tag$...$tag$.
				tag := sql[i : j+1]
				end := strings.Index(sql[j+1:], tag)
				if end < 0 {
					return nil, fmt.Errorf("unclosed dollar-quoted string %s", tag)
				}
				i = j + 1 + end + len(tag) - 1
				continue
			}
			if word == "" {
				return nil, fmt.Errorf("a lone $ at byte %d", i)
			}
			if word[0] >= '0' && word[0] <= '9' {
				return nil, fmt.Errorf("positional parameter $%s: name it, $name", word)
			}
			if !seen[word] {
				seen[word] = true
				refs = append(refs, word)
			}
			i = j - 1
		}
	}
	return refs, nil
}
