package ingest

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"

	"fediforensics/pipeline"
	"fediforensics/pipeline/store"
)

func openTestDB(t testing.TB) *sql.DB {
	dir := t.TempDir()
	db, err := store.Open(context.Background(), dir, store.Options{Threads: 1, MemoryLimit: "512MB"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// openTestConn is a connection with the ingest tables, which are temporary
// and belong to it.
func openTestConn(t testing.TB) *sql.Conn {
	conn, err := openTestDB(t).Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if err := createTables(context.Background(), conn); err != nil {
		t.Fatal(err)
	}
	return conn
}

func TestLoadScratchCSV(t *testing.T) {
	conn := openTestConn(t)
	for _, tc := range []struct {
		name, csv        string
		loaded, rejected int64
		ignored          int
		kinds            []string
	}{
		{"good", "id,username,created_at,extra\n1,alice,2023-05-05 10:00:00,x\n2,\"bob, jr\",2023-05-05 10:00:00.5,y\n", 2, 0, 1, nil},
		{"multi-line field", "id,note\n1,\"two\nlines\"\n2,\"\"\n", 2, 0, 0, nil},
		{"bad rows", "id,username,locked\n1,a,t\nx,b,f\n3,c,maybe\n4,d\n5,e,f,extra\n", 1, 4, 0, []string{"bad_value", "bad_value", "column_count", "column_count"}},
		{"no id column", "username\nalice\n", 0, 0, 0, []string{"missing_column"}},
		{"twice named", "id,id\n1,2\n", 0, 0, 0, []string{"bad_header"}},
		{"empty", "", 0, 0, 0, nil},
		{"header only", "id,username\n", 0, 0, 0, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "accounts.csv")
			os.WriteFile(p, []byte(tc.csv), 0o644)
			var kinds []string
			res, err := loadScratch(context.Background(), conn, scratchFile{Path: p, Spill: p + ".rows", Member: "x/accounts.csv", Table: pipeline.Accounts}, "x.example",
				func(w pipeline.Warning) { kinds = append(kinds, w.Kind) })
			if err != nil {
				t.Fatal(err)
			}
			if res.Loaded != tc.loaded || res.Rejected != tc.rejected || len(res.Ignored) != tc.ignored {
				t.Errorf("result = %+v", res)
			}
			if len(kinds) != len(tc.kinds) {
				t.Fatalf("warnings = %v, want %v", kinds, tc.kinds)
			}
			for i := range kinds {
				if kinds[i] != tc.kinds[i] {
					t.Errorf("warnings = %v, want %v", kinds, tc.kinds)
				}
			}
		})
	}
}

// FuzzLoadCSV loads arbitrary bytes as a database-export CSV member: every
// row is either loaded or quarantined, and nothing fails the stage.
func FuzzLoadCSV(f *testing.F) {
	f.Add([]byte("id,username,created_at\n1,alice,2023-05-05 10:00:00\n2,bob,nope\n"))
	f.Add([]byte("id,note\n1,\"a\"\"b\nc\"\n"))
	f.Add([]byte("id,username\n1,\xff\n"))
	conn := openTestConn(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(t.TempDir(), "accounts.csv")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		var warned int64
		res, err := loadScratch(context.Background(), conn, scratchFile{Path: p, Spill: p + ".rows", Member: "f/accounts.csv", Table: pipeline.Accounts}, "f.example",
			func(w pipeline.Warning) {
				if w.Row {
					warned++
				}
				if w.File == "" || w.Kind == "" {
					t.Fatalf("warning without file or kind: %+v", w)
				}
			})
		if err != nil {
			t.Fatalf("load failed instead of quarantining: %v", err)
		}
		if warned != res.Rejected {
			t.Fatalf("%d row warnings for %d rejected rows", warned, res.Rejected)
		}
	})
}
