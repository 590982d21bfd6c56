package usage

import (
	"fmt"
	"strings"
	"time"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
	"github.com/penguinmails/pmdev/tui/component/chart"
)

// volumeSeries are the chart's lines, stacked: total (success on top of
// the errors) and the errors under it. Success is the gap between them;
// as a line of its own it sat on total and vanished, worst without colour.
func (m *Model) volumeSeries() []chart.Series {
	pal := m.ctx.Styles.Palette.Series
	b := m.data.Series
	total := make([]float64, len(b))
	errs := make([]float64, len(b))
	for i, x := range b {
		total[i] = float64(x.Total)
		errs[i] = float64(errorCount(x))
	}
	return []chart.Series{
		{Name: "total (success+errors)", Values: total, Color: pal[0]},
		{Name: "errors", Values: errs, Color: pal[2], Marker: "x"},
	}
}

// errorCount is every failed request of a bucket: 4xx, 5xx and 429s.
func errorCount(b models.UsageBucket) int64 { return b.ClientError + b.ServerError + b.RateLimited }

// filling reports that the newest bucket is still filling: the range ends
// after the data was generated (a preset ends at the close of the current
// bucket).
func filling(d *models.APIUsage) bool {
	return !d.GeneratedAt.IsZero() && d.GeneratedAt.Before(d.To)
}

// volumeBody plots the chart at w×h, cached per data version and size.
func (m *Model) volumeBody(w, h int) chart.Plot {
	k := chartKey{version: m.version, width: w, height: h, noColor: m.ctx.NoColor, styles: m.ctx.Styles}
	return m.vol.Get(k, func() chart.Plot {
		return chart.New(m.volumeSeries(), chart.Options{Width: w, Height: h, Top: 4, Partial: filling(m.data), NoColor: m.ctx.NoColor})
	})
}

// volume renders the request volume section: heading with legend, chart,
// x axis with the cursor, time labels and the values under the cursor.
func (m *Model) volume(w, h int) block {
	s := m.ctx.Styles
	d := m.data
	n := len(d.Series)
	p := m.volumeBody(w, h)
	head := m.heading(secVolume, "Request volume", "") + "  " + chart.Legend(m.volumeSeries(), p, m.ctx.NoColor)
	if n == 0 || p.Cols == 0 {
		return block{lines: []string{head, s.Muted.Render("no requests in this range")}, rowTop: -1}
	}
	if more := s.Muted.Render(fmt.Sprintf("  (max of ~%d buckets per column)", (n+p.Cols-2)/max(p.Cols-1, 1))); n > p.Cols && common.Width(head+more) <= w {
		head += more
	}
	loc := m.now().Location()
	cur := min(max(m.cursor, 0), n-1)
	axis, labels := p.XAxis(func(i int) time.Time { return d.Series[i].T.In(loc) }, p.Column(cur), s.Cursor)
	lines := make([]string, 0, len(p.Lines)+4)
	lines = append(lines, common.Clip(head, w))
	lines = append(lines, p.Lines...)
	lines = append(lines, axis, labels, common.Clip(m.readout(cur, w), w))
	return block{lines: lines, rowTop: -1}
}

// readout is the exact values of the bucket under the cursor, dropping the
// weekday, then the error split, when w is too narrow for them. The
// newest bucket, still filling, says "so far".
func (m *Model) readout(i, w int) string {
	s := m.ctx.Styles
	b := m.data.Series[i]
	pal := s.Palette.Series
	at := b.T.In(m.now().Location())
	sofar := ""
	if i == len(m.data.Series)-1 && filling(m.data) {
		sofar = s.Muted.Render(" so far")
	}
	val := func(name string, v int64, c int) string {
		if m.ctx.NoColor {
			return name + " " + common.Thousands(v)
		}
		return s.Label.Render(name+" ") + s.Base.Foreground(pal[c]).Bold(true).Render(common.Thousands(v))
	}
	parts := []string{
		s.Cursor.Render("▲ ") + s.Value.Render(at.Format("Mon 02 Jan 15:04")) + sofar,
		val("total", b.Total, 0), val("success", b.Success, 1), val("errors", errorCount(b), 2),
	}
	detail := s.Muted.Render(fmt.Sprintf("(4xx %s · 5xx %s · 429 %s)", common.Thousands(b.ClientError), common.Thousands(b.ServerError), common.Thousands(b.RateLimited)))
	short := s.Cursor.Render("▲ ") + s.Value.Render(at.Format("02 Jan 15:04")) + sofar
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
