// Package schema owns the tables of an output's database: their names,
// their columns and the DDL that makes them, one embedded .sql file per
// stage (sql/ingest.sql, sql/extract.sql, ...). A stage creates its tables
// here and fills them by column name; a report, an export or a notebook
// reads only tables declared here. Scratch tables a stage drops before it
// ends (TEMP) stay in the stage.
package schema

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"regexp"
	"sort"
	"strings"
)

//go:embed sql/*.sql
var files embed.FS

// Table names a table of the output's database.
type Table string

// The tables of the ingest stage: the canonical model of the dump, and
// the warnings of every stage.
const (
	Warnings           Table = "warnings"
	Statuses           Table = "statuses"
	Mentions           Table = "mentions"
	Apps               Table = "apps"
	Accounts           Table = "accounts"
	Tokens             Table = "tokens"
	IPHistory          Table = "ip_history"
	Cards              Table = "cards"
	PreviewCards       Table = "preview_cards"
	MediaAttachments   Table = "media_attachments"
	Follows            Table = "follows"
	UserReports        Table = "user_reports"
	UserReportStatuses Table = "user_report_statuses"
	AccountWarnings    Table = "account_warnings"
	AdminActionLogs    Table = "admin_action_logs"
	EmailDomainBlocks  Table = "email_domain_blocks"
	IPBlocks           Table = "ip_blocks"
	DomainBlocks       Table = "domain_blocks"
	Instances          Table = "instances"
)

// The tables of the extract stage.
const (
	InstanceDomains Table = "instance_domains"
	DomainRefs      Table = "domain_refs"
	Domains         Table = "domains"
)

// The tables of the enrich (WHOIS) stage.
const (
	Whois         Table = "whois"
	WhoisCoverage Table = "whois_coverage"
)

// The tables of the ipinfo stage.
const (
	IPInfo      Table = "ip_info"
	IPDatabases Table = "ip_databases"
)

// The tables of the link stage.
const (
	ListEmailProviders Table = "list_email_providers"
	ListPopularDomains Table = "list_popular_domains"
	ListApps           Table = "list_apps"
	LinkSettings       Table = "link_settings"
	EmailGroups        Table = "email_groups"
	RegistrantValues   Table = "registrant_values"
	RegistrarPatterns  Table = "registrar_patterns"
	Signups            Table = "signups"
	Spikes             Table = "spikes"
	NameShapes         Table = "name_shapes"
	RemoteAccounts     Table = "remote_accounts"
	RemoteBursts       Table = "remote_bursts"
	AccountKeys        Table = "account_keys"
	Weights            Table = "weights"
	KnownApps          Table = "known_apps"
	Evidence           Table = "evidence"
	TextClusters       Table = "text_clusters"
	TextGroups         Table = "text_groups"
	Attributes         Table = "attributes"
	Suppressed         Table = "suppressed"
	AccountComponent   Table = "account_component"
	LinkKeys           Table = "link_keys"
	LinkStats          Table = "link_stats"
	ComponentLinks     Table = "component_links"
	WeakGroups         Table = "weak_groups"
	CampaignMembers    Table = "campaign_members"
	CampaignEvidence   Table = "campaign_evidence"
	CampaignLinks      Table = "campaign_links"
	CampaignAccounts   Table = "campaign_accounts"
	CampaignNetworks   Table = "campaign_networks"
	Campaigns          Table = "campaigns"
	CampaignModeration Table = "campaign_moderation"
	Servers            Table = "servers"
)

// Stages lists the stages that make tables, in the order they run; each
// has its file sql/STAGE.sql.
func Stages() []string { return []string{"ingest", "extract", "enrich", "ipinfo", "link"} }

// Column is a column as its table's DDL declares it. Type is spelled as
// DuckDB's duckdb_columns() spells it.
type Column struct {
	Name    string
	Type    string
	NotNull bool
}

// table is one table as its stage's file declares it.
type table struct {
	name  Table
	stage string
	ddl   string
	cols  []Column
}

var (
	createRE  = regexp.MustCompile(`(?is)^CREATE OR REPLACE TABLE ([a-z_][a-z0-9_]*) \((.*)\)$`)
	commentRE = regexp.MustCompile(`--[^\n]*`)
)

// declared reads every stage's file, in stage order. The files are part
// of the binary and a test reads them all: an error here is a bug.
func declared() []table {
	var out []table
	seen := map[Table]bool{}
	for _, stage := range Stages() {
		b, err := files.ReadFile("sql/" + stage + ".sql")
		if err != nil {
			panic(fmt.Sprintf("schema: %v", err))
		}
		for _, stmt := range strings.Split(commentRE.ReplaceAllString(string(b), ""), ";") {
			stmt = strings.TrimSpace(stmt)
			if stmt == "" {
				continue
			}
			m := createRE.FindStringSubmatch(stmt)
			if m == nil {
				panic(fmt.Sprintf("schema: sql/%s.sql: not a CREATE OR REPLACE TABLE name (columns): %.60q", stage, stmt))
			}
			t := table{name: Table(m[1]), stage: stage, ddl: stmt}
			if seen[t.name] {
				panic(fmt.Sprintf("schema: sql/%s.sql: table %s declared twice", stage, t.name))
			}
			seen[t.name] = true
			for _, def := range splitTop(m[2]) {
				c, err := parseColumn(def)
				if err != nil {
					panic(fmt.Sprintf("schema: sql/%s.sql: table %s: %v", stage, t.name, err))
				}
				t.cols = append(t.cols, c)
			}
			out = append(out, t)
		}
	}
	return out
}

// splitTop splits s at the commas outside parentheses and quotes.
func splitTop(s string) []string {
	var out []string
	depth, quoted, start := 0, false, 0
	for i, r := range s {
		switch {
		case r == '"':
			quoted = !quoted
		case quoted:
		case r == '(':
			depth++
		case r == ')':
			depth--
		case r == ',' && depth == 0:
			out = append(out, strings.TrimSpace(s[start:i]))
			start = i + 1
		}
	}
	return append(out, strings.TrimSpace(s[start:]))
}

// parseColumn reads `name TYPE [NOT NULL]`; a name may be double-quoted.
func parseColumn(def string) (Column, error) {
	var c Column
	rest := def
	if strings.HasPrefix(def, `"`) {
		end := strings.Index(def[1:], `"`)
		if end < 0 {
			return c, fmt.Errorf("unclosed quote in %q", def)
		}
		c.Name, rest = def[1:end+1], def[end+2:]
	} else {
		c.Name, rest, _ = strings.Cut(def, " ")
	}
	rest = strings.TrimSpace(rest)
	if t, ok := strings.CutSuffix(rest, " NOT NULL"); ok {
		c.NotNull, rest = true, strings.TrimSpace(t)
	}
	c.Type = rest
	if c.Name == "" || c.Type == "" {
		return c, fmt.Errorf("column %q is not `name TYPE`", def)
	}
	return c, nil
}

func find(t Table) (table, bool) {
	for _, d := range declared() {
		if d.name == t {
			return d, true
		}
	}
	return table{}, false
}

// Tables lists every declared table, stage by stage in the order the
// files declare them.
func Tables() []Table {
	var out []Table
	for _, d := range declared() {
		out = append(out, d.name)
	}
	return out
}

// Stage lists the tables of one stage, in the order its file declares
// them; nil for a stage that makes none.
func Stage(stage string) []Table {
	var out []Table
	for _, d := range declared() {
		if d.stage == stage {
			out = append(out, d.name)
		}
	}
	return out
}

// Columns lists the columns of t in their order; nil for a table not
// declared.
func Columns(t Table) []Column {
	d, _ := find(t)
	return d.cols
}

// Execer runs a statement: a *sql.DB, *sql.Conn or *sql.Tx.
type Execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// Create makes each of tables anew and empty (CREATE OR REPLACE): a stage
// that creates its tables and fills them can run again.
func Create(ctx context.Context, db Execer, tables ...Table) error {
	for _, t := range tables {
		d, ok := find(t)
		if !ok {
			return fmt.Errorf("schema: no table %s", t)
		}
		if _, err := db.ExecContext(ctx, d.ddl); err != nil {
			return fmt.Errorf("create %s: %w", t, err)
		}
	}
	return nil
}

// Querier runs a query: a *sql.DB, *sql.Conn or *sql.Tx.
type Querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// Diff compares the tables of db (its main schema, temporary tables
// aside) with the declared ones: one line per table missing or not
// declared, and per table whose columns differ in name, order, type or
// NOT NULL. No lines: db holds exactly the declared tables.
func Diff(ctx context.Context, db Querier) ([]string, error) {
	rows, err := db.QueryContext(ctx, `
SELECT t.table_name, c.column_name, c.data_type, NOT c.is_nullable
FROM duckdb_tables() t JOIN duckdb_columns() c ON c.table_oid = t.table_oid
WHERE t.database_name = current_database() AND t.schema_name = 'main' AND NOT t.internal AND NOT t.temporary
ORDER BY t.table_name, c.column_index`)
	if err != nil {
		return nil, fmt.Errorf("schema: %w", err)
	}
	defer rows.Close()
	have := map[Table][]Column{}
	for rows.Next() {
		var t string
		var c Column
		if err := rows.Scan(&t, &c.Name, &c.Type, &c.NotNull); err != nil {
			return nil, err
		}
		have[Table(t)] = append(have[Table(t)], c)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []string
	for _, d := range declared() {
		cols, ok := have[d.name]
		delete(have, d.name)
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("%s: declared (sql/%s.sql), not in the database", d.name, d.stage))
		case fmt.Sprint(cols) != fmt.Sprint(d.cols):
			out = append(out, fmt.Sprintf("%s: the database has\n  %s\nsql/%s.sql declares\n  %s", d.name, ddlColumns(cols), d.stage, ddlColumns(d.cols)))
		}
	}
	for t, cols := range have {
		out = append(out, fmt.Sprintf("%s: in the database, not declared: %s", t, ddlColumns(cols)))
	}
	sort.Strings(out)
	return out, nil
}

// ddlColumns spells cols as a DDL's column list.
func ddlColumns(cols []Column) string {
	var b strings.Builder
	for i, c := range cols {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(c.Name + " " + c.Type)
		if c.NotNull {
			b.WriteString(" NOT NULL")
		}
	}
	return b.String()
}
