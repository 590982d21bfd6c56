package cli

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"sort"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"github.com/penguinmails/pmdev/api"
	docs "github.com/penguinmails/pmdev/internal/apidocs"
	"github.com/penguinmails/pmdev/internal/apidocs/render"
)

// docsTerm describes the output: a terminal (render) or not (Markdown).
type docsTerm struct {
	tty   bool
	width int
	style string
	// profile is the terminal's colours, for text rendered ahead of the pager.
	profile colorprofile.Profile
}

// writer renders for the terminal into w (colours as the terminal takes them).
func (t docsTerm) writer(w io.Writer) io.Writer {
	if t.profile == 0 {
		return w
	}
	return &colorprofile.Writer{Forward: w, Profile: t.profile}
}

// pagerCommand is the pager to run, as git reads it: $PMDEV_PAGER, else
// $PAGER, else "less -R"; a pager set empty or to "cat" means none.
func pagerCommand(lookupEnv func(string) (string, bool)) string {
	for _, name := range []string{"PMDEV_PAGER", "PAGER"} {
		if v, set := lookupEnv(name); set {
			if v = strings.TrimSpace(v); v == "cat" {
				return ""
			}
			return v
		}
	}
	return "less -R"
}

// runPager shows text through the pager, reading it from stdin with the
// terminal as stdout; LESS=FRX (unless set) prints a short page and quits,
// as git does. Without a pager, or one that cannot start, text goes to w.
func runPager(text string, w io.Writer, lookupEnv func(string) (string, bool)) error {
	pager := pagerCommand(lookupEnv)
	if pager == "" {
		_, err := io.WriteString(w, text)
		return err
	}
	cmd := exec.Command("sh", "-c", pager)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = strings.NewReader(text), os.Stdout, os.Stderr
	cmd.Env = os.Environ()
	if _, set := lookupEnv("LESS"); !set {
		cmd.Env = append(cmd.Env, "LESS=FRX")
	}
	if err := cmd.Start(); err != nil {
		_, err = io.WriteString(w, text)
		return err
	}
	_ = cmd.Wait() // quitting the pager early is not an error of ours
	return nil
}

// docsEnv is where `pmdev docs` reads and writes; zero values mean the
// embedded api/ dir, the process's stdout and $PAGER (tests replace them).
type docsEnv struct {
	assets fs.FS
	out    io.Writer
	term   *docsTerm
	// page shows a rendered page on the terminal; nil runs $PAGER (for
	// the process's stdout; a given out is written to).
	page func(text string) error
}

type docsFlags struct {
	list, plain  bool
	lang, apiURL string
	width        int
}

// newDocsCmd is `pmdev docs [slug]`: a page of the API reference from the
// copy embedded in the binary, rendered for the terminal (plain Markdown
// when stdout is not one), without starting the console.
func newDocsCmd(env docsEnv) *cobra.Command {
	var f docsFlags
	cmd := &cobra.Command{
		Use:   "docs [slug]",
		Short: "Read the API reference in the terminal (works offline)",
		Long:  "Prints a page of the API reference (works offline); without a slug, the index.",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 1 {
				return usagef("docs: one page at a time (got %s)", strings.Join(args, ", "))
			}
			return nil
		},
		ValidArgsFunction: func(_ *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
			if len(args) > 0 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			lib, err := docs.LoadEmbedded(env.fsys())
			if err != nil {
				return nil, cobra.ShellCompDirectiveError
			}
			var slugs []cobra.Completion
			for _, p := range lib.Index.Pages {
				slugs = append(slugs, cobra.CompletionWithDesc(p.Slug, p.Title))
			}
			return slugs, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.width != 0 && (f.width < 20 || f.width > 1000) {
				return usagef("docs: --width must be 20 to 1000 columns (0: the terminal's), not %d", f.width)
			}
			w, t := env.out, env.term
			if w == nil {
				var dt docsTerm
				w, dt = stdoutTerm()
				t = &dt
			}
			if !t.tty || f.plain || f.list {
				return docsCommand(args, &f, env.fsys(), w, *t)
			}
			// On a terminal the page goes through the pager, as gh and git do.
			var b strings.Builder
			if err := docsCommand(args, &f, env.fsys(), t.writer(&b), *t); err != nil {
				return err
			}
			page := env.page
			switch {
			case page == nil && env.out != nil: // a writer of the caller's: no pager
				page = func(text string) error { _, err := io.WriteString(w, text); return err }
			case page == nil:
				page = func(text string) error { return runPager(text, w, os.LookupEnv) }
			}
			return page(b.String())
		},
	}
	fs := cmd.Flags()
	fs.BoolVar(&f.list, "list", false, "list the page slugs")
	fs.StringVar(&f.lang, "lang", "curl", "language of code examples: curl, go, node, python, php, ruby")
	fs.IntVar(&f.width, "width", 0, "on a terminal, wrap at this many columns (default: the terminal's, at most 120); --plain and piped output are Markdown, unwrapped")
	fs.BoolVar(&f.plain, "plain", false, "print Markdown even on a terminal")
	fs.StringVar(&f.apiURL, "api-url", os.Getenv("PENGUINMAILS_API_URL"), "API URL used in code examples")
	_ = cmd.RegisterFlagCompletionFunc("lang", cobra.FixedCompletions([]string{"curl", "go", "node", "python", "php", "ruby"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func (e docsEnv) fsys() fs.FS {
	if e.assets != nil {
		return e.assets
	}
	return api.FS()
}

// stdoutTerm describes the process's stdout.
func stdoutTerm() (io.Writer, docsTerm) {
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
	t := docsTerm{tty: tty, width: width, style: style}
	if tty {
		w = colorprofile.NewWriter(out, os.Environ())
		t.profile = colorprofile.Detect(out, os.Environ())
	}
	return w, t
}

func docsCommand(slugs []string, f *docsFlags, assets fs.FS, w io.Writer, t docsTerm) error {
	lib, err := docs.LoadEmbedded(assets)
	if err != nil {
		return err
	}
	if f.list {
		for _, p := range lib.Index.Pages {
			fmt.Fprintln(w, p.Slug)
		}
		return nil
	}
	// An unknown language or page is a bad argument (exit 2), like any flag.
	lang, ok := parseLang(f.lang)
	if !ok {
		return usagef("docs: unknown --lang %q (curl, go, node, python, php, ruby)", f.lang)
	}
	if len(slugs) == 0 {
		return printDocsIndex(w, lib)
	}
	slug := strings.TrimSuffix(strings.ToLower(slugs[0]), ".md")
	md, ok := lib.Pages[slug]
	if !ok {
		return usagef("docs: no page %q; `pmdev docs --list` shows the slugs%s", slug, suggest(lib, slug))
	}
	base := f.apiURL
	if base == "" {
		base = "https://api.penguinmails.com"
	}
	if !t.tty || f.plain {
		_, err := io.WriteString(w, docs.StripComments(docs.Expand(md, lang, base)))
		return err
	}
	wrap := f.width
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
