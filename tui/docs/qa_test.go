package docs

import (
	"net/http"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/penguinmails/pmdev/client"
	"github.com/penguinmails/pmdev/internal/apidocs"
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

// Rate-limit headers are spelled as documented, and a long form error wraps
// instead of losing its end.
func TestTryItHeadersAndWrappedErrors(t *testing.T) {
	if got := headerName(http.CanonicalHeaderKey("x-ratelimit-remaining")); got != "X-RateLimit-Remaining" {
		t.Fatalf("got %q", got)
	}
	if got := headerName(http.CanonicalHeaderKey("ratelimit-policy")); got != "RateLimit-Policy" {
		t.Fatalf("got %q", got)
	}
	if got := headerName("Ratelimit"); got != "RateLimit" {
		t.Fatalf("got %q", got)
	}
	m := newPane(t, 80, 24)
	m.ctx.Client = client.New(client.Options{BaseURL: "http://127.0.0.1:1"})
	Drive(t, m, m.open("emails", "send-an-email", true), func() bool { return m.cur != nil && m.curKey.slug == "emails" }, nil)
	m.openTry()
	if m.try == nil {
		t.Fatal("Try it did not open")
	}
	m.try.formErr = "that is not a valid API key: the prefix, length or checksum is wrong (check for a typo or a truncated paste)"
	m.try.resp = &client.RawResponse{Status: 200, Header: http.Header{"X-Ratelimit-Limit": {"300"}}, Body: []byte(`{}`)}
	m.try.renderResponse(m)
	v := commontest.Plain(m.View())
	if !strings.Contains(v, "truncated paste)") {
		t.Fatalf("error cut:\n%s", v)
	}
	if !strings.Contains(strings.Join(m.try.lines, "\n"), "X-RateLimit-Limit") {
		t.Fatalf("header lines %q", m.try.lines)
	}
	for _, l := range strings.Split(m.View(), "\n") {
		if ansi.StringWidth(l) > 80 {
			t.Fatalf("line wider than the pane: %q", l)
		}
	}
}
