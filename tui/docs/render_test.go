package docs

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/penguinmails/pmdev/internal/apidocs"
	"github.com/penguinmails/pmdev/internal/apidocs/apidocstest"
	"github.com/penguinmails/pmdev/internal/apidocs/render"
	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common/commontest"
)

// Go examples indent with tabs; rendered lines must hold none, or the
// terminal moves text to its tab stops behind the pane's back.
func TestRenderedCodeHasNoTabs(t *testing.T) {
	r := renderPage("# x\n\n```go\nimport (\n\t\"fmt\"\n)\n```\n", 60, apidocs.StyleNoTTY, 0, "")
	found := false
	for _, l := range r.lines {
		if strings.Contains(l, "\t") {
			t.Fatalf("tab in rendered line %q", l)
		}
		if strings.Contains(l, `    "fmt"`) {
			found = true
		}
	}
	if !found {
		t.Fatalf("indentation lost: %q", r.lines)
	}
	// The copied snippet keeps gofmt's tabs.
	op := models.DocOperation{Method: "POST", Path: "/api/v1/emails/send", Body: `{"to":"a@b.c"}`}
	if !strings.Contains(apidocs.Snippet(apidocs.LangGo, op, "http://x"), "\t\"fmt\"") {
		t.Fatal("the Go snippet lost its tabs")
	}
}

// A list item written over two source lines is one paragraph, wrapped to
// the width rather than at the source's line break.
func TestListItemsReflow(t *testing.T) {
	md := "- **One.** first line of the item\n  continues here.\n- two\n\n```\n- code\n  stays\n```\n"
	r := renderPage(md, 100, apidocs.StyleNoTTY, 0, "")
	if !strings.Contains(strings.Join(r.plain, "\n"), "first line of the item continues here.") {
		t.Fatalf("rendered:\n%s", strings.Join(r.plain, "\n"))
	}
}

// Glamour prefixes headings with "## ", which reads as unrendered Markdown;
// the pane shows the heading text only, and not the page's H1 under a
// header that already names the page.
func TestPaneHeadingsRendered(t *testing.T) {
	m := newPane(t, 80, 40)
	Drive(t, m, m.open("authentication", "", true), func() bool { return m.Loaded() && m.curKey.slug == "authentication" }, nil)
	for i, p := range m.cur.plain {
		if t0 := strings.TrimSpace(p); strings.HasPrefix(t0, "## ") || strings.HasPrefix(t0, "### ") {
			t.Errorf("line %d shows a heading marker: %q", i, p)
		}
	}
	if l := m.cur.heading("sending-the-header"); l < 0 || strings.TrimSpace(m.cur.plain[l]) != "Sending the header" {
		t.Fatalf("heading line %d", l)
	}
	top := strings.Join(strings.Split(commontest.Plain(m.View()), "\n")[:4], "\n")
	if n := strings.Count(top, "Authentication"); n != 2 { // the sidebar entry and the header
		t.Fatalf("Authentication appears %d times at the top:\n%s", n, top)
	}
	// `pmdev docs` on a colour terminal renders no markers either.
	out, err := render.Markdown(apidocstest.Library().Pages["authentication"], 80, apidocs.StyleDark)
	if err != nil || strings.Contains(ansi.Strip(out), "## ") {
		t.Fatalf("dark render keeps markers: %v", err)
	}
}

// A "## " line inside a code block is not a heading.
func TestHeadingsSkipCode(t *testing.T) {
	r := renderPage("# T\n\n```sh\n## Send an email\n```\n\n## Send an email\n\ntext\n", 60, apidocs.StyleDark, 0, "")
	if len(r.heads) != 1 || !strings.Contains(r.plain[r.heads[0].Line], "Send an email") || strings.Contains(r.plain[r.heads[0].Line], "#") {
		t.Fatalf("heads %+v in %q", r.heads, r.plain)
	}
	if !strings.Contains(strings.Join(r.plain, "\n"), "## Send an email") {
		t.Fatal("the code block lost its text")
	}
}

// NO_COLOR: emphasis is bold/italic, never literal asterisks; notty (no
// escapes at all) drops the markers.
func TestNoColorEmphasis(t *testing.T) {
	md := "# T\n\nA **strong** and *soft* word.\n"
	r := renderPage(md, 60, apidocs.StyleASCII, 0, "")
	all := strings.Join(r.lines, "\n")
	if strings.Contains(all, "*") || !strings.Contains(strings.Join(r.plain, "\n"), "A strong and soft word.") {
		t.Fatalf("ascii: %q", r.plain)
	}
	if !strings.Contains(all, "\x1b[1m") || strings.Contains(all, "38;") {
		t.Fatalf("ascii wants bold and no colour: %q", all)
	}
	out, err := render.Markdown(md, 60, apidocs.StyleNoTTY)
	if err != nil || strings.Contains(out, "*") || strings.Contains(out, "\x1b") || !strings.Contains(out, "A strong and soft word.") {
		t.Fatalf("notty: %v %q", err, out)
	}
	if apidocs.StyleFor(true, true) != apidocs.StyleASCII {
		t.Fatal("NO_COLOR does not pick the ascii style")
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
