package sshconsole

import (
	"context"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

func TestSSHIdleTimeoutEndsSession(t *testing.T) {
	env := newSSHEnv(t, newStubConsole, func(o *Options) { o.IdleTimeout = 300 * time.Millisecond })
	c := mustDial(t, env.addr, env.api.admin)
	start := time.Now() // the idle clock starts with the session, not its first frame
	ts := openTerm(t, c, 80, 24, nil)
	ts.waitFor(t, "stub-console")
	ts.wait(t)
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Fatalf("session ended after %v, before the idle timeout", d)
	}
	if !strings.Contains(ts.screenText(), "without input") {
		t.Fatalf("no idle message: %q", tail(ts.screenText(), 300))
	}
	waitAudit(t, env.audit, `"reason":"idle"`)

	// A connection that never opens a session is closed too.
	bare := mustDial(t, env.addr, env.api.admin)
	closed := make(chan error, 1)
	go func() { closed <- bare.Wait() }()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("a connection without sessions outlived the idle timeout")
	}
}

func TestSSHRemovedKeyAndShutdownEndSessions(t *testing.T) {
	env := newSSHEnv(t, newStubConsole, func(o *Options) { o.recheck = 50 * time.Millisecond })
	member := env.term(t, env.api.member, 80, 24)
	member.waitFor(t, "role=member")
	admin := env.term(t, env.api.admin, 80, 24)
	admin.waitFor(t, "role=admin")

	if _, err := env.api.srv.RemoveSSHKey(context.Background(), env.api.member.FP); err != nil {
		t.Fatal(err)
	}
	member.wait(t)
	if !strings.Contains(member.screenText(), "no longer registered") {
		t.Fatalf("removed key: %q", tail(member.screenText(), 300))
	}
	waitAudit(t, env.audit, `"reason":"key_removed"`)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := env.svc.Stop(ctx); err != nil {
		t.Fatalf("stop: %v", err)
	}
	admin.wait(t)
	if !strings.Contains(admin.screenText(), "shutting down") {
		t.Fatalf("shutdown: %q", tail(admin.screenText(), 300))
	}
	if _, err := dialSSH(env.addr, gossh.PublicKeys(env.api.admin.Signer)); err == nil {
		t.Fatal("listener still accepts after stop")
	}
}

// A session that ends while a key shown once is still unconfirmed says so
// in its end record (an admin may want to revoke the key); one that
// confirmed it does not.
func TestSSHAuditNotesAnUnconfirmedSecret(t *testing.T) {
	env := newSSHEnv(t, newStubConsole, nil)
	saved := env.term(t, env.api.admin, 80, 24)
	saved.press(t, "S", "secret=true")
	saved.press(t, "s", "secret=false")
	saved.send(t, "q")
	saved.wait(t)
	waitAudit(t, env.audit, `"ssh.session.end"`)
	if strings.Contains(env.audit.String(), "secret_unconfirmed") {
		t.Fatalf("a confirmed secret is audited as unconfirmed:\n%s", env.audit.String())
	}

	conn := mustDial(t, env.addr, env.api.admin)
	dropped := openTerm(t, conn, 80, 24, nil)
	dropped.press(t, "S", "secret=true")
	conn.Close() // the connection drops with the key on screen
	waitAudit(t, env.audit, `"secret_unconfirmed":true`)
}
