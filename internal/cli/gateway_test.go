package cli

import (
	"bytes"
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/penguinmails/pmdev/internal/sandbox/sandboxtest"
	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server"
	"github.com/penguinmails/pmdev/server/testkit"
)

// `pmdev ssh-gateway` in front of a reference server it knows only by URL:
// it listens, checks each profile's token at start, and stops on cancel.
func TestGatewayCommandServesUntilStopped(t *testing.T) {
	ctx := context.Background()
	env := sandboxtest.Serve(t, sandboxtest.Options{})
	pat := env.AddUser(t, server.NewUser{Email: "admin@acme.test", Role: models.RoleAdmin, Tenant: "Acme"})

	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "admin.token")
	line := testkit.NewSSHKey(t, "ops@laptop").Line
	ids := filepath.Join(dir, "identities")
	for path, data := range map[string][]byte{tokenFile: []byte(pat + "\n"), ids: append([]byte(`profile="acme-admin",token-file="`+tokenFile+`" `), line...)} {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()

	cctx, cancel := context.WithCancel(ctx)
	var stderr testkit.Buffer
	done := make(chan int, 1)
	root := newRoot("test", io.Discard, &stderr)
	root.SetArgs([]string{"ssh-gateway", "--listen", addr, "--api-url", env.URL, "--identities", ids,
		"--ssh-host-key", filepath.Join(dir, "host"), "--audit-log", filepath.Join(dir, "audit.log")})
	go func() { done <- exitStatus(root.ExecuteContext(cctx), &stderr) }()

	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(stderr.String(), "profile ok") {
		if time.Now().After(deadline) {
			t.Fatalf("no start-up check of the profile token in the log:\n%s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("gateway not listening: %v", err)
	}
	conn.Close()
	if strings.Contains(stderr.String(), pat) {
		t.Fatal("token in the log")
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("gateway exited %d:\n%s", code, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("gateway did not stop")
	}
}

func TestGatewayRefusesToStartWithOpenIdentities(t *testing.T) {
	dir := t.TempDir()
	line := testkit.NewSSHKey(t, "k").Line
	ids := filepath.Join(dir, "identities")
	if err := os.WriteFile(ids, append([]byte(`profile="x",token-env="HOME" `), line...), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(ids, 0o644); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	code := Execute("test", []string{"ssh-gateway", "--listen", "127.0.0.1:0", "--api-url", "http://127.0.0.1:9",
		"--identities", ids, "--ssh-host-key", filepath.Join(dir, "host")}, io.Discard, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), "chmod 600") {
		t.Fatalf("exit %d, %q; want a refusal naming chmod 600", code, stderr.String())
	}
	if code := Execute("test", []string{"ssh-gateway", "--identities", ids}, io.Discard, &stderr); code != 2 {
		t.Fatalf("no --api-url: exit %d", code)
	}
}
