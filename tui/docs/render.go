package docs

import (
	"regexp"
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
	return numberLinks(joinListLines(strings.ReplaceAll(Expand(md, lang, baseURL), "\t", "    ")))
}

// Tabs are expanded (Go examples indent with them): a terminal moves a tab
// to its next stop, which the pane's width arithmetic cannot see, so lines
// shifted and wrapped. Copied snippets keep their tabs.

var listItem = regexp.MustCompile(`^\s*(?:[-*+]|[0-9]+[.)])\s`)

// joinListLines unwraps list items written over several source lines:
// glamour keeps those line breaks, so items came out ragged, broken at the
// source's 80 columns whatever the pane's width.
func joinListLines(md string) string {
	lines := strings.Split(md, "\n")
	out := lines[:0]
	fence, inItem := false, false
	for _, l := range lines {
		t := strings.TrimSpace(l)
		switch {
		case strings.HasPrefix(t, "```"):
			fence, inItem = !fence, false
		case fence:
		case t == "":
			inItem = false
		case listItem.MatchString(l):
			inItem = true
		case inItem && strings.HasPrefix(l, "  ") && !strings.HasPrefix(t, "|") && !strings.HasPrefix(t, "#"):
			out[len(out)-1] += " " + t
			continue
		default:
			inItem = false
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n")
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
		l = compactANSI(l)
		r.lines[i] = l
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

// headings lists the lines that start a section.
func (r *rendered) headings() []int {
	var out []int
	for i, p := range r.plain {
		if t := strings.TrimSpace(p); strings.HasPrefix(t, "#") && strings.Contains(t, "# ") {
			out = append(out, i)
		}
	}
	return out
}

// translate maps a line of another render of the same page to this one:
// the same section (by heading count), the same fraction into it.
func (r *rendered) translate(old *rendered, line int) int {
	oh, nh := old.headings(), r.headings()
	sec := -1
	for i, h := range oh {
		if h <= line {
			sec = i
		}
	}
	bounds := func(hs []int, i, total int) (int, int) {
		start, end := 0, total
		if i >= 0 && i < len(hs) {
			start = hs[i]
		}
		if i+1 < len(hs) {
			end = hs[i+1]
		}
		return start, end
	}
	if len(oh) != len(nh) {
		return line * len(r.lines) / max(1, len(old.lines))
	}
	oStart, oEnd := bounds(oh, sec, len(old.lines))
	nStart, nEnd := bounds(nh, sec, len(r.lines))
	return nStart + (line-oStart)*(nEnd-nStart)/max(1, oEnd-oStart)
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

// Glamour styles every padding space on its own ("ESC[38;5;252m ESC[m");
// a page line can carry a hundred such sequences. Spaces coloured only in
// the foreground look like plain spaces, and a colour set and reset with
// nothing between is a no-op (glamour closes every segment it opens), so
// both are dropped once at render time: View then has far less to scan and
// the terminal far less to read.
var (
	fgSpaces = regexp.MustCompile("\x1b\\[38;(?:5;[0-9]+|2;[0-9]+;[0-9]+;[0-9]+)m( +)\x1b\\[0?m")
	emptySGR = regexp.MustCompile("\x1b\\[[1-9][0-9;]*m\x1b\\[0?m")
)

func compactANSI(l string) string {
	if !strings.Contains(l, "\x1b[") {
		return strings.TrimRight(l, " ")
	}
	l = emptySGR.ReplaceAllString(l, "")
	l = fgSpaces.ReplaceAllString(l, "$1")
	l = emptySGR.ReplaceAllString(l, "")
	return strings.TrimRight(l, " ")
}
