package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/penguinmails/pmdev/server"
)

// newDB creates a database the way the server does (files 0600).
func newDB(t *testing.T) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "pm.db")
	srv, err := server.Open(context.Background(), server.Config{DBPath: db})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}

func TestServerRefusesReadableDataFiles(t *testing.T) {
	db := newDB(t)
	for _, f := range []string{db, db + ".webhook-key"} {
		fi, err := os.Stat(f)
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("the server created %s with %v (%v), want 0600", f, fi.Mode(), err)
		}
	}
	if err := checkServerFiles(db, sshOptions{}); err != nil {
		t.Fatalf("fresh database refused: %v", err)
	}
	hostKey := filepath.Join(t.TempDir(), "host")
	if _, err := loadOrCreateHostKey(hostKey); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		file string
		mode os.FileMode
		ssh  sshOptions
	}{
		{db, 0o644, sshOptions{}},
		{db, 0o640, sshOptions{}},
		{db + ".webhook-key", 0o604, sshOptions{}},
		{hostKey, 0o644, sshOptions{Addr: "127.0.0.1:0", HostKeyPath: hostKey}},
	}
	for _, tc := range cases {
		if err := os.Chmod(tc.file, tc.mode); err != nil {
			t.Fatal(err)
		}
		err := checkServerFiles(db, tc.ssh)
		if err == nil || !strings.Contains(err.Error(), tc.file+" is readable by group or others") || !strings.HasSuffix(err.Error(), "run: chmod 600 "+tc.file) {
			t.Errorf("%s %04o: %v", filepath.Base(tc.file), tc.mode, err)
		}
		// The command refuses before it opens anything.
		args := []string{"--db", db, "--addr", "127.0.0.1:0"}
		if tc.ssh.Addr != "" {
			args = append(args, "--ssh-addr", tc.ssh.Addr, "--ssh-host-key", hostKey)
		}
		if err := runServer(args); err == nil || !strings.Contains(err.Error(), "chmod 600 "+tc.file) {
			t.Errorf("pmdev server with %s %04o: %v", filepath.Base(tc.file), tc.mode, err)
		}
		if err := os.Chmod(tc.file, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// The user commands check too.
	if err := os.Chmod(db, 0o644); err != nil {
		t.Fatal(err)
	}
	err := runServerUsersAdd([]string{"--db", db, "--email", "x@acme.test", "--role", "member"}, io.Discard, io.Discard, false)
	if err == nil || !strings.Contains(err.Error(), "chmod 600 "+db) {
		t.Errorf("users add: %v", err)
	}
	if err := runServerSSHKeys([]string{"list", "--db", db}, io.Discard); err == nil || !strings.Contains(err.Error(), "chmod 600 "+db) {
		t.Errorf("ssh-keys list: %v", err)
	}
}

// The sandbox database is pmdev's own: an old one left 0644 is made 0600.
func TestSandboxTightensItsFiles(t *testing.T) {
	db := newDB(t)
	for _, f := range []string{db, db + ".webhook-key"} {
		if err := os.Chmod(f, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var log bytes.Buffer
	sb, err := startSandbox(context.Background(), sandboxOptions{DBPath: db, Email: "admin@acme.test", Logger: slog.New(slog.NewTextHandler(&log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if err := sb.Close(); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{db, db + ".webhook-key"} {
		if fi, _ := os.Stat(f); fi.Mode().Perm() != 0o600 {
			t.Errorf("%s left %04o", f, fi.Mode().Perm())
		}
	}
	if !strings.Contains(log.String(), "made owner-only") {
		t.Errorf("not logged: %s", log.String())
	}
}
