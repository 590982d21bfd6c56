package docs

import (
	"fmt"
	"regexp"
	"strings"

	"charm.land/glamour/v2"
	gansi "charm.land/glamour/v2/ansi"
	"charm.land/glamour/v2/styles"
	"github.com/charmbracelet/x/ansi"

	"github.com/penguinmails/pmdev/models"
)

// Glamour style names; the style is always chosen explicitly.
const (
	StyleDark  = "dark"
	StyleLight = "light"
	StyleNoTTY = "notty"
	// StyleASCII is for terminals under NO_COLOR: no colour, but bold and
	// italic attributes instead of literal Markdown markers.
	StyleASCII = "ascii"
)

// StyleFor picks the glamour style for a background and colour setting.
func StyleFor(dark, noColor bool) string {
	switch {
	case noColor:
		return StyleASCII
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

// styleConfig is the glamour style used for a style name. Glamour's ascii
// and notty styles print **strong** and *emphasis* with their Markdown
// markers, which reads as unrendered source, so ours drop the markers: notty
// stays escape-free (plain text), ascii uses bold and italic attributes.
func styleConfig(style string) (gansi.StyleConfig, error) {
	switch style {
	case StyleDark, StyleLight:
		c := styles.DarkStyleConfig
		if style == StyleLight {
			c = styles.LightStyleConfig
		}
		// Glamour's "--------" rule reads as Markdown source; draw a line.
		c.HorizontalRule.Format = "\n" + strings.Repeat("─", 20) + "\n"
		return c, nil
	case StyleNoTTY, StyleASCII:
		c := styles.ASCIIStyleConfig
		c.Strong, c.Emph, c.Strikethrough = gansi.StylePrimitive{}, gansi.StylePrimitive{}, gansi.StylePrimitive{}
		if style == StyleASCII {
			on := true
			c.Strong.Bold, c.Emph.Italic, c.Strikethrough.CrossedOut = &on, &on, &on
			c.Heading.Bold = &on
		}
		return c, nil
	}
	return gansi.StyleConfig{}, fmt.Errorf("unknown docs style %q", style)
}

// RenderMarkdown renders Markdown for a terminal of the given width.
// Heading markers ("## ") are removed except in the notty style, where
// they are the only thing that sets a heading apart.
func RenderMarkdown(md string, width int, style string) (string, error) {
	lines, _, err := renderLines(md, width, style)
	return strings.Join(lines, "\n"), err
}

// headLine is a rendered heading: its first line, level and source text.
type headLine struct {
	line, level int
	text        string
}

func renderLines(md string, width int, style string) ([]string, []headLine, error) {
	if width < 20 {
		width = 20
	}
	cfg, err := styleConfig(style)
	if err != nil {
		return nil, nil, err
	}
	r, err := glamour.NewTermRenderer(glamour.WithStyles(cfg), glamour.WithWordWrap(width))
	if err != nil {
		return nil, nil, err
	}
	out, err := r.Render(md)
	if err != nil {
		return nil, nil, err
	}
	lines := strings.Split(out, "\n")
	return lines, findHeadings(lines, md, style != StyleNoTTY), nil
}

var mdHeading = regexp.MustCompile(`^(#{1,6})\s+(.*?)[\s#]*$`)

// findHeadings locates the source's headings in the rendered lines, in
// order, by glamour's "## " marker followed by the heading's text (a long
// heading wraps, so its first line is a prefix of the text). Markers of
// headings inside code blocks never match a heading's text. strip removes
// the markers found: colour or bold already sets the heading apart.
func findHeadings(lines []string, md string, strip bool) []headLine {
	var want []headLine
	fence := false
	for _, l := range strings.Split(md, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "```") {
			fence = !fence
			continue
		}
		if m := mdHeading.FindStringSubmatch(l); m != nil && !fence {
			want = append(want, headLine{level: len(m[1]), text: collapse(inlineText(m[2]))})
		}
	}
	var out []headLine
	pos := 0
	for _, h := range want {
		marker := strings.Repeat("#", h.level) + " "
		for i := pos; i < len(lines); i++ {
			p := strings.TrimSpace(strings.ReplaceAll(ansi.Strip(lines[i]), "\u00a0", " "))
			rest, ok := strings.CutPrefix(p, marker)
			if !ok || rest == "" || !strings.HasPrefix(h.text, collapse(rest)) {
				continue
			}
			if strip {
				at := strings.Index(lines[i], marker) // escape sequences hold no '#'
				lines[i] = lines[i][:at] + lines[i][at+len(marker):]
			}
			h.line, pos = i, i+1
			out = append(out, h)
			break
		}
	}
	return out
}

var (
	strongRe = regexp.MustCompile(`\*\*([^*]+)\*\*`)
	emphRe   = regexp.MustCompile(`\*([^*\s][^*]*)\*`)
)

// inlineText drops inline Markdown markup (code ticks, emphasis).
func inlineText(s string) string {
	s = strings.ReplaceAll(s, "`", "")
	s = strongRe.ReplaceAllString(s, "$1")
	return emphRe.ReplaceAllString(s, "$1")
}

// collapse folds runs of white space into one space.
func collapse(s string) string { return strings.Join(strings.Fields(s), " ") }

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
	heads  []headLine
	links  []Link
	ops    []opAnchor
	maxW   int
	errMsg string
}

// renderPage does the whole pipeline; it runs in a tea.Cmd.
func renderPage(md string, width int, style string, lang Lang, baseURL string) *rendered {
	prepared, links := Prepare(md, lang, baseURL)
	lines, heads, err := renderLines(prepared, width, style)
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
		h.line -= top
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
	ops := Operations(md)
	next := 0
	for _, h := range r.heads {
		if next < len(ops) && h.level == 2 && h.text == collapse(ops[next].Summary) {
			r.ops = append(r.ops, opAnchor{op: ops[next], line: h.line})
			next++
		}
	}
	return r
}

// heading finds the first rendered heading line whose text matches anchor
// (a GitHub-style slug such as "send-an-email"), or -1.
func (r *rendered) heading(anchor string) int {
	for _, h := range r.heads {
		if slugText(h.text) == anchor {
			return h.line
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
	out := make([]int, len(r.heads))
	for i, h := range r.heads {
		out[i] = h.line
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
