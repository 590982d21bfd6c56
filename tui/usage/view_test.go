package usage

import (
	"fmt"
	"strings"
	"testing"

	"charm.land/lipgloss/v2"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common/commontest"
)

func TestGoldenRanges(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		for _, r := range ranges {
			t.Run(fmt.Sprintf("%s_%dx%d", r, size[0], size[1]), func(t *testing.T) {
				m := loaded(r, size[0], size[1])
				v := m.View()
				checkSize(t, v, size[0], size[1])
				commontest.Golden(t, v)
			})
		}
	}
}

// checkSize fails if the view is bigger than the pane or leaks an escape
// sequence from API strings.
func checkSize(t *testing.T, v string, w, h int) {
	t.Helper()
	lines := strings.Split(v, "\n")
	if len(lines) > h {
		t.Fatalf("view has %d lines, pane is %d", len(lines), h)
	}
	for i, l := range lines {
		if lw := lipgloss.Width(l); lw > w {
			t.Fatalf("line %d is %d wide, pane is %d: %q", i, lw, w, commontest.Plain(l))
		}
	}
	p := commontest.Plain(v)
	if strings.Contains(p, "\x1b") || strings.Contains(p, "\x07") {
		t.Fatalf("escape sequence in view: %q", p)
	}
}

var _ = models.Range1h
