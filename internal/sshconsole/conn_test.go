package sshconsole

import (
	"net"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// waitClosed waits for the server to hang up c; it returns how long that took.
func waitClosed(t testing.TB, c *gossh.Client, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	done := make(chan struct{})
	go func() { _ = c.Wait(); close(done) }()
	select {
	case <-done:
		return time.Since(start)
	case <-time.After(within):
		t.Fatalf("connection still open after %v", within)
	}
	return 0
}

// `ssh -N -o ServerAliveInterval=…`, with forwarding attempts: keep-alives
// and refused requests are not activity, so the idle timeout closes it.
func TestSSHSessionlessConnectionClosedDespiteKeepAlives(t *testing.T) {
	const idle = 400 * time.Millisecond
	env := newSSHEnv(t, newStubConsole, func(o *Options) { o.IdleTimeout = idle })
	c := mustDial(t, env.addr, env.api.admin)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
				if _, _, err := c.SendRequest("keepalive@openssh.com", true, nil); err != nil {
					return
				}
			}
		}
	}()
	// -L / -D and -R attempts are refused and audited.
	if conn, err := c.Dial("tcp", "127.0.0.1:9"); err == nil {
		conn.Close()
		t.Fatal("local forwarding accepted")
	}
	if ln, err := c.Listen("tcp", "127.0.0.1:0"); err == nil {
		ln.Close()
		t.Fatal("remote forwarding accepted")
	}
	d := waitClosed(t, c, 5*time.Second)
	if d < idle/2 {
		t.Fatalf("closed after %v, before the idle timeout %v", d, idle)
	}
	for _, reason := range []string{"port_forward", "remote_forward"} {
		waitAudit(t, env.audit, `"user":"admin@acme.test","ssh_user":"anyone","key_fingerprint":"`+env.api.admin.FP+`","remote_addr":"127.0.0.1:`)
		waitAudit(t, env.audit, `"reason":"`+reason+`"`)
	}
}

// Signed-in connections without a session hold a slot: the per-user and
// global caps count them.
func TestSSHSessionlessConnectionsCountAgainstCaps(t *testing.T) {
	env := newSSHEnv(t, newStubConsole, func(o *Options) { o.MaxSessions = 2; o.MaxPerUser = 1 })
	adminN := mustDial(t, env.addr, env.api.admin) // ssh -N

	// The user's -N connection holds the only slot.
	env.term(t, env.api.admin, 80, 24).refused(t, "already have the maximum of 1 open")
	waitAudit(t, env.audit, `"reason":"max_sessions_per_user"`)

	mustDial(t, env.addr, env.api.member) // ssh -N: the service is now full
	env.term(t, env.api.member, 80, 24).refused(t, "server full")
	waitAudit(t, env.audit, `"reason":"max_sessions"`)

	// Closing the -N connection frees its slot.
	adminN.Close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		ts := env.term(t, env.api.admin, 80, 24)
		ts.waitFor(t, "stub-console")
		if !strings.Contains(ts.screenText(), "maximum") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("slot of the closed -N connection never freed")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A connection that found the service full is not kept: without a session
// it is closed after the (short) grace.
func TestSSHOverLimitConnectionClosed(t *testing.T) {
	env := newSSHEnv(t, newStubConsole, func(o *Options) { o.MaxSessions = 1; o.IdleTimeout = 300 * time.Millisecond })
	first := mustDial(t, env.addr, env.api.admin)
	over := mustDial(t, env.addr, env.api.member)
	waitClosed(t, over, 5*time.Second)
	_ = first
}

func TestSSHHandshakeCap(t *testing.T) {
	env := newSSHEnv(t, newStubConsole, func(o *Options) { o.maxHandshakes = 2 })
	// Two connections that never send a byte fill the handshake slots.
	for range 2 {
		nc, err := net.Dial("tcp", env.addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { nc.Close() })
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		nc, err := net.Dial("tcp", env.addr)
		if err != nil {
			t.Fatal(err)
		}
		_ = nc.SetReadDeadline(time.Now().Add(2 * time.Second))
		_, err = nc.Read(make([]byte, 64))
		nc.Close()
		if err != nil && !isTimeout(err) {
			break // closed at once
		}
		if time.Now().After(deadline) {
			t.Fatal("third handshake accepted past the cap")
		}
	}
	waitAudit(t, env.audit, `"reason":"max_startups"`)
}

func TestSSHChannelsPerConnectionCapped(t *testing.T) {
	env := newSSHEnv(t, newStubConsole, nil)
	c := mustDial(t, env.addr, env.api.admin)
	for i := range maxChannelsPerConn {
		s, err := c.NewSession()
		if err != nil {
			t.Fatalf("session channel %d refused: %v", i+1, err)
		}
		t.Cleanup(func() { s.Close() })
	}
	if s, err := c.NewSession(); err == nil {
		s.Close()
		t.Fatalf("session channel %d accepted", maxChannelsPerConn+1)
	}
	waitAudit(t, env.audit, `"reason":"max_sessions_per_connection"`)
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}
