// Package report writes the CSV reports of an output: one embedded,
// fully ordered query per report. Cells an attacker wrote cannot become
// spreadsheet formulas, and emails and IPs can be replaced by keyed hashes
// so that reports can be shared while the links between rows still hold.
//
// It also holds how any output shows what the dump holds: Printable text
// for a terminal, UnicodeDomain for a domain, EvidenceNode for the node an
// evidence kind is drawn as, AppendCSVField for a psql-style CSV cell.
package report

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"fediforensics/pipeline/outdir"
)

//go:embed sql/*.sql
var queries embed.FS

// Names lists the reports, in the order they are written.
func Names() []string {
	return []string{"campaigns", "campaign_accounts", "campaign_evidence", "campaign_links", "weak_groups", "suppressed",
		"domains", "registrants", "apps", "signups", "spikes", "servers", "warnings"}
}

// Options of the report stage.
type Options struct {
	Pseudonymize string // key: emails and IPs become keyed hashes
}

// Write writes every report into dir/reports, each file atomically.
func Write(ctx context.Context, db *sql.DB, dir string, opt Options) error {
	out := filepath.Join(dir, "reports")
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	p := NewPseudonymizer(opt.Pseudonymize)
	for _, name := range Names() {
		q, err := queries.ReadFile("sql/" + name + ".sql")
		if err != nil {
			return err
		}
		var buf bytes.Buffer
		if err := WriteQuery(ctx, db, string(q), &buf, p); err != nil {
			return fmt.Errorf("report %s: %w", name, err)
		}
		if err := outdir.WriteFile(filepath.Join(out, name+".csv"), buf.Bytes()); err != nil {
			return fmt.Errorf("report %s: %w", name, err)
		}
	}
	return nil
}

// WriteQuery writes the result of q as CSV: a header, then the rows, every
// cell rendered by Cell, pseudonymized by p (which may be nil) and
// neutralised.
func WriteQuery(ctx context.Context, db *sql.DB, q string, out io.Writer, p *Pseudonymizer) error {
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	w := csv.NewWriter(out)
	if err := w.Write(cols); err != nil {
		return err
	}
	rec := make([]string, len(cols))
	err = ScanRows(rows, func(vals []any) error {
		for i, v := range vals {
			rec[i] = Neutralize(p.Apply(Cell(v)))
		}
		return w.Write(rec)
	})
	if err != nil {
		return err
	}
	w.Flush()
	return w.Error()
}

// ScanRows calls fn with the values of each row of rows, whatever its
// columns (the slice is reused from row to row), and gives rows' error.
func ScanRows(rows *sql.Rows, fn func(vals []any) error) error {
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		if err := fn(vals); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Cell renders a database value as report text: times in UTC RFC 3339,
// numbers in their shortest exact form, NULL as empty.
func Cell(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case []byte:
		return string(v)
	case time.Time:
		return v.UTC().Format("2006-01-02T15:04:05.000Z")
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return ""
		}
		return strconv.FormatFloat(v, 'f', -1, 64)
	case float32:
		return strconv.FormatFloat(float64(v), 'f', -1, 32)
	case bool:
		return strconv.FormatBool(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case fmt.Stringer:
		return v.String()
	}
	return fmt.Sprint(v)
}

// Neutralize keeps a cell from being read as a formula by a spreadsheet:
// one starting with = + - @, a tab or a carriage return gets a leading
// apostrophe. Numbers (which may start with a minus) are left alone.
func Neutralize(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		if _, err := strconv.ParseFloat(s, 64); err == nil && s[0] == '-' {
			return s
		}
		return "'" + s
	}
	return s
}

// Pseudonymizer replaces emails and IP addresses with keyed hashes; the
// HTML report uses the same one, so a value can be followed across both.
type Pseudonymizer struct {
	key             []byte
	emailRE, ipv4RE *regexp.Regexp
	ipv6RE          *regexp.Regexp
}

// NewPseudonymizer returns nil for an empty key: Apply then changes nothing.
func NewPseudonymizer(key string) *Pseudonymizer {
	if key == "" {
		return nil
	}
	return &Pseudonymizer{
		key:     []byte(key),
		emailRE: regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+`),
		ipv4RE:  regexp.MustCompile(`\b(?:\d{1,3}\.){3}\d{1,3}\b`),
		ipv6RE:  regexp.MustCompile(`(?i)\b(?:[0-9a-f]{1,4}:){2,7}(?::|[0-9a-f]{1,4})?(?::[0-9a-f]{1,4})*(?:::)?(?:/\d+)?`),
	}
}

func (p *Pseudonymizer) hash(prefix, s string) string {
	m := hmac.New(sha256.New, p.key)
	m.Write([]byte(strings.ToLower(s)))
	return prefix + hex.EncodeToString(m.Sum(nil))[:16]
}

// Apply replaces the emails and IP addresses in s.
func (p *Pseudonymizer) Apply(s string) string {
	if p == nil || s == "" {
		return s
	}
	s = p.emailRE.ReplaceAllStringFunc(s, func(e string) string { return p.hash("email:", e) })
	s = p.ipv6RE.ReplaceAllStringFunc(s, func(ip string) string {
		if strings.Count(ip, ":") < 3 {
			return ip // a time of day, say
		}
		return p.hash("ip:", ip)
	})
	return p.ipv4RE.ReplaceAllStringFunc(s, func(ip string) string { return p.hash("ip:", ip) })
}
