package render

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/penguinmails/pmdev/internal/apidocs"
)

// Raw HTML in a page is shown as its text: tags, comments and script or
// style content dropped, entities decoded, in every style.
func TestInlineHTMLRendersAsText(t *testing.T) {
	cases := []struct{ md, want string }{
		{"a <b>bold</b> &amp; <i>it</i> end", "a bold & it end"},
		{"<script>\nalert(1)\n</script>\n\nafter", "after"},
		{"<div>\nblock &lt;tag&gt;\n</div>\n\nafter", "block <tag>"},
		{"p <!-- note --> q &quot;r&quot;", `p  q "r"`},
	}
	for _, c := range cases {
		for _, style := range []string{apidocs.StyleNoTTY, apidocs.StyleDark} {
			out, err := Markdown(c.md, 80, style)
			if err != nil {
				t.Fatal(err)
			}
			plain := strings.Join(strings.Fields(ansi.Strip(out)), " ")
			if !strings.Contains(plain, strings.Join(strings.Fields(c.want), " ")) {
				t.Errorf("%s %q: got %q, want it to contain %q", style, c.md, plain, c.want)
			}
			for _, bad := range []string{"<b>", "<script", "alert", "<!--", "<div>"} {
				if strings.Contains(plain, bad) {
					t.Errorf("%s %q: %q left in %q", style, c.md, bad, plain)
				}
			}
		}
	}
}
