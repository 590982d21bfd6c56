package usage

import (
	"fmt"
	"time"

	"github.com/penguinmails/pmdev/tui/common"
	"github.com/penguinmails/pmdev/tui/component/chart"
)

// Limits apply per key: a minute summed over every key has no limit to
// compare with, so the all-keys chart draws no limit line and says why.
// Filtered to a key, the key's own limit is drawn; above it the bucket's
// burst is being spent, and a minute can pass it without any refusal.

// rateSeries are the busiest minute of each bucket and, for one key, its
// per-minute limit.
func (m *Model) rateSeries() []chart.Series {
	pal := m.ctx.Styles.Palette
	rl := m.data.RateLimit
	peak := make([]float64, len(rl.Series))
	for i, p := range rl.Series {
		peak[i] = float64(p.Peak)
	}
	out := []chart.Series{{Name: "busiest minute", Values: peak, Color: pal.Series[0]}}
	if m.data.KeyID != "" && rl.Limit > 0 {
		limit := make([]float64, len(rl.Series))
		for i := range limit {
			limit[i] = float64(rl.Limit)
		}
		out = append(out, chart.Series{Name: fmt.Sprintf("limit %s/min", common.Thousands(int64(rl.Limit))), Values: limit,
			Color: pal.Warning, Marker: "=", Steady: true})
	}
	return out
}

func (m *Model) rateBody(w, h int) chart.Plot {
	k := chartKey{version: m.version, width: w, height: h, noColor: m.ctx.NoColor, styles: m.ctx.Styles}
	return m.rl.Get(k, func() chart.Plot {
		o := chart.Options{Width: w, Height: h, Top: 4, Partial: filling(m.data), NoColor: m.ctx.NoColor}
		if lim := float64(m.data.RateLimit.Limit); m.data.KeyID != "" && lim > 0 {
			o.Top, o.Marks = lim*1.1, []float64{lim}
		}
		return chart.New(m.rateSeries(), o)
	})
}

// limits is the key's limit against the plan's, for the advice.
func (m *Model) limits() common.Limits {
	plan := m.ctx.Me.Tenant.Plan
	if m.live != nil && m.live.Plan.LimitPerMinute > 0 {
		plan = m.live.Plan
	}
	return common.Limits{Key: m.data.RateLimit.Limit, Plan: plan}
}

// rateLimit renders the monitoring chart, the refusals, the busiest
// minute, the live bucket and, when requests were refused or nearly, which
// limit binds and what lifts it.
func (m *Model) rateLimit(w, h int) block {
	s := m.ctx.Styles
	d := m.data
	rl := d.RateLimit
	hint := "busiest minute, all keys summed"
	if d.KeyID != "" {
		hint = fmt.Sprintf("busiest minute vs this key's %s/min", common.Thousands(int64(rl.Limit)))
	}
	lines := []string{common.Clip(m.heading(secRateLimit, "Rate limit", hint), w)}
	if n := len(rl.Series); n > 0 {
		p := m.rateBody(w, h)
		lines = append(lines, common.Clip("  "+chart.Legend(m.rateSeries(), p, m.ctx.NoColor), w))
		if p.Cols > 0 {
			loc := m.now().Location()
			axis, labels := p.XAxis(func(i int) time.Time { return rl.Series[i].T.In(loc) }, -1, s.Cursor)
			lines = append(lines, p.Lines...)
			lines = append(lines, axis, labels)
		}
	}
	if rl.ExceededCount == 0 {
		lines = append(lines, wrap(s.Success.Render("✓ ")+"No request refused (429) "+m.periodWords(), w)...)
	} else {
		lines = append(lines, wrap(s.Danger.Render("✗ ")+fmt.Sprintf("%s %s refused (429) %s", common.Thousands(rl.ExceededCount),
			plural(rl.ExceededCount, "request", "requests"), m.periodWords()), w)...)
	}
	lines = append(lines, wrap(m.peakLine(), w)...)
	if now := m.liveLine(); now != "" {
		lines = append(lines, common.Clip(now, w))
	}
	if tip := m.rateTip(); tip != "" {
		lines = append(lines, wrap(s.Warning.Render("→ ")+tip, w)...)
	}
	return block{lines: lines, rowTop: -1}
}

// peakLine is the busiest minute: against the key's limit, or as a sum.
func (m *Model) peakLine() string {
	s := m.ctx.Styles
	d := m.data
	rl := d.RateLimit
	if rl.Peak == 0 && d.Totals.Requests > 0 {
		// Requests refused before the bucket (401, 403) never draw on it.
		return s.Muted.Render("● No request drew on the rate limit " + m.periodWords())
	}
	if rl.Peak == 0 {
		return s.Muted.Render("● No requests " + m.periodWords())
	}
	at := ""
	if rl.PeakAt != nil {
		at = m.peakWhen(*rl.PeakAt)
	}
	text := fmt.Sprintf("Busiest minute: %s %s%s", common.Thousands(rl.Peak), plural(rl.Peak, "request", "requests"), at)
	if d.KeyID == "" || rl.Limit <= 0 {
		return s.Muted.Render("● ") + text + s.Muted.Render(" (all keys summed; limits are per key)")
	}
	ratio := float64(rl.Peak) / float64(rl.Limit)
	switch {
	case rl.Peak > int64(rl.Limit) && rl.ExceededCount == 0:
		text += fmt.Sprintf(", above the %s/min limit: the burst covered it", common.Thousands(int64(rl.Limit)))
	case rl.Peak > int64(rl.Limit):
		text += fmt.Sprintf(", above the %s/min limit until the burst ran out", common.Thousands(int64(rl.Limit)))
	default:
		text += fmt.Sprintf(" (limit %s/min)", common.Thousands(int64(rl.Limit)))
	}
	return s.Level(min(ratio, 1)).Render("● ") + text
}

// rateTip says which limit refused requests (or nearly did) and what lifts
// it; with all keys it points at the key filter, where the answer is.
func (m *Model) rateTip() string {
	d := m.data
	rl := d.RateLimit
	near := d.KeyID != "" && rl.Limit > 0 && float64(rl.Peak) >= 0.8*float64(rl.Limit)
	if rl.ExceededCount == 0 && !near {
		return ""
	}
	if d.KeyID == "" {
		return "limits are per key: " + m.ctx.Keys.Usage.KeyFilter.Help().Key + " picks a key to see which limit refused it (recent errors name the keys)."
	}
	l := m.limits()
	lead := "Close to " + l.Binds()
	if rl.ExceededCount > 0 {
		lead = "Refused by " + l.Binds()
	}
	return lead + ": " + l.Lift() + "."
}

// liveLine is the bucket now, when the live poll knows it: the shown key's,
// or with all keys the busiest one's.
func (m *Model) liveLine() string {
	if m.live == nil {
		return ""
	}
	s := m.ctx.Styles
	g := common.GaugeOf(*m.live)
	name := g.Name
	if id := m.data.KeyID; id != "" {
		found := false
		for _, k := range m.live.Keys {
			if k.KeyID == id {
				g.RateLimitState, name, found = k.RateLimitState, "", true
				g.Ratio = 0
				if g.Burst > 0 {
					g.Ratio = float64(g.Used) / float64(g.Burst)
				}
			}
		}
		if !found {
			// Not among the busy keys: its bucket is full.
			return s.Muted.Render("Now: ") + common.GaugeBar(s.Level(0), s.Subtle, 0, 10, m.ctx.NoColor) +
				s.Muted.Render(fmt.Sprintf(" 0/%s spent", common.Thousands(int64(m.live.Plan.Burst))))
		}
	}
	// No countdown here: the page redraws with each poll, not each second.
	text := " " + common.SpentText(g.RateLimitState)
	if name != "" {
		text += " · busiest: " + common.Sanitize(name)
	}
	return s.Muted.Render("Now: ") + common.GaugeBar(s.Level(g.Ratio), s.Subtle, g.Ratio, 10, m.ctx.NoColor) + s.Muted.Render(text)
}

// peakWhen says when the busiest minute was. Above 1-minute buckets the
// API names the start of a coarser rollup, not the minute, so the minute is
// only known to lie in the chart's bucket holding that time.
func (m *Model) peakWhen(at time.Time) string {
	d := m.data
	loc := m.now().Location()
	layout := peakLayout(d.To.Sub(d.From))
	b := time.Duration(d.BucketSeconds) * time.Second
	if b <= time.Minute || at.Before(d.From) {
		return " at " + at.In(loc).Format(layout)
	}
	start := d.From.Add(at.Sub(d.From) / b * b).In(loc)
	end := start.Add(b)
	endLayout := layout
	if y, mo, dd := start.Date(); end.Day() == dd && end.Month() == mo && end.Year() == y {
		endLayout = "15:04"
	}
	return " between " + start.Format(layout) + " and " + end.Format(endLayout)
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
