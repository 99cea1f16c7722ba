package ingest

import (
	"fmt"
	"strings"

	"fediforensics/pipeline"
	"fediforensics/pipeline/store"
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
	case pipeline.SessionActivations:
		// session_id is the browser's session cookie: never read (see
		// secretColumns).
		return []column{
			{"id", "BIGINT"}, {"user_id", "BIGINT"}, {"ip", "VARCHAR"}, {"user_agent", "VARCHAR"},
			{"access_token_id", "BIGINT"}, {"created_at", "TIMESTAMP"}, {"updated_at", "TIMESTAMP"},
		}
	case pipeline.PreviewCards:
		return []column{
			{"id", "BIGINT"}, {"url", "VARCHAR"}, {"title", "VARCHAR"}, {"description", "VARCHAR"}, {"type", "VARCHAR"},
			{"provider_name", "VARCHAR"}, {"provider_url", "VARCHAR"}, {"author_name", "VARCHAR"}, {"author_url", "VARCHAR"},
			{"image_description", "VARCHAR"}, {"embed_url", "VARCHAR"}, {"language", "VARCHAR"},
			{"created_at", "TIMESTAMP"}, {"updated_at", "TIMESTAMP"},
		}
	case pipeline.MediaAttachments:
		return []column{
			{"id", "BIGINT"}, {"status_id", "BIGINT"}, {"account_id", "BIGINT"}, {"type", "VARCHAR"},
			{"file_file_name", "VARCHAR"}, {"file_content_type", "VARCHAR"}, {"file_file_size", "BIGINT"},
			{"file_meta", "VARCHAR"}, {"blurhash", "VARCHAR"}, {"remote_url", "VARCHAR"}, {"shortcode", "VARCHAR"},
			{"description", "VARCHAR"}, {"created_at", "TIMESTAMP"}, {"updated_at", "TIMESTAMP"},
			// API export only.
			{"url", "VARCHAR"}, {"embedded", "BOOLEAN"},
		}
	case pipeline.Follows:
		return []column{
			{"id", "BIGINT"}, {"account_id", "BIGINT"}, {"target_account_id", "BIGINT"}, {"uri", "VARCHAR"},
			{"created_at", "TIMESTAMP"}, {"updated_at", "TIMESTAMP"},
		}
	case pipeline.Reports:
		return []column{
			{"id", "BIGINT"}, {"account_id", "BIGINT"}, {"target_account_id", "BIGINT"}, {"status_ids", "VARCHAR"},
			{"category", "VARCHAR"}, {"comment", "VARCHAR"}, {"action_taken", "BOOLEAN"}, {"action_taken_at", "TIMESTAMP"},
			{"action_taken_by_account_id", "BIGINT"}, {"assigned_account_id", "BIGINT"}, {"forwarded", "BOOLEAN"},
			{"uri", "VARCHAR"}, {"created_at", "TIMESTAMP"}, {"updated_at", "TIMESTAMP"},
		}
	case pipeline.AccountWarnings:
		return []column{
			{"id", "BIGINT"}, {"account_id", "BIGINT"}, {"target_account_id", "BIGINT"}, {"action", "VARCHAR"},
			{"text", "VARCHAR"}, {"status_ids", "VARCHAR"}, {"report_id", "BIGINT"}, {"overruled_at", "TIMESTAMP"},
			{"created_at", "TIMESTAMP"}, {"updated_at", "TIMESTAMP"},
		}
	case pipeline.AdminActionLogs:
		return []column{
			{"id", "BIGINT"}, {"account_id", "BIGINT"}, {"action", "VARCHAR"}, {"target_type", "VARCHAR"},
			{"target_id", "BIGINT"}, {"human_identifier", "VARCHAR"}, {"created_at", "TIMESTAMP"}, {"updated_at", "TIMESTAMP"},
		}
	case pipeline.EmailDomainBlocks:
		return []column{
			{"id", "BIGINT"}, {"domain", "VARCHAR"}, {"parent_id", "BIGINT"}, {"allow_with_approval", "BOOLEAN"},
			{"created_at", "TIMESTAMP"}, {"updated_at", "TIMESTAMP"},
		}
	case pipeline.IPBlocks:
		return []column{
			{"id", "BIGINT"}, {"ip", "VARCHAR"}, {"severity", "VARCHAR"}, {"comment", "VARCHAR"},
			{"expires_at", "TIMESTAMP"}, {"created_at", "TIMESTAMP"}, {"updated_at", "TIMESTAMP"},
		}
	case pipeline.DomainBlocks:
		return []column{
			{"id", "BIGINT"}, {"domain", "VARCHAR"}, {"severity", "VARCHAR"}, {"reject_media", "BOOLEAN"},
			{"reject_reports", "BOOLEAN"}, {"private_comment", "VARCHAR"}, {"public_comment", "VARCHAR"},
			{"obfuscate", "BOOLEAN"}, {"created_at", "TIMESTAMP"}, {"updated_at", "TIMESTAMP"},
		}
	}
	return nil
}

// enums maps, per table and column, the integers of a Rails enum (as the
// database stores them; Mastodon's app/models) to their names. An API
// export gives the names themselves; they pass through lower-cased.
func enums(t pipeline.Table, col string) [][2]string {
	switch {
	case t == pipeline.Statuses && col == "visibility":
		return [][2]string{{"0", "public"}, {"1", "unlisted"}, {"2", "private"}, {"3", "direct"}, {"4", "limited"}}
	case t == pipeline.PreviewCards && col == "type":
		return [][2]string{{"0", "link"}, {"1", "photo"}, {"2", "video"}, {"3", "rich"}}
	case t == pipeline.MediaAttachments && col == "type":
		return [][2]string{{"0", "image"}, {"1", "gifv"}, {"2", "video"}, {"3", "unknown"}, {"4", "audio"}}
	case t == pipeline.Reports && col == "category":
		return [][2]string{{"0", "other"}, {"1000", "spam"}, {"1500", "legal"}, {"2000", "violation"}}
	case t == pipeline.AccountWarnings && col == "action":
		return [][2]string{{"0", "none"}, {"1000", "disable"}, {"1250", "mark_statuses_as_sensitive"}, {"1500", "delete_statuses"},
			{"2000", "sensitive"}, {"3000", "silence"}, {"4000", "suspend"}}
	case t == pipeline.IPBlocks && col == "severity":
		return [][2]string{{"5000", "sign_up_requires_approval"}, {"5500", "sign_up_block"}, {"9999", "no_access"}}
	case t == pipeline.DomainBlocks && col == "severity":
		return [][2]string{{"0", "silence"}, {"1", "suspend"}, {"2", "noop"}}
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
	case pipeline.SessionActivations:
		return []string{"user_id", "ip"}
	case pipeline.PreviewCards:
		return []string{"id", "url"}
	case pipeline.Follows:
		return []string{"account_id", "target_account_id"}
	case pipeline.Reports, pipeline.AccountWarnings:
		return []string{"id", "target_account_id"}
	case pipeline.AdminActionLogs:
		return []string{"action", "target_type", "target_id"}
	case pipeline.EmailDomainBlocks, pipeline.DomainBlocks:
		return []string{"domain"}
	case pipeline.IPBlocks:
		return []string{"ip"}
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
	case pipeline.SessionActivations:
		return map[string]string{"session_id": ""}
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
		return "mention_id", store.QuoteIdent(col)
	}
	if t == pipeline.Statuses {
		switch col {
		case "id":
			return "status_id", store.QuoteIdent(col)
		case "content":
			return "content_html", store.QuoteIdent(col)
		}
	}
	if m := enums(t, col); m != nil {
		var b strings.Builder
		b.WriteString("CASE " + store.QuoteIdent(col))
		for _, kv := range m {
			fmt.Fprintf(&b, " WHEN %s THEN %s", store.QuoteString(kv[0]), store.QuoteString(kv[1]))
		}
		fmt.Fprintf(&b, " ELSE lower(%s) END", store.QuoteIdent(col))
		return col, b.String()
	}
	return col, store.QuoteIdent(col)
}

// createRawSQL creates (or empties) the table rows of t are loaded into.
// Raw tables are temporary: they live for the ingest stage only (spilling
// to disk past the memory limit) and never reach the database file. The
// two loaded in place, statuses and mentions, the stage makes as
// pipeline/schema declares them; a test checks this gives the same.
func createRawSQL(t pipeline.Table) string {
	var b strings.Builder
	temp := " TEMP"
	if rawTableName(t) == string(t) {
		temp = ""
	}
	fmt.Fprintf(&b, "CREATE OR REPLACE%s TABLE %s (%s", temp, rawTableName(t), provenanceColumns)
	for _, c := range rawColumns(t) {
		name, _ := loadedName(t, c.Name)
		fmt.Fprintf(&b, ", %s %s", store.QuoteIdent(name), c.Type)
	}
	b.WriteString(")")
	return b.String()
}

func knownTable(name string) (pipeline.Table, bool) {
	for _, t := range pipeline.AllTables() {
		if string(t) == name {
			return t, true
		}
	}
	return "", false
}
