package docs

import (
	"strings"
	"testing"

	"github.com/penguinmails/pmdev/internal/apidocs"
	"github.com/penguinmails/pmdev/internal/apidocs/apidocstest"
)

// The results list counts what the in-page counter finds for a phrase,
// including the generated code examples in the current language.
func TestSearchCountsAgreeWithPage(t *testing.T) {
	lib := apidocstest.Library()
	base := "https://api.penguinmails.com"
	queries := []string{`"example request"`, `"rate limit"`, `"api key"`, `"authorization: bearer"`, "pm_live_", "401", "requests.post", `"send an email"`}
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
				for _, h := range searchHits(lib, q, lang, base) {
					if h.Slug == r.Slug {
						want = h.Count
					}
				}
				s := searchState{query: q}
				s.computeMatches(page)
				if len(s.matches) != want {
					t.Errorf("%s/%s/%s %q: list says %d, page has %d", r.Slug, lang.Name(), style, q, want, len(s.matches))
				}
				// Unquoted, the words are counted one by one: the page
				// has matches exactly when the list has it.
				words := strings.Trim(q, `"`)
				listed := false
				for _, h := range searchHits(lib, words, lang, base) {
					listed = listed || (h.Slug == r.Slug && h.Count > 0)
				}
				s = searchState{query: words}
				s.computeMatches(page)
				if listed != (len(s.matches) > 0) {
					t.Errorf("%s/%s/%s %q: listed %v, page has %d", r.Slug, lang.Name(), style, words, listed, len(s.matches))
				}
			}
		}
	}
	hits := lib.SearchAs("example request (python)", apidocs.LangPython, base)
	if len(hits) < 5 {
		t.Fatalf("generated examples not indexed: %+v", hits)
	}
}

// A quoted phrase wrapped over two lines is one match with a part on each line.
func TestSearchAcrossWrappedLines(t *testing.T) {
	r := renderPage("# T\n\nalpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu\n", 24, apidocs.StyleNoTTY, 0, "")
	s := searchState{query: `"delta epsilon zeta eta"`}
	s.computeMatches(r)
	if len(s.matches) != 1 || len(s.matches[0].rest) == 0 {
		t.Fatalf("matches %+v in %q", s.matches, r.plain)
	}
}

// Several words find the pages holding all of them, in any order, and each
// word is a match in the page (what n/N steps through), in reading order.
func TestSearchMatchesEveryWord(t *testing.T) {
	lib := apidocstest.Library()
	base := "https://api.penguinmails.com"
	if len(lib.SearchAs("webhook sig", apidocs.LangCurl, base)) != 0 {
		t.Fatal("the library now matches words itself; drop searchHits")
	}
	hits := searchHits(lib, "webhook sig", apidocs.LangCurl, base)
	if len(hits) == 0 {
		t.Fatal(`"webhook sig" finds no page`)
	}
	reversed := searchHits(lib, "sig webhook", apidocs.LangCurl, base)
	if len(reversed) != len(hits) {
		t.Fatalf("word order changes the pages: %d vs %d", len(hits), len(reversed))
	}
	r := renderPage("# T\n\nthe signature of a webhook, then another webhook\n", 60, apidocs.StyleNoTTY, 0, "")
	s := searchState{query: "webhook sig"}
	s.computeMatches(r)
	if len(s.matches) != 3 {
		t.Fatalf("matches %+v in %q", s.matches, r.plain)
	}
	for i := 1; i < len(s.matches); i++ {
		a, b := s.matches[i-1], s.matches[i]
		if b.line < a.line || (b.line == a.line && b.start <= a.start) {
			t.Fatalf("matches out of reading order: %+v", s.matches)
		}
	}
}
