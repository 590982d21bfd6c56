package rowlist

import "testing"

func TestWindowFollowsCursorOnlyAsFarAsNeeded(t *testing.T) {
	var l Model
	l.SetLen(100)
	cases := []struct {
		name               string
		do                 func()
		cursor, start, end int
	}{
		{"start", func() {}, 0, 0, 10},
		{"down inside", func() { l.Move(5, 10) }, 5, 0, 10},
		{"down past the bottom", func() { l.Move(7, 10) }, 12, 3, 13},
		{"up inside keeps the window", func() { l.Move(-4, 10) }, 8, 3, 13},
		{"up past the top", func() { l.Move(-6, 10) }, 2, 2, 12},
		{"end", func() { l.Move(1000, 10) }, 99, 90, 100},
		{"shrink", func() { l.SetLen(20); l.Scroll(10) }, 19, 10, 20},
		{"top", func() { l.Move(-1000, 10) }, 0, 0, 10},
		{"empty", func() { l.SetLen(0); l.Scroll(10) }, 0, 0, 0},
	}
	for _, c := range cases {
		c.do()
		start, end := l.Window(10)
		if l.Cursor() != c.cursor || start != c.start || end != c.end {
			t.Fatalf("%s: cursor %d window %d–%d, want %d %d–%d", c.name, l.Cursor(), start, end, c.cursor, c.start, c.end)
		}
	}
}

// Window is pure: a View with a smaller height than Update assumed still
// shows the cursor, and the stored window does not move.
func TestWindowDoesNotChangeState(t *testing.T) {
	var l Model
	l.SetLen(50)
	l.Select(30, 20)
	before := l.Offset()
	start, end := l.Window(5)
	if l.Cursor() < start || l.Cursor() >= end {
		t.Fatalf("cursor %d outside %d–%d", l.Cursor(), start, end)
	}
	if l.Offset() != before {
		t.Fatal("Window moved the stored window")
	}
}
