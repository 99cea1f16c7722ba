package ingest

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"fediforensics/pipeline"
)

// heapSampler records the peak of the Go heap (live and not yet collected
// objects) while it runs.
type heapSampler struct {
	stop chan struct{}
	done sync.WaitGroup
	peak uint64
}

const heapObjects = "/memory/classes/heap/objects:bytes"

func heapNow() uint64 {
	s := []metrics.Sample{{Name: heapObjects}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

func sampleHeap(every time.Duration) *heapSampler {
	h := &heapSampler{stop: make(chan struct{})}
	h.done.Add(1)
	go func() {
		defer h.done.Done()
		s := []metrics.Sample{{Name: heapObjects}}
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			metrics.Read(s)
			h.peak = max(h.peak, s[0].Value.Uint64())
			select {
			case <-h.stop:
				return
			case <-tick.C:
			}
		}
	}()
	return h
}

// Stop ends the sampling and returns the peak.
func (h *heapSampler) Stop() uint64 {
	close(h.stop)
	h.done.Wait()
	return h.peak
}

// writeRows writes a member of n rows, streaming: row(b, i, bad) appends
// row i, bad or not, to b. All but every thousandth row are bad. It returns
// the number of bad rows.
func writeRows(t testing.TB, p, head, tail string, n int, row func(b []byte, i int, bad bool) []byte) int64 {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	w.WriteString(head)
	var bad int64
	var b []byte
	for i := 1; i <= n; i++ {
		b = row(b[:0], i, i%1000 != 0)
		if i%1000 != 0 {
			bad++
		}
		w.Write(b)
	}
	w.WriteString(tail)
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return bad
}

// TestWarningsMemoryBounded ingests members whose rows are nearly all bad:
// every bad row becomes a warning, and the Go heap stays far below what
// keeping the warnings in memory took. Kept in memory, as they were before
// the sink, the warnings of the CSV case took the heap to 181 MiB and those
// of the pg_dump case to 193 MiB (some 650 to 950 bytes a warning); streamed,
// each case peaks under 10 MiB. The sizes are what keeps the test short:
// DuckDB takes some 40µs of CPU to quarantine a row.
func TestWarningsMemoryBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("ingests hundreds of thousands of bad rows")
	}
	for _, tc := range []struct {
		name, member, kind string
		rows               int
		head, tail         string
		row                func(b []byte, i int, bad bool) []byte
	}{
		{"csv rejected by DuckDB", "accounts.csv", "bad_value", 200_000, "id,username,created_at\n", "",
			func(b []byte, i int, bad bool) []byte {
				b = strconv.AppendInt(b, int64(i), 10)
				b = append(b, ",user"...)
				b = strconv.AppendInt(b, int64(i), 10)
				if !bad {
					return append(b, ",2023-05-05 10:00:00\n"...)
				}
				b = append(b, ",not a time "...)
				b = strconv.AppendInt(b, int64(i), 10)
				return append(b, '\n')
			}},
		{"pg_dump rejected by the reader", "dump.sql", "column_count", 300_000,
			"COPY public.accounts (id, username, created_at) FROM stdin;\n", "\\.\n",
			func(b []byte, i int, bad bool) []byte {
				b = strconv.AppendInt(b, int64(i), 10)
				b = append(b, "\tuser"...)
				b = strconv.AppendInt(b, int64(i), 10)
				if !bad {
					b = append(b, "\t2023-05-05 10:00:00"...)
				}
				return append(b, '\n')
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			bad := writeRows(t, filepath.Join(dir, "bad.example", tc.member), tc.head, tc.tail, tc.rows, tc.row)
			db := openTestDB(t)
			ctx := context.Background()

			runtime.GC()
			base := heapNow()
			h := sampleHeap(5 * time.Millisecond)
			start := time.Now()
			res, err := Run(ctx, db, dir, Options{ScratchDir: t.TempDir()})
			peak := h.Stop()
			if err != nil {
				t.Fatal(err)
			}
			peak -= min(base, peak)
			t.Logf("%d rows, %d bad: %.1fs, Go heap peak %.1f MiB above a base of %.1f MiB",
				tc.rows, bad, time.Since(start).Seconds(), float64(peak)/(1<<20), float64(base)/(1<<20))

			if got := res.Warnings[tc.kind]; got != bad || len(res.Warnings) != 1 {
				t.Errorf("warnings by kind = %v, want %s: %d", res.Warnings, tc.kind, bad)
			}
			var n, lines int64
			if err := db.QueryRowContext(ctx, `SELECT count(*), count(DISTINCT line) FROM warnings WHERE kind = ? AND line > 1`, tc.kind).Scan(&n, &lines); err != nil {
				t.Fatal(err)
			}
			if n != bad || lines != bad {
				t.Errorf("warnings table: %d rows on %d lines, want %d", n, lines, bad)
			}
			rows := int64(tc.rows)
			for _, c := range res.Tables {
				if c.Table == string(pipeline.Accounts) && (c.Quarantined != bad || c.Loaded != rows-bad || c.Read != rows) {
					t.Errorf("accounts counts = %+v, want read %d, loaded %d, quarantined %d", c, rows, rows-bad, bad)
				}
			}
			// Well above the streamed peak, well below the kept one.
			const bound = 64 << 20
			if peak > bound {
				t.Errorf("Go heap peaked %.1f MiB above its base, want under %d MiB", float64(peak)/(1<<20), bound>>20)
			}
		})
	}
}

// TestWarningsInOrder: the warnings table holds, member by member, the
// warnings of the reading first and then those of the load, each with its
// instance, its table (a member's only one when the reader could not tell),
// no raw text for rows that may hold secrets, and text within its caps.
func TestWarningsInOrder(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) {
		p := filepath.Join(dir, "x.example", name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	long := strings.Repeat("é", 2000)
	write("accounts.csv", "id,username,created_at\n1,alice,2023-05-05 10:00:00\n2,bob,"+long+"\n3,carol\n")
	write("dump.sql", "COPY nonsense;\n\\.\nCOPY public.oauth_applications (id, name) FROM stdin;\n1\tapp\n2\n\\.\n")
	write("statuses.jsonl", `{"id":"1","created_at":"nope"}`+"\nnot json\n")
	db := openTestDB(t)
	ctx := context.Background()
	res, err := Run(ctx, db, dir, Options{ScratchDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := db.QueryContext(ctx, `SELECT instance, file || ':' || coalesce(line::VARCHAR, ''), coalesce("table", ''), coalesce(field, ''), kind,
  length(reason), coalesce(length(raw), 0) FROM warnings ORDER BY rowid`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var inst, at, table, field, kind string
		var reason, raw int
		if err := rows.Scan(&inst, &at, &table, &field, &kind, &reason, &raw); err != nil {
			t.Fatal(err)
		}
		if inst != "x.example" {
			t.Errorf("%s: instance %q", at, inst)
		}
		if reason > maxWarningReason+1 || raw > pipeline.MaxRawWarning+1 {
			t.Errorf("%s: reason of %d characters, raw of %d: not capped", at, reason, raw)
		}
		s := fmt.Sprintf("%s %s %s %s", at, table, field, kind)
		if raw > 0 {
			s += " raw"
		}
		got = append(got, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"x.example/accounts.csv:3 accounts created_at bad_value raw",
		"x.example/accounts.csv:4 accounts created_at column_count raw",
		"x.example/dump.sql:1 oauth_applications  copy_header", // the member's only table; no raw
		"x.example/dump.sql:5 oauth_applications  column_count",
		"x.example/statuses.jsonl:2 statuses  json_syntax raw", // read, then loaded
		"x.example/statuses.jsonl:1 statuses created_at bad_value raw",
	}
	if !slices.Equal(got, want) {
		t.Errorf("warnings in table order:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	quarantined := map[string]int64{}
	for _, c := range res.Tables {
		quarantined[c.Table] = c.Quarantined
	}
	if quarantined["accounts"] != 2 || quarantined["oauth_applications"] != 1 || quarantined["statuses"] != 2 {
		t.Errorf("quarantined = %v", quarantined)
	}
}

// TestWarningSpool: warnings come back from the spool as they went in,
// capped, in runs of any length; the file exists only while needed.
func TestWarningSpool(t *testing.T) {
	dir := t.TempDir()
	s := &warningSpool{dir: dir}
	if err := s.replay(0, nil); err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("x", 5000)
	var in []pipeline.Warning
	for i := range 1000 {
		w := pipeline.Warning{File: "m/dump.sql", Line: int64(i), Offset: int64(i) << 33, Kind: "column_count", Reason: fmt.Sprint("reason ", i), Row: i%3 == 0}
		switch i % 4 {
		case 1:
			w.Table, w.Raw = "accounts", "a\tb\x00c"
		case 2:
			w.Raw, w.Reason, w.Field = long, long, long
		case 3:
			w.Instance = "i.example"
		}
		s.add(w)
		capWarning(&w)
		in = append(in, w)
	}
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	var out []pipeline.Warning
	for _, n := range []int64{0, 1, 400, 0, 599} {
		if err := s.replay(n, func(w pipeline.Warning) { out = append(out, w) }); err != nil {
			t.Fatal(err)
		}
	}
	if !reflect.DeepEqual(in, out) {
		t.Errorf("spool gave back other warnings")
	}
	if len(out[2].Raw) != pipeline.MaxRawWarning+len("…") || len(out[2].Reason) != maxWarningReason+len("…") || len(out[2].Field) != maxWarningField+len("…") {
		t.Errorf("not capped: raw %d, reason %d, field %d bytes", len(out[2].Raw), len(out[2].Reason), len(out[2].Field))
	}
	if err := s.replay(1, func(pipeline.Warning) {}); err == nil {
		t.Error("read past the end of the spool without an error")
	}
	s.close()
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("spool left %d files", len(left))
	}
}

// TestLineCounter matches a plain count of newlines for offsets in order,
// backwards, across marks and past the end.
func TestLineCounter(t *testing.T) {
	var b strings.Builder
	for i := 0; b.Len() < 3*lineMark+100; i++ {
		b.WriteString(strings.Repeat("y", i%300))
		b.WriteByte('\n')
	}
	data := b.String()
	p := filepath.Join(t.TempDir(), "f.csv")
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := openLineCounter(p)
	if err != nil {
		t.Fatal(err)
	}
	defer c.close()
	n := int64(len(data))
	offs := []int64{0, 0, 1, 5000, lineMark - 1, lineMark, lineMark + 1, 3 * lineMark, 10, 2*lineMark + 7, 2*lineMark + 7,
		lineMark + 3, n - 1, n, n + 50, 4, 3*lineMark - 1}
	for i := range 200 {
		offs = append(offs, int64(i)*n/200, (int64(i)*7919*4099)%n)
	}
	for _, off := range offs {
		want := 1 + int64(strings.Count(data[:min(off, n)], "\n"))
		got, err := c.at(off)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Fatalf("line at %d = %d, want %d", off, got, want)
		}
	}
}

func TestTruncate(t *testing.T) {
	if got := truncate("héllo", 2); got != "h…" {
		t.Errorf("truncate cut a rune: %q", got)
	}
	if got := truncate("abc", 5); got != "abc" {
		t.Errorf("truncate = %q", got)
	}
}
