package chart

import (
	"math"

	"github.com/penguinmails/pmdev/tui/common"
)

// countScale is the top of a y scale over rows plot rows on which every
// label is a whole number, as counts are: whole steps of a round size
// (see roundStep), or, for counts smaller than the rows, a few rows per
// unit with the rows between left unlabelled. It never reads 1,1,1,0,0.
//
// A reference value (a limit) gets a row of its own where a round step
// allows it, so its line and its label agree.
func countScale(maxV float64, rows int, marks []float64) (top float64, label func(float64) string) {
	steps := rows - 1
	m := math.Ceil(max(maxV, 1))
	switch {
	case steps <= 0:
		top = m
	case m <= float64(steps):
		per := steps / int(m) // rows per unit
		top = float64(steps) / float64(per)
	default:
		step := roundStep(m / float64(steps))
		for s := step; len(marks) > 0 && s <= 4*step; s = roundStep(s + 1) {
			if onRows(s, marks) {
				step = s
				break
			}
		}
		top = step * float64(steps)
	}
	return top, wholeLabel
}

// onRows reports that every mark is a whole number of steps.
func onRows(step float64, marks []float64) bool {
	for _, mk := range marks {
		if r := mk / step; math.Abs(r-math.Round(r)) > 1e-9 {
			return false
		}
	}
	return true
}

// wholeLabel labels whole numbers (with thousands separators) and leaves
// rows between them blank.
func wholeLabel(v float64) string {
	r := math.Round(v)
	if math.Abs(v-r) > 1e-6 {
		return ""
	}
	return common.Thousands(int64(r))
}

// roundStep is the smallest whole round step at least x: 1, 1.2, 1.5, 2,
// 2.5, 3, 4, 5, 6 or 8 × 10ⁿ, fine enough that the top wastes little room.
func roundStep(x float64) float64 {
	if x <= 1 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(x)))
	for _, f := range []float64{1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10} {
		if v := f * p; v >= x-1e-9 && v == math.Round(v) {
			return v
		}
	}
	return 10 * p
}

// marked labels the row holding a reference value with the value itself,
// so the limit's row reads 60 rather than the row's nominal 56.
func marked(label func(float64) string, top float64, rows int, marks []float64) func(float64) string {
	if len(marks) == 0 {
		return label
	}
	half := top / float64(max(rows-1, 1)) / 2
	return func(v float64) string {
		for _, mk := range marks {
			// The one nearest row: a mark half-way between two takes the upper.
			if d := v - mk; math.Abs(d) < half || d == half {
				return common.Thousands(int64(math.Round(mk)))
			}
		}
		return label(v)
	}
}

// labelWidth estimates the y labels' width so the data columns can be
// sized before plotting.
func labelWidth(top float64, label func(float64) string) int {
	return max(len(label(top)), len(label(0)), len(common.Thousands(int64(top)))) + 1
}
