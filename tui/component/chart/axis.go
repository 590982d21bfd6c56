package chart

import (
	"strings"
	"time"

	"charm.land/lipgloss/v2"
)

// tickSteps are the label intervals an x axis may use, finest first.
var tickSteps = []time.Duration{
	time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute,
	time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour,
	24 * time.Hour, 48 * time.Hour, 7 * 24 * time.Hour, 14 * 24 * time.Hour,
}

const (
	clockLayout = "15:04"
	dateLayout  = "02 Jan"
)

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

// tick is a labelled column of the x axis.
type tick struct {
	col   int
	label string
}

// ticks picks the columns where a new interval begins — the column holding
// the interval's first bucket — with an interval coarse enough that the
// labels never touch. A range of more than half a day labels midnights
// with their date ("01 Dec") so days can be told apart; day steps are
// dates throughout.
func (p Plot) ticks(at func(bucket int) time.Time) []tick {
	if p.Cols < 2 || p.N < 2 {
		return nil
	}
	span := at(p.N - 1).Sub(at(0))
	per := float64(span) / float64(p.Cols-1) // time per column
	dates := span > 12*time.Hour
	for _, step := range tickSteps {
		lw := len(clockLayout)
		if dates || step >= 24*time.Hour {
			lw = len(dateLayout)
		}
		if per > 0 && float64(step)/per < float64(lw+2) {
			continue
		}
		var out []tick
		last := -1
		for i := 1; i < p.N; i++ {
			if slot(at(i), step) == slot(at(i-1), step) {
				continue
			}
			c := p.Column(i)
			if c == last || c == 0 {
				continue
			}
			start := slotStart(at(i), step)
			layout := clockLayout
			if step >= 24*time.Hour || (dates && start.Hour() == 0 && start.Minute() == 0) {
				layout = dateLayout
			}
			out = append(out, tick{col: c, label: start.Format(layout)})
			last = c
		}
		return out
	}
	return nil
}

// XAxis draws the axis line under p with a ┬ at each tick and the cursor
// marker at column cursor (-1 for none), and the line of labels, each
// starting exactly under its tick. at is the time of bucket i.
func (p Plot) XAxis(at func(bucket int) time.Time, cursor int, cursorStyle lipgloss.Style) (axis, labels string) {
	if p.Cols == 0 {
		return "", ""
	}
	ts := p.ticks(at)
	isTick := make(map[int]bool, len(ts))
	var lab strings.Builder
	lab.WriteString(strings.Repeat(" ", p.AxisCol))
	pos := 0 // next free column of the labels line, in data columns
	for _, t := range ts {
		isTick[t.col] = true
		w := len(t.label)
		if t.col < pos || t.col+w > p.Cols {
			continue // it would touch the previous label or run off the chart
		}
		lab.WriteString(strings.Repeat(" ", t.col-pos))
		lab.WriteString(t.label)
		pos = t.col + w + 1
		lab.WriteString(" ")
	}
	var ax strings.Builder
	ax.WriteString(strings.Repeat(" ", p.AxisCol))
	for c := 0; c < p.Cols; c++ {
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
	return ax.String(), strings.TrimRight(lab.String(), " ")
}
