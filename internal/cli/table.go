package cli

import (
	"strings"

	"charm.land/lipgloss/v2"

	"github.com/penguinmails/pmdev/tui/common"
)

// A table prints rows the way gh does: on a terminal, a header and columns
// fitted to the width (optional columns dropped first, then flexible ones
// truncated with …); otherwise tab-separated values, no header, nothing
// truncated, so `cut -f` and `while read` work.

type column struct {
	title string
	right bool
	flex  bool // truncated when the line is too wide, down to min
	min   int  // a flexible column's least width (default 8 or its title)
	drop  int  // > 0: dropped when too wide, lowest first
}

type cell struct {
	text     string          // shown on a terminal (sanitised)
	plain    string          // the tab-separated value, when hasPlain
	hasPlain bool            // else scripts get text
	style    *lipgloss.Style // colour on a terminal
}

type table struct {
	cols []column
	rows [][]cell
}

func (t *table) add(cells ...cell) { t.rows = append(t.rows, cells) }

// Cells: plain text, styled, with a different script value, or both.
func cellText(text string) cell                      { return cell{text: text} }
func cellStyled(text string, st lipgloss.Style) cell { return cell{text: text, style: &st} }
func cellPlain(text, plain string) cell              { return cell{text: text, plain: plain, hasPlain: true} }
func cellBoth(text, plain string, st lipgloss.Style) cell {
	return cell{text: text, plain: plain, hasPlain: true, style: &st}
}

func (t *table) print(o *output) {
	if !o.ios.outTTY {
		for _, r := range t.rows {
			vals := make([]string, len(r))
			for i, x := range r {
				v := x.text
				if x.hasPlain {
					v = x.plain
				}
				vals[i] = strings.NewReplacer("\t", " ", "\n", " ").Replace(v)
			}
			o.println(strings.Join(vals, "\t"))
		}
		return
	}
	keep, widths := t.layout(o.width)
	var b strings.Builder
	for n, i := range keep {
		if n > 0 {
			b.WriteString("  ")
		}
		b.WriteString(pad(t.cols[i].title, widths[i], t.cols[i].right))
	}
	o.println(o.style(o.st.TableHeader, strings.TrimRight(b.String(), " ")))
	for _, r := range t.rows {
		b.Reset()
		for n, i := range keep {
			if n > 0 {
				b.WriteString("  ")
			}
			s := pad(common.Truncate(r[i].text, widths[i]), widths[i], t.cols[i].right)
			if n == len(keep)-1 && !t.cols[i].right {
				s = strings.TrimRight(s, " ")
			}
			if r[i].style != nil {
				s = o.style(*r[i].style, s)
			}
			b.WriteString(s)
		}
		o.println(b.String())
	}
}

// layout returns the columns that are shown and every column's width:
// optional columns go (lowest drop first) while the line cannot fit even
// with flexible columns at their minimum; then flexible ones shrink,
// widest first.
func (t *table) layout(width int) ([]int, []int) {
	widths := make([]int, len(t.cols))
	least := make([]int, len(t.cols))
	for i, col := range t.cols {
		widths[i] = common.Width(col.title)
		for _, r := range t.rows {
			widths[i] = max(widths[i], common.Width(r[i].text))
		}
		least[i] = widths[i]
		if col.flex {
			least[i] = min(widths[i], max(common.Width(col.title), col.min, 8))
		}
	}
	keep := make([]int, 0, len(t.cols))
	for i := range t.cols {
		keep = append(keep, i)
	}
	total := func(w []int) int {
		n := 2 * (len(keep) - 1)
		for _, i := range keep {
			n += w[i]
		}
		return n
	}
	for total(least) > width {
		drop, at := 0, -1
		for n, i := range keep {
			if d := t.cols[i].drop; d > 0 && (at < 0 || d < drop) {
				drop, at = d, n
			}
		}
		if at < 0 {
			break
		}
		keep = append(keep[:at], keep[at+1:]...)
	}
	for over := total(widths) - width; over > 0; over-- {
		best := -1
		for _, i := range keep {
			if t.cols[i].flex && widths[i] > least[i] && (best < 0 || widths[i] > widths[best]) {
				best = i
			}
		}
		if best < 0 {
			break
		}
		widths[best]--
	}
	return keep, widths
}

func pad(s string, w int, right bool) string {
	if right {
		return common.PadLeft(s, w)
	}
	return common.Pad(s, w)
}
