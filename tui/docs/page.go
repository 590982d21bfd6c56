package docs

import (
	"regexp"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/penguinmails/pmdev/internal/apidocs"
	"github.com/penguinmails/pmdev/internal/apidocs/render"
	"github.com/penguinmails/pmdev/models"
)

// renderKey identifies one render; pages without operations use lang -1 so
// every language shares their render.
type renderKey struct {
	version, slug string
	width         int
	style         string
	lang          apidocs.Lang
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
	heads  []apidocs.Heading
	links  []apidocs.Link
	ops    []opAnchor
	maxW   int
	errMsg string
}

// renderPage does the whole pipeline; it runs in a tea.Cmd.
func renderPage(md string, width int, style string, lang apidocs.Lang, baseURL string) *rendered {
	prepared, links := apidocs.Prepare(md, lang, baseURL)
	lines, heads, err := render.Lines(prepared, width, style)
	if err != nil {
		// Fall back to the source so the page is still readable.
		lines, heads = strings.Split(prepared, "\n"), nil
	}
	// Glamour opens and closes the document with a blank line.
	top := 0
	for top < len(lines) && strings.TrimSpace(ansi.Strip(lines[top])) == "" {
		top++
	}
	end := len(lines)
	for end > top && strings.TrimSpace(ansi.Strip(lines[end-1])) == "" {
		end--
	}
	r := &rendered{links: links, lines: lines[top:end]}
	for _, h := range heads {
		h.Line -= top
		r.heads = append(r.heads, h)
	}
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
	ops := apidocs.Operations(md)
	next := 0
	for _, h := range r.heads {
		if next < len(ops) && h.Level == 2 && h.Text == apidocs.Collapse(ops[next].Summary) {
			r.ops = append(r.ops, opAnchor{op: ops[next], line: h.Line})
			next++
		}
	}
	return r
}

// heading finds the first rendered heading line whose text matches anchor
// (a GitHub-style slug such as "send-an-email"), or -1.
func (r *rendered) heading(anchor string) int {
	for _, h := range r.heads {
		if apidocs.SlugText(h.Text) == anchor {
			return h.Line
		}
	}
	return -1
}

// headings lists the lines that start a section.
func (r *rendered) headings() []int {
	out := make([]int, len(r.heads))
	for i, h := range r.heads {
		out[i] = h.Line
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
