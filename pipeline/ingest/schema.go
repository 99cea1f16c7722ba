package ingest

import (
	"fmt"
	"strings"

	"fediforensics/pipeline"
)

// column is one column of a raw table: Mastodon's name and the DuckDB type
// its text is read as. A value that does not cast quarantines its row.
type column struct {
	Name string
	Type string
}

// rawColumns lists, per table, the columns the ingest stage reads: those of
// Mastodon's schema that matter, plus the few an API export adds (marked).
// A column of the input not listed here is ignored and named in the
// manifest. Secrets are never among them: oauth_applications.secret is
// read only as its SHA-256 and token values are not read at all.
func rawColumns(t pipeline.Table) []column {
	switch t {
	case pipeline.Accounts:
		return []column{
			{"id", "BIGINT"}, {"username", "VARCHAR"}, {"domain", "VARCHAR"}, {"display_name", "VARCHAR"},
			{"note", "VARCHAR"}, {"url", "VARCHAR"}, {"uri", "VARCHAR"}, {"fields", "VARCHAR"},
			{"locked", "BOOLEAN"}, {"discoverable", "BOOLEAN"}, {"silenced_at", "TIMESTAMP"},
			{"suspended_at", "TIMESTAMP"}, {"sensitized_at", "TIMESTAMP"}, {"suspension_origin", "INTEGER"},
			{"actor_type", "VARCHAR"}, {"moved_to_account_id", "BIGINT"}, {"created_at", "TIMESTAMP"},
			{"updated_at", "TIMESTAMP"},
			// API export only.
			{"acct", "VARCHAR"}, {"bot", "BOOLEAN"}, {"created_at_precision", "VARCHAR"},
			{"silenced", "BOOLEAN"}, {"suspended", "BOOLEAN"}, {"embedded", "BOOLEAN"},
		}
	case pipeline.Users:
		return []column{
			{"id", "BIGINT"}, {"account_id", "BIGINT"}, {"email", "VARCHAR"}, {"unconfirmed_email", "VARCHAR"},
			{"created_at", "TIMESTAMP"}, {"confirmed_at", "TIMESTAMP"}, {"approved", "BOOLEAN"},
			{"disabled", "BOOLEAN"}, {"sign_up_ip", "VARCHAR"}, {"created_by_application_id", "BIGINT"},
			{"invite_id", "BIGINT"}, {"role_id", "BIGINT"}, {"locale", "VARCHAR"},
			{"current_sign_in_at", "TIMESTAMP"}, {"last_sign_in_at", "TIMESTAMP"}, {"sign_in_count", "INTEGER"},
			{"current_sign_in_ip", "VARCHAR"}, {"last_sign_in_ip", "VARCHAR"},
			// API export only: Admin::Account says confirmed, not when.
			{"confirmed", "BOOLEAN"},
		}
	case pipeline.Statuses:
		return []column{
			{"id", "BIGINT"}, {"account_id", "BIGINT"}, {"uri", "VARCHAR"}, {"url", "VARCHAR"},
			{"text", "VARCHAR"}, {"spoiler_text", "VARCHAR"}, {"visibility", "VARCHAR"}, {"reply", "BOOLEAN"},
			{"in_reply_to_id", "BIGINT"}, {"in_reply_to_account_id", "BIGINT"}, {"reblog_of_id", "BIGINT"},
			{"conversation_id", "BIGINT"}, {"local", "BOOLEAN"}, {"application_id", "BIGINT"},
			{"language", "VARCHAR"}, {"sensitive", "BOOLEAN"}, {"deleted_at", "TIMESTAMP"},
			{"edited_at", "TIMESTAMP"}, {"created_at", "TIMESTAMP"}, {"updated_at", "TIMESTAMP"},
			// API export only.
			{"content", "VARCHAR"}, {"app_name", "VARCHAR"}, {"app_website", "VARCHAR"}, {"embedded", "BOOLEAN"},
		}
	case pipeline.Mentions:
		return []column{
			{"id", "BIGINT"}, {"status_id", "BIGINT"}, {"account_id", "BIGINT"}, {"silent", "BOOLEAN"},
			{"created_at", "TIMESTAMP"},
			// API export only.
			{"acct", "VARCHAR"}, {"username", "VARCHAR"}, {"url", "VARCHAR"},
		}
	case pipeline.OAuthApplications:
		return []column{
			{"id", "BIGINT"}, {"name", "VARCHAR"}, {"uid", "VARCHAR"}, {"secret_sha256", "VARCHAR"},
			{"redirect_uri", "VARCHAR"}, {"scopes", "VARCHAR"}, {"website", "VARCHAR"},
			{"owner_type", "VARCHAR"}, {"owner_id", "BIGINT"}, {"superapp", "BOOLEAN"},
			{"created_at", "TIMESTAMP"},
		}
	case pipeline.OAuthAccessTokens:
		return []column{
			{"id", "BIGINT"}, {"application_id", "BIGINT"}, {"resource_owner_id", "BIGINT"},
			{"created_at", "TIMESTAMP"}, {"revoked_at", "TIMESTAMP"}, {"scopes", "VARCHAR"},
			{"last_used_at", "TIMESTAMP"}, {"last_used_ip", "VARCHAR"},
		}
	case pipeline.UserIPs:
		return []column{
			{"user_id", "BIGINT"}, {"ip", "VARCHAR"}, {"used_at", "TIMESTAMP"},
			// API export only: Admin::Account.ips names the account, not the user.
			{"account_id", "BIGINT"},
		}
	case pipeline.LoginActivities:
		return []column{
			{"id", "BIGINT"}, {"user_id", "BIGINT"}, {"authentication_method", "VARCHAR"},
			{"success", "BOOLEAN"}, {"failure_reason", "VARCHAR"}, {"ip", "VARCHAR"},
			{"user_agent", "VARCHAR"}, {"created_at", "TIMESTAMP"},
		}
	case pipeline.PreviewCardStatuses:
		return []column{{"preview_card_id", "BIGINT"}, {"status_id", "BIGINT"}, {"url", "VARCHAR"}}
	}
	return nil
}

// requiredColumns are those without which no row of the table means
// anything; a member that lacks one is skipped with a warning.
func requiredColumns(t pipeline.Table) []string {
	switch t {
	case pipeline.Users:
		return []string{"account_id"}
	case pipeline.Mentions:
		return []string{"status_id", "account_id"}
	case pipeline.UserIPs:
		return []string{"ip"}
	case pipeline.PreviewCardStatuses:
		return []string{"status_id"}
	}
	return []string{"id"}
}

// secretColumns are input columns whose values must never be stored in
// clear. A column mapped to "" is dropped; otherwise it is stored as the
// SHA-256 hex of its value under the mapped name.
func secretColumns(t pipeline.Table) map[string]string {
	switch t {
	case pipeline.OAuthApplications:
		return map[string]string{"secret": "secret_sha256"}
	case pipeline.OAuthAccessTokens:
		return map[string]string{"token": "", "refresh_token": ""}
	}
	return nil
}

// provenanceColumns start every raw table.
const provenanceColumns = "instance VARCHAR NOT NULL, src_file VARCHAR NOT NULL, src_line BIGINT, src_offset BIGINT"

// rawTableName is the table a member's rows of t are loaded into. Statuses
// and mentions, by far the largest tables, load straight into their
// canonical tables (columns renamed on the way, see loadedName); the
// canonical stage then only removes duplicates and fills gaps in place,
// instead of copying every row.
func rawTableName(t pipeline.Table) string {
	switch t {
	case pipeline.Statuses, pipeline.Mentions:
		return string(t)
	}
	return "raw_" + string(t)
}

// loadedName is the name a column is loaded under, and the expression it is
// loaded as.
func loadedName(t pipeline.Table, col string) (name, expr string) {
	if t == pipeline.Mentions && col == "id" {
		return "mention_id", quoteIdent(col)
	}
	if t == pipeline.Statuses {
		switch col {
		case "id":
			return "status_id", quoteIdent(col)
		case "content":
			return "content_html", quoteIdent(col)
		case "visibility":
			return col, `CASE "visibility" WHEN '0' THEN 'public' WHEN '1' THEN 'unlisted' WHEN '2' THEN 'private'
  WHEN '3' THEN 'direct' WHEN '4' THEN 'limited' ELSE lower("visibility") END`
		}
	}
	return col, quoteIdent(col)
}

// createRawSQL creates (or empties) the table rows of t are loaded into.
// Raw tables are temporary: they live for the ingest stage only (spilling
// to disk past the memory limit) and never reach the database file.
func createRawSQL(t pipeline.Table) string {
	var b strings.Builder
	temp := " TEMP"
	if rawTableName(t) == string(t) {
		temp = ""
	}
	fmt.Fprintf(&b, "CREATE OR REPLACE%s TABLE %s (%s", temp, rawTableName(t), provenanceColumns)
	for _, c := range rawColumns(t) {
		name, _ := loadedName(t, c.Name)
		fmt.Fprintf(&b, ", %s %s", quoteIdent(name), c.Type)
	}
	b.WriteString(")")
	return b.String()
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

func quoteString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func knownTable(name string) (pipeline.Table, bool) {
	for _, t := range pipeline.AllTables() {
		if string(t) == name {
			return t, true
		}
	}
	return "", false
}
