package usage

import (
	"fmt"
	"time"

	"github.com/penguinmails/pmdev/tui/common"
)

// rateSeries are the peaks and the 80% and 95% lines.
func (m *Model) rateSeries() []series {
	pal := m.ctx.Styles.Palette
	rl := m.data.RateLimit
	peak := make([]float64, len(rl.Series))
	warn := make([]float64, len(rl.Series))
	crit := make([]float64, len(rl.Series))
	for i, p := range rl.Series {
		peak[i] = float64(p.Peak)
		warn[i] = float64(rl.Limit) * 0.8
		crit[i] = float64(rl.Limit) * 0.95
	}
	return []series{
		{name: fmt.Sprintf("80%% (%d)", rl.Limit*80/100), values: warn, color: pal.Warning, marker: "-"},
		{name: fmt.Sprintf("95%% (%d)", rl.Limit*95/100), values: crit, color: pal.Danger, marker: "="},
		{name: "peak/min", values: peak, color: pal.Series[0]},
	}
}

func (m *Model) rateBody(w, h int) plotted {
	k := chartKey{version: m.version, width: w, height: h, noColor: m.ctx.NoColor, styles: m.ctx.Styles}
	return m.rl.Get(k, func() plotted {
		// Scale so the 95% line lands exactly on the row below the top; the 80%
		// line is within half a row and its row is labelled with its value.
		top := float64(m.data.RateLimit.Limit)
		if h > 2 {
			top = top * 0.95 * float64(h-1) / float64(h-2)
		}
		limit := float64(m.data.RateLimit.Limit)
		p := fitPlot(m.rateSeries(), w, h, top, []float64{limit * 0.8, limit * 0.95}, m.ctx.NoColor)
		return p
	})
}

// rateLimit renders the monitoring chart, the events lines and, near the
// limit, a recommendation.
func (m *Model) rateLimit(w, h int) block {
	s := m.ctx.Styles
	d := m.data
	rl := d.RateLimit
	ser := m.rateSeries()
	head := m.heading(secRateLimit, "Rate limit", fmt.Sprintf("peak requests/minute vs %s/min", common.Thousands(int64(rl.Limit))))
	lines := []string{common.Clip(head, w)}
	n := len(rl.Series)
	if n > 0 && rl.Limit > 0 {
		lines = append(lines, common.Clip("  "+legend([]series{ser[2], ser[0], ser[1]}, m.ctx.NoColor), w))
		p := m.rateBody(w, h)
		if p.cols > 0 {
			loc := m.now().Location()
			at := func(c int) time.Time { lo, _ := span(c, p.cols, n); return rl.Series[lo].T.In(loc) }
			axis, labels := xAxis(p, at, -1, s.Cursor)
			lines = append(lines, p.lines...)
			lines = append(lines, axis, labels)
		}
	}
	exceeded := fmt.Sprintf("Rate limit exceeded %s %s %s", common.Thousands(rl.ExceededCount), plural(rl.ExceededCount, "time", "times"), m.periodWords())
	if rl.ExceededCount == 0 {
		lines = append(lines, s.Success.Render("✓ ")+"Rate limit not exceeded "+m.periodWords())
	} else {
		lines = append(lines, s.Danger.Render("✗ ")+exceeded)
	}
	ratio := 0.0
	if rl.Limit > 0 {
		ratio = float64(rl.Peak) / float64(rl.Limit)
	}
	peak := fmt.Sprintf("Peak usage: %s / %s requests/minute", common.Thousands(rl.Peak), common.Thousands(int64(rl.Limit)))
	if rl.PeakAt != nil {
		peak += " at " + rl.PeakAt.In(m.now().Location()).Format(peakLayout(d.To.Sub(d.From)))
	}
	lines = append(lines, s.Level(ratio).Render("● ")+peak)
	if ratio >= 0.8 || rl.ExceededCount > 0 {
		plan := common.Sanitize(m.ctx.Me.Tenant.Plan.DisplayName)
		lead := "Close to the limit"
		if rl.ExceededCount > 0 || ratio > 1 {
			lead = "Over the limit at times"
		}
		tip := lead + ": batch requests where the API allows it, spread bursts out, or move to a plan with a higher limit"
		if plan != "" {
			tip += " (now: " + plan + ")"
		}
		lines = append(lines, wrap(s.Warning.Render("→ ")+tip+".", w)...)
	}
	return block{lines: lines, rowTop: -1}
}

func peakLayout(d time.Duration) string {
	if d <= 24*time.Hour {
		return "15:04"
	}
	return "Mon 02 Jan 15:04"
}

func plural(n int64, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
