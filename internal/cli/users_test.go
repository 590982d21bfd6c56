package cli

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server"
	"github.com/penguinmails/pmdev/server/testkit"
)

func TestServerSSHKeysCommand(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "pm.db")
	ctx := context.Background()
	srv, err := server.Open(ctx, server.Config{DBPath: db})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.AddUser(ctx, server.NewUser{Email: "dev@acme.test", Role: models.RoleDeveloper}); err != nil {
		t.Fatal(err)
	}
	if err := srv.Close(ctx); err != nil {
		t.Fatal(err)
	}
	k := testkit.NewSSHKey(t, "dev@laptop\x1b[31m")
	line, fp := k.Line, k.FP
	pub := filepath.Join(dir, "id.pub")
	if err := os.WriteFile(pub, line, 0o644); err != nil {
		t.Fatal(err)
	}

	var out bytes.Buffer
	if err := sshKeys(&out, "add", "--db", db, "--email", "dev@acme.test", pub); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "added "+fp) {
		t.Fatalf("add printed %q", out.String())
	}
	out.Reset()
	if err := sshKeys(&out, "add", "--db", db, "--email", "dev@acme.test", pub); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "already registered: "+fp) {
		t.Fatalf("adding the key again printed %q", out.String())
	}
	out.Reset()
	if err := sshKeys(&out, "list", "--db", db); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), fp) || !strings.Contains(out.String(), "dev@acme.test") || strings.Contains(out.String(), "\x1b") {
		t.Fatalf("list printed %q", out.String())
	}
	out.Reset()
	if err := sshKeys(&out, "remove", "--db", db, fp); err != nil {
		t.Fatal(err)
	}
	if err := sshKeys(&out, "remove", "--db", db, fp); err == nil {
		t.Fatal("removing an unknown key succeeded")
	}
	out.Reset()
	if err := sshKeys(&out, "list", "--db", db); err != nil || !strings.Contains(out.String(), "no SSH keys") {
		t.Fatalf("list after remove: %q %v", out.String(), err)
	}
	if err := sshKeys(&out, "frobnicate"); err == nil || !strings.Contains(err.Error(), "usage") {
		t.Fatalf("bad subcommand: %v", err)
	}
}

// sshKeys runs `pmdev server users ssh-keys args...`, stdout into out.
func sshKeys(out *bytes.Buffer, args ...string) error {
	var stderr bytes.Buffer
	if code := Execute("test", append([]string{"server", "users", "ssh-keys"}, args...), out, &stderr); code != 0 {
		return errors.New(stderr.String())
	}
	return nil
}

// Adding a user that exists updates its role, and says so on stderr, even
// to a script; another tenant's user is refused, saying the user exists.
func TestUsersAddSaysWhatItChanged(t *testing.T) {
	db := filepath.Join(t.TempDir(), "pm.db")
	add := func(args ...string) (stdout, stderr string, code int) {
		var out, errb bytes.Buffer
		code = Execute("test", append([]string{"server", "users", "add", "--db", db}, args...), &out, &errb)
		return out.String(), errb.String(), code
	}
	tok, msg, code := add("--email", "dev@acme.test", "--role", "developer", "--tenant", "Acme")
	if code != 0 || !strings.HasPrefix(tok, "pm_pat_") || msg != "" {
		t.Fatalf("new user: %d %q %q", code, tok, msg)
	}
	tok2, msg, code := add("--email", "dev@acme.test", "--role", "admin", "--tenant", "Acme")
	if code != 0 || !strings.HasPrefix(tok2, "pm_pat_") || tok2 == tok || !strings.Contains(msg, "already existed: role developer → admin") {
		t.Fatalf("role change: %d %q %q", code, tok2, msg)
	}
	_, msg, _ = add("--email", "dev@acme.test", "--role", "admin", "--tenant", "Acme")
	if !strings.Contains(msg, "role admin unchanged") {
		t.Fatalf("same role again: %q", msg)
	}
	_, msg, code = add("--email", "dev@acme.test", "--role", "admin", "--tenant", "Globex")
	if code == 0 || !strings.Contains(msg, "already exists, in another tenant") {
		t.Fatalf("other tenant: %d %q", code, msg)
	}
}
