package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
)

// The token is alone on stdout either way; the hint goes to stderr only when
// stderr is a terminal, and never repeats the token.
func TestServerUsersAddStdoutAndHint(t *testing.T) {
	for _, tty := range []bool{false, true} {
		db := filepath.Join(t.TempDir(), "pm.db")
		var out, errOut bytes.Buffer
		if err := runServerUsersAdd([]string{"--db", db, "--email", "dev@acme.test", "--role", "developer"}, &out, &errOut, tty); err != nil {
			t.Fatal(err)
		}
		token := strings.TrimSuffix(out.String(), "\n")
		if !strings.HasPrefix(token, "pm_pat_") || strings.ContainsAny(token, " \n") {
			t.Fatalf("tty=%v: stdout %q is not a bare token", tty, out.String())
		}
		hint := errOut.String()
		switch {
		case !tty && hint != "":
			t.Fatalf("stderr not a terminal, yet got %q", hint)
		case tty && hint != "personal access token for dev@acme.test (role developer); shown once — store it now\n":
			t.Fatalf("hint %q", hint)
		case strings.Contains(hint, token):
			t.Fatal("token repeated on stderr")
		}
	}
}

func TestQuoteIfControl(t *testing.T) {
	if got := quoteIfControl("a\x1b[2Jb"); strings.ContainsRune(got, 0x1b) {
		t.Fatalf("escape reached the terminal: %q", got)
	}
	if got := quoteIfControl("dev@acme.test"); got != "dev@acme.test" {
		t.Fatalf("plain email changed: %q", got)
	}
}
