package cli

import (
	"bytes"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/penguinmails/pmdev/internal/sshconsole"
	"github.com/penguinmails/pmdev/server"
)

// The token is alone on stdout either way; the hint goes to stderr only when
// stderr is a terminal, and never repeats the token.
func TestServerUsersAddStdoutAndHint(t *testing.T) {
	for _, tty := range []bool{false, true} {
		db := filepath.Join(t.TempDir(), "pm.db")
		var out, errOut bytes.Buffer
		f := &usersAddFlags{email: "dev@acme.test", role: "developer"}
		if err := usersAdd(&db, f, &out, &errOut, tty); err != nil {
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

func TestServerUsersAddUsage(t *testing.T) {
	db := filepath.Join(t.TempDir(), "pm.db")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"server", "users", "add", "--db", db, "--email", "a@b.test"}, "--email and --role are required"},
		{[]string{"server", "users", "add", "--db", db, "--email", "a@b.test", "--role", "root"}, `--role must be admin, developer or member, not "root"`},
		{[]string{"server", "users"}, "usage: pmdev server users add"},
		{[]string{"server", "--seed", "big"}, "--seed must be demo"},
		{[]string{"server", "--max-conns-per-ip", "-1"}, "--max-conns-per-ip must be 0 (no cap) or more"},
		{[]string{"server", "--bogus"}, "unknown flag: --bogus"},
		{[]string{"server", "--ssh-public-url", "api.example.com"}, `--ssh-public-url "api.example.com": want an http(s) URL with a host`},
	} {
		var stderr bytes.Buffer
		if code := Execute("test", tc.args, io.Discard, &stderr); code != 2 || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("%v: exit %d, %q; want 2 and %q", tc.args, code, stderr.String(), tc.want)
		}
	}
}

// The SSH console names the acting key in the header the reference server reads.
func TestActorHeaderAgreesWithServer(t *testing.T) {
	if sshconsole.ActorFingerprintHeader != server.ActorFingerprintHeader {
		t.Fatalf("sshconsole sends %q, the server reads %q", sshconsole.ActorFingerprintHeader, server.ActorFingerprintHeader)
	}
}

// The missing --ssh-public-url warning fires only for a loopback API.
func TestLoopbackOnly(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1:8080": true, "localhost:8080": true, "[::1]:8080": true,
		"0.0.0.0:8080": false, ":8080": false, "192.0.2.7:8080": false, "nonsense": false,
	} {
		if got := loopbackOnly(addr); got != want {
			t.Errorf("loopbackOnly(%q) = %v, want %v", addr, got, want)
		}
	}
}
