package store

import "strings"

// QuoteIdent quotes s as a SQL identifier (a table, view or column name):
// in double quotes, a double quote in s doubled.
func QuoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// QuoteString quotes s as a SQL string literal (a file path, a value): in
// single quotes, a single quote in s doubled. DuckDB, like PostgreSQL with
// standard_conforming_strings, reads a backslash in such a literal as
// itself, so nothing else needs escaping.
func QuoteString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
