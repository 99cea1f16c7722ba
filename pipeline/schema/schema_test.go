package schema_test

import (
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"fediforensics/pipeline/schema"
	"fediforensics/pipeline/store"
)

// TestCreate makes every declared table in a real database, twice (a
// stage runs again over its output), and finds in duckdb_columns() exactly
// what the files declare: types spelled as DuckDB spells them.
func TestCreate(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for range 2 {
		if err := schema.Create(ctx, db, schema.Tables()...); err != nil {
			t.Fatal(err)
		}
	}
	diff, err := schema.Diff(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range diff {
		t.Error(d)
	}
	// And Diff sees a table that is not declared, and one missing.
	if _, err := db.ExecContext(ctx, `CREATE TABLE stray (a INTEGER); DROP TABLE servers`); err != nil {
		t.Fatal(err)
	}
	diff, err = schema.Diff(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if len(diff) != 2 || !strings.HasPrefix(diff[0], "servers: declared") || !strings.HasPrefix(diff[1], "stray: in the database, not declared") {
		t.Errorf("Diff after a stray table and a dropped one: %q", diff)
	}
	if err := schema.Create(ctx, db, "nonesuch"); err == nil {
		t.Error("Create of an undeclared table: no error")
	}
}

// TestNames checks that the Go names are the declared tables, one for one,
// and that every table has columns and a stage.
func TestNames(t *testing.T) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "schema.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var consts []string
	ast.Inspect(f, func(n ast.Node) bool {
		vs, ok := n.(*ast.ValueSpec)
		if !ok || vs.Type == nil || fmtExpr(vs.Type) != "Table" {
			return true
		}
		for _, v := range vs.Values {
			s, err := strconv.Unquote(v.(*ast.BasicLit).Value)
			if err != nil {
				t.Fatal(err)
			}
			consts = append(consts, s)
		}
		return true
	})
	var declared []string
	for _, st := range schema.Stages() {
		for _, tb := range schema.Stage(st) {
			declared = append(declared, string(tb))
			if len(schema.Columns(tb)) == 0 {
				t.Errorf("%s has no columns", tb)
			}
		}
	}
	all := make([]string, 0, len(declared))
	for _, tb := range schema.Tables() {
		all = append(all, string(tb))
	}
	if !slices.Equal(all, declared) {
		t.Errorf("Tables() = %v, the stages' tables = %v", all, declared)
	}
	sort.Strings(consts)
	sort.Strings(declared)
	if !slices.Equal(consts, declared) {
		t.Errorf("Go names for %v\ndeclared tables %v", consts, declared)
	}
	if schema.Columns("nonesuch") != nil {
		t.Error("Columns of an undeclared table")
	}
}

func fmtExpr(e ast.Expr) string {
	if id, ok := e.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}

var (
	sqlComment = regexp.MustCompile(`--[^\n]*`)
	sqlString  = regexp.MustCompile(`'(?:[^']|'')*'`)
	// A table read: FROM or JOIN and a name not followed by "(" (a table
	// function), nor by "." (a catalog's: information_schema.tables).
	// "x FROM y" inside extract(), trim() or substring() is
	// not a read; none of those is used by the readers.
	// function), nor by "." (a catalog's: information_schema.tables).
	sqlRead = regexp.MustCompile(`(?i)\b(?:FROM|JOIN)\s+([a-z_][a-z0-9_]*)\b\s*([(.])?`)
	// A CTE: WITH name AS ( or , name AS (.
	sqlCTE = regexp.MustCompile(`(?i)(?:\bWITH\s+(?:RECURSIVE\s+)?|,\s*)([a-z_][a-z0-9_]*)\s+AS\s+(?:NOT\s+)?(?:MATERIALIZED\s+)?\(`)
	mdSQL  = regexp.MustCompile("(?s)```(?:sql|params)[^\n]*\n(.*?)```")
)

// reads lists the tables a piece of SQL reads, CTEs aside.
func reads(q string) []string {
	q = sqlString.ReplaceAllString(sqlComment.ReplaceAllString(q, ""), "''")
	ctes := map[string]bool{}
	for _, m := range sqlCTE.FindAllStringSubmatch(q, -1) {
		ctes[strings.ToLower(m[1])] = true
	}
	var out []string
	for _, m := range sqlRead.FindAllStringSubmatch(q, -1) {
		name := strings.ToLower(m[1])
		if m[2] != "" || ctes[name] {
			continue
		}
		out = append(out, name)
	}
	return out
}

// goStrings gives the string literals of the non-test Go files of dir
// that hold a SELECT.
func goStrings(t *testing.T, dir string) map[string][]string {
	out := map[string][]string{}
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range files {
		if strings.HasSuffix(p, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), p, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				if s, err := strconv.Unquote(lit.Value); err == nil && strings.Contains(strings.ToUpper(s), "SELECT") {
					out[p] = append(out[p], s)
				}
			}
			return true
		})
	}
	return out
}

// TestReadersReadDeclaredTables checks that every table the reports, the
// HTML report, the exports, the pivots and the notebooks read is declared:
// their SQL files, the string literals of their Go code, and the SQL and
// params cells of the notebooks.
func TestReadersReadDeclaredTables(t *testing.T) {
	declared := map[string]bool{}
	for _, tb := range schema.Tables() {
		declared[string(tb)] = true
	}
	sources := map[string][]string{} // file: pieces of SQL
	for _, dir := range []string{"report", "htmlreport", "export", "pivot", "notebook"} {
		dir = filepath.Join("..", dir)
		sqls, err := filepath.Glob(filepath.Join(dir, "sql", "*.sql"))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range sqls {
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			sources[p] = append(sources[p], string(b))
		}
		for p, lits := range goStrings(t, dir) {
			sources[p] = append(sources[p], lits...)
		}
	}
	mds, err := filepath.Glob(filepath.Join("..", "..", "notebooks", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	if len(mds) == 0 {
		t.Fatal("no notebooks found")
	}
	for _, p := range mds {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range mdSQL.FindAllStringSubmatch(string(b), -1) {
			sources[p] = append(sources[p], m[1])
		}
	}
	seen := map[string]bool{}
	for p, qs := range sources {
		for _, q := range qs {
			for _, name := range reads(q) {
				seen[name] = true
				if !declared[name] {
					t.Errorf("%s reads %s, which pipeline/schema does not declare", p, name)
				}
			}
		}
	}
	// The scan finds what it should: the readers read these at least.
	for _, want := range []string{"campaigns", "campaign_moderation", "accounts", "statuses", "whois", "registrant_values", "domains"} {
		if !seen[want] {
			t.Errorf("no reader reads %s: the scan of their SQL misses reads", want)
		}
	}
}

func TestReads(t *testing.T) {
	for q, want := range map[string][]string{
		`SELECT 1 FROM a JOIN b ON true LEFT JOIN c USING (x)`:             {"a", "b", "c"},
		`WITH x AS (SELECT * FROM a), y AS MATERIALIZED (SELECT 1) FROM x`: {"a"},
		`SELECT * FROM read_csv('f') JOIN (SELECT 1 FROM t) s ON true`:     {"t"},
		"SELECT 'from nowhere' -- JOIN z\nFROM a":                          {"a"},
	} {
		if got := reads(q); !slices.Equal(got, want) {
			t.Errorf("reads(%q) = %q, want %q", q, got, want)
		}
	}
}

// readmeTables reads the tables of a README section (from its heading to
// the next): the backquoted names of each row's first cell, and its second
// cell.
func readmeTables(t *testing.T, readme, heading string) map[string]string {
	_, sec, ok := strings.Cut(readme, "\n"+heading+"\n")
	if !ok {
		t.Fatalf("README.md has no section %q", heading)
	}
	sec, _, _ = strings.Cut(sec, "\n#")
	out := map[string]string{}
	name := regexp.MustCompile("`([a-z_]+)`")
	for _, l := range strings.Split(sec, "\n") {
		cells := strings.Split(l, "|")
		if len(cells) < 4 || !strings.HasPrefix(l, "| `") {
			continue
		}
		for _, m := range name.FindAllStringSubmatch(cells[1], -1) {
			out[m[1]] = strings.Join(cells[2:len(cells)-1], "|")
		}
	}
	return out
}

// readmeColumns reads a column list as the README writes it: names
// separated by commas or "and", each perhaps with a remark in parentheses,
// after an optional "what it is:" prefix.
func readmeColumns(cell string) []string {
	s := cell
	for inner := regexp.MustCompile(`\([^()]*\)`); inner.MatchString(s); { // remarks, innermost first
		s = inner.ReplaceAllString(s, "")
	}
	if _, after, ok := strings.Cut(s, ":"); ok {
		s = after
	}
	var out []string
	for _, part := range strings.Split(s, ",") {
		for _, c := range strings.Split(part, " and ") {
			if c = strings.TrimSpace(c); c != "" {
				out = append(out, c)
			}
		}
	}
	sort.Strings(out)
	return out
}

// TestReadme checks the README's lists of tables against the schema: every
// declared table is listed once, nothing else is, and where the README
// lists a table's columns they are its columns.
func TestReadme(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	canonical := readmeTables(t, string(b), "### Canonical tables (DuckDB)")
	others := readmeTables(t, string(b), "### Domains, registrants, campaigns (DuckDB)")
	for name, cell := range canonical {
		if _, ok := others[name]; ok {
			t.Errorf("README lists %s twice", name)
		}
		cols := schema.Columns(schema.Table(name))
		if cols == nil {
			continue
		}
		var want []string
		for _, c := range cols {
			want = append(want, c.Name)
		}
		sort.Strings(want)
		if got := readmeColumns(cell); !slices.Equal(got, want) {
			t.Errorf("README's columns of %s:\n  %q\nthe schema's:\n  %q", name, got, want)
		}
	}
	for _, tb := range schema.Tables() {
		_, c := canonical[string(tb)]
		_, o := others[string(tb)]
		if !c && !o {
			t.Errorf("README does not list the table %s", tb)
		}
	}
	for name := range canonical {
		if schema.Columns(schema.Table(name)) == nil {
			t.Errorf("README lists %s, which is not declared", name)
		}
	}
	for name := range others {
		if schema.Columns(schema.Table(name)) == nil {
			t.Errorf("README lists %s, which is not declared", name)
		}
	}
}
