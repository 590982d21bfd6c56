package main

//go:generate go run ./tools/docsgen

import (
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/term"

	docs "github.com/penguinmails/pmdev/internal/apidocs"
	"github.com/penguinmails/pmdev/internal/apidocs/render"
)

// runDocs is `pmdev docs [slug]` and `pmdev docs --list`: it prints a page
// of the API reference from the copy embedded in the binary, rendered for
// the terminal (plain Markdown when stdout is not one), without starting the
// console. assets is the api dir; when omitted the embedded one is used.
func runDocs(args []string, assets ...fs.FS) error {
	a := embeddedAPI()
	if len(assets) > 0 && assets[0] != nil {
		a = assets[0]
	}
	out := os.Stdout
	tty := term.IsTerminal(out.Fd())
	width := 0
	if tty {
		if w, _, err := term.GetSize(out.Fd()); err == nil {
			width = w
		}
	}
	style := docs.StyleNoTTY
	switch {
	case tty && os.Getenv("NO_COLOR") != "":
		style = docs.StyleASCII // bold and italic, no colour
	case tty:
		style = docs.StyleDark
		if !lipgloss.HasDarkBackground(os.Stdin, out) {
			style = docs.StyleLight
		}
	}
	var w io.Writer = out
	if tty {
		w = colorprofile.NewWriter(out, os.Environ())
	}
	return docsCommand(args, a, w, docsTerm{tty: tty, width: width, style: style})
}

// docsTerm describes the output: a terminal (render) or not (Markdown).
type docsTerm struct {
	tty   bool
	width int
	style string
}

func docsCommand(args []string, assets fs.FS, w io.Writer, t docsTerm) error {
	fset := flag.NewFlagSet("pmdev docs", flag.ContinueOnError)
	fset.SetOutput(w)
	list := fset.Bool("list", false, "list the page slugs")
	langName := fset.String("lang", "curl", "language of code examples: curl, go, node, python, php, ruby")
	width := fset.Int("width", 0, "wrap at this many columns (default: the terminal's, at most 120)")
	plain := fset.Bool("plain", false, "print Markdown even on a terminal")
	apiURL := fset.String("api-url", os.Getenv("PENGUINMAILS_API_URL"), "API URL used in code examples")
	fset.Usage = func() {
		fmt.Fprint(w, "Usage: pmdev docs [--list] [--lang L] [--width N] [--plain] [slug]\n\nPrints a page of the API reference (works offline).\n\n")
		fset.PrintDefaults()
	}
	// Accept the slug before or after the flags.
	var slugs []string
	for len(args) > 0 {
		if err := fset.Parse(args); err != nil {
			return err
		}
		args = fset.Args()
		if len(args) > 0 {
			slugs = append(slugs, args[0])
			args = args[1:]
		}
	}
	if len(slugs) > 1 {
		return fmt.Errorf("docs: one page at a time (got %s)", strings.Join(slugs, ", "))
	}
	lib, err := docs.LoadEmbedded(assets)
	if err != nil {
		return err
	}
	if *list {
		for _, p := range lib.Index.Pages {
			fmt.Fprintln(w, p.Slug)
		}
		return nil
	}
	if len(slugs) == 0 {
		return printDocsIndex(w, lib)
	}
	slug := strings.TrimSuffix(strings.ToLower(slugs[0]), ".md")
	md, ok := lib.Pages[slug]
	if !ok {
		return fmt.Errorf("docs: no page %q; `pmdev docs --list` shows the slugs%s", slug, suggest(lib, slug))
	}
	lang, ok := parseLang(*langName)
	if !ok {
		return fmt.Errorf("docs: unknown --lang %q (curl, go, node, python, php, ruby)", *langName)
	}
	base := *apiURL
	if base == "" {
		base = "https://api.penguinmails.com"
	}
	if !t.tty || *plain {
		_, err := io.WriteString(w, docs.StripComments(docs.Expand(md, lang, base)))
		return err
	}
	wrap := *width
	if wrap <= 0 {
		wrap = min(max(t.width, 40), 120)
	}
	prepared, links := docs.Prepare(md, lang, base)
	out, err := render.Markdown(prepared, wrap, t.style)
	if err != nil {
		return err
	}
	if _, err := io.WriteString(w, out); err != nil {
		return err
	}
	if len(links) > 0 {
		fmt.Fprintln(w, "  Links:")
		for _, l := range links {
			target := l.Target
			if s, anchor := l.Slug(); s != "" {
				target = "pmdev docs " + s
				if anchor != "" {
					target += "  (#" + anchor + ")"
				}
			}
			fmt.Fprintf(w, "  [%d] %s — %s\n", l.N, l.Text, target)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "  %s\n", lib.Label())
	return nil
}

func parseLang(s string) (docs.Lang, bool) {
	switch strings.ToLower(s) {
	case "curl", "sh", "bash", "":
		return docs.LangCurl, true
	case "go", "golang":
		return docs.LangGo, true
	case "node", "nodejs", "node.js", "js", "javascript":
		return docs.LangNode, true
	case "python", "py":
		return docs.LangPython, true
	case "php":
		return docs.LangPHP, true
	case "ruby", "rb":
		return docs.LangRuby, true
	}
	return 0, false
}

func printDocsIndex(w io.Writer, lib *docs.Library) error {
	width := 0
	for _, p := range lib.Index.Pages {
		width = max(width, len(p.Slug))
	}
	fmt.Fprintf(w, "PenguinMails API reference, %s\n", lib.Label())
	section := ""
	for _, p := range lib.Index.Pages {
		if p.Section != section {
			section = p.Section
			fmt.Fprintf(w, "\n%s\n", section)
		}
		fmt.Fprintf(w, "  %-*s  %s\n", width, p.Slug, p.Title)
	}
	_, err := fmt.Fprintln(w, "\nRead one with: pmdev docs <slug>   (--lang go|node|python|php|ruby for code examples)")
	return err
}

// suggest names pages whose slug or title contains the asked-for word.
func suggest(lib *docs.Library, slug string) string {
	var near []string
	for _, p := range lib.Index.Pages {
		if strings.Contains(p.Slug, slug) || strings.Contains(slug, p.Slug) || strings.Contains(strings.ToLower(p.Title), slug) {
			near = append(near, p.Slug)
		}
	}
	if len(near) == 0 {
		for _, h := range lib.Search(slug) {
			near = append(near, h.Slug)
			if len(near) == 3 {
				break
			}
		}
	}
	if len(near) == 0 {
		return ""
	}
	sort.Strings(near)
	return " (did you mean " + strings.Join(near, ", ") + "?)"
}
