package usage

import (
	"fmt"
	"strings"
	"time"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
)

// volumeSeries are the chart's three lines, in drawing order: success first
// so total draws over it where they coincide, errors last so they stay on top.
func (m *Model) volumeSeries() []series {
	pal := m.ctx.Styles.Palette.Series
	b := m.data.Series
	total := make([]float64, len(b))
	ok := make([]float64, len(b))
	errs := make([]float64, len(b))
	for i, x := range b {
		total[i] = float64(x.Total)
		ok[i] = float64(x.Success)
		errs[i] = float64(errorCount(x))
	}
	return []series{
		{name: "success", values: ok, color: pal[1], marker: "·"},
		{name: "total", values: total, color: pal[0]},
		{name: "errors", values: errs, color: pal[2], marker: "x"},
	}
}

// errorCount is every failed request of a bucket: 4xx, 5xx and 429s.
func errorCount(b models.UsageBucket) int64 { return b.ClientError + b.ServerError + b.RateLimited }

// legendOrder lists the series as the legend reads: total, success, errors.
func legendOrder(s []series) []series { return []series{s[1], s[0], s[2]} }

// volumeBody plots the chart at w×h, cached per data version and size.
func (m *Model) volumeBody(w, h int) plotted {
	k := chartKey{version: m.version, width: w, height: h, noColor: m.ctx.NoColor, styles: m.ctx.Styles}
	return m.vol.Get(k, func() plotted {
		ser := m.volumeSeries()
		p := fitPlot(ser, w, h, 4, nil, m.ctx.NoColor)
		return p
	})
}

// fitPlot resamples the series to the columns left after the y labels and
// plots them; if the labels came out wider than estimated it plots again.
func fitPlot(ser []series, w, h int, upper float64, marks []float64, noColor bool) plotted {
	maxV := upper
	for _, s := range ser {
		for _, v := range s.values {
			maxV = max(maxV, v)
		}
	}
	cols := w - labelWidth(maxV)
	for try := 0; try < 2 && cols >= 2; try++ {
		rs := make([]series, len(ser))
		for i, s := range ser {
			rs[i] = s
			rs[i].values = resample(s.values, cols)
		}
		p := plot(rs, cols, h, upper, marks, noColor)
		if p.axisCol+cols <= w {
			return p
		}
		cols = w - p.axisCol
	}
	return plotted{}
}

// volume renders the request volume section: heading with legend, chart,
// x axis with the cursor, time labels and the values under the cursor.
func (m *Model) volume(w, h int) block {
	s := m.ctx.Styles
	d := m.data
	ser := m.volumeSeries()
	head := m.heading(secVolume, "Request volume", "") + "  " + legend(legendOrder(ser), m.ctx.NoColor)
	n := len(d.Series)
	p := m.volumeBody(w, h)
	if n == 0 || p.cols == 0 {
		return block{lines: []string{head, s.Muted.Render("no requests in this range")}, rowTop: -1}
	}
	if n > p.cols {
		head += s.Muted.Render(fmt.Sprintf("  (max of ~%d buckets per column)", (n+p.cols-1)/p.cols))
	}
	loc := m.now().Location()
	at := func(c int) time.Time { lo, _ := span(c, p.cols, n); return d.Series[lo].T.In(loc) }
	cur := min(max(m.cursor, 0), n-1)
	axis, labels := xAxis(p, at, column(cur, p.cols, n), s.Cursor)
	lines := make([]string, 0, len(p.lines)+4)
	lines = append(lines, common.Clip(head, w))
	lines = append(lines, p.lines...)
	lines = append(lines, axis, labels, common.Clip(m.readout(cur, w), w))
	return block{lines: lines, rowTop: -1}
}

// readout is the exact values of the bucket under the cursor, dropping the
// weekday, then the error split, when w is too narrow for them.
func (m *Model) readout(i, w int) string {
	s := m.ctx.Styles
	b := m.data.Series[i]
	pal := s.Palette.Series
	at := b.T.In(m.now().Location())
	t := at.Format("Mon 02 Jan 15:04")
	val := func(name string, v int64, c int) string {
		if m.ctx.NoColor {
			return name + " " + common.Thousands(v)
		}
		return s.Label.Render(name+" ") + s.Base.Foreground(pal[c]).Bold(true).Render(common.Thousands(v))
	}
	parts := []string{
		s.Cursor.Render("▲ ") + s.Value.Render(t),
		val("total", b.Total, 0), val("success", b.Success, 1), val("errors", errorCount(b), 2),
	}
	detail := s.Muted.Render(fmt.Sprintf("(4xx %s · 5xx %s · 429 %s)", common.Thousands(b.ClientError), common.Thousands(b.ServerError), common.Thousands(b.RateLimited)))
	short := s.Cursor.Render("▲ ") + s.Value.Render(at.Format("02 Jan 15:04"))
	var line string
	for _, v := range [...]struct {
		date, sep string
		detail    bool
	}{{parts[0], "  ", true}, {short, " ", true}, {parts[0], "  ", false}, {short, " ", false}} {
		parts[0] = v.date
		line = strings.Join(parts, v.sep)
		if v.detail {
			line += " " + detail
		}
		if common.Width(line) <= w {
			break
		}
	}
	return line
}
