package notebook

import (
	"reflect"
	"strings"
	"testing"
)

func TestReferences(t *testing.T) {
	for sql, want := range map[string][]string{
		`SELECT * FROM t WHERE a = $x AND b = $y OR c = $x`:                 {"x", "y"},
		`SELECT '$notme', "$nor_me" FROM t -- $comment` + "\n WHERE a = $z": {"z"},
		`SELECT /* $c */ $$ $dollar $$, $tag$ $q $tag$ WHERE v = $v`:        {"v"},
		`SELECT 'it''s $s' WHERE a = $a`:                                    {"a"},
		`SELECT 1`:                                                          nil,
	} {
		got, err := References(sql)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("References(%q) = %v, %v; want %v", sql, got, err, want)
		}
	}
	for _, bad := range []string{`SELECT $1`, `SELECT ?`, `SELECT $`, `SELECT /* x`, `SELECT $a$ x`} {
		if _, err := References(bad); err == nil {
			t.Errorf("References(%q) accepted", bad)
		}
	}
}

const sample = "# A notebook\n\nSome *prose* with `code` and <b>tags</b>.\n\n" +
	"```params\n# The id.\nid:int = 3\nname := SELECT 'x'\n  || 'y'\n```\n\n" +
	"```sql name=one chart=bar x=k y=v title=\"Two words\"\nSELECT $id AS k, $name AS v\n```\n\n" +
	"```text\nkept as prose\n```\n"

func TestParse(t *testing.T) {
	nb, err := Parse("dir/a-notebook.md", []byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	if nb.Name != "a-notebook" || nb.Title != "A notebook" || len(nb.Params) != 2 {
		t.Fatalf("%+v", nb)
	}
	if p := nb.Params[0]; p.Name != "id" || p.Type != "int" || p.Default != "3" || p.Doc != "The id." {
		t.Errorf("param %+v", p)
	}
	if p := nb.Params[1]; !p.Query || !strings.Contains(p.Default, "|| 'y'") {
		t.Errorf("param %+v", p)
	}
	var cells, params, prose int
	for _, b := range nb.Blocks {
		switch {
		case b.Cell != nil:
			cells++
			if b.Cell.Title != "Two words" || !reflect.DeepEqual(b.Cell.Params, []string{"id", "name"}) {
				t.Errorf("cell %+v", b.Cell)
			}
		case b.Params:
			params++
		default:
			prose++
		}
	}
	if cells != 1 || params != 1 || prose != 2 {
		t.Errorf("%d cells, %d params blocks, %d prose blocks", cells, params, prose)
	}
	for name, src := range map[string]string{
		"undeclared":  "```sql name=a\nSELECT $nope\n```\n",
		"no name":     "```sql\nSELECT 1\n```\n",
		"bad chart":   "```sql name=a chart=pie x=a y=b\nSELECT 1\n```\n",
		"no x":        "```sql name=a chart=bar\nSELECT 1\n```\n",
		"unclosed":    "```sql name=a\nSELECT 1\n",
		"twice":       "```sql name=a\nSELECT 1\n```\n```sql name=a\nSELECT 2\n```\n",
		"bad default": "```params\nn:int = many\n```\n",
		"bad param":   "```params\nthis is not a param\n```\n",
	} {
		if _, err := Parse(name+".md", []byte(src)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestEscaping(t *testing.T) {
	if got := mdCell("a|b <script> *x* [l](u)\nz"); got != `a\|b \<script\> \*x\* \[l\](u) z` {
		t.Errorf("mdCell: %s", got)
	}
	h := string(proseHTML("# T <i>\n\nSome **bold** and `<code>` [link](https://x.example)\n\n- one\n- two\n"))
	for _, want := range []string{"<h1>T &lt;i&gt;</h1>", "<strong>bold</strong>", "<code>&lt;code&gt;</code>", "link (https://x.example)", "<ul>\n<li>one</li>"} {
		if !strings.Contains(h, want) {
			t.Errorf("proseHTML lacks %q:\n%s", want, h)
		}
	}
	if strings.Contains(h, "<a ") || strings.Contains(h, "<i>") {
		t.Errorf("proseHTML let markup through:\n%s", h)
	}
}
