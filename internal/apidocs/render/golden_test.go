package render

import (
	"fmt"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/penguinmails/pmdev/internal/apidocs"
	"github.com/penguinmails/pmdev/internal/apidocs/apidocstest"
)

// TestGoldenRender pins the notty rendering (what NO_COLOR users and
// `pmdev docs | less` get) of a hand-written and a generated page at 80 and
// 120 columns. Refresh with `go test ./internal/apidocs/render -run Golden -update`.
func TestGoldenRender(t *testing.T) {
	lib := apidocstest.Library()
	for _, slug := range []string{"authentication", "emails"} {
		for _, w := range []int{80, 120} {
			t.Run(fmt.Sprintf("%s_%d", slug, w), func(t *testing.T) {
				md, links := apidocs.Prepare(lib.Pages[slug], apidocs.LangCurl, "https://api.penguinmails.com")
				out, err := Markdown(md, w, apidocs.StyleNoTTY)
				if err != nil {
					t.Fatal(err)
				}
				for i, l := range strings.Split(out, "\n") {
					if ansi.StringWidth(l) > w {
						t.Fatalf("line %d is %d cells wide, more than %d: %q", i, ansi.StringWidth(l), w, l)
					}
				}
				if strings.Contains(out, "\x1b") {
					t.Fatal("notty render contains escape sequences")
				}
				var b strings.Builder
				b.WriteString(out)
				for _, l := range links {
					fmt.Fprintf(&b, "[%d] %s -> %s\n", l.N, l.Text, l.Target)
				}
				golden.RequireEqual(t, b.String())
			})
		}
	}
}
