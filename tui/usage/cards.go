package usage

import (
	"math"
	"strconv"
	"strings"

	"charm.land/lipgloss/v2"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
)

// better says which direction of change is good for a metric.
type better int

const (
	neutral better = iota
	higher
	lower
)

type card struct {
	label, value string
	delta        string
	good         better
	sign         int // direction of the change: -1, 0, 1
}

// relDelta is the relative change in percent; ok is false without a base.
func relDelta(cur, prev float64) (string, int, bool) {
	if prev == 0 {
		if cur == 0 {
			return "no change", 0, true
		}
		// Nothing before to rise from: no arrow, so no good or bad colour.
		return "new", 0, false
	}
	if cur >= bigRatio*prev {
		// "▲ 7196.6%" is hard to read: a multiple says the same.
		return "▲ " + strconv.FormatFloat(math.Floor(cur/prev), 'f', 0, 64) + "×", 1, true
	}
	d := (cur - prev) / prev * 100
	return arrow(d) + strconv.FormatFloat(math.Abs(d), 'f', 1, 64) + "%", signOf(d), true
}

// bigRatio is where a rise is told as a multiple rather than a percentage.
const bigRatio = 10

// ppDelta is the change in percentage points.
func ppDelta(cur, prev float64) (string, int) {
	d := cur - prev
	return arrow(d) + strconv.FormatFloat(math.Abs(d), 'f', 1, 64) + " pp", signOf(d)
}

func signOf(d float64) int {
	switch {
	case d >= 0.05:
		return 1
	case d <= -0.05:
		return -1
	}
	return 0
}

func arrow(d float64) string {
	switch signOf(d) {
	case 1:
		return "▲ "
	case -1:
		return "▼ "
	}
	return "= "
}

// sparseRatio: an earlier period with at most 1/sparseRatio of this one's
// requests mostly predates the data (a new account, a fresh sandbox).
const sparseRatio = 20

// metricCards are the five cards with their change against Previous.
func metricCards(t, p models.UsageTotals) []card {
	req, rs, _ := relDelta(float64(t.Requests), float64(p.Requests))
	sr, ss := ppDelta(t.SuccessRate, p.SuccessRate)
	avg, as, _ := relDelta(t.AvgLatencyMS, p.AvgLatencyMS)
	p95, ps, _ := relDelta(t.P95LatencyMS, p.P95LatencyMS)
	refused, rs2, _ := relDelta(float64(t.RateLimited), float64(p.RateLimited))
	if p.Requests == 0 {
		// Nothing to compare with: the requests are new (said once, on
		// Requests), the rest has no earlier value. Latencies of 0 are no
		// base, so they must not read as a rise.
		sr, ss, avg, as, p95, ps, refused, rs2 = "—", 0, "—", 0, "—", 0, "—", 0
	} else if p.Requests*sparseRatio <= t.Requests {
		// Rates against a period that mostly predates the data say little;
		// the rise in requests is still told (as a multiple).
		sr, ss, avg, as, p95, ps, refused, rs2 = "—", 0, "—", 0, "—", 0, "—", 0
	}
	return []card{
		{label: "Requests", value: common.Thousands(t.Requests), delta: req, sign: rs},
		{label: "Success rate", value: pct(t.SuccessRate), delta: sr, sign: ss, good: higher},
		{label: "Avg latency", value: ms(t.AvgLatencyMS), delta: avg, sign: as, good: lower},
		{label: "p95 latency", value: ms(t.P95LatencyMS), delta: p95, sign: ps, good: lower},
		// Refused requests, not a percentage of a limit: limits are per key,
		// so a minute summed over keys has none to divide by, and one key
		// may pass its per-minute limit on its burst without a refusal.
		{label: "429 refused", value: refusedValue(t), delta: refused, sign: rs2, good: lower},
	}
}

// refusedValue is the 429 count with its share of the requests.
func refusedValue(t models.UsageTotals) string {
	v := common.Thousands(t.RateLimited)
	if t.RateLimited > 0 && t.Requests > 0 {
		v += " (" + pctShare(float64(t.RateLimited)*100/float64(t.Requests)) + ")"
	}
	return v
}

// pctShare is a small share that stays visible: 0.04% rather than 0.0%.
func pctShare(p float64) string {
	switch {
	case p < 0.01:
		return "<0.01%"
	case p < 1:
		return strconv.FormatFloat(p, 'f', 2, 64) + "%"
	}
	return strconv.FormatFloat(p, 'f', 1, 64) + "%"
}

// cards renders the metric cards in one row across w columns. The boxes
// are drawn by hand: five lipgloss borders cost more than the whole chart.
func (m *Model) cards(w int) block {
	s := m.ctx.Styles
	cs := metricCards(m.data.Totals, m.data.Previous)
	n := len(cs)
	border := lipgloss.NewStyle().Foreground(s.Palette.Border)
	var top, bottom strings.Builder
	rows := [3]strings.Builder{}
	for i, c := range cs {
		cw := w / n
		if i == n-1 {
			cw = w - cw*(n-1)
		}
		inner := cw - 4
		st := s.Muted
		switch {
		case c.sign == 0 || c.good == neutral:
		case (c.sign > 0) == (c.good == higher):
			st = s.Success
		default:
			st = s.Danger
		}
		delta := c.delta
		if m.wide() && c.delta != "—" && c.delta != "new" {
			delta += " vs prev"
		}
		value := c.value
		if common.Width(value) > inner {
			// "1,234 (0.40%)" → "1,234": the count is what the label names.
			value, _, _ = strings.Cut(value, " (")
		}
		valueStyle := s.Bold
		if c.label == "429 refused" && m.data.Totals.RateLimited > 0 {
			valueStyle = s.Danger.Bold(true)
		}
		top.WriteString("╭" + strings.Repeat("─", cw-2) + "╮")
		bottom.WriteString("╰" + strings.Repeat("─", cw-2) + "╯")
		side := border.Render("│")
		for r, text := range [3]string{s.Label.Render(common.Fit(c.label, inner)), valueStyle.Render(common.Fit(value, inner)), st.Render(common.Fit(delta, inner))} {
			rows[r].WriteString(side + " " + text + " " + side)
		}
	}
	return block{lines: []string{border.Render(top.String()), rows[0].String(), rows[1].String(), rows[2].String(), border.Render(bottom.String())}, rowTop: -1}
}
