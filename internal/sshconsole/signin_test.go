package sshconsole

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"

	"github.com/penguinmails/pmdev/client"
	"github.com/penguinmails/pmdev/server/testkit"
)

func TestSSHAcceptedKeyRunsAsItsUserWithMintedToken(t *testing.T) {
	env := newSSHEnv(t, newStubConsole, fastRefresh)
	ts := env.term(t, env.api.admin, 90, 30)
	ts.waitFor(t, "user=admin@acme.test")
	ts.waitFor(t, "role=admin")

	// A key created in the session carries the key's fingerprint in the server's audit.
	ts.press(t, "n", "created=")
	id := ""
	for _, line := range strings.Split(ts.screenText(), "\n") {
		if i := strings.Index(line, "created="); i >= 0 {
			id = strings.Fields(line[i+len("created="):])[0]
		}
	}
	admin := client.New(client.Options{BaseURL: env.api.url, Token: env.api.adminPAT})
	sec, err := admin.KeySecurity(context.Background(), id)
	if err != nil {
		t.Fatalf("security of %q: %v", id, err)
	}
	if len(sec.AuditEvents) == 0 || sec.AuditEvents[len(sec.AuditEvents)-1].ActorKeyFingerprint != env.api.admin.FP {
		t.Fatalf("audit events %+v do not carry fingerprint %s", sec.AuditEvents, env.api.admin.FP)
	}
	env.api.count.mu.Lock()
	sawFP, sawPAT := env.api.count.fps[env.api.admin.FP], env.api.count.auths["Bearer pm_pat_"]
	env.api.count.mu.Unlock()
	if !sawFP || !sawPAT {
		t.Fatalf("API saw fingerprint=%v minted PAT=%v", sawFP, sawPAT)
	}
	// The minted token is never written to the terminal.
	if strings.Contains(ts.out.String(), "pm_pat_") {
		t.Fatal("a token reached the terminal")
	}

	ts.send(t, "q")
	if code := ts.wait(t); code != 0 {
		t.Fatalf("exit status %d after q, want 0", code)
	}
	waitAudit(t, env.audit, "ssh.session.end")
	for _, want := range []string{`"msg":"ssh.session.start"`, `"user":"admin@acme.test"`, `"key_fingerprint":"` + env.api.admin.FP, `"remote_addr":"127.0.0.1:`, `"duration_ms":`} {
		if !strings.Contains(env.audit.String(), want) {
			t.Fatalf("audit log lacks %s:\n%s", want, env.audit.String())
		}
	}
	// Start and end both name the login the client gave.
	for _, l := range strings.Split(env.audit.String(), "\n") {
		if (strings.Contains(l, `"ssh.session.start"`) || strings.Contains(l, `"ssh.session.end"`)) && !strings.Contains(l, `"ssh_user":"anyone"`) {
			t.Errorf("audit record without the login name: %s", l)
		}
	}
}

func TestSSHRefusesUnknownKeyPasswordAndKeyboardInteractive(t *testing.T) {
	env := newSSHEnv(t, newStubConsole, nil)
	stranger := testkit.NewSSHKey(t, "stranger")
	cases := map[string]gossh.AuthMethod{
		"unknown key": gossh.PublicKeys(stranger.Signer),
		"password":    gossh.Password("hunter2"),
		"keyboard-interactive": gossh.KeyboardInteractive(func(string, string, []string, []bool) ([]string, error) {
			return []string{"hunter2"}, nil
		}),
	}
	for name, auth := range cases {
		t.Run(name, func(t *testing.T) {
			c, err := dialSSH(env.addr, auth)
			if err == nil {
				c.Close()
				t.Fatal("connection accepted")
			}
			if !strings.Contains(err.Error(), "unable to authenticate") {
				t.Fatalf("error %v, want an authentication failure", err)
			}
		})
	}
	waitAudit(t, env.audit, `"reason":"unknown_key"`)
	if !strings.Contains(env.audit.String(), stranger.FP) {
		t.Fatalf("refusal not audited with the fingerprint:\n%s", env.audit.String())
	}
}

func TestMintedTokenRenewsBeforeExpiry(t *testing.T) {
	var minted []time.Duration
	m := &mintedToken{ttl: 90 * time.Millisecond, mint: func(_ context.Context, ttl time.Duration) (string, error) {
		minted = append(minted, ttl)
		return fmt.Sprintf("pm_pat_%d", len(minted)), nil
	}}
	a, _ := m.Token(context.Background())
	b, _ := m.Token(context.Background())
	if a != "pm_pat_1" || b != a || len(minted) != 1 || minted[0] != 90*time.Millisecond {
		t.Fatalf("first tokens %q %q, mints %v", a, b, minted)
	}
	time.Sleep(65 * time.Millisecond) // past two thirds of the lifetime
	if c, _ := m.Token(context.Background()); c != "pm_pat_2" {
		t.Fatalf("token not renewed: %q", c)
	}
}

func TestSSHHostKeyCreatedPrivateAndReused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys", "host")
	s1, err := LoadOrCreateHostKey(path)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("host key mode %04o, want 0600", fi.Mode().Perm())
	}
	if s1.PublicKey().Type() != gossh.KeyAlgoED25519 {
		t.Fatalf("host key type %s", s1.PublicKey().Type())
	}
	s2, err := LoadOrCreateHostKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(s1.PublicKey().Marshal(), s2.PublicKey().Marshal()) {
		t.Fatal("host key changed between starts")
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreateHostKey(path); err == nil || !strings.Contains(err.Error(), "readable by group or others") {
		t.Fatalf("group-readable host key: err %v", err)
	}
}

// Every refused request is audited with the key's user, the login name,
// the key fingerprint and the remote address.
func TestSSHRefusedRequestsAudited(t *testing.T) {
	env := newSSHEnv(t, newStubConsole, nil)
	c := mustDial(t, env.addr, env.api.admin)
	newSess := func() *gossh.Session {
		t.Helper()
		s, err := c.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	if err := agent.RequestAgentForwarding(newSess()); err == nil {
		t.Error("agent forwarding accepted")
	}
	x11 := gossh.Marshal(&struct {
		Single        bool
		Proto, Cookie string
		Screen        uint32
	}{false, "MIT-MAGIC-COOKIE-1", "00", 0})
	if ok, err := newSess().SendRequest("x11-req", true, x11); ok || err != nil {
		t.Errorf("x11 forwarding: ok %v err %v", ok, err)
	}
	if err := newSess().RequestSubsystem("sftp"); err == nil {
		t.Error("sftp subsystem accepted")
	}
	var out bytes.Buffer
	scp := newSess()
	scp.Stderr = &out
	var ee *gossh.ExitError
	if err := scp.Run("scp -t /tmp"); !errors.As(err, &ee) || ee.ExitStatus() == 0 {
		t.Errorf("scp: %v", err)
	}
	if !strings.Contains(out.String(), "commands are not supported") {
		t.Errorf("scp refusal text %q", out.String())
	}
	who := `"user":"admin@acme.test","ssh_user":"anyone","key_fingerprint":"` + env.api.admin.FP + `","remote_addr":"127.0.0.1:`
	for _, reason := range []string{"agent_forward", "x11_forward", "sftp", "scp"} {
		waitAuditRe(t, env.audit, regexp.QuoteMeta(who)+`[0-9]+","reason":"`+reason+`"`)
	}
}

// Clients never send a password to a server that only lists publickey
// (OpenSSH and x/crypto both check); brute-force tools do. The auth log
// keeps each refused method with the login name.
func TestSSHPasswordAttemptsAuditedWithLoginName(t *testing.T) {
	audit := &testkit.Buffer{}
	a, _ := openAudit("", slog.New(slog.NewJSONHandler(audit, nil)))
	s := &Service{audit: a, log: slog.New(slog.DiscardHandler), conns: connTable{maxPending: 10}}
	remote := &net.TCPAddr{IP: net.IPv4(192, 0, 2, 7), Port: 5555}
	st := &connState{remote: remote.String()}
	s.conns.add(st)
	st.noteAuth("root", "none")
	st.noteAuth("root", "password")
	st.noteAuth("root", "password")
	st.noteAuth("admin", "keyboard-interactive")
	s.connectionFailed(fakeConn{remote: remote}, errors.New("no auth passed yet"))
	log := audit.String()
	for _, want := range []string{`"ssh_user":"admin","key_fingerprint":"","remote_addr":"192.0.2.7:5555","reason":"password"`,
		`"reason":"keyboard_interactive"`} {
		if !strings.Contains(log, want) {
			t.Fatalf("audit lacks %s:\n%s", want, log)
		}
	}
	if strings.Count(log, `"reason":"password"`) != 1 || strings.Contains(log, "unknown_key") || strings.Contains(log, "no_public_key") {
		t.Fatalf("want one record per refused method:\n%s", log)
	}

	// End to end: a client without keys keeps its login name in the record.
	env := newSSHEnv(t, newStubConsole, nil)
	_, err := gossh.Dial("tcp", env.addr, &gossh.ClientConfig{User: "mallory", Auth: []gossh.AuthMethod{gossh.Password("x")},
		HostKeyCallback: gossh.InsecureIgnoreHostKey()})
	if err == nil {
		t.Fatal("signed in without a key")
	}
	waitAudit(t, env.audit, `"ssh_user":"mallory","key_fingerprint":"","remote_addr":"127.0.0.1:`)
	waitAudit(t, env.audit, `"reason":"no_public_key"`)
}

type fakeConn struct {
	net.Conn
	remote net.Addr
}

func (f fakeConn) RemoteAddr() net.Addr { return f.remote }

func waitAuditRe(t testing.TB, b *testkit.Buffer, pattern string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	rx := regexp.MustCompile(pattern)
	for !rx.MatchString(b.String()) {
		if time.Now().After(deadline) {
			t.Fatalf("audit log lacks %s:\n%s", pattern, b.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}
