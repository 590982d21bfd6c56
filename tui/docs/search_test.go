package docs

import (
	"testing"

	"github.com/penguinmails/pmdev/internal/apidocs"
	"github.com/penguinmails/pmdev/internal/apidocs/apidocstest"
)

// The results list counts what the in-page counter finds, including the
// generated code examples in the current language.
func TestSearchCountsAgreeWithPage(t *testing.T) {
	lib := apidocstest.Library()
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
