// Package progress shows how far a long task has come, in the manner of
// restic or rclone: on a terminal one live line, redrawn a few times a
// second by a ticker (never once per update, which floods the terminal);
// elsewhere a log line now and then. It never writes to stdout, which
// carries results only.
//
// A Reporter follows one task. Updates are atomic and may come from any
// goroutine; only the ticker goroutine draws. A nil *Reporter does nothing,
// so a stage may hold one unconditionally.
package progress

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/term"
)

// The defaults of Options.
const (
	DefaultRedraw = 100 * time.Millisecond // at most 10 redraws a second
	DefaultPeriod = 10 * time.Second
	DefaultWarmUp = time.Second
	defaultWidth  = 80
	// rateWindow is how far back the rate looks: long enough to smooth
	// bursts (a batch, a rate-limited server), short enough to follow a
	// change of pace.
	rateWindow = 10 * time.Second
	maxName    = 32
	maxNote    = 40
	clearEOL   = "\x1b[K"
)

// Options say where and how progress shows. The zero value shows nothing.
type Options struct {
	// Out receives the live line when Terminal is set: stderr as a rule.
	Out      io.Writer
	Terminal bool
	// Width is the terminal's width in columns. The live line is cut to
	// fit, since a wrapped line cannot be redrawn in place. 0 means 80.
	Width int
	// Log receives a "progress" line every Period when Terminal is not
	// set. The lines are Info, so a higher log level silences them.
	Log *slog.Logger
	// Redraw is the time between redraws of the live line, default 100ms.
	Redraw time.Duration
	// Period is the time between log lines, default 10s.
	Period time.Duration
	// WarmUp is the time before a rate or an ETA shows: over the first
	// instants they swing wildly. Default 1s.
	WarmUp time.Duration
	// Now is the clock, default time.Now; tests replace it.
	Now func() time.Time
}

// Detect chooses the display for w, which should be stderr: a live line if
// w is a terminal, periodic lines on log otherwise (a pipe, a file, a
// TERM=dumb terminal that cannot clear a line).
func Detect(w io.Writer, log *slog.Logger) Options {
	opt := Options{Out: w, Log: log}
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) || os.Getenv("TERM") == "dumb" {
		return opt
	}
	opt.Terminal = true
	if width, _, err := term.GetSize(int(f.Fd())); err == nil {
		opt.Width = width
	}
	return opt
}

// Kind says what a task counts.
type Kind int

const (
	// Items are things of one kind, shown with a rate and an ETA.
	Items Kind = iota
	// Bytes are counted like items and shown in KiB, MiB, GiB.
	Bytes
	// Steps are parts of uneven length: the line shows the running step,
	// "step 4/10" and its name (SetNote), but no rate or ETA, which would
	// mislead.
	Steps
)

// Task describes the task a Reporter follows.
type Task struct {
	Name  string // e.g. "enrich"
	Unit  string // what is counted, e.g. "domains"
	Kind  Kind
	Total int64 // 0 if not known
}

// Reporter follows one task. Create it with New, then Start, update it,
// and end it with Done (success: a final line) or Stop (anything else).
type Reporter struct {
	name, unit string
	kind       Kind
	opt        Options

	done, total atomic.Int64
	note        atomic.Pointer[string]

	startOnce, finishOnce sync.Once
	running               bool      // set by Start's once, read after it
	begin                 time.Time // likewise
	stop, exited          chan struct{}

	// The ticker goroutine owns these while it runs, finish afterwards.
	samples []sample
	last    string // the live line on screen
	logged  bool   // a periodic log line went out
}

type sample struct {
	at   time.Time
	done int64
}

// New returns a reporter for t. It starts nothing: a command may build its
// options more than once (to check flags early) at no cost. New returns nil,
// a reporter that does nothing, if opt has nowhere to show progress: no Out
// on a terminal, or off one no Log or a Log above Info (then no ticker runs
// for lines nobody would see).
func New(t Task, opt Options) *Reporter {
	if opt.Terminal && opt.Out == nil || !opt.Terminal && (opt.Log == nil || !opt.Log.Enabled(context.Background(), slog.LevelInfo)) {
		return nil
	}
	if opt.Redraw <= 0 {
		opt.Redraw = DefaultRedraw
	}
	if opt.Period <= 0 {
		opt.Period = DefaultPeriod
	}
	if opt.WarmUp <= 0 {
		opt.WarmUp = DefaultWarmUp
	}
	if opt.Width <= 0 {
		opt.Width = defaultWidth
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	r := &Reporter{name: clean(t.Name, maxName, false), unit: clean(t.Unit, maxName, false), kind: t.Kind, opt: opt,
		stop: make(chan struct{}), exited: make(chan struct{})}
	r.total.Store(max(t.Total, 0))
	return r
}

// Start starts the clock and the ticker goroutine. Later calls do nothing.
func (r *Reporter) Start() {
	if r == nil {
		return
	}
	r.startOnce.Do(func() {
		r.begin = r.opt.Now()
		r.samples = append(r.samples, sample{r.begin, r.done.Load()})
		r.running = true
		go r.loop()
	})
}

// Add counts n more done.
func (r *Reporter) Add(n int64) {
	if r != nil {
		r.done.Add(n)
	}
}

// Set sets the count done.
func (r *Reporter) Set(done int64) {
	if r != nil {
		r.done.Store(done)
	}
}

// SetTotal sets the total; 0 means unknown.
func (r *Reporter) SetTotal(total int64) {
	if r != nil {
		r.total.Store(max(total, 0))
	}
}

// SetNote sets what the task is at: a step, a file. It may come from the
// data, so it is made printable and cut short.
func (r *Reporter) SetNote(note string) {
	if r != nil {
		s := clean(note, maxNote, true)
		r.note.Store(&s)
	}
}

// Done ends the task with a final line: on a terminal always, in the log
// only if a periodic line went out (a quick task stays quiet). It waits for
// the ticker goroutine. Done and Stop after the first call do nothing.
func (r *Reporter) Done() { r.finish(true) }

// Stop ends the task without a final line (on failure, say), leaving the
// last live line as it stood. It waits for the ticker goroutine. It may
// follow Done, e.g. deferred.
func (r *Reporter) Stop() { r.finish(false) }

func (r *Reporter) finish(ok bool) {
	if r == nil {
		return
	}
	r.finishOnce.Do(func() {
		// Done without Start still reports, from now.
		r.startOnce.Do(func() { r.begin = r.opt.Now() })
		if r.running {
			close(r.stop)
			<-r.exited
		}
		now := r.opt.Now()
		st := r.status(now, r.done.Load(), false)
		st.note = "" // the task is past any step or file
		switch {
		case r.opt.Terminal && ok:
			r.write("\r" + r.fit(r.finalLine(st)) + clearEOL + "\n")
		case r.opt.Terminal && r.last != "":
			r.write("\n") // keep where it stopped on screen
		case ok && r.logged:
			r.opt.Log.Info("progress done", r.attrs(st)...)
		}
	})
}

func (r *Reporter) loop() {
	defer close(r.exited)
	every := r.opt.Redraw
	if !r.opt.Terminal {
		every = r.opt.Period
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-r.stop:
			return
		case <-t.C:
			r.tick(r.opt.Now())
		}
	}
}

func (r *Reporter) tick(now time.Time) {
	done := r.done.Load()
	r.samples = append(r.samples, sample{now, done})
	// Keep one sample at or before the window's start, as the anchor of
	// the rate.
	for len(r.samples) > 2 && !r.samples[1].at.After(now.Add(-rateWindow)) {
		r.samples = r.samples[1:]
	}
	st := r.status(now, done, true)
	if !r.opt.Terminal {
		r.opt.Log.Info("progress", r.attrs(st)...)
		r.logged = true
		return
	}
	line := r.liveLine(st)
	if line == r.last {
		return // nothing changed on screen: nothing to write
	}
	r.last = line
	r.write("\r" + line + clearEOL)
}

// write ignores errors: a display that cannot be written must not fail the
// task it follows.
func (r *Reporter) write(s string) {
	io.WriteString(r.opt.Out, s)
}

// status is a snapshot of the task.
type status struct {
	done, total int64
	elapsed     time.Duration
	rate        float64 // a second
	rated       bool    // rate is worth showing
	eta         time.Duration
	hasETA      bool
	note        string
}

// status computes the snapshot at now; live uses the moving window for the
// rate, otherwise the average since the start.
func (r *Reporter) status(now time.Time, done int64, live bool) status {
	st := status{done: done, total: r.total.Load(), elapsed: max(now.Sub(r.begin), 0)}
	if p := r.note.Load(); p != nil {
		st.note = *p
	}
	if r.kind == Steps || st.elapsed < r.opt.WarmUp {
		return st
	}
	from := sample{r.begin, 0}
	if live && len(r.samples) > 0 {
		from = r.samples[0]
	}
	if dt := now.Sub(from.at).Seconds(); dt > 0 {
		st.rate, st.rated = float64(done-from.done)/dt, true
	}
	if st.rated && st.rate > 0 && st.total > done {
		eta := float64(st.total-done) / st.rate
		if eta < (100 * time.Hour).Seconds() {
			st.eta, st.hasETA = time.Duration(eta*float64(time.Second)), true
		}
	}
	return st
}

// liveLine is the line on a terminal while the task runs, cut to fit, e.g.
//
//	enrich  [1:05]  1234/17913 domains  6.9%  18.9/s  ETA 14m40s
func (r *Reporter) liveLine(st status) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s  [%s]  ", r.name, clock(st.elapsed))
	if r.kind == Steps {
		if st.total > 0 && st.done < st.total {
			fmt.Fprintf(&b, "step %d/%d", st.done+1, st.total)
		} else {
			fmt.Fprintf(&b, "%d %s", st.done, r.unit)
		}
	} else {
		b.WriteString(r.counts(st))
		if st.total > 0 {
			fmt.Fprintf(&b, "  %.1f%%", 100*float64(min(st.done, st.total))/float64(st.total))
		}
		if st.rated {
			b.WriteString("  " + r.rate(st.rate))
		}
		if st.hasETA {
			b.WriteString("  ETA " + st.eta.Round(time.Second).String())
		}
	}
	head := strings.TrimRight(b.String(), " ")
	// The note goes first when space runs out, from its start: the end of
	// a path names the file.
	if room := r.opt.Width - 1 - utf8.RuneCountInString(head) - 2; st.note != "" && room >= 8 {
		return head + "  " + clean(st.note, room, true)
	}
	return r.fit(head)
}

// finalLine is the line Done leaves on a terminal, e.g.
//
//	enrich  done  17913/17913 domains in 3m12s, 93.3/s
func (r *Reporter) finalLine(st status) string {
	s := fmt.Sprintf("%s  done  %s in %s", r.name, r.counts(st), roundElapsed(st.elapsed))
	if st.rated && r.kind != Steps {
		s += ", " + r.rate(st.rate)
	}
	return s
}

func (r *Reporter) counts(st status) string {
	if r.kind == Bytes {
		if st.total > 0 {
			return size(st.done) + " of " + size(st.total)
		}
		return size(st.done)
	}
	s := fmt.Sprint(st.done)
	if st.total > 0 {
		s += fmt.Sprintf("/%d", st.total)
	}
	if r.unit != "" {
		s += " " + r.unit
	}
	return s
}

func (r *Reporter) rate(perSec float64) string {
	switch {
	case r.kind == Bytes:
		return size(int64(perSec)) + "/s"
	case perSec < 100:
		return fmt.Sprintf("%.1f/s", perSec)
	default:
		return fmt.Sprintf("%.0f/s", perSec)
	}
}

// attrs are the fields of a log line.
func (r *Reporter) attrs(st status) []any {
	a := []any{"stage", r.name, "done", st.done}
	if st.total > 0 {
		a = append(a, "total", st.total)
	}
	switch {
	case r.kind == Bytes:
		a = append(a, "unit", "bytes")
	case r.unit != "":
		a = append(a, "unit", r.unit)
	}
	switch {
	case !st.rated:
	case st.rate >= 100:
		a = append(a, "rate", int64(math.Round(st.rate))) // not 3.14e+07
	default:
		a = append(a, "rate", math.Round(st.rate*10)/10)
	}
	if st.hasETA {
		a = append(a, "eta", st.eta.Round(time.Second).String())
	}
	if st.note != "" {
		a = append(a, "at", st.note)
	}
	return append(a, "elapsed", roundElapsed(st.elapsed).String())
}

// fit cuts a line to the terminal's width, less one column: some terminals
// wrap on writing the last one.
func (r *Reporter) fit(line string) string {
	if w := r.opt.Width - 1; utf8.RuneCountInString(line) > w {
		return string([]rune(line)[:max(w, 0)])
	}
	return line
}

// clean makes a name from the data safe on a terminal and in a log: every
// control, format (bidi overrides) or otherwise unprintable rune becomes
// '?', and it is cut to n runes, keeping the end if tail (a path's file
// name says more than its first folders).
func clean(s string, n int, tail bool) string {
	s = strings.Map(func(r rune) rune {
		if r == utf8.RuneError || !unicode.IsPrint(r) {
			return '?'
		}
		return r
	}, s)
	rs := []rune(s)
	if len(rs) <= n {
		return s
	}
	if tail {
		return "…" + string(rs[len(rs)-n+1:])
	}
	return string(rs[:n-1]) + "…"
}

// clock shows elapsed time as restic does: 1:05, 1:02:03.
func clock(d time.Duration) string {
	s := int64(d / time.Second)
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

func roundElapsed(d time.Duration) time.Duration {
	switch {
	case d < time.Second:
		return d.Round(time.Millisecond)
	case d < time.Minute:
		return d.Round(100 * time.Millisecond)
	}
	return d.Round(time.Second)
}

// size shows a count of bytes in binary units.
func size(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 5; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
