// Package rowlist is a cursor over a list of rows seen through a window:
// the keys table, webhook endpoints and deliveries. The window moves only
// as far as it must to keep the cursor in it, and only the rows inside it
// are rendered, so a list of 10,000 keys costs a screenful per frame.
package rowlist

// Model is the cursor and the window's first row. The zero value is an
// empty list.
type Model struct {
	cursor, offset, n int
}

// Len is the number of rows.
func (l *Model) Len() int { return l.n }

// Cursor is the selected row (0 when the list is empty).
func (l *Model) Cursor() int { return l.cursor }

// Offset is the first row of the window as last scrolled.
func (l *Model) Offset() int { return l.offset }

// SetLen sets the number of rows, keeping the cursor inside them.
func (l *Model) SetLen(n int) {
	l.n = max(0, n)
	l.cursor = max(0, min(l.cursor, l.n-1))
}

// Select puts the cursor on row i and scrolls a window of height rows to it.
func (l *Model) Select(i, height int) {
	l.cursor = i
	l.Scroll(height)
}

// Move moves the cursor by delta rows (clamped) and scrolls to it.
func (l *Model) Move(delta, height int) {
	l.Select(l.cursor+delta, height)
}

// Reset puts the cursor and the window on the first row.
func (l *Model) Reset() { l.cursor, l.offset = 0, 0 }

// Scroll clamps the cursor and moves the window of height rows only as far
// as needed to show it; the window never hangs past the last row.
func (l *Model) Scroll(height int) {
	l.cursor = max(0, min(l.cursor, l.n-1))
	l.offset = l.window(height)
}

// Window is the range [start, end) of rows to render in height rows. It
// reads the state only, so View may call it with the height it has.
func (l *Model) Window(height int) (start, end int) {
	start = l.window(height)
	return start, min(l.n, start+max(1, height))
}

func (l *Model) window(height int) int {
	h := max(1, height)
	off := l.offset
	if l.cursor < off {
		off = l.cursor
	}
	if l.cursor >= off+h {
		off = l.cursor - h + 1
	}
	return max(0, min(off, l.n-h))
}
