// Package chart draws the console's time-series charts with asciigraph:
// buckets fitted to the columns (a peak is never averaged away), integer
// y labels for counts, the still-filling newest bucket drawn dotted, and
// an x axis whose labels sit under their ticks, with dates on multi-day
// ranges.
package chart

import (
	"image/color"
	"math"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/guptarohit/asciigraph"
)

// Series is one line of a chart: a value per bucket, oldest first.
type Series struct {
	Name   string
	Values []float64
	Color  color.Color
	// Marker draws the series with this character without colour; ""
	// keeps box drawing.
	Marker string
	// Steady marks a reference line (a limit): never drawn as partial.
	Steady bool
}

// Options size and shape a chart.
type Options struct {
	// Width is the whole chart with its y labels; Height its plot rows.
	Width, Height int
	// Top is the least top of the scale (a limit line must show).
	Top float64
	// Marks are reference values: the row nearest each is labelled with
	// the value itself.
	Marks []float64
	// Partial: the newest bucket is still filling, so it is drawn dotted
	// rather than as a fall at the right edge.
	Partial bool
	NoColor bool
}

// Plot is a drawn chart body.
type Plot struct {
	Lines []string
	// AxisCol is the visual column of the y axis; data column c is at
	// AxisCol+c.
	AxisCol int
	Cols    int // data columns
	N       int // buckets
	Partial bool
}

// New fits the series into the columns left after the y labels and plots
// them; if the labels came out wider than estimated it plots again.
func New(series []Series, o Options) Plot {
	n := 0
	maxV := o.Top
	for _, s := range series {
		n = max(n, len(s.Values))
		for _, v := range s.Values {
			maxV = max(maxV, v)
		}
	}
	if n == 0 || o.Height < 1 {
		return Plot{}
	}
	top, label := countScale(maxV, o.Height, o.Marks)
	label = marked(label, top, o.Height, o.Marks)
	cols := o.Width - labelWidth(top, label)
	for try := 0; try < 2 && cols >= 2; try++ {
		p := plot(series, cols, n, top, label, o)
		if p.AxisCol+cols <= o.Width {
			return p
		}
		cols = o.Width - p.AxisCol
	}
	return Plot{}
}

// Span is the bucket range [lo, hi) that column c shows.
func (p Plot) Span(c int) (lo, hi int) { return spanOf(c, p.Cols, p.N) }

// Column is the first column that shows bucket i.
func (p Plot) Column(i int) int { return columnOf(i, p.Cols, p.N) }

// spanOf maps column c of cols to buckets for n buckets. Fewer buckets
// than columns are stretched (each repeated); more are squeezed, with the
// newest bucket alone in the last column so a peak among the last ones
// is drawn with its way down, and the newest value is the one at the edge.
func spanOf(c, cols, n int) (lo, hi int) {
	if n > cols && cols >= 2 {
		if c >= cols-1 {
			return n - 1, n
		}
		return even(c, cols-1, n-1)
	}
	return even(c, cols, n)
}

func even(c, w, n int) (lo, hi int) {
	lo = c * n / w
	hi = (c + 1) * n / w
	if hi <= lo {
		hi = lo + 1
	}
	return lo, hi
}

func columnOf(i, cols, n int) int {
	if n <= 0 || cols <= 0 {
		return 0
	}
	if n > cols && cols >= 2 {
		if i >= n-1 {
			return cols - 1
		}
		return evenColumn(i, cols-1, n-1)
	}
	return evenColumn(i, cols, n)
}

func evenColumn(i, w, n int) int {
	c := i * w / n
	for c < w-1 {
		if _, hi := even(c, w, n); hi > i {
			break
		}
		c++
	}
	return min(c, w-1)
}

// Resample fits values into cols columns with the maximum of each
// column's buckets, so a squeezed chart never hides a peak; stretched
// series repeat each bucket, which keeps every value exact.
func Resample(values []float64, cols int) []float64 {
	n := len(values)
	if n == 0 || cols <= 0 {
		return nil
	}
	out := make([]float64, cols)
	for c := range out {
		lo, hi := spanOf(c, cols, n)
		m := values[lo]
		for _, v := range values[lo+1 : hi] {
			m = math.Max(m, v)
		}
		out[c] = m
	}
	return out
}

// dotted draws the part of a line that is still filling; there are no
// dotted corners, so the turns are dotted verticals too.
var dotted = asciigraph.CharSet{Horizontal: "┄", VerticalLine: "┆",
	ArcDownRight: "┆", ArcDownLeft: "┆", ArcUpRight: "┆", ArcUpLeft: "┆", StartCap: "┄", EndCap: "┄"}

// partialMarker draws the still-filling part of a marker series.
const partialMarker = "·"

func plot(series []Series, cols, n int, top float64, label func(float64) string, o Options) Plot {
	partial := o.Partial && n >= 2
	var vals [][]float64
	var colors []asciigraph.AnsiColor
	var chars []asciigraph.CharSet
	add := func(v []float64, c color.Color, cs asciigraph.CharSet) {
		vals = append(vals, v)
		colors = append(colors, ansiColor(c))
		chars = append(chars, cs)
	}
	charsOf := func(s Series) asciigraph.CharSet {
		if o.NoColor && s.Marker != "" {
			return asciigraph.CreateCharSet(s.Marker)
		}
		return asciigraph.DefaultCharSet
	}
	pc := columnOf(n-1, cols, n) // first column of the newest bucket
	// The dotted tails first: the solid lines drawn after them own the
	// column where the two meet.
	if partial && pc > 0 {
		for _, s := range series {
			if s.Steady {
				continue
			}
			r := Resample(s.Values, cols)
			if len(r) == 0 {
				continue
			}
			tail := make([]float64, cols)
			for c := range tail {
				tail[c] = math.NaN()
			}
			copy(tail[pc-1:], r[pc-1:])
			cs := dotted
			if o.NoColor && s.Marker != "" {
				cs = asciigraph.CreateCharSet(partialMarker)
			}
			add(tail, s.Color, cs)
		}
	}
	for _, s := range series {
		r := Resample(s.Values, cols)
		if len(r) == 0 {
			continue // asciigraph panics on an empty series
		}
		if partial && pc > 0 && !s.Steady {
			r = r[:pc]
		}
		add(r, s.Color, charsOf(s))
	}
	opts := []asciigraph.Option{
		asciigraph.Height(o.Height - 1), // asciigraph draws Height+1 rows
		asciigraph.Offset(2),
		asciigraph.LowerBound(0),
		asciigraph.UpperBound(top),
		asciigraph.YAxisValueFormatter(label),
		asciigraph.SeriesChars(chars...),
	}
	if !o.NoColor {
		opts = append(opts, asciigraph.SeriesColors(colors...))
	}
	lines := strings.Split(asciigraph.PlotMany(vals, opts...), "\n")
	axis := 0
	if len(lines) > 0 {
		for i, r := range []rune(ansi.Strip(lines[0])) {
			if r == '┤' || r == '┼' {
				axis = i
				break
			}
		}
	}
	return Plot{Lines: lines, AxisCol: axis, Cols: cols, N: n, Partial: partial}
}

// ansiColor maps a palette colour to the 256-colour index asciigraph takes.
func ansiColor(c color.Color) asciigraph.AnsiColor {
	if c == nil {
		return asciigraph.Default
	}
	switch v := colorprofile.ANSI256.Convert(c).(type) {
	case ansi.IndexedColor:
		return asciigraph.AnsiColor(v)
	case ansi.BasicColor:
		return asciigraph.AnsiColor(v)
	}
	return asciigraph.Default
}

// Legend renders "■ total  ■ errors" in colour, or each series' own
// drawing character without; a partial chart adds what dots mean.
func Legend(series []Series, p Plot, noColor bool) string {
	parts := make([]string, 0, len(series)+1)
	for _, s := range series {
		switch {
		case noColor && s.Marker != "":
			parts = append(parts, s.Marker+" "+s.Name)
		case noColor:
			parts = append(parts, "─ "+s.Name)
		default:
			parts = append(parts, lipgloss.NewStyle().Foreground(s.Color).Render("■")+" "+s.Name)
		}
	}
	if p.Partial {
		parts = append(parts, "┄ so far")
	}
	return strings.Join(parts, "  ")
}
