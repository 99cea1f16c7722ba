package progress

import (
	"bytes"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"fediforensics/internal/testlog"
)

// fakeClock is a clock the test moves by hand, read by the ticker.
type fakeClock struct{ ns atomic.Int64 }

func newFakeClock() *fakeClock {
	c := &fakeClock{}
	c.ns.Store(time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC).UnixNano())
	return c
}

func (c *fakeClock) Now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *fakeClock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

// lastLine is the live line last drawn in out.
func lastLine(out string) string {
	out = strings.TrimSuffix(out, "\n")
	if i := strings.LastIndexByte(out, '\r'); i >= 0 {
		out = out[i+1:]
	}
	return strings.TrimSuffix(out, clearEOL)
}

func TestRedrawsAreBounded(t *testing.T) {
	for _, tc := range []struct {
		name   string
		redraw time.Duration
	}{
		{"default 100ms", 0},
		{"20ms", 20 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer // written by the ticker only, read after Done
			r := New(Task{Name: "whois", Unit: "domains", Total: 100_000}, Options{Out: &out, Terminal: true, Redraw: tc.redraw})
			t0 := time.Now()
			r.Start()
			for i := range 100_000 {
				r.Add(1)
				if i%1000 == 999 {
					time.Sleep(3 * time.Millisecond) // spread the updates over ~300ms
				}
			}
			r.Done()
			elapsed := time.Since(t0)
			redraw := tc.redraw
			if redraw == 0 {
				redraw = DefaultRedraw
			}
			draws := strings.Count(out.String(), "\r") - 1 // the last is Done's
			limit := int(elapsed/redraw) + 1
			if draws > limit || draws < 1 {
				t.Errorf("%d redraws in %v, want 1..%d", draws, elapsed, limit)
			}
			if n := out.Len(); n > (draws+1)*100 {
				t.Errorf("%d bytes of output for %d redraws", n, draws)
			}
			if got := strings.Count(out.String(), "\n"); got != 1 {
				t.Errorf("%d newlines, want 1 (after the final line):\n%q", got, out.String())
			}
			if got := lastLine(out.String()); !strings.HasPrefix(got, "whois  done  100000/100000 domains in ") {
				t.Errorf("final line %q", got)
			}
		})
	}
}

// TestWarmUp drives tick by hand with a fake clock: no rate or ETA shows
// before the warm-up, both do after it.
func TestWarmUp(t *testing.T) {
	for _, tc := range []struct {
		name      string
		kind      Kind
		total     int64
		at        time.Duration
		done      int64
		wantRate  bool
		wantETA   bool
		wantCount string
	}{
		{"first instant", Items, 1000, time.Millisecond, 5, false, false, "5/1000 domains"},
		{"just before warm-up", Items, 1000, 999 * time.Millisecond, 400, false, false, "400/1000 domains"},
		{"at warm-up", Items, 1000, time.Second, 500, true, true, "500/1000 domains"},
		{"later", Items, 1000, 5 * time.Second, 600, true, true, "600/1000 domains"},
		{"unknown total", Items, 0, 5 * time.Second, 600, true, false, "600 domains"},
		{"all done", Items, 1000, 5 * time.Second, 1000, true, false, "1000/1000 domains"},
		{"nothing done yet", Items, 1000, 5 * time.Second, 0, true, false, "0/1000 domains"},
		{"bytes", Bytes, 10 << 20, 5 * time.Second, 3 << 20, true, true, "3.0 MiB of 10.0 MiB"},
		{"steps", Steps, 10, 5 * time.Second, 3, false, false, "step 4/10"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk := newFakeClock()
			var out bytes.Buffer
			r := New(Task{Name: "enrich", Unit: "domains", Kind: tc.kind, Total: tc.total}, Options{Out: &out, Terminal: true, Now: clk.Now})
			r.begin = clk.Now() // as Start does, without the goroutine
			r.samples = []sample{{r.begin, 0}}
			clk.Advance(tc.at)
			r.Set(tc.done)
			r.tick(clk.Now())
			line := lastLine(out.String())
			if !strings.Contains(line, tc.wantCount) {
				t.Errorf("line %q lacks %q", line, tc.wantCount)
			}
			if got := strings.Contains(line, "/s"); got != tc.wantRate {
				t.Errorf("line %q: rate shown %v, want %v", line, got, tc.wantRate)
			}
			if got := strings.Contains(line, "ETA"); got != tc.wantETA {
				t.Errorf("line %q: ETA shown %v, want %v", line, got, tc.wantETA)
			}
		})
	}
}

// TestWarmUpLive is TestWarmUp through the ticker goroutine.
func TestWarmUpLive(t *testing.T) {
	clk := newFakeClock()
	var out testlog.Buffer
	r := New(Task{Name: "enrich", Unit: "domains", Total: 1000}, Options{Out: &out, Terminal: true, Redraw: 2 * time.Millisecond, Now: clk.Now})
	r.Start()
	defer r.Stop()
	waitFor := func(sub string) string {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
			if line := lastLine(out.String()); strings.Contains(line, sub) {
				return line
			}
		}
		t.Fatalf("no line with %q in %q", sub, out.String())
		return ""
	}
	clk.Advance(500 * time.Millisecond)
	r.Set(400)
	if line := waitFor("400/1000"); strings.Contains(line, "/s") || strings.Contains(line, "ETA") {
		t.Errorf("before the warm-up: %q", line)
	}
	clk.Advance(1500 * time.Millisecond)
	r.Set(500)
	if line := waitFor("500/1000"); !strings.Contains(line, "250/s") || !strings.Contains(line, "ETA 2s") {
		t.Errorf("after the warm-up, want 250/s and ETA 2s: %q", line)
	}
	if strings.Contains(out.String(), "\n") {
		t.Errorf("a newline before Done: %q", out.String())
	}
}

func TestLogMode(t *testing.T) {
	const period = 50 * time.Millisecond
	for _, tc := range []struct {
		name    string
		run     time.Duration
		minLogs int
		final   bool
	}{
		{"longer than the period", 280 * time.Millisecond, 3, true},
		{"shorter than the period", 10 * time.Millisecond, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logs testlog.Buffer
			var out bytes.Buffer
			log := slog.New(slog.NewTextHandler(&logs, nil))
			r := New(Task{Name: "link", Unit: "rows", Total: 1 << 40}, Options{Out: &out, Log: log, Period: period})
			t0 := time.Now()
			r.Start()
			for time.Since(t0) < tc.run {
				r.Add(1)
				time.Sleep(100 * time.Microsecond)
			}
			r.Done()
			elapsed := time.Since(t0)
			if out.Len() != 0 {
				t.Errorf("wrote %q to Out off a terminal", out.String())
			}
			text := logs.String()
			if strings.ContainsAny(text, "\r\x1b") {
				t.Errorf("\\r or escape in the log: %q", text)
			}
			var periodic, final int
			for _, l := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
				switch {
				case l == "":
				case strings.Contains(l, `msg="progress done"`):
					final++
				case strings.Contains(l, "msg=progress ") && strings.Contains(l, "stage=link") && strings.Contains(l, "total=1099511627776"):
					periodic++
				default:
					t.Errorf("unexpected line %q", l)
				}
			}
			if limit := int(elapsed / period); periodic < tc.minLogs || periodic > limit {
				t.Errorf("%d periodic lines in %v, want %d..%d:\n%s", periodic, elapsed, tc.minLogs, limit, text)
			}
			if want := map[bool]int{true: 1, false: 0}[tc.final]; final != want {
				t.Errorf("%d final lines, want %d:\n%s", final, want, text)
			}
		})
	}
}

func TestLogLevelSilences(t *testing.T) {
	var logs testlog.Buffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	r := New(Task{Name: "extract"}, Options{Log: log, Period: 5 * time.Millisecond})
	if r != nil {
		t.Error("a reporter, and its ticker, for lines the log level drops")
	}
	r.Start()
	time.Sleep(30 * time.Millisecond)
	r.Done()
	if s := logs.String(); s != "" {
		t.Errorf("at level warn: %q", s)
	}
}

func TestFinish(t *testing.T) {
	for _, tc := range []struct {
		name      string
		start     bool
		ops       string // D: Done, S: Stop
		wantFinal int
	}{
		{"done", true, "D", 1},
		{"done twice then stop", true, "DDS", 1},
		{"stop then done", true, "SD", 0},
		{"stop twice", true, "SS", 0},
		{"done without start", false, "D", 1},
		{"stop without start", false, "S", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			r := New(Task{Name: "enrich", Unit: "domains", Total: 3}, Options{Out: &out, Terminal: true})
			if tc.start {
				r.Start()
			}
			r.Set(3)
			for _, op := range tc.ops {
				if op == 'D' {
					r.Done()
				} else {
					r.Stop()
				}
			}
			r.Start() // after the end: nothing
			if got := strings.Count(out.String(), "enrich  done  3/3 domains in "); got != tc.wantFinal {
				t.Errorf("%d final lines, want %d: %q", got, tc.wantFinal, out.String())
			}
			if tc.wantFinal == 0 && out.Len() != 0 {
				t.Errorf("Stop on an undrawn line wrote %q", out.String())
			}
		})
	}
}

// TestConcurrent has many goroutines update, and end, one reporter; run it
// with -race.
func TestConcurrent(t *testing.T) {
	for _, terminal := range []bool{true, false} {
		var out testlog.Buffer
		r := New(Task{Name: "extract", Unit: "rows"}, Options{Out: &out, Terminal: terminal, Log: slog.New(slog.NewTextHandler(&out, nil)),
			Redraw: time.Millisecond, Period: time.Millisecond})
		r.Start()
		var wg sync.WaitGroup
		for g := range 8 {
			wg.Go(func() {
				for i := range 10_000 {
					r.Add(1)
					if i%1000 == 0 {
						r.SetNote("batch " + string(rune('a'+g)))
						r.SetTotal(int64(80_000 + i))
					}
				}
			})
		}
		wg.Wait()
		r.SetTotal(80_000)
		var ends sync.WaitGroup
		for i := range 4 {
			ends.Go(func() {
				if i%2 == 0 {
					r.Done()
				} else {
					r.Stop()
				}
			})
		}
		ends.Wait()
		if got := r.done.Load(); got != 80_000 {
			t.Errorf("done = %d, want 80000", got)
		}
	}
}

func TestNil(t *testing.T) {
	r := New(Task{Name: "x"}, Options{}) // nowhere to show: nil
	if r != nil {
		t.Fatalf("New with zero options = %v, want nil", r)
	}
	r.Start()
	r.Add(1)
	r.Set(2)
	r.SetTotal(3)
	r.SetNote("y")
	r.Done()
	r.Stop()
	if New(Task{}, Options{Terminal: true}) != nil || New(Task{}, Options{Out: io.Discard}) != nil {
		t.Error("a reporter with nowhere to show")
	}
}

func TestDetectOffTerminal(t *testing.T) {
	var b bytes.Buffer
	if opt := Detect(&b, nil); opt.Terminal || opt.Out != &b {
		t.Errorf("Detect(buffer) = %+v", opt)
	}
}

func TestClean(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		n        int
		tail     bool
	}{
		{"statuses.csv", "statuses.csv", 40, true},
		{"a\x1b[2Jb\r\nc\td", "a?[2Jb??c?d", 40, false},
		{"evil\u202etxt.exe", "evil?txt.exe", 40, false},
		{"bad\xffutf8", "bad?utf8", 40, false},
		{"\u0085c1", "?c1", 40, false},
		{"dump/instance.example/statuses.csv", "…ses.csv", 8, true},
		{"a-very-long-stage-name", "a-very-…", 8, false},
	} {
		if got := clean(tc.in, tc.n, tc.tail); got != tc.want {
			t.Errorf("clean(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestNoteFromDataIsClean(t *testing.T) {
	var out bytes.Buffer
	r := New(Task{Name: "ingest\x1b[31m", Kind: Bytes}, Options{Out: &out, Terminal: true, Width: 60})
	r.Start()
	r.SetNote("x/\x1b]0;pwned\x07" + strings.Repeat("long", 30) + ".csv")
	time.Sleep(3 * DefaultRedraw / 2)
	r.Done()
	s := out.String()
	if strings.Count(s, "\x1b") != strings.Count(s, clearEOL) {
		t.Errorf("an escape from the data reached the terminal: %q", s)
	}
	for _, l := range strings.Split(s, "\r") {
		l = strings.TrimSuffix(strings.TrimSuffix(l, "\n"), clearEOL)
		if n := len([]rune(l)); n > 59 {
			t.Errorf("line of %d runes on a 60-column terminal: %q", n, l)
		}
	}
}

func TestFormats(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{clock(5 * time.Second), "0:05"},
		{clock(65*time.Second + 900*time.Millisecond), "1:05"},
		{clock(3723 * time.Second), "1:02:03"},
		{size(0), "0 B"},
		{size(1023), "1023 B"},
		{size(1536), "1.5 KiB"},
		{size(5 << 30), "5.0 GiB"},
		{roundElapsed(12345 * time.Millisecond).String(), "12.3s"},
		{roundElapsed(192400 * time.Millisecond).String(), "3m12s"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

// TestFit: a line too long for the terminal loses the start of its note
// first, then its end.
func TestFit(t *testing.T) {
	for _, tc := range []struct {
		name  string
		width int
		note  string
		want  string
	}{
		{"fits", 80, "a.example/statuses.json", "ingest: load  [0:00]  1.0 KiB of 2.0 KiB  50.0%  a.example/statuses.json"},
		{"note cut from its start", 60, "mastodon.online/some/deep/folder/statuses.json", "ingest: load  [0:00]  1.0 KiB of 2.0 KiB  50.0%  …uses.json"},
		{"no room for the note", 45, "a.example/statuses.json", "ingest: load  [0:00]  1.0 KiB of 2.0 KiB  50"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			clk := newFakeClock()
			r := New(Task{Name: "ingest: load", Kind: Bytes, Total: 2048}, Options{Out: &out, Terminal: true, Width: tc.width, Now: clk.Now})
			r.begin = clk.Now()
			r.Set(1024)
			r.SetNote(tc.note)
			r.tick(clk.Now())
			if got := lastLine(out.String()); got != tc.want {
				t.Errorf("line\n%q, want\n%q", got, tc.want)
			}
			if n := utf8.RuneCountInString(lastLine(out.String())); n >= tc.width {
				t.Errorf("%d runes on a %d-column terminal", n, tc.width)
			}
		})
	}
}
