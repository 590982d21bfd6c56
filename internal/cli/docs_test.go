package cli

import (
	"bytes"
	"os"
	"strings"
	"testing"

	docs "github.com/penguinmails/pmdev/internal/apidocs"
)

func TestDocsCommand(t *testing.T) {
	run := func(tty bool, args ...string) (string, error) {
		var b bytes.Buffer
		cmd := newDocsCmd(docsEnv{assets: os.DirFS("../../api"), out: &b, term: &docsTerm{tty: tty, width: 100, style: docs.StyleNoTTY}})
		cmd.SetArgs(args)
		cmd.SilenceErrors, cmd.SilenceUsage = true, true
		err := cmd.Execute()
		return b.String(), err
	}
	out, err := run(false, "--list")
	if err != nil || !strings.Contains(out, "authentication\n") || !strings.Contains(out, "emails\n") {
		t.Fatalf("--list: %v\n%s", err, out)
	}
	// Not a terminal: Markdown, with the examples filled in.
	out, err = run(false, "emails", "--lang", "python")
	if err != nil || !strings.HasPrefix(out, "# Emails") || !strings.Contains(out, "```python\nimport requests") || strings.Contains(out, "pmdev:op") || strings.Contains(out, "<!--") {
		t.Fatalf("plain page: %v\n%.400s", err, out)
	}
	// A terminal: rendered, wrapped, links listed, the copy named.
	out, err = run(true, "--width", "80", "rate-limiting")
	if err != nil || strings.Contains(out, "](rate-limits)") || !strings.Contains(out, "[1] Rate limits endpoint — pmdev docs rate-limits") || !strings.Contains(out, "built-in copy") {
		t.Fatalf("rendered page: %v\n%s", err, out)
	}
	if _, err := run(false, "rate-limit"); err == nil || !strings.Contains(err.Error(), "did you mean") {
		t.Fatalf("unknown slug: %v", err)
	}
	if _, err := run(false, "emails", "--lang", "cobol"); err == nil {
		t.Fatal("unknown language accepted")
	}
	if _, err := run(false, "emails", "webhooks"); err == nil || !strings.Contains(err.Error(), "one page at a time") {
		t.Fatalf("two slugs: %v", err)
	}
}

// An unknown page or language is a bad argument: exit 2.
func TestDocsBadArgumentsExit2(t *testing.T) {
	a := &refAPI{}
	for _, args := range [][]string{{"docs", "nonexistent"}, {"docs", "--lang", "cobol", "authentication"}, {"docs", "emails", "webhooks"}, {"docs", "--width", "-5", "emails"}} {
		r := a.runAs(t, "", runOpts{noToken: true}, args...).wantCode(t, 2, strings.Join(args, " "))
		if !strings.HasPrefix(r.stderr, "pmdev: docs: ") {
			t.Errorf("%v: stderr %q", args, r.stderr)
		}
	}
}

// On a terminal a page goes through the pager ($PMDEV_PAGER, $PAGER, else
// less -R), like gh and git; piped, or with --plain, it is printed.
func TestDocsPagesOnATerminal(t *testing.T) {
	run := func(tty bool, args ...string) (out, paged string) {
		var b bytes.Buffer
		cmd := newDocsCmd(docsEnv{assets: os.DirFS("../../api"), out: &b, term: &docsTerm{tty: tty, width: 100, style: docs.StyleNoTTY},
			page: func(text string) error { paged = text; return nil }})
		cmd.SetArgs(args)
		cmd.SilenceErrors, cmd.SilenceUsage = true, true
		if err := cmd.Execute(); err != nil {
			t.Fatal(err)
		}
		return b.String(), paged
	}
	out, paged := run(true, "rate-limiting")
	if out != "" || !strings.Contains(paged, "[1] Rate limits endpoint — pmdev docs rate-limits") {
		t.Fatalf("terminal: printed %q, paged %.200q", out, paged)
	}
	for _, args := range [][]string{{"rate-limiting"}, {"rate-limiting", "--plain"}, {"--list"}} {
		tty := len(args) > 1
		if out, paged := run(tty, args...); out == "" || paged != "" {
			t.Errorf("%v (tty %v): printed %d bytes, paged %d", args, tty, len(out), len(paged))
		}
	}
	for _, c := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{}, "less -R"},
		{map[string]string{"PAGER": "most"}, "most"},
		{map[string]string{"PAGER": "most", "PMDEV_PAGER": "less -RS"}, "less -RS"},
		{map[string]string{"PAGER": ""}, ""},
		{map[string]string{"PAGER": "cat"}, ""},
	} {
		lookup := func(k string) (string, bool) { v, ok := c.env[k]; return v, ok }
		if got := pagerCommand(lookup); got != c.want {
			t.Errorf("env %v: pager %q, want %q", c.env, got, c.want)
		}
	}
	// The pager reads the page on stdin; one that cannot start leaves it printed.
	var b bytes.Buffer
	lookup := func(k string) (string, bool) {
		if k == "PAGER" {
			return "exit 0", true
		}
		return "", false
	}
	if err := runPager("page text", &b, lookup); err != nil || b.Len() != 0 {
		t.Fatalf("pager run: %v, printed %q", err, b.String())
	}
	lookup = func(k string) (string, bool) { return "", k == "PAGER" }
	if err := runPager("page text", &b, lookup); err != nil || b.String() != "page text" {
		t.Fatalf("no pager: %v, printed %q", err, b.String())
	}
}
