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
