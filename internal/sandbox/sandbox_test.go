package sandbox

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/penguinmails/pmdev/server"
)

// The sandbox database is pmdev's own: an old one left 0644 is made 0600.
func TestSandboxTightensItsFiles(t *testing.T) {
	db := filepath.Join(t.TempDir(), "pm.db")
	srv, err := server.Open(context.Background(), server.Config{DBPath: db})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{db, db + ".webhook-key"} {
		if err := os.Chmod(f, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var log bytes.Buffer
	sb, err := Start(context.Background(), Options{DBPath: db, Email: "admin@acme.test", Logger: slog.New(slog.NewTextHandler(&log, nil))})
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

func TestEmailResolvesRolesAndEmails(t *testing.T) {
	for as, want := range map[string]string{"member": "viewer@acme.test", "dev@acme.test": "dev@acme.test", "admin": "admin@acme.test"} {
		if got, err := Email(as); err != nil || got != want {
			t.Errorf("Email(%q) = %q, %v; want %q", as, got, err, want)
		}
	}
	if _, err := Email("root"); err == nil {
		t.Error("--as root accepted")
	}
}
