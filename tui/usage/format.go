package usage

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// thousands renders n with comma separators: 12345 → "12,345".
func thousands(n int64) string {
	sign := ""
	if n < 0 {
		sign, n = "-", -n
	}
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	b.WriteString(sign)
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// axisLabel formats a y-axis magnitude; small scales keep one decimal so the
// labels do not repeat.
func axisLabel(maxV float64) func(float64) string {
	return func(v float64) string {
		if maxV < 10 {
			return strconv.FormatFloat(math.Round(v*10)/10, 'f', 1, 64)
		}
		return thousands(int64(math.Round(v)))
	}
}

func pct(v float64) string {
	if v >= 99.95 && v < 100 {
		return "99.9%"
	}
	return strconv.FormatFloat(v, 'f', 1, 64) + "%"
}

func ms(v float64) string {
	if v >= 1000 {
		return strconv.FormatFloat(v/1000, 'f', 2, 64) + " s"
	}
	return strconv.FormatFloat(v, 'f', 0, 64) + " ms"
}

// width is the cell width of a rendered line. Lines of ASCII, SGR escapes
// and the box-drawing and symbol characters the pane draws with are counted
// directly; anything else (CJK, emoji, combining marks) takes the full
// grapheme-aware path. Charts made this the hottest function of View.
func width(s string) int {
	n := 0
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == 0x1b:
			i += escLen(s[i:])
		case c < 0x20 || c == 0x7f:
			return ansi.StringWidth(s)
		case c < 0x80:
			n++
			i++
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if !narrow(r) {
				return ansi.StringWidth(s)
			}
			n++
			i += size
		}
	}
	return n
}

// narrow reports runes known to take exactly one cell.
func narrow(r rune) bool {
	switch {
	case r >= 0xA0 && r <= 0x2FF, // Latin-1 and extended Latin
		r >= 0x2010 && r <= 0x2027, // dashes, quotes, bullet, ellipsis
		r >= 0x2190 && r <= 0x21FF, // arrows
		r >= 0x2500 && r <= 0x25FC, // box drawing, blocks, geometric shapes
		r == 0x2713 || r == 0x2717 || r == 0x275A:
		return true
	}
	return false
}

// escLen is the length of the CSI or OSC sequence at the start of s.
func escLen(s string) int {
	if len(s) < 2 {
		return len(s)
	}
	switch s[1] {
	case '[':
		for i := 2; i < len(s); i++ {
			if s[i] >= 0x40 && s[i] <= 0x7e {
				return i + 1
			}
		}
	case ']':
		for i := 2; i < len(s); i++ {
			if s[i] == 0x07 {
				return i + 1
			}
			if s[i] == 0x1b && i+1 < len(s) && s[i+1] == '\\' {
				return i + 2
			}
		}
	default:
		return 2
	}
	return len(s)
}

// fit truncates s to w cells (with an ellipsis) and pads it to exactly w.
func fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	s, pad := truncPad(s, w)
	return s + pad
}

// fitRight is fit with the text right-aligned (numbers).
func fitRight(s string, w int) string {
	if w <= 0 {
		return ""
	}
	s, pad := truncPad(s, w)
	return pad + s
}

// truncPad cuts s to w cells and returns the padding that fills the rest.
func truncPad(s string, w int) (string, string) {
	n := width(s)
	if n > w {
		s = ansi.Truncate(s, w, "…")
		n = ansi.StringWidth(s)
	}
	return s, strings.Repeat(" ", max(0, w-n))
}

// clip cuts a rendered line to w cells without padding.
func clip(s string, w int) string {
	if len(s) <= w || width(s) <= w {
		return s // bytes bound cells, so short strings need no measuring
	}
	return ansi.Truncate(s, w, "")
}

// padTo pads a line that is known to fit to w cells (blocks are rendered
// to their width already, so only short lines need measuring).
func padTo(s string, w int) string {
	n := width(s)
	if n > w {
		return ansi.Truncate(s, w, "")
	}
	return s + strings.Repeat(" ", w-n)
}

// bucketName describes a bucket size: "1-minute", "15-minute", "1-hour".
func bucketName(sec int) string {
	d := time.Duration(sec) * time.Second
	switch {
	case sec <= 0:
		return "?"
	case d%time.Hour == 0 && d >= time.Hour:
		return fmt.Sprintf("%d-hour", int(d/time.Hour))
	case d%time.Minute == 0:
		return fmt.Sprintf("%d-minute", int(d/time.Minute))
	}
	return fmt.Sprintf("%d-second", sec)
}

// wrap word-wraps a (possibly styled) line to w columns.
func wrap(s string, w int) []string {
	if w <= 0 {
		return nil
	}
	return strings.Split(lipgloss.NewStyle().Width(w).Render(s), "\n")
}
