package htmlreport

import (
	"bytes"
	"fmt"
	"html/template"
	"math"
	"strconv"
	"time"
)

// The geometry of the charts, in SVG user units (the SVG scales to the
// width of the page).
const (
	chartW, chartH           = 960, 170
	zoomW, zoomH             = 600, 190
	chartLeft, chartRight    = 44, 12
	chartTop, chartBottom    = 22, 28
	barLabelW, barRowH       = 300, 20
	barChartW, barChartRight = 960, 60
)

// TimePoint is a count at a time.
type TimePoint struct {
	T time.Time
	N float64
}

// Window is a time range to highlight, such as a sign-up spike.
type Window struct {
	From, To time.Time
	Label    string
}

// timeChart is a bar chart of counts over time, laid out for the template.
type timeChart struct {
	Width, Height int
	Label         string // what the chart shows, for screen readers and the caption
	Left, Right   int
	Top, Base     int
	BandH, TickY  int
	Bars          []svgBar
	Bands         []svgBand
	YTicks        []svgTick
	XTicks        []svgTick
}

type svgBar struct {
	X, Y, W, H string
	Hot        bool
	Title      string
}

type svgBand struct {
	X, W, LabelX string
	Label        string
}

type svgTick struct {
	At    string // x or y
	Label string
}

// steps are the bucket sizes a time chart may use, finest first.
func steps() []time.Duration {
	return []time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute, time.Hour, 6 * time.Hour, 24 * time.Hour, 7 * 24 * time.Hour}
}

// tickSteps are the spacings of the labels of the time axis.
func tickSteps() []time.Duration {
	return []time.Duration{time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute,
		time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour, 2 * 24 * time.Hour,
		7 * 24 * time.Hour, 14 * 24 * time.Hour, 28 * 24 * time.Hour, 91 * 24 * time.Hour, 364 * 24 * time.Hour}
}

// bucketFor picks the finest bucket that shows the span in at most max bars.
func bucketFor(span time.Duration, max int) time.Duration {
	steps := steps()
	for _, s := range steps {
		if span/s < time.Duration(max) {
			return s
		}
	}
	return steps[len(steps)-1]
}

func stepName(d time.Duration) string {
	switch {
	case d == time.Minute:
		return "minute"
	case d < time.Hour:
		return fmt.Sprintf("%d minutes", d/time.Minute)
	case d == time.Hour:
		return "hour"
	case d < 24*time.Hour:
		return fmt.Sprintf("%d hours", d/time.Hour)
	case d == 24*time.Hour:
		return "day"
	}
	return "week"
}

// newTimeChart buckets the points between from and to (inclusive) and lays
// out the bars, the highlighted windows and the axes. what names the
// counted thing, e.g. "sign-ups".
func newTimeChart(what string, width, height int, from, to time.Time, points []TimePoint, windows []Window) timeChart {
	from, to = from.UTC(), to.UTC()
	if to.Before(from) {
		from, to = to, from
	}
	step := bucketFor(to.Sub(from), 720)
	start := from.Truncate(step)
	n := int(to.Sub(start)/step) + 1
	counts := make([]float64, n)
	for _, p := range points {
		i := int(p.T.UTC().Sub(start) / step)
		if i >= 0 && i < n {
			counts[i] += p.N
		}
	}
	c := timeChart{Width: width, Height: height, Left: chartLeft, Right: width - chartRight, Top: chartTop, Base: height - chartBottom,
		BandH: height - chartBottom - chartTop, TickY: height - chartBottom + 4}
	c.Label = fmt.Sprintf("%s per %s, %s to %s UTC", what, stepName(step), start.Format("2006-01-02 15:04"),
		start.Add(time.Duration(n)*step).Format("2006-01-02 15:04"))
	plotW := float64(c.Right - c.Left)
	plotH := float64(c.Base - c.Top)
	bw := plotW / float64(n)
	xOf := func(t time.Time) float64 {
		return float64(c.Left) + float64(t.Sub(start))/float64(step)*bw
	}
	var top float64
	for _, v := range counts {
		top = math.Max(top, v)
	}
	ymax := niceCeil(top)
	for _, w := range windows {
		x0, x1 := xOf(w.From.UTC()), xOf(w.To.UTC())
		if x1 < float64(c.Left) || x0 > float64(c.Right) {
			continue
		}
		x0, x1 = math.Max(x0, float64(c.Left)), math.Min(x1, float64(c.Right))
		if x1-x0 < 4 {
			mid := (x0 + x1) / 2
			x0, x1 = mid-2, mid+2
		}
		lx := math.Min(math.Max(x0, float64(c.Left)+2), float64(c.Right)-6.2*float64(len(w.Label)))
		c.Bands = append(c.Bands, svgBand{X: num(x0), W: num(x1 - x0), LabelX: num(lx), Label: w.Label})
	}
	gap := 0.0
	if bw >= 4 {
		gap = 1
	}
	for i, v := range counts {
		if v == 0 {
			continue
		}
		t0 := start.Add(time.Duration(i) * step)
		h := v / ymax * plotH
		hot := false
		for _, w := range windows {
			if t0.Before(w.To) && t0.Add(step).After(w.From) {
				hot = true
			}
		}
		c.Bars = append(c.Bars, svgBar{X: num(float64(c.Left) + float64(i)*bw), Y: num(float64(c.Base) - h),
			W: num(math.Max(bw-gap, 0.8)), H: num(h), Hot: hot,
			Title: fmt.Sprintf("%s: %s %s", t0.Format("2006-01-02 15:04"), num(v), what)})
	}
	for _, f := range []float64{0, 0.5, 1} {
		v := ymax * f
		if v != math.Trunc(v) {
			continue // no half a sign-up
		}
		c.YTicks = append(c.YTicks, svgTick{At: num(float64(c.Base) - f*plotH), Label: num(v)})
	}
	span := start.Add(time.Duration(n) * step).Sub(start)
	ticks := tickSteps()
	tick := ticks[len(ticks)-1]
	for _, s := range ticks {
		if s >= step && span/s <= 8 {
			tick = s
			break
		}
	}
	prevDay := ""
	for t := start.Truncate(tick); !t.After(start.Add(span)); t = t.Add(tick) {
		if t.Before(start) || (xOf(t) > float64(c.Right)-14 && len(c.XTicks) > 0) {
			continue // before the axis, or a label that would run off it
		}
		label := t.Format("Jan 2")
		if tick < 24*time.Hour {
			label = t.Format("15:04")
			if day := t.Format("Jan 2"); day != prevDay {
				label = day + " " + label
				prevDay = day
			}
		}
		c.XTicks = append(c.XTicks, svgTick{At: num(xOf(t)), Label: label})
	}
	return c
}

// niceCeil rounds up to a round number: 1, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 times a power of ten.
func niceCeil(v float64) float64 {
	if v <= 1 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10} {
		// Half of it labels the middle line, so it must be whole.
		if c := m * p; c >= v && c/2 == math.Trunc(c/2) {
			return c
		}
	}
	return 10 * p
}

// num formats a coordinate or a count: at most one decimal.
func num(v float64) string {
	return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64)
}

// barChart is a horizontal bar chart of labelled values.
type barChart struct {
	Width, Height int
	Label         string
	LabelW, BarX  int
	Bars          []hBar
}

type hBar struct {
	Y, TextY, W, ValueX string
	Label, Value        string
}

// newBarChart lays out one horizontal bar per label.
func newBarChart(what string, labels []string, values []float64) barChart {
	c := barChart{Width: barChartW, Height: len(labels)*barRowH + 8, Label: what, LabelW: barLabelW, BarX: barLabelW + 8}
	var top float64
	for _, v := range values {
		top = math.Max(top, v)
	}
	if top <= 0 {
		top = 1
	}
	plotW := float64(barChartW - barLabelW - barChartRight)
	for i, l := range labels {
		y := float64(4 + i*barRowH)
		w := math.Max(values[i], 0) / top * plotW
		c.Bars = append(c.Bars, hBar{Y: num(y + 3), TextY: num(y + barRowH/2 + 4), W: num(math.Max(w, 1)),
			ValueX: num(float64(barLabelW+8) + w + 4), Label: truncate(l, 46), Value: num(values[i])})
	}
	return c
}

// BarChart renders labelled values as a horizontal bar chart in SVG; what
// says what the values are. Labels are escaped (and shown as given: defang
// them first if they may hold domains).
func BarChart(what string, labels []string, values []float64) (template.HTML, error) {
	return render("barchart", newBarChart(what, labels, values))
}

// TimeChart renders counts over time as an SVG bar chart, bucketed by the
// finest of minute, 5 minutes, 15 minutes, hour, 6 hours, day or week that
// fits, with the windows highlighted.
func TimeChart(what string, points []TimePoint, windows []Window) (template.HTML, error) {
	if len(points) == 0 {
		return "", nil
	}
	from, to := timeSpan(points)
	return render("timechart", newTimeChart(what, chartW, chartH, from, to, points, windows))
}

// timeSpan is the earliest and the latest time of points, which are not
// empty.
func timeSpan(points []TimePoint) (from, to time.Time) {
	from, to = points[0].T, points[0].T
	for _, p := range points {
		if p.T.Before(from) {
			from = p.T
		}
		if p.T.After(to) {
			to = p.T
		}
	}
	return from, to
}

func render(name string, data any) (template.HTML, error) {
	var b bytes.Buffer
	if err := pageTemplate.ExecuteTemplate(&b, name, data); err != nil {
		return "", fmt.Errorf("html report: %s: %w", name, err)
	}
	return template.HTML(b.String()), nil
}

// truncate shortens s to at most n runes, with an ellipsis.
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
