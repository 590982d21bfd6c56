package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server"
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
	k := newTestKey(t, "dev@laptop\x1b[31m")
	pub := filepath.Join(dir, "id.pub")
	if err := os.WriteFile(pub, k.line, 0o644); err != nil {
		t.Fatal(err)
	}

	var out bytes.Buffer
	if err := runServerSSHKeys([]string{"add", "--db", db, "--email", "dev@acme.test", pub}, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "added "+k.fp) {
		t.Fatalf("add printed %q", out.String())
	}
	out.Reset()
	if err := runServerSSHKeys([]string{"list", "--db", db}, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), k.fp) || !strings.Contains(out.String(), "dev@acme.test") || strings.Contains(out.String(), "\x1b") {
		t.Fatalf("list printed %q", out.String())
	}
	out.Reset()
	if err := runServerSSHKeys([]string{"remove", "--db", db, k.fp}, &out); err != nil {
		t.Fatal(err)
	}
	if err := runServerSSHKeys([]string{"remove", "--db", db, k.fp}, &out); err == nil {
		t.Fatal("removing an unknown key succeeded")
	}
	out.Reset()
	if err := runServerSSHKeys([]string{"list", "--db", db}, &out); err != nil || !strings.Contains(out.String(), "no SSH keys") {
		t.Fatalf("list after remove: %q %v", out.String(), err)
	}
	if err := runServerSSHKeys([]string{"frobnicate"}, &out); err == nil || !strings.Contains(err.Error(), "usage") {
		t.Fatalf("bad subcommand: %v", err)
	}
}
