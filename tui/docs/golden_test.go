package docs

import (
	"fmt"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/penguinmails/pmdev/internal/apidocs"
	"github.com/penguinmails/pmdev/internal/apidocs/apidocstest"
	"github.com/penguinmails/pmdev/internal/apidocs/render"
	"github.com/penguinmails/pmdev/tui/common/commontest"
)

// TestGoldenView pins the pane itself at the console's two reference sizes.
func TestGoldenView(t *testing.T) {
	for _, size := range commontest.Sizes {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			m := newPane(t, size[0], size[1])
			m.lib.Index.Version = "1.0.0+golden" // the real one changes with every docs edit
			m.lib.Index.UpdatedAt = commontest.Now
			Drive(t, m, m.open("emails", "", true), func() bool { return m.Loaded() && m.curKey.version == "1.0.0+golden" }, nil)
			view := m.View()
			if got := strings.Count(view, "\n") + 1; got != size[1] {
				t.Fatalf("view has %d lines, want %d", got, size[1])
			}
			commontest.Fits(t, view, size[0], size[1])
			commontest.Golden(t, view)
		})
	}
}

func TestCompactANSIKeepsText(t *testing.T) {
	lib := apidocstest.Library()
	out, err := render.Markdown(apidocs.Expand(lib.Pages["api-keys"], apidocs.LangGo, "http://x"), 100, apidocs.StyleDark)
	if err != nil {
		t.Fatal(err)
	}
	shrunk := 0
	for _, l := range strings.Split(out, "\n") {
		c := compactANSI(l)
		if strings.TrimRight(ansi.Strip(c), " ") != strings.TrimRight(ansi.Strip(l), " ") {
			t.Fatalf("text changed:\n%q\n%q", ansi.Strip(l), ansi.Strip(c))
		}
		shrunk += len(l) - len(c)
	}
	if shrunk < len(out)/3 {
		t.Errorf("compaction saved only %d of %d bytes", shrunk, len(out))
	}
}
