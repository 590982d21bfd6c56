package docs

import (
	"strings"
	"testing"
	"time"

	"github.com/penguinmails/pmdev/internal/apidocs"
	"github.com/penguinmails/pmdev/tui/common/commontest"
)

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
