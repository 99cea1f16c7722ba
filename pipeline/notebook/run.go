package notebook

import (
	"context"
	"database/sql"
	"fmt"
	"html/template"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"time"

	"fediforensics/pipeline/htmlreport"
	"fediforensics/pipeline/report"
)

// maxBars is the most bars a bar chart draws (the first rows).
const maxBars = 40

// Options of a run.
type Options struct {
	Params   map[string]string // values that replace the defaults, as text
	NoDefang bool              // show domains and URLs as they are (never as links)
}

// Result is a run of a notebook: the values of its parameters and what
// each cell gave.
type Result struct {
	Notebook *Notebook
	Values   []Value
	Cells    map[string]*CellResult
	defang   bool
}

// Value is the value a parameter took, and where it came from.
type Value struct {
	Param
	Value  string
	Source string // "given", "default" or "query"
	bound  any
}

// CellResult is what a cell's query returned.
type CellResult struct {
	Columns []string
	Numeric []bool     // whether a column holds only numbers
	Rows    [][]string // at most the cell's limit
	Total   int
	Chart   template.HTML
}

// text renders a value for reading: times in UTC without the parts that
// are zero, numbers as report.Cell does, NULL as empty.
func text(v any) string {
	t, ok := v.(time.Time)
	if !ok {
		return report.Cell(v)
	}
	t = t.UTC()
	switch {
	case t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0:
		return t.Format("2006-01-02")
	case t.Nanosecond() == 0:
		return t.Format("2006-01-02 15:04:05")
	}
	return t.Format("2006-01-02 15:04:05.000")
}

// isNumber says whether a value is a number (NULL counts as one).
func isNumber(v any) bool {
	switch v.(type) {
	case nil, int, int8, int16, int32, int64, uint8, uint16, uint32, uint64, float32, float64, *big.Int:
		return true
	}
	_, err := strconv.ParseFloat(fmt.Sprint(v), 64)
	_, isStr := v.(string)
	return err == nil && !isStr && fmt.Sprint(v) != ""
}

// Run runs every cell of nb against db, in order. A parameter given in
// opt.Params that nb does not declare is an error.
func Run(ctx context.Context, db *sql.DB, nb *Notebook, opt Options) (*Result, error) {
	r := &Result{Notebook: nb, Cells: map[string]*CellResult{}, defang: !opt.NoDefang}
	declared := map[string]bool{}
	for _, p := range nb.Params {
		declared[p.Name] = true
	}
	var unknown []string
	for k := range opt.Params {
		if !declared[k] {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return nil, fmt.Errorf("notebook %s has no parameter %s", nb.Name, strings.Join(unknown, ", "))
	}
	values := map[string]any{}
	for _, p := range nb.Params {
		v := Value{Param: p}
		switch given, ok := opt.Params[p.Name]; {
		case ok:
			b, err := bind(p, given)
			if err != nil {
				return nil, fmt.Errorf("notebook %s: %w", nb.Name, err)
			}
			v.Value, v.Source, v.bound = given, "given", b
		case p.Query:
			s, err := defaultOf(ctx, db, p, values)
			if err != nil {
				return nil, fmt.Errorf("notebook %s: default of %s: %w", nb.Name, p.Name, err)
			}
			b, err := bind(p, s)
			if err != nil {
				return nil, fmt.Errorf("notebook %s: default of %s: %w", nb.Name, p.Name, err)
			}
			v.Value, v.Source, v.bound = s, "query", b
		default:
			b, _ := bind(p, p.Default)
			v.Value, v.Source, v.bound = p.Default, "default", b
		}
		values[p.Name] = v.bound
		r.Values = append(r.Values, v)
	}
	for _, b := range nb.Blocks {
		if b.Cell == nil {
			continue
		}
		cr, err := runCell(ctx, db, b.Cell, values, r.show)
		if err != nil {
			return nil, fmt.Errorf("notebook %s: cell %s (line %d): %w", nb.Name, b.Cell.Name, b.Cell.Line, err)
		}
		r.Cells[b.Cell.Name] = cr
	}
	return r, nil
}

// show is for the text of a result: defanged unless asked not to.
func (r *Result) show(s string) string {
	if !r.defang {
		return s
	}
	return htmlreport.Defang(s)
}

// args binds the parameters a query refers to, by name.
func args(refs []string, values map[string]any) ([]any, error) {
	var out []any
	for _, name := range refs {
		v, ok := values[name]
		if !ok {
			return nil, fmt.Errorf("$%s has no value yet (a default may only use the parameters above it)", name)
		}
		out = append(out, sql.Named(name, v))
	}
	return out, nil
}

// defaultOf runs the query of a parameter's default: the first column of
// its first row, or empty when it gives none.
func defaultOf(ctx context.Context, db *sql.DB, p Param, values map[string]any) (string, error) {
	refs, err := References(p.Default)
	if err != nil {
		return "", err
	}
	a, err := args(refs, values)
	if err != nil {
		return "", err
	}
	var v any
	switch err := db.QueryRowContext(ctx, p.Default, a...).Scan(&v); {
	case err == sql.ErrNoRows:
		return "", nil
	case err != nil:
		return "", err
	}
	return report.Cell(v), nil
}

func runCell(ctx context.Context, db *sql.DB, c *Cell, values map[string]any, show func(string) string) (*CellResult, error) {
	a, err := args(c.Params, values)
	if err != nil {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, c.SQL, a...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	cr := &CellResult{Columns: cols, Numeric: make([]bool, len(cols))}
	for i := range cr.Numeric {
		cr.Numeric[i] = true
	}
	xi, yi := -1, -1
	for i, col := range cols {
		if col == c.X {
			xi = i
		}
		if col == c.Y {
			yi = i
		}
	}
	if c.Chart != "" && (xi < 0 || yi < 0) {
		return nil, fmt.Errorf("chart: the result has no column %q or %q (it has %s)", c.X, c.Y, strings.Join(cols, ", "))
	}
	var labels []string
	var nums []float64
	var points []htmlreport.TimePoint
	err = report.ScanRows(rows, func(vals []any) error {
		cr.Total++
		if len(cr.Rows) < c.Limit {
			row := make([]string, len(cols))
			for i, v := range vals {
				row[i] = show(text(v))
				cr.Numeric[i] = cr.Numeric[i] && isNumber(v)
			}
			cr.Rows = append(cr.Rows, row)
		}
		if c.Chart == "" {
			return nil
		}
		y, _ := strconv.ParseFloat(report.Cell(vals[yi]), 64)
		switch c.Chart {
		case "bar":
			if len(labels) < maxBars {
				labels = append(labels, show(report.Cell(vals[xi])))
				nums = append(nums, y)
			}
		case "time":
			t, ok := vals[xi].(time.Time)
			if !ok {
				return fmt.Errorf("chart=time: column %s is not a timestamp", c.X)
			}
			points = append(points, htmlreport.TimePoint{T: t, N: y})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	title := c.Title
	if title == "" {
		title = c.Y + " by " + c.X
	}
	switch {
	case c.Chart == "bar" && len(labels) > 0:
		if cr.Total > maxBars {
			title += fmt.Sprintf(" (the first %d of %d rows)", maxBars, cr.Total)
		}
		cr.Chart, err = htmlreport.BarChart(title, labels, nums)
	case c.Chart == "time" && len(points) > 0:
		cr.Chart, err = htmlreport.TimeChart(title, points, nil)
	}
	return cr, err
}
