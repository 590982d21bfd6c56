package docs

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/penguinmails/pmdev/client"
	"github.com/penguinmails/pmdev/internal/apidocs"
	"github.com/penguinmails/pmdev/internal/apidocs/render"
	"github.com/penguinmails/pmdev/tui/common/commontest"
)

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
	out, err := render.Markdown(testAPI().Pages["authentication"], 80, apidocs.StyleDark)
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

// The results list counts what the in-page counter finds, including the
// generated code examples in the current language.
func TestSearchCountsAgreeWithPage(t *testing.T) {
	lib := testAPI()
	base := "https://api.penguinmails.com"
	queries := []string{"example request", "rate limit", "api key", "authorization: bearer", "pm_live_", "401", "requests.post", "send an email"}
	// Every page in the fast ascii style; a few in dark, whose inline code
	// is padded and whose code is highlighted (slow under -race).
	dark := map[string]bool{"authentication": true, "emails": true, "api-keys": true}
	for _, lang := range []apidocs.Lang{apidocs.LangCurl, apidocs.LangPython} {
		for _, r := range lib.Index.Pages {
			style := apidocs.StyleASCII
			if dark[r.Slug] && lang == apidocs.LangCurl {
				style = apidocs.StyleDark
			}
			page := renderPage(lib.Body(r.Slug), 60, style, lang, base)
			for _, q := range queries {
				want := 0
				for _, h := range lib.SearchAs(q, lang, base) {
					if h.Slug == r.Slug {
						want = h.Count
					}
				}
				s := searchState{query: q}
				s.computeMatches(page)
				if len(s.matches) != want {
					t.Errorf("%s/%s/%s %q: list says %d, page has %d", r.Slug, lang.Name(), style, q, want, len(s.matches))
				}
			}
		}
	}
	hits := lib.SearchAs("example request (python)", apidocs.LangPython, base)
	if len(hits) < 5 {
		t.Fatalf("generated examples not indexed: %+v", hits)
	}
}

// A phrase wrapped over two lines is one match with a part on each line.
func TestSearchAcrossWrappedLines(t *testing.T) {
	r := renderPage("# T\n\nalpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu\n", 24, apidocs.StyleNoTTY, 0, "")
	s := searchState{query: "delta epsilon zeta eta"}
	s.computeMatches(r)
	if len(s.matches) != 1 || len(s.matches[0].rest) == 0 {
		t.Fatalf("matches %+v in %q", s.matches, r.plain)
	}
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

func TestJSONErrorPosition(t *testing.T) {
	for _, c := range []struct{ raw, want string }{
		{"x", "line 1, column 1"},
		{"{\n  \"a\": x}", "line 2, column 8"},
		{"{\"é\": x}", "line 1, column 7"},
		{"{\"a\": 1", "line 1, column 8"}, // past the end
	} {
		var v any
		err := json.Unmarshal([]byte(c.raw), &v)
		if got := jsonErr(c.raw, err); !strings.Contains(got, c.want) {
			t.Errorf("%q: %s, want %s", c.raw, got, c.want)
		}
	}
}

// Sending does not shrink the body editor.
func TestTryItBodyKeepsHeight(t *testing.T) {
	m := newPane(t, 80, 24)
	m.ctx.Client = client.New(client.Options{BaseURL: "http://127.0.0.1:1"})
	Drive(t, m, m.open("emails", "send-an-email", true), func() bool { return m.cur != nil && m.curKey.slug == "emails" }, nil)
	m.openTry()
	before := m.try.body.Height()
	m.try.resp = &client.RawResponse{Status: 200, Header: http.Header{}, Body: []byte(`{"id":"x"}`)}
	m.try.resize(m)
	if after := m.try.body.Height(); after != before || after < 5 {
		t.Fatalf("body editor %d lines before sending, %d after", before, after)
	}
	if v := m.View(); strings.Count(v, "\n")+1 != 24 {
		t.Fatalf("view is not 24 lines:\n%s", v)
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
