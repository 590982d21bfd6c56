package sshconsole

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/penguinmails/pmdev/server/testkit"
)

func writeFile(t testing.TB, path string, data []byte, mode os.FileMode) string {
	t.Helper()
	if err := os.WriteFile(path, data, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil { // umask must not change the test
		t.Fatal(err)
	}
	return path
}

func identitiesLine(opts string, k testkit.SSHKey) []byte {
	return append([]byte(opts+" "), k.Line...)
}

func TestGatewayIdentitiesFile(t *testing.T) {
	dir := t.TempDir()
	ops, ci := testkit.NewSSHKey(t, "alice@laptop"), testkit.NewSSHKey(t, "ci")
	tokenFile := writeFile(t, filepath.Join(dir, "ci.token"), []byte("pm_pat_ci\n"), 0o600)
	env := func(k string) string {
		if k == "PM_OPS_TOKEN" {
			return "pm_pat_ops"
		}
		return ""
	}
	good := bytes.Join([][]byte{
		[]byte("# operators"),
		identitiesLine(`profile="ops",token-env="PM_OPS_TOKEN"`, ops),
		identitiesLine(`profile="ci",token-file="`+tokenFile+`"`, ci),
	}, []byte("\n"))
	ids, err := LoadGatewayIdentities(writeFile(t, filepath.Join(dir, "ids"), good, 0o600), env)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ids.Resolve(context.Background(), ci.Signer.PublicKey())
	if err != nil || got.Name != "ci" || got.Fingerprint != ci.FP {
		t.Fatalf("ci key resolved to %+v, %v", got, err)
	}
	if tok, _ := got.Token(context.Background()); tok != "pm_pat_ci" {
		t.Fatalf("ci token %q", tok)
	}
	if _, err := ids.Resolve(context.Background(), testkit.NewSSHKey(t, "x").Signer.PublicKey()); err != ErrUnknownKey {
		t.Fatalf("unknown key: %v", err)
	}

	// Reload (SIGHUP): a removed line stops resolving; a broken file keeps the last good set.
	writeFile(t, filepath.Join(dir, "ids"), identitiesLine(`profile="ops",token-env="PM_OPS_TOKEN"`, ops), 0o600)
	if n, err := ids.Reload(); err != nil || n != 1 {
		t.Fatalf("reload: %d keys, %v", n, err)
	}
	if _, err := ids.Resolve(context.Background(), ci.Signer.PublicKey()); err != ErrUnknownKey {
		t.Fatalf("removed key still resolves: %v", err)
	}
	writeFile(t, filepath.Join(dir, "ids"), []byte("garbage"), 0o600)
	if _, err := ids.Reload(); err == nil {
		t.Fatal("broken file reloaded")
	}
	if _, err := ids.Resolve(context.Background(), ops.Signer.PublicKey()); err != nil {
		t.Fatalf("last good set lost: %v", err)
	}

	bad := map[string]struct {
		content []byte
		mode    os.FileMode
		want    string
	}{
		"identities readable by group":  {good, 0o640, "readable by group or others"},
		"identities readable by others": {good, 0o604, "readable by group or others"},
		"no profile":                    {identitiesLine(`token-env="PM_OPS_TOKEN"`, ops), 0o600, "missing profile"},
		"no token":                      {identitiesLine(`profile="ops"`, ops), 0o600, "token-env"},
		"unset env":                     {identitiesLine(`profile="ops",token-env="NOPE"`, ops), 0o600, "NOPE is empty or unset"},
		"unknown option":                {identitiesLine(`profile="ops",token-env="PM_OPS_TOKEN",from="10.0.0.0/8"`, ops), 0o600, "unsupported option"},
		"duplicate key": {bytes.Join([][]byte{identitiesLine(`profile="ops",token-env="PM_OPS_TOKEN"`, ops),
			identitiesLine(`profile="ci",token-file="`+tokenFile+`"`, ops)}, []byte("\n")), 0o600, "already mapped"},
		"garbage": {[]byte("profile=\"x\" not-a-key"), 0o600, "not an authorized_keys line"},
	}
	for name, tc := range bad {
		t.Run(name, func(t *testing.T) {
			p := writeFile(t, filepath.Join(t.TempDir(), "ids"), tc.content, tc.mode)
			_, err := LoadGatewayIdentities(p, env)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want %q", err, tc.want)
			}
		})
	}
	t.Run("token file readable by group", func(t *testing.T) {
		open := writeFile(t, filepath.Join(t.TempDir(), "tok"), []byte("pm_pat_x"), 0o644)
		p := writeFile(t, filepath.Join(t.TempDir(), "ids"), identitiesLine(`profile="ci",token-file="`+open+`"`, ci), 0o600)
		if _, err := LoadGatewayIdentities(p, env); err == nil || !strings.Contains(err.Error(), "token file") {
			t.Fatalf("err %v, want token file refusal", err)
		}
	})
}

// TestGatewayServesConsoleForRemoteAPI serves the console as `pmdev
// ssh-gateway` does, in front of a reference server started on its own,
// knowing only its URL and a token. (internal/cli tests the command's flags.)
func TestGatewayServesConsoleForRemoteAPI(t *testing.T) {
	api := newTestAPI(t)
	dir := t.TempDir()
	opsKey := testkit.NewSSHKey(t, "ops@laptop")
	tokenFile := writeFile(t, filepath.Join(dir, "admin.token"), []byte(api.adminPAT+"\n"), 0o600)
	idsPath := writeFile(t, filepath.Join(dir, "identities"),
		identitiesLine(`profile="acme-admin",token-file="`+tokenFile+`"`, opsKey), 0o600)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stderr testkit.Buffer
	ids, err := LoadGatewayIdentities(idsPath, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(&stderr, nil))
	svc, err := Start(ctx, ids, api.url, Options{Addr: addr, HostKeyPath: filepath.Join(dir, "host"),
		AuditLog: filepath.Join(dir, "audit.log"), Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer scancel()
		if err := svc.Stop(sctx); err != nil {
			t.Errorf("gateway: %v", err)
		}
	})
	go ids.CheckProfiles(ctx, api.url, logger)
	deadline := time.Now().Add(10 * time.Second)
	for {
		conn, err := net.Dial("tcp", addr)
		if err == nil {
			conn.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("gateway not listening: %v\n%s", err, stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	for !strings.Contains(stderr.String(), "profile ok") {
		if time.Now().After(deadline) {
			t.Fatalf("no start-up check of the profile token in the log:\n%s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	ts := openTerm(t, mustDial(t, addr, opsKey), 100, 30, nil)
	ts.waitFor(t, "admin@acme.test") // the console's status bar names the signed-in user

	// The profile's token never reaches the terminal or the logs.
	secret := strings.TrimSpace(api.adminPAT)
	audit, _ := os.ReadFile(filepath.Join(dir, "audit.log"))
	for name, s := range map[string]string{"terminal": ts.out.String(), "log": stderr.String(), "audit": string(audit)} {
		if strings.Contains(s, secret) {
			t.Fatalf("token found in %s", name)
		}
	}
	if !strings.Contains(string(audit), opsKey.FP) || !strings.Contains(string(audit), `"user":"acme-admin"`) {
		t.Fatalf("audit log lacks the session: %s", audit)
	}

	// A key not in the identities file is refused.
	if _, err := dialSSH(addr, gossh.PublicKeys(testkit.NewSSHKey(t, "stranger").Signer)); err == nil {
		t.Fatal("stranger accepted")
	}
}

func TestGatewayRejectedTokenExplainsAndExits(t *testing.T) {
	api := newTestAPI(t)
	k := testkit.NewSSHKey(t, "ops")
	p := writeFile(t, filepath.Join(t.TempDir(), "ids"), identitiesLine(`profile="stale",token-env="TOK"`, k), 0o600)
	ids, err := LoadGatewayIdentities(p, func(string) string { return "pm_pat_revokedrevokedrevoked" })
	if err != nil {
		t.Fatal(err)
	}
	env := startTestSSH(t, api, ids, newStubConsole, nil)
	ts := env.term(t, k, 80, 24)
	ts.refused(t, `refused the credential of profile "stale" (HTTP 401)`)
	if strings.Contains(ts.screenText(), "stub-console") {
		t.Fatalf("a console started with a rejected token: %q", ts.screenText())
	}
	waitAudit(t, env.audit, `"reason":"api"`)
}

// FuzzGatewayIdentities: any file content parses or fails with an error, and
// every key it accepts has a profile and a token.
func FuzzGatewayIdentities(f *testing.F) {
	k := testkit.NewSSHKey(f, "seed")
	f.Add(identitiesLine(`profile="ops",token-env="T"`, k))
	f.Add(identitiesLine(`profile="a\"b",token-env="T",token-file="/x"`, k))
	f.Add([]byte("# comment\n\nprofile= ssh-ed25519"))
	f.Fuzz(func(t *testing.T, data []byte) {
		keys, err := parseIdentities(data, "fuzz", func(string) string { return "pm_pat_fuzz" })
		if err != nil {
			return
		}
		for fp, gk := range keys {
			if fp == "" || gk.Profile == nil || gk.Profile.Name == "" || gk.Profile.token == "" {
				t.Fatalf("accepted incomplete entry %q: %+v", fp, gk)
			}
		}
	})
}
