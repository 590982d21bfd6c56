package apidocs

import (
	"regexp"
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// Style names of the terminal renderer (internal/apidocs/render); the
// style is always chosen explicitly.
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

// Heading is a rendered heading: its first line, level and source text.
type Heading struct {
	Line, Level int
	Text        string
}

var mdHeading = regexp.MustCompile(`^(#{1,6})\s+(.*?)[\s#]*$`)

// FindHeadings locates the source's headings in the rendered lines, in
// order, by glamour's "## " marker followed by the heading's text (a long
// heading wraps, so its first line is a prefix of the text). Markers of
// headings inside code blocks never match a heading's text. strip removes
// the markers found: colour or bold already sets the heading apart.
func FindHeadings(lines []string, md string, strip bool) []Heading {
	var want []Heading
	fence := false
	for _, l := range strings.Split(md, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "```") {
			fence = !fence
			continue
		}
		if m := mdHeading.FindStringSubmatch(l); m != nil && !fence {
			want = append(want, Heading{Level: len(m[1]), Text: Collapse(InlineText(m[2]))})
		}
	}
	var out []Heading
	pos := 0
	for _, h := range want {
		marker := strings.Repeat("#", h.Level) + " "
		for i := pos; i < len(lines); i++ {
			p := strings.TrimSpace(strings.ReplaceAll(ansi.Strip(lines[i]), "\u00a0", " "))
			rest, ok := strings.CutPrefix(p, marker)
			if !ok || rest == "" || !strings.HasPrefix(h.Text, Collapse(rest)) {
				continue
			}
			if strip {
				at := strings.Index(lines[i], marker) // escape sequences hold no '#'
				lines[i] = lines[i][:at] + lines[i][at+len(marker):]
			}
			h.Line, pos = i, i+1
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

// InlineText drops inline Markdown markup (code ticks, emphasis).
func InlineText(s string) string {
	s = strings.ReplaceAll(s, "`", "")
	s = strongRe.ReplaceAllString(s, "$1")
	return emphRe.ReplaceAllString(s, "$1")
}

// Collapse folds runs of white space into one space.
func Collapse(s string) string { return strings.Join(strings.Fields(s), " ") }

// SlugText is a GitHub-style anchor of a heading ("send-an-email").
func SlugText(s string) string {
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
