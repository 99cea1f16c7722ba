//go:build duckdb_arrow

package link

import (
	"context"
	"log/slog"
	"slices"
	"testing"

	"fediforensics/pipeline/schema"
	"fediforensics/pipeline/store"
)

// TestTextEvidence runs the text step over a real database: a message
// three accounts post with small changes is one group, named by its first
// status; one account repeating itself, a reblog and a status of no known
// account are not evidence. Read two statuses a query or all at once, the
// groups are the same.
func TestTextEvidence(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `
CREATE TABLE statuses (instance VARCHAR, status_id BIGINT, account_id BIGINT, content_html VARCHAR, text VARCHAR, reblog_of_id BIGINT);
CREATE TABLE account_keys (acct_key BIGINT, instance VARCHAR, account_id BIGINT);
INSERT INTO account_keys VALUES (1, 'm.example', 10), (2, 'm.example', 20), (3, 'm.example', 30), (4, 'm.example', 40), (5, 'r.example', 10);
INSERT INTO statuses VALUES
  ('m.example', 105, 10, NULL, 'Claim your free airdrop now before the vault closes at midnight tonight friends', NULL),
  ('m.example', 101, 20, NULL, 'claim your FREE airdrop now, before the vault closes at midnight tonight, friends!', NULL),
  ('m.example', 103, 30, '<p>Claim your free airdrop now before the vault closes at midnight tonight friends</p>', NULL, NULL),
  ('m.example', 102, 40, NULL, 'Claim your free airdrop now before the vault closes at midnight tonight friends', 105),
  ('m.example', 104, 99, NULL, 'Claim your free airdrop now before the vault closes at midnight tonight friends', NULL),
  ('m.example', 106, 40, NULL, 'my cat knocked the plant off the shelf again this morning, sigh', NULL),
  ('m.example', 107, 40, NULL, 'my cat knocked the plant off the shelf again this morning, sigh', NULL),
  ('r.example', 108, 10, NULL, 'an entirely different thing about trains and timetables in the rain', NULL),
  ('m.example', 109, 20, NULL, 'hello there', NULL)`); err != nil {
		t.Fatal(err)
	}
	groups := func(perQuery int64) []string {
		t.Helper()
		if err := schema.Create(ctx, db, schema.Evidence, schema.TextClusters, schema.TextGroups); err != nil {
			t.Fatal(err)
		}
		if err := textEvidence(ctx, db, slog.New(slog.DiscardHandler), perQuery); err != nil {
			t.Fatal(err)
		}
		var out []string
		rows, err := db.QueryContext(ctx, `SELECT text_group || ' ' || acct_key || ' ' || status_id || ' ' || words FROM text_clusters ORDER BY ALL`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			out = append(out, s)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	want := []string{"text~101 1 105 13", "text~101 2 101 13", "text~101 3 103 13"}
	for _, perQuery := range []int64{2, textRange} {
		if got := groups(perQuery); !slices.Equal(got, want) {
			t.Errorf("%d statuses a query: text_clusters\n%q\nwant\n%q", perQuery, got, want)
		}
	}
	var ev int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM evidence WHERE kind = 'text' AND value = 'text~101'`).Scan(&ev); err != nil {
		t.Fatal(err)
	}
	if ev != 3 {
		t.Errorf("%d accounts have the text evidence, want 3", ev)
	}
}
