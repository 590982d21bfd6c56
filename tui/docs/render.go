package docs

import (
	"strings"

	"charm.land/glamour/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/penguinmails/pmdev/models"
)

// Glamour style names; the style is always chosen explicitly.
const (
	StyleDark  = "dark"
	StyleLight = "light"
	StyleNoTTY = "notty"
)

// StyleFor picks the glamour style for a background and colour setting.
func StyleFor(dark, noColor bool) string {
	switch {
	case noColor:
		return StyleNoTTY
	case dark:
		return StyleDark
	}
	return StyleLight
}

// Prepare turns a stored page into what is rendered: code examples in lang
// for its operations, and links numbered ("text [n]").
func Prepare(md string, lang Lang, baseURL string) (string, []Link) {
	return numberLinks(Expand(md, lang, baseURL))
}

// RenderMarkdown renders Markdown for a terminal of the given width.
func RenderMarkdown(md string, width int, style string) (string, error) {
	if width < 20 {
		width = 20
	}
	r, err := glamour.NewTermRenderer(glamour.WithStandardStyle(style), glamour.WithWordWrap(width))
	if err != nil {
		return "", err
	}
	return r.Render(md)
}

// renderKey identifies one render; pages without operations use lang -1 so
// every language shares their render.
type renderKey struct {
	version, slug string
	width         int
	style         string
	lang          Lang
}

// opAnchor is an operation and the rendered line of its heading.
type opAnchor struct {
	op   models.DocOperation
	line int
}

// rendered is a page ready for the viewport.
type rendered struct {
	lines  []string // with ANSI styling
	plain  []string // the same without styling, for search and anchors
	links  []Link
	ops    []opAnchor
	maxW   int
	errMsg string
}

// renderPage does the whole pipeline; it runs in a tea.Cmd.
func renderPage(md string, width int, style string, lang Lang, baseURL string) *rendered {
	prepared, links := Prepare(md, lang, baseURL)
	out, err := RenderMarkdown(prepared, width, style)
	if err != nil {
		// Fall back to the source so the page is still readable.
		out = prepared
	}
	out = strings.Trim(out, "\n")
	r := &rendered{links: links, lines: strings.Split(out, "\n")}
	if err != nil {
		r.errMsg = err.Error()
	}
	r.plain = make([]string, len(r.lines))
	for i, l := range r.lines {
		r.plain[i] = strings.ReplaceAll(ansi.Strip(l), "\u00a0", " ")
		r.maxW = max(r.maxW, ansi.StringWidth(l))
	}
	ops := Operations(md)
	next := 0
	for i, p := range r.plain {
		if next >= len(ops) {
			break
		}
		t := strings.TrimSpace(p)
		if strings.HasPrefix(t, "## ") && strings.TrimSpace(t[3:]) == ops[next].Summary {
			r.ops = append(r.ops, opAnchor{op: ops[next], line: i})
			next++
		}
	}
	return r
}

// heading finds the first rendered heading line whose text matches anchor
// (a GitHub-style slug such as "send-an-email"), or -1.
func (r *rendered) heading(anchor string) int {
	for i, p := range r.plain {
		t := strings.TrimSpace(p)
		if !strings.HasPrefix(t, "#") {
			continue
		}
		if slugText(strings.TrimLeft(t, "# ")) == anchor {
			return i
		}
	}
	return -1
}

func slugText(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimRight(b.String(), "-")
}

// opAt is the operation whose section contains line (the last heading at or
// above it; the first operation when above all of them).
func (r *rendered) opAt(line int) (models.DocOperation, bool) {
	if len(r.ops) == 0 {
		return models.DocOperation{}, false
	}
	cur := r.ops[0].op
	for _, a := range r.ops {
		if a.line <= line {
			cur = a.op
		}
	}
	return cur, true
}
