package chart

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

var now = time.Date(2026, 11, 30, 14, 30, 0, 0, time.UTC)

// buckets is n buckets of step ending with the one holding now.
func buckets(step time.Duration, n int) []time.Time {
	to := now.Truncate(step).Add(step)
	out := make([]time.Time, n)
	for i := range out {
		out[i] = to.Add(-time.Duration(n-i) * step)
	}
	return out
}

func wave(n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = float64(40 + (i*37)%23)
	}
	return v
}

func mx(v []float64) float64 {
	m := math.Inf(-1)
	for _, x := range v {
		m = math.Max(m, x)
	}
	return m
}

func TestResampleKeepsEveryMaximum(t *testing.T) {
	values := wave(720)
	values[400] = 999
	for _, w := range []int{7, 50, 73, 100, 189, 719, 720, 1000} {
		got := Resample(values, w)
		if len(got) != w || mx(got) != mx(values) {
			t.Fatalf("width %d: %d columns, max %v", w, len(got), mx(got))
		}
		for c := range got {
			lo, hi := spanOf(c, w, len(values))
			if got[c] != mx(values[lo:hi]) {
				t.Fatalf("w=%d col %d is not the max of its buckets", w, c)
			}
		}
		for i := range values {
			c := columnOf(i, w, len(values))
			if lo, hi := spanOf(c, w, len(values)); i < lo || i >= hi {
				t.Fatalf("w=%d bucket %d → column %d covering [%d,%d)", w, i, c, lo, hi)
			}
		}
	}
}

// Squeezed, the newest bucket has the last column to itself: a spike just
// before it is drawn with its way down, not as a plateau at the edge.
func TestSpikeInLastColumnComesDown(t *testing.T) {
	values := wave(168)
	values[166] = 500 // the spike, then a quiet newest bucket
	r := Resample(values, 70)
	if r[69] != values[167] || r[68] != 500 {
		t.Fatalf("last columns %v, want the spike then the newest value %v", r[66:], values[167])
	}
	p := New([]Series{{Name: "total", Values: values}}, Options{Width: 80, Height: 10})
	last := -1
	for _, l := range p.Lines {
		if cells := []rune(ansi.Strip(l)); len(cells) > p.AxisCol+p.Cols-1 && strings.ContainsRune("╮╰│", cells[p.AxisCol+p.Cols-1]) {
			last = p.AxisCol + p.Cols - 1
		}
	}
	if last < 0 {
		t.Fatalf("no downstroke in the last column:\n%s", strings.Join(p.Lines, "\n"))
	}
}

// Every label of the x axis starts exactly under its tick, at every width
// and for the 1h, 24h and 7d ranges; multi-day ranges show dates; the
// cursor on a labelled bucket sits under that label.
func TestLabelsSitUnderTheirTicks(t *testing.T) {
	for _, r := range []struct {
		name  string
		step  time.Duration
		n     int
		dates bool
	}{{"1h", time.Minute, 60, false}, {"24h", 15 * time.Minute, 96, true}, {"7d", time.Hour, 168, true}} {
		at := buckets(r.step, r.n)
		for w := 60; w <= 200; w += 7 {
			t.Run(fmt.Sprintf("%s/%d", r.name, w), func(t *testing.T) {
				p := New([]Series{{Name: "total", Values: wave(r.n)}}, Options{Width: w, Height: 8})
				axis, labels := p.XAxis(func(i int) time.Time { return at[i] }, -1, lipgloss.NewStyle())
				ax, lab := []rune(axis), []rune(labels)
				n, sawDate := 0, false
				for v := 0; v < len(lab); v++ {
					if lab[v] == ' ' || (v > 0 && lab[v-1] != ' ') {
						continue
					}
					if v >= len(ax) || ax[v] != '┬' {
						t.Fatalf("label at %d not under a tick:\n%s\n%s", v, axis, labels)
					}
					layout := clockLayout
					if v+2 < len(lab) && lab[v+2] != ':' {
						layout, sawDate = dateLayout, true
					}
					word := string(lab[v:min(len(lab), v+len(layout))])
					lo, hi := p.Span(v - p.AxisCol)
					found := false
					for i := lo; i < hi; i++ {
						ts := at[i]
						if layout == dateLayout {
							found = found || (ts.Format(dateLayout) == word && ts.Hour() == 0 && ts.Minute() == 0)
						} else {
							found = found || ts.Format(clockLayout) == word
						}
					}
					if !found {
						t.Errorf("label %q at column %d: no bucket of [%s, %s] starts then", word, v-p.AxisCol, at[lo].Format(time.Kitchen), at[hi-1].Format(time.Kitchen))
					}
					n++
					v += len(layout)
				}
				if n < 2 {
					t.Fatalf("only %d labels:\n%s\n%s", n, axis, labels)
				}
				if r.dates && !sawDate {
					t.Fatalf("a multi-day axis without dates:\n%s", labels)
				}
			})
		}
	}
}

// The cursor on the 12:00 bucket sits under the label 12:00 (labels used
// to drift a column left per tick, putting 12:30 under 14:00).
func TestCursorUnderItsLabel(t *testing.T) {
	at := buckets(15*time.Minute, 96)
	for _, w := range []int{80, 120, 200} {
		p := New([]Series{{Name: "total", Values: wave(96)}}, Options{Width: w, Height: 8})
		for i, ts := range at {
			if ts.Minute() != 0 || ts.Hour()%6 != 0 || ts.Hour() == 0 {
				continue
			}
			col := p.Column(i)
			_, labels := p.XAxis(func(i int) time.Time { return at[i] }, col, lipgloss.NewStyle())
			lab := []rune(labels)
			want := ts.Format(clockLayout)
			if v := p.AxisCol + col; v+len(want) <= len(lab) && string(lab[v:v+len(want)]) != want {
				t.Fatalf("w=%d: cursor on %s at column %d, label there %q\n%s", w, want, v, string(lab[v:min(len(lab), v+5)]), labels)
			}
		}
	}
}

// The still-filling newest bucket is dotted, not a solid fall at the edge.
func TestPartialBucketIsDotted(t *testing.T) {
	values := wave(96)
	values[95] = 3 // the bucket has just begun
	for _, noColor := range []bool{false, true} {
		p := New([]Series{{Name: "total", Values: values}, {Name: "errors", Values: wave(96), Marker: "x"}}, Options{Width: 80, Height: 8, Partial: true, NoColor: noColor})
		body := ansi.Strip(strings.Join(p.Lines, "\n"))
		if !strings.ContainsAny(body, "┄┆") {
			t.Fatalf("noColor=%v: partial bucket not dotted:\n%s", noColor, body)
		}
		for _, l := range p.Lines {
			cells := []rune(ansi.Strip(l))
			if c := p.AxisCol + p.Cols - 1; c < len(cells) && strings.ContainsRune("╮╰│─", cells[c]) {
				t.Fatalf("noColor=%v: solid line in the partial column:\n%s", noColor, body)
			}
		}
		if !strings.Contains(Legend(nil, p, noColor), "┄ so far") {
			t.Fatal("the legend does not say what the dots are")
		}
	}
}

// Counts have whole-number labels only, none repeated: a small series
// reads 1 and 0, not 1,1,1,0,0,0.
func TestCountLabelsAreWholeNumbers(t *testing.T) {
	for _, maxV := range []float64{0, 1, 2, 3, 7, 9, 10, 11, 37, 845, 12345} {
		for _, h := range []int{5, 6, 7, 10, 16} {
			p := New([]Series{{Name: "n", Values: []float64{0, maxV, maxV / 2, 0}}}, Options{Width: 60, Height: h})
			seen := map[string]bool{}
			for _, l := range p.Lines {
				label := strings.TrimSpace(strings.TrimRight(strings.SplitN(ansi.Strip(l), "┤", 2)[0], "┼"))
				label = strings.TrimSpace(strings.SplitN(label, "┼", 2)[0])
				if label == "" {
					continue
				}
				if strings.ContainsAny(label, ".") || seen[label] {
					t.Fatalf("max %v height %d: label %q:\n%s", maxV, h, label, strings.Join(p.Lines, "\n"))
				}
				seen[label] = true
			}
			if !seen["0"] {
				t.Fatalf("max %v height %d: no 0 label", maxV, h)
			}
		}
	}
}

// A limit gets a row of its own when a round step allows, labelled once.
func TestLimitHasItsOwnRow(t *testing.T) {
	lim := make([]float64, 96)
	for i := range lim {
		lim[i] = 60
	}
	p := New([]Series{{Name: "peak", Values: wave(96)}, {Name: "limit", Values: lim, Steady: true}}, Options{Width: 100, Height: 10, Top: 66, Marks: []float64{60}})
	n := 0
	for _, l := range p.Lines {
		label, rest, _ := strings.Cut(ansi.Strip(l), "┤")
		if strings.TrimSpace(label) == "60" {
			n++
			if !strings.Contains(rest, "───") && !strings.Contains(ansi.Strip(l), "┼") {
				t.Fatalf("the 60 row does not hold the limit line:\n%s", strings.Join(p.Lines, "\n"))
			}
		}
		if strings.Contains(label, "60") && strings.Contains(ansi.Strip(l), "┼") {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("60 labelled %d times:\n%s", n, strings.Join(p.Lines, "\n"))
	}
}

// A series without values next to one with values is left out, not fatal.
func TestEmptySeriesBesideAFullOne(t *testing.T) {
	p := New([]Series{{Values: []float64{1, 2, 3, 4}}, {Values: nil}}, Options{Width: 40, Height: 6, Partial: true})
	if len(p.Lines) == 0 {
		t.Fatal("no chart drawn")
	}
}
