package cli

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/penguinmails/pmdev/internal/sandbox/sandboxtest"
	"github.com/penguinmails/pmdev/internal/sshconsole"
)

func TestServerRefusesReadableDataFiles(t *testing.T) {
	db := sandboxtest.NewDB(t)
	for _, f := range []string{db, db + ".webhook-key"} {
		fi, err := os.Stat(f)
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("the server created %s with %v (%v), want 0600", f, fi.Mode(), err)
		}
	}
	if err := checkServerFiles(db, sshconsole.Options{}); err != nil {
		t.Fatalf("fresh database refused: %v", err)
	}
	hostKey := filepath.Join(t.TempDir(), "host")
	if _, err := sshconsole.LoadOrCreateHostKey(hostKey); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		file string
		mode os.FileMode
		ssh  sshconsole.Options
	}{
		{db, 0o644, sshconsole.Options{}},
		{db, 0o640, sshconsole.Options{}},
		{db + ".webhook-key", 0o604, sshconsole.Options{}},
		{hostKey, 0o644, sshconsole.Options{Addr: "127.0.0.1:0", HostKeyPath: hostKey}},
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
		var stderr bytes.Buffer
		if code := Execute("test", append([]string{"server"}, args...), io.Discard, &stderr); code != 1 || !strings.Contains(stderr.String(), "chmod 600 "+tc.file) {
			t.Errorf("pmdev server with %s %04o: exit %d, %s", filepath.Base(tc.file), tc.mode, code, stderr.String())
		}
		if err := os.Chmod(tc.file, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// The user commands check too.
	if err := os.Chmod(db, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"server", "users", "add", "--db", db, "--email", "x@acme.test", "--role", "member"},
		{"server", "users", "ssh-keys", "list", "--db", db},
	} {
		var stderr bytes.Buffer
		if code := Execute("test", args, io.Discard, &stderr); code != 1 || !strings.Contains(stderr.String(), "chmod 600 "+db) {
			t.Errorf("%v: exit %d, %s", args, code, stderr.String())
		}
	}
}
