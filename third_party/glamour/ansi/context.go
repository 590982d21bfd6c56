package ansi

import (
	"html"
	"strings"

	xhtml "golang.org/x/net/html"
)

// RenderContext holds the current rendering options and state.
type RenderContext struct {
	options Options

	blockStack *BlockStack
	table      *TableElement
}

// NewRenderContext returns a new RenderContext.
func NewRenderContext(options Options) RenderContext {
	return RenderContext{
		options:    options,
		blockStack: &BlockStack{},
		table:      &TableElement{},
	}
}

// SanitizeHTML sanitizes HTML content.
func (ctx RenderContext) SanitizeHTML(s string, trimSpaces bool) string {
	s = stripTags(s)
	if trimSpaces {
		s = strings.TrimSpace(s)
	}

	return html.UnescapeString(s)
}

// stripTags keeps the text of an HTML fragment, escaped, as bluemonday's
// StrictPolicy does: tags and comments go, and so does what script and
// style elements hold.
func stripTags(s string) string {
	z := xhtml.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	skip := 0
	for {
		switch z.Next() {
		case xhtml.ErrorToken:
			return b.String()
		case xhtml.TextToken:
			if skip == 0 {
				b.WriteString(html.EscapeString(string(z.Text())))
			}
		case xhtml.StartTagToken:
			if name, _ := z.TagName(); skipsContent(string(name)) {
				skip++
			}
		case xhtml.EndTagToken:
			if name, _ := z.TagName(); skipsContent(string(name)) && skip > 0 {
				skip--
			}
		}
	}
}

func skipsContent(tag string) bool {
	return tag == "script" || tag == "style"
}
