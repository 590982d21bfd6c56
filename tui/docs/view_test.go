package docs

import (
	"strings"
	"testing"
	"time"

	"github.com/penguinmails/pmdev/internal/apidocs"
	"github.com/penguinmails/pmdev/tui/common"
	"github.com/penguinmails/pmdev/tui/common/commontest"
)

// TestGoldenView pins the pane itself at the console's two reference sizes.
func TestGoldenView(t *testing.T) {
	commontest.EachSize(t, func(t *testing.T, w, h int) {
		m := newPane(t, w, h)
		m.lib.Index.Version = "1.0.0+golden" // the real one changes with every docs edit
		m.lib.Index.UpdatedAt = commontest.Now
		Drive(t, m, m.open("emails", "", true), func() bool { return m.Loaded() && m.curKey.version == "1.0.0+golden" }, nil)
		view := m.View()
		if got := strings.Count(view, "\n") + 1; got != h {
			t.Fatalf("view has %d lines, want %d", got, h)
		}
		commontest.Fits(t, view, w, h)
		commontest.Golden(t, view)
	})
}

// At 80 columns the header keeps the source, version and date readable.
func TestHeaderLabelFits(t *testing.T) {
	m := newPane(t, 80, 24)
	m.lib.Source, m.lib.Index.Version = apidocs.SourceCache, "1.0.0+a0e39745f4"
	m.lib.FetchedAt = time.Date(2026, 11, 30, 16, 43, 0, 0, time.Local)
	h := commontest.Plain(m.headerLine(m.pageWidth()))
	if !strings.Contains(h, "offline · v1.0.0 · 30 Nov 16:43") || strings.Contains(h, "…") {
		t.Fatalf("header %q", h)
	}
	if got := m.lib.Label(); got != "offline copy · v1.0.0+a0e39745f4 · fetched 30 Nov 2026 16:43" {
		t.Fatalf("long label %q", got)
	}
}

// Where the label barely fits, a shorter one is shown two spaces from the
// title; where none fits, the title is cut with an ellipsis and the status
// stays whole, a space apart.
func TestHeaderKeepsTitleAndStatusApart(t *testing.T) {
	m := newPane(t, 80, 24)
	m.lib.Source, m.lib.Index.Version, m.lib.Origin = apidocs.SourceLive, "1.1.0+b7c02864cc", "http://127.0.0.1:36407"
	m.slug = "authentication"
	if h := commontest.Plain(m.headerLine(57)); !strings.HasSuffix(h, "  live · v1.1.0") {
		t.Fatalf("at 57: %q", h)
	}
	m.slug, m.focus = "emails", focusPage
	for w := 12; w < 20; w++ {
		h := commontest.Plain(m.headerLine(w))
		if common.Width(h) != w || !strings.HasSuffix(h, "… live") {
			t.Errorf("at %d: %q", w, h)
		}
	}
}
