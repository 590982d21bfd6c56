package main

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// screen is a small terminal emulator: enough of the sequences Bubble Tea's
// renderer writes (cursor moves, erases, inserts and deletes of characters
// and lines, scrolling in margins, repeat) to know which text is on screen.
// Markers are matched against it, not against the byte stream: the
// renderer writes only the cells that changed, so a word on screen is often
// not a word in the output.
type screen struct {
	rows, cols   int
	cells        [][]rune
	y, x         int
	top, bottom  int // scrolling margins, inclusive
	last         rune
	insert, wrap bool
	p            *ansi.Parser
}

func newScreen(rows, cols int) *screen {
	s := &screen{rows: rows, cols: cols, bottom: rows - 1, wrap: true}
	s.cells = make([][]rune, rows)
	for i := range s.cells {
		s.cells[i] = blank(cols)
	}
	s.p = ansi.NewParser()
	s.p.SetHandler(ansi.Handler{Print: s.print, Execute: s.execute, HandleCsi: s.csi, HandleEsc: s.esc})
	return s
}

func blank(n int) []rune { return []rune(strings.Repeat(" ", n)) }

func (s *screen) write(b []byte) { s.p.Parse(b) }

// text is the screen, one line per row.
func (s *screen) text() string {
	var b strings.Builder
	for _, r := range s.cells {
		for _, c := range r {
			if c != 0 { // 0: the second cell of a wide character
				b.WriteRune(c)
			}
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func (s *screen) print(r rune) {
	w := ansi.StringWidth(string(r))
	if w == 0 {
		return // combining marks and the like: no cell of their own
	}
	if s.x+w > s.cols {
		if !s.wrap {
			s.x = s.cols - w
		} else {
			s.x = 0
			s.lineFeed()
		}
	}
	row := s.cells[s.y]
	if s.insert {
		copy(row[s.x+w:], row[s.x:])
	}
	row[s.x] = r
	if w == 2 && s.x+1 < s.cols {
		row[s.x+1] = 0
	}
	s.x += w
	s.last = r
}

func (s *screen) execute(b byte) {
	switch b {
	case '\r':
		s.x = 0
	case '\n', '\v', '\f':
		s.lineFeed()
	case '\b':
		s.x = max(0, s.x-1)
	case '\t':
		s.x = min(s.cols-1, (s.x/8+1)*8)
	}
}

func (s *screen) lineFeed() {
	if s.y == s.bottom {
		s.scrollUp(1)
	} else if s.y < s.rows-1 {
		s.y++
	}
}

func (s *screen) scrollUp(n int) {
	for range n {
		copy(s.cells[s.top:s.bottom], s.cells[s.top+1:s.bottom+1])
		s.cells[s.bottom] = blank(s.cols)
	}
}

func (s *screen) scrollDown(n int) {
	for range n {
		copy(s.cells[s.top+1:s.bottom+1], s.cells[s.top:s.bottom])
		s.cells[s.top] = blank(s.cols)
	}
}

func (s *screen) esc(cmd ansi.Cmd) {
	switch cmd.Final() {
	case 'M': // reverse index
		if s.y == s.top {
			s.scrollDown(1)
		} else {
			s.y = max(0, s.y-1)
		}
	case 'D':
		s.lineFeed()
	case 'E':
		s.x = 0
		s.lineFeed()
	}
}

func (s *screen) clampCursor() {
	s.y = min(max(s.y, 0), s.rows-1)
	s.x = min(max(s.x, 0), s.cols-1)
}

func (s *screen) csi(cmd ansi.Cmd, params ansi.Params) {
	if cmd.Prefix() != 0 {
		if cmd.Prefix() == '?' && params != nil {
			if n, _, _ := params.Param(0, 0); n == 7 { // autowrap
				s.wrap = cmd.Final() == 'h'
			}
		}
		return // other private modes: nothing on screen
	}
	n := func(i, def int) int {
		v, _, _ := params.Param(i, def)
		if v == 0 {
			v = def
		}
		return v
	}
	row := s.cells[s.y]
	switch cmd.Final() {
	case 'H', 'f':
		s.y, s.x = n(0, 1)-1, n(1, 1)-1
	case 'A':
		s.y -= n(0, 1)
	case 'B', 'e':
		s.y += n(0, 1)
	case 'C', 'a':
		s.x += n(0, 1)
	case 'D':
		s.x -= n(0, 1)
	case 'E':
		s.y, s.x = s.y+n(0, 1), 0
	case 'F':
		s.y, s.x = s.y-n(0, 1), 0
	case 'G', '`':
		s.x = n(0, 1) - 1
	case 'd':
		s.y = n(0, 1) - 1
	case 'I':
		s.x = min(s.cols-1, (s.x/8+n(0, 1))*8)
	case 'Z':
		s.x = max(0, ((s.x+7)/8-n(0, 1))*8)
	case 'K':
		mode, _, _ := params.Param(0, 0)
		switch mode {
		case 0:
			copy(row[s.x:], blank(s.cols-s.x))
		case 1:
			copy(row[:s.x+1], blank(s.x+1))
		case 2:
			copy(row, blank(s.cols))
		}
	case 'J':
		mode, _, _ := params.Param(0, 0)
		from, to := s.y+1, s.rows
		switch mode {
		case 0:
			copy(row[s.x:], blank(s.cols-s.x))
		case 1:
			copy(row[:s.x+1], blank(s.x+1))
			from, to = 0, s.y
		case 2, 3:
			from, to = 0, s.rows
		}
		for i := from; i < to; i++ {
			s.cells[i] = blank(s.cols)
		}
	case 'X':
		k := min(n(0, 1), s.cols-s.x)
		copy(row[s.x:s.x+k], blank(k))
	case 'P':
		k := min(n(0, 1), s.cols-s.x)
		copy(row[s.x:], row[s.x+k:])
		copy(row[s.cols-k:], blank(k))
	case '@':
		k := min(n(0, 1), s.cols-s.x)
		copy(row[s.x+k:], row[s.x:])
		copy(row[s.x:s.x+k], blank(k))
	case 'L', 'M':
		if s.y < s.top || s.y > s.bottom {
			return
		}
		top := s.top
		s.top = s.y
		if cmd.Final() == 'L' {
			s.scrollDown(n(0, 1))
		} else {
			s.scrollUp(n(0, 1))
		}
		s.top = top
	case 'S':
		s.scrollUp(n(0, 1))
	case 'T':
		s.scrollDown(n(0, 1))
	case 'r':
		s.top, s.bottom = n(0, 1)-1, n(1, s.rows)-1
		if s.top >= s.bottom || s.bottom >= s.rows {
			s.top, s.bottom = 0, s.rows-1
		}
		s.y, s.x = 0, 0
	case 'b':
		for range n(0, 1) {
			s.print(s.last)
		}
	case 'h', 'l':
		if m, _, _ := params.Param(0, 0); m == 4 {
			s.insert = cmd.Final() == 'h'
		}
	}
	s.clampCursor()
}
