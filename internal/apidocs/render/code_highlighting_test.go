package render

import (
	"regexp"
	"strings"
	"testing"

	"github.com/alecthomas/chroma/v2/lexers"

	"github.com/penguinmails/pmdev/internal/apidocs"
	"github.com/penguinmails/pmdev/internal/apidocs/apidocstest"
)

var fence = regexp.MustCompile("(?m)^\\s*```([A-Za-z0-9_+#-]+)")

// The bundled chroma (third_party/chroma) carries only the lexers the docs
// use, to keep its package init off the console's start: a fence in a
// language it lacks would silently lose its colours.
func TestEveryDocsCodeLanguageHasALexer(t *testing.T) {
	lib := apidocstest.Library()
	seen := map[string]bool{}
	for slug, page := range lib.Pages {
		for lang := apidocs.LangCurl; ; {
			md, _ := apidocs.Prepare(page, lang, "https://api.penguinmails.com")
			for _, m := range fence.FindAllStringSubmatch(md, -1) {
				name := strings.ToLower(m[1])
				if seen[name] {
					continue
				}
				seen[name] = true
				if !hasLexer(name) {
					t.Errorf("page %s: no lexer for ```%s: add its XML to third_party/chroma/lexers/embedded", slug, name)
				}
			}
			if lang = lang.Next(); lang == apidocs.LangCurl {
				break
			}
		}
	}
	if len(seen) < 4 {
		t.Fatalf("only %d fence languages found (%v): is the docs library loading?", len(seen), seen)
	}
}

// Highlighting still happens in the colour styles: a JSON key and a JSON
// string come out in different colours.
func TestDarkStyleHighlightsCode(t *testing.T) {
	out, err := Markdown("```json\n{\"name\": \"value\"}\n```\n", 80, apidocs.StyleDark)
	if err != nil {
		t.Fatal(err)
	}
	key := regexp.MustCompile(`(\x1b\[[0-9;]*m)"name"`).FindStringSubmatch(out)
	val := regexp.MustCompile(`(\x1b\[[0-9;]*m)"value"`).FindStringSubmatch(out)
	if key == nil || val == nil || key[1] == val[1] {
		t.Fatalf("JSON key and value not coloured apart: %q", out)
	}
}

// hasLexer is true when a lexer is named or aliased name: lexers.Get also
// matches file extensions, which would hide a missing "json" lexer.
func hasLexer(name string) bool {
	l := lexers.Get(name)
	if l == nil {
		return false
	}
	c := l.Config()
	if strings.EqualFold(c.Name, name) {
		return true
	}
	for _, a := range c.Aliases {
		if strings.EqualFold(a, name) {
			return true
		}
	}
	return false
}
