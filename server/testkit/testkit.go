// Package testkit holds the test helpers that the tests of the server, the
// client, the CLI and the SSH console share. It lives under server/ because
// the server may import nothing of ours outside it, and it needs nothing of
// ours.
package testkit

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// Buffer is a bytes.Buffer that tests read while another goroutine writes
// it (a server's log, a command's output).
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *Buffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *Buffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// SSHKey is a fresh ed25519 key pair as an SSH client holds it.
type SSHKey struct {
	Signer gossh.Signer
	Line   []byte // authorized_keys line, with the comment and a newline
	FP     string // SHA256 fingerprint
}

// NewSSHKey makes a fresh key whose authorized_keys line ends in comment.
func NewSSHKey(t testing.TB, comment string) SSHKey {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	line := append(bytes.TrimSpace(gossh.MarshalAuthorizedKey(s.PublicKey())), []byte(" "+comment+"\n")...)
	return SSHKey{Signer: s, Line: line, FP: gossh.FingerprintSHA256(s.PublicKey())}
}

// TempFile writes body to a file named name (mode 0600) in a fresh
// temporary directory and returns its path.
func TempFile(t testing.TB, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// WaitFor polls cond every 10 ms until it holds, failing the test if it
// does not within d.
func WaitFor(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
