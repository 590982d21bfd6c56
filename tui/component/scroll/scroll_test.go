package scroll

import (
	"fmt"
	"strings"
	"testing"

	"charm.land/bubbles/v2/viewport"

	"github.com/penguinmails/pmdev/tui/common"
)

func TestScrollClampsAndWindowOnlyReads(t *testing.T) {
	var s Model
	s.By(5, 100, 10)
	s.By(1000, 100, 10)
	if s.Offset() != 90 {
		t.Fatalf("offset %d, want 90", s.Offset())
	}
	if from, to := s.Window(40, 10); from != 30 || to != 40 || s.Offset() != 90 {
		t.Fatalf("window %d–%d after the text shrank; stored %d", from, to, s.Offset())
	}
	s.By(-1000, 100, 10)
	if from, to := s.Window(5, 10); s.Offset() != 0 || from != 0 || to != 5 {
		t.Fatalf("short text: %d–%d", from, to)
	}
}

// A docs-like page: 600 styled lines, 160 columns, 45 visible.
func page() []string {
	lines := make([]string, 600)
	for i := range lines {
		lines[i] = fmt.Sprintf("\x1b[38;5;252m%s\x1b[m \x1b[1mword %d\x1b[m", strings.Repeat("text ", 20), i)
	}
	return lines
}

// BenchmarkViewportFrame draws a frame through bubbles/viewport.
func BenchmarkViewportFrame(b *testing.B) {
	lines := page()
	vp := viewport.New(viewport.WithWidth(160), viewport.WithHeight(45))
	vp.SetContentLines(lines)
	b.ResetTimer()
	for i := range b.N {
		vp.SetYOffset(i % 500)
		_ = vp.View()
	}
}

// BenchmarkWindowFrame draws the same frame the way the panes do.
func BenchmarkWindowFrame(b *testing.B) {
	lines := page()
	var s Model
	b.ResetTimer()
	for i := range b.N {
		s.Set(i%500, len(lines), 45)
		from, to := s.Window(len(lines), 45)
		out := make([]string, 0, 45)
		for _, l := range lines[from:to] {
			out = append(out, common.Fit(l, 160))
		}
		_ = strings.Join(out, "\n")
	}
}
