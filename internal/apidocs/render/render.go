// Package render draws API reference pages for a terminal with glamour. It
// is its own package because glamour costs ~100 ms of package init: only
// code that renders imports it, so the console's start path stays clear.
package render

import (
	"fmt"
	"strings"

	"charm.land/glamour/v2"
	gansi "charm.land/glamour/v2/ansi"
	"charm.land/glamour/v2/styles"

	"github.com/penguinmails/pmdev/internal/apidocs"
)

// styleConfig is the glamour style used for a style name. Glamour's ascii
// and notty styles print **strong** and *emphasis* with their Markdown
// markers, which reads as unrendered source, so ours drop the markers: notty
// stays escape-free (plain text), ascii uses bold and italic attributes.
func styleConfig(style string) (gansi.StyleConfig, error) {
	switch style {
	case apidocs.StyleDark, apidocs.StyleLight:
		c := styles.DarkStyleConfig
		if style == apidocs.StyleLight {
			c = styles.LightStyleConfig
		}
		// Glamour's "--------" rule reads as Markdown source; draw a line.
		c.HorizontalRule.Format = "\n" + strings.Repeat("─", 20) + "\n"
		return c, nil
	case apidocs.StyleNoTTY, apidocs.StyleASCII:
		c := styles.ASCIIStyleConfig
		c.Strong, c.Emph, c.Strikethrough = gansi.StylePrimitive{}, gansi.StylePrimitive{}, gansi.StylePrimitive{}
		if style == apidocs.StyleASCII {
			on := true
			c.Strong.Bold, c.Emph.Italic, c.Strikethrough.CrossedOut = &on, &on, &on
			c.Heading.Bold = &on
		}
		return c, nil
	}
	return gansi.StyleConfig{}, fmt.Errorf("unknown docs style %q", style)
}

// Markdown renders Markdown for a terminal of the given width.
// Heading markers ("## ") are removed except in the notty style, where
// they are the only thing that sets a heading apart.
func Markdown(md string, width int, style string) (string, error) {
	lines, _, err := Lines(md, width, style)
	return strings.Join(lines, "\n"), err
}

// Lines renders md and locates its headings in the rendered lines.
func Lines(md string, width int, style string) ([]string, []apidocs.Heading, error) {
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
	return lines, apidocs.FindHeadings(lines, md, style != apidocs.StyleNoTTY), nil
}
