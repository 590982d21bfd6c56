package docs

import (
	"strings"
	"testing"

	"github.com/penguinmails/pmdev/internal/apidocs"
	"github.com/penguinmails/pmdev/internal/apidocs/apidocstest"
)

// BenchmarkCachedPageSwitch measures opening a page whose render is cached
// and drawing it: the whole cost of a page switch the user sees.
func BenchmarkCachedPageSwitch(b *testing.B) {
	m := newPane(b, 200, 60)
	for _, s := range []string{"emails", "authentication"} {
		Drive(b, m, m.open(s, "", false), m.Loaded, nil)
	}
	before := m.Renders
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		slug := "emails"
		if i%2 == 1 {
			slug = "authentication"
		}
		if cmd := m.open(slug, "", false); cmd != nil || !m.Loaded() {
			b.Fatal("cached page needed a render")
		}
		_ = m.View()
	}
	if m.Renders != before {
		b.Fatalf("%d renders during cached switches", m.Renders-before)
	}
}

// BenchmarkView is one frame of a long endpoint page at 200×60.
func BenchmarkView(b *testing.B) {
	m := newPane(b, 200, 60)
	Drive(b, m, m.open("api-keys", "", true), m.Loaded, nil)
	m.scroll = 40
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_ = m.View()
	}
}

// bigPage is a 20 KB page made of the real endpoint pages.
func bigPage() string {
	lib := apidocstest.Library()
	var b strings.Builder
	for b.Len() < 20<<10 {
		b.WriteString(lib.Pages["api-keys"])
	}
	return b.String()[:20<<10]
}

// BenchmarkRender20KB is one glamour render of a 20 KB page (dark style, 100
// columns): what a page costs the first time it is shown at a width.
func BenchmarkRender20KB(b *testing.B) {
	md := bigPage()
	for i := 0; i < b.N; i++ {
		_ = renderPage(md, 100, apidocs.StyleDark, apidocs.LangCurl, "http://127.0.0.1:8080")
	}
}

// TestBigPageRendersOncePerWidth: a 20 KB page is rendered once for each
// width it is shown at, however often the reader comes back to it.
func TestBigPageRendersOncePerWidth(t *testing.T) {
	m := newPane(t, 120, 40)
	m.lib.Pages["big"] = bigPage()
	m.lib.Index.Pages = append(m.lib.Index.Pages, m.lib.Index.Pages[0])
	m.lib.Index.Pages[len(m.lib.Index.Pages)-1].Slug = "big"
	start := m.Renders
	for _, w := range []int{120, 100, 120, 100, 120} {
		m.SetSize(w, 40)
		Drive(t, m, m.Update(struct{}{}), func() bool { return !m.resizeNeeded && len(m.flight) == 0 }, nil)
		for range 3 {
			Drive(t, m, m.open("big", "", false), func() bool { return m.Loaded() && m.curKey.width == m.pageWidth() }, nil)
			Drive(t, m, m.open("errors", "", false), func() bool { return m.Loaded() && m.curKey.width == m.pageWidth() }, nil)
		}
	}
	// big and errors, each at 120 and 100 columns.
	if got := m.Renders - start; got != 4 {
		t.Fatalf("%d renders for 2 pages at 2 widths", got)
	}
}
