package sshconsole

import (
	"bytes"
	"errors"
	"log/slog"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"

	"github.com/penguinmails/pmdev/server/testkit"
)

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
