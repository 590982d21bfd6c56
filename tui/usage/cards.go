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
		return "new", 1, false
	}
	d := (cur - prev) / prev * 100
	return arrow(d) + strconv.FormatFloat(math.Abs(d), 'f', 1, 64) + "%", signOf(d), true
}

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

// metricCards are the five cards with their change against Previous.
func metricCards(t, p models.UsageTotals) []card {
	req, rs, _ := relDelta(float64(t.Requests), float64(p.Requests))
	sr, ss := ppDelta(t.SuccessRate, p.SuccessRate)
	avg, as, _ := relDelta(t.AvgLatencyMS, p.AvgLatencyMS)
	p95, ps, _ := relDelta(t.P95LatencyMS, p.P95LatencyMS)
	rl, ls := ppDelta(t.RateLimitUsagePc, p.RateLimitUsagePc)
	if p.Requests == 0 {
		sr, ss, rl, ls = "—", 0, "—", 0
	}
	return []card{
		{label: "Requests", value: common.Thousands(t.Requests), delta: req, sign: rs},
		{label: "Success rate", value: pct(t.SuccessRate), delta: sr, sign: ss, good: higher},
		{label: "Avg latency", value: ms(t.AvgLatencyMS), delta: avg, sign: as, good: lower},
		{label: "p95 latency", value: ms(t.P95LatencyMS), delta: p95, sign: ps, good: lower},
		{label: "Rate limit", value: strconv.FormatFloat(t.RateLimitUsagePc, 'f', 0, 64) + "% of limit", delta: rl, sign: ls, good: lower},
	}
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
			// "115% of limit" → "115%": the label already names the limit.
			value = strings.TrimSuffix(value, " of limit")
		}
		valueStyle := s.Bold
		if c.label == "Rate limit" {
			valueStyle = s.Level(m.data.Totals.RateLimitUsagePc / 100).Bold(true)
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
