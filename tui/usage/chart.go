package usage

import (
	"image/color"
	"math"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/guptarohit/asciigraph"
)

// span is the bucket range [lo, hi) that column c of w shows for n buckets.
// Columns cover whole buckets; when n < w a bucket spans several columns.
func span(c, w, n int) (lo, hi int) {
	lo = c * n / w
	hi = (c + 1) * n / w
	if hi <= lo {
		hi = lo + 1
	}
	return lo, hi
}

// resample fits a series into w columns with the maximum of each column's
// buckets, so a downsampled chart never hides a peak. Shorter series are
// stretched (each bucket repeated), which keeps every value exact.
func resample(series []float64, w int) []float64 {
	n := len(series)
	if n == 0 || w <= 0 {
		return nil
	}
	out := make([]float64, w)
	for c := range out {
		lo, hi := span(c, w, n)
		m := series[lo]
		for _, v := range series[lo+1 : hi] {
			m = math.Max(m, v)
		}
		out[c] = m
	}
	return out
}

// column is the first of the w columns that shows bucket i of n.
func column(i, w, n int) int {
	if n <= 0 || w <= 0 {
		return 0
	}
	// Bucket i starts in column ceil(i*w/n) when stretched and floor(i*w/n)
	// when squeezed; step forward from the floor until the span covers i.
	c := i * w / n
	for c < w-1 {
		if _, hi := span(c, w, n); hi > i {
			break
		}
		c++
	}
	return min(c, w-1)
}

// ansiColor maps a palette colour to the 256-colour index asciigraph takes.
func ansiColor(c color.Color) asciigraph.AnsiColor {
	switch v := colorprofile.ANSI256.Convert(c).(type) {
	case ansi.IndexedColor:
		return asciigraph.AnsiColor(v)
	case ansi.BasicColor:
		return asciigraph.AnsiColor(v)
	}
	return asciigraph.Default
}

// series is one line of a chart.
type series struct {
	name   string
	values []float64 // one per bucket
	color  color.Color
	marker string // NO_COLOR plotting character; "" keeps box drawing
}

// plotted is a rendered chart body with the column of its y axis.
type plotted struct {
	lines   []string
	axisCol int // visual column of the y axis; data column c is at axisCol+c
	cols    int // data columns
}

// plot draws the series (already resampled to cols values each) with
// asciigraph at the given height; upper is the minimum top of the y scale.
func plot(data []series, cols, height int, upper float64, marks []float64, noColor bool) plotted {
	if cols < 2 || height < 1 || len(data) == 0 {
		return plotted{}
	}
	maxV := upper
	vals := make([][]float64, len(data))
	var colors []asciigraph.AnsiColor
	var chars []asciigraph.CharSet
	for i, s := range data {
		vals[i] = s.values
		for _, v := range s.values {
			maxV = math.Max(maxV, v)
		}
		if noColor {
			if s.marker != "" {
				chars = append(chars, asciigraph.CreateCharSet(s.marker))
			} else {
				chars = append(chars, asciigraph.DefaultCharSet)
			}
		} else {
			colors = append(colors, ansiColor(s.color))
		}
	}
	opts := []asciigraph.Option{
		asciigraph.Height(height - 1), // asciigraph draws height+1 rows
		asciigraph.Offset(2),
		asciigraph.LowerBound(0),
		asciigraph.UpperBound(maxV),
		asciigraph.YAxisValueFormatter(markedLabel(maxV, height, marks)),
	}
	if noColor {
		opts = append(opts, asciigraph.SeriesChars(chars...))
	} else {
		opts = append(opts, asciigraph.SeriesColors(colors...))
	}
	out := asciigraph.PlotMany(vals, opts...)
	lines := strings.Split(out, "\n")
	axis := 0
	if len(lines) > 0 {
		plain := []rune(ansi.Strip(lines[0]))
		for i, r := range plain {
			if r == '┤' || r == '┼' {
				axis = i
				break
			}
		}
	}
	return plotted{lines: lines, axisCol: axis, cols: cols}
}

// markedLabel labels the rows holding a threshold line with the threshold
// itself, so the 80% row reads 240 rather than the row's nominal value.
func markedLabel(maxV float64, height int, marks []float64) func(float64) string {
	f := axisLabel(maxV)
	half := maxV / float64(max(height-1, 1)) / 2
	return func(v float64) string {
		for _, mk := range marks {
			if math.Abs(v-mk) <= half {
				return f(mk)
			}
		}
		return f(v)
	}
}

// labelWidth estimates the y-axis label width for a scale topping at maxV,
// so the data columns can be sized before plotting.
func labelWidth(maxV float64) int {
	f := axisLabel(maxV)
	return max(lipgloss.Width(f(maxV)), lipgloss.Width(f(0))) + 1
}

// tickSteps are the label intervals an x axis may use, finest first.
var tickSteps = []time.Duration{
	time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute,
	time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour,
	24 * time.Hour, 48 * time.Hour, 7 * 24 * time.Hour, 14 * 24 * time.Hour,
}

// slot numbers the interval of length step that t falls in; days count in
// t's own location so day ticks sit at local midnight (weeks on Mondays).
func slot(t time.Time, step time.Duration) int64 {
	if step < 24*time.Hour {
		_, off := t.Zone()
		return (t.Unix() + int64(off)) / int64(step/time.Second)
	}
	y, mo, d := t.Date()
	days := time.Date(y, mo, d, 0, 0, 0, 0, time.UTC).Unix()/86400 + 3 // Monday = 0
	return days / int64(step/(24*time.Hour))
}

// ticks picks the columns where a new interval begins, with an interval
// coarse enough that labels of width lw never collide.
func ticks(times func(col int) time.Time, cols int) (cs []int, layout string, step time.Duration) {
	if cols < 2 {
		return nil, "15:04", time.Hour
	}
	span := times(cols - 1).Sub(times(0))
	per := float64(span) / float64(cols-1) // time per column
	for _, step = range tickSteps {
		layout = "15:04"
		if step >= 24*time.Hour {
			layout = "02 Jan"
		}
		if per > 0 && float64(step)/per < float64(len(layout)+3) {
			continue
		}
		cs = cs[:0]
		for c := 1; c < cols; c++ {
			if slot(times(c), step) != slot(times(c-1), step) {
				cs = append(cs, c)
			}
		}
		return cs, layout, step
	}
	return nil, "02 Jan", 24 * time.Hour
}

// slotStart is the beginning of t's interval, which is what a tick labels
// (the column may start a little after it when buckets are squeezed).
func slotStart(t time.Time, step time.Duration) time.Time {
	if step >= 24*time.Hour {
		y, mo, d := t.Date()
		return time.Date(y, mo, d, 0, 0, 0, 0, t.Location())
	}
	_, off := t.Zone()
	sec := slot(t, step)*int64(step/time.Second) - int64(off)
	return time.Unix(sec, 0).In(t.Location())
}

// xAxis draws the axis line under a chart with ticks, the cursor marker at
// column cursor (-1 for none), and a line of time labels at the ticks.
func xAxis(p plotted, times func(col int) time.Time, cursor int, cursorStyle lipgloss.Style) (axisLine, labels string) {
	if p.cols == 0 {
		return "", ""
	}
	cs, layout, step := ticks(times, p.cols)
	lw := len(layout)
	isTick := make(map[int]bool, len(cs))
	var lab strings.Builder
	lab.WriteString(strings.Repeat(" ", p.axisCol))
	at := 0
	for _, c := range cs {
		isTick[c] = true
		if c < at || c+lw > p.cols {
			continue
		}
		lab.WriteString(strings.Repeat(" ", c-at))
		lab.WriteString(slotStart(times(c), step).Format(layout))
		at = c + lw + 1
	}
	var ax strings.Builder
	ax.WriteString(strings.Repeat(" ", max(0, p.axisCol)))
	for c := 0; c < p.cols; c++ {
		switch {
		case c == cursor:
			ax.WriteString(cursorStyle.Render("▲"))
		case c == 0:
			ax.WriteString("└")
		case isTick[c]:
			ax.WriteString("┬")
		default:
			ax.WriteString("─")
		}
	}
	return ax.String(), lab.String()
}

// legend renders "■ total  ■ success  ■ errors" (markers under NO_COLOR).
func legend(data []series, noColor bool) string {
	parts := make([]string, 0, len(data))
	for _, s := range data {
		if noColor {
			m := s.marker
			if m == "" {
				m = "─"
			}
			parts = append(parts, m+" "+s.name)
			continue
		}
		parts = append(parts, lipgloss.NewStyle().Foreground(s.color).Render("■")+" "+s.name)
	}
	return strings.Join(parts, "  ")
}
