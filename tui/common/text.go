package common

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// Text helpers shared by every pane. They measure with Width, whose fast
// path counts ASCII, SGR escapes and the symbols the console draws with
// directly: charts and long tables made measuring the hottest part of View.

// Width is the cell width of a rendered line. Lines of ASCII, escape
// sequences and known one-cell symbols are counted directly; anything else
// (CJK, emoji, combining marks) takes the full grapheme-aware path.
func Width(s string) int {
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

// Fit truncates s to w cells (with an ellipsis) and pads it to exactly w.
func Fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	s, pad := truncPad(s, w)
	return s + pad
}

// FitRight is Fit with the text right-aligned (numbers).
func FitRight(s string, w int) string {
	if w <= 0 {
		return ""
	}
	s, pad := truncPad(s, w)
	return pad + s
}

// truncPad cuts s to w cells and returns the padding that fills the rest.
func truncPad(s string, w int) (string, string) {
	n := Width(s)
	if n > w {
		s = ansi.Truncate(s, w, "…")
		n = Width(s)
	}
	return s, strings.Repeat(" ", max(0, w-n))
}

// Truncate cuts s to w cells with an ellipsis, without padding.
func Truncate(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if len(s) <= w || Width(s) <= w {
		return s // bytes bound cells, so short strings need no measuring
	}
	return ansi.Truncate(s, w, "…")
}

// Clip cuts a rendered line to w cells without an ellipsis or padding.
func Clip(s string, w int) string {
	if len(s) <= w || Width(s) <= w {
		return s
	}
	return ansi.Truncate(s, max(0, w), "")
}

// Pad pads a line to w cells; a longer line is kept whole.
func Pad(s string, w int) string {
	if n := Width(s); n < w {
		return s + strings.Repeat(" ", w-n)
	}
	return s
}

// PadClip pads a line to exactly w cells, clipping a longer one.
func PadClip(s string, w int) string {
	n := Width(s)
	if n > w {
		return ansi.Truncate(s, max(0, w), "")
	}
	return s + strings.Repeat(" ", w-n)
}

// PadLeft right-aligns a line in w cells; a longer line is kept whole.
func PadLeft(s string, w int) string {
	if n := Width(s); n < w {
		return strings.Repeat(" ", w-n) + s
	}
	return s
}

// ClipBlock cuts a rendered block to at most w×h cells, so a pane never
// overflows its area; short blocks stay short.
func ClipBlock(s string, w, h int) string { return block(s, w, h, Clip, false) }

// TruncateBlock is ClipBlock with an ellipsis where a line is cut.
func TruncateBlock(s string, w, h int) string { return block(s, w, h, Truncate, false) }

// FitBlock is ClipBlock padded with empty lines to exactly h lines, so bars
// around it never move.
func FitBlock(s string, w, h int) string { return block(s, w, h, Clip, true) }

func block(s string, w, h int, cut func(string, int) string, fill bool) string {
	lines := strings.Split(s, "\n")
	if len(lines) > h {
		lines = lines[:max(0, h)]
	}
	for i, l := range lines {
		lines[i] = cut(l, w)
	}
	for fill && len(lines) < h {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}

// Spread puts left and right on one line of width w; left is truncated
// first, and at least one space separates a non-empty right.
func Spread(left, right string, w int) string {
	lw, rw := Width(left), Width(right)
	gap := 0
	if right != "" {
		gap = 1
	}
	if lw+gap+rw > w {
		left = ansi.Truncate(left, max(w-rw-gap, 0), "…")
		lw = Width(left)
	}
	return left + strings.Repeat(" ", max(w-lw-rw, gap)) + right
}

// Fits reports that Spread can show left and right whole in w cells.
func Fits(left, right string, w int) bool {
	gap := 0
	if right != "" {
		gap = 1
	}
	return Width(left)+gap+Width(right) <= w
}

// Wrap word-wraps plain text (an error, a hint) to w cells, at least 10,
// breaking also after commas and slashes so long paths and lists wrap.
func Wrap(s string, w int) string { return ansi.Wrap(s, max(10, w), " ,/") }

// WrapWords word-wraps at spaces only, keeping hyphenated words whole: a
// flag such as --allow-private-webhooks must not break at its hyphens.
func WrapWords(s string, w int) string {
	const nbh = "\u2011" // non-breaking hyphen, one cell like "-"
	return strings.ReplaceAll(ansi.Wordwrap(strings.ReplaceAll(s, "-", nbh), max(10, w), ""), nbh, "-")
}

// Thousands renders n with comma separators: 12345 → "12,345".
func Thousands(n int64) string {
	sign := ""
	if n < 0 {
		sign, n = "-", -n
	}
	s := strconv.FormatInt(n, 10)
	if len(s) <= 3 {
		return sign + s
	}
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
