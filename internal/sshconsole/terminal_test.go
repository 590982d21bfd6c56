package sshconsole

import (
	"bytes"
	"encoding/base64"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/penguinmails/pmdev/server/testkit"
)

func TestSSHWithoutPTYGetsOneLineAndNonZeroExit(t *testing.T) {
	env := newSSHEnv(t, newStubConsole, nil)
	c := mustDial(t, env.addr, env.api.admin)
	for _, tc := range []struct{ name, cmd, want string }{
		{"shell", "", "needs a terminal"},
		{"command", "keys list", "commands are not supported"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sess, err := c.NewSession()
			if err != nil {
				t.Fatal(err)
			}
			defer sess.Close()
			var out testkit.Buffer
			sess.Stdout, sess.Stderr = &out, &out
			if tc.cmd == "" {
				err = sess.Shell()
				if err == nil {
					err = sess.Wait()
				}
			} else {
				err = sess.Run(tc.cmd)
			}
			var ee *gossh.ExitError
			if !errors.As(err, &ee) || ee.ExitStatus() == 0 {
				t.Fatalf("err %v, want a non-zero exit status", err)
			}
			text := strings.TrimSpace(out.String())
			if !strings.Contains(text, tc.want) || strings.Count(text, "\n") > 0 {
				t.Fatalf("output %q, want one line with %q", text, tc.want)
			}
			if strings.Contains(text, "stub-console") {
				t.Fatal("console drawn without a PTY")
			}
		})
	}
	waitAudit(t, env.audit, `"reason":"no_pty"`)
	if !strings.Contains(env.audit.String(), `"user":"admin@acme.test","ssh_user":"anyone","key_fingerprint":"`+env.api.admin.FP) {
		t.Fatalf("no-PTY refusal not audited with the key's user:\n%s", env.audit.String())
	}
}

func TestSSHResizeAndClientTerminal(t *testing.T) {
	env := newSSHEnv(t, newStubConsole, nil)
	c := mustDial(t, env.addr, env.api.admin)
	ts := openTerm(t, c, 81, 25, map[string]string{"COLORTERM": "truecolor"})
	ts.waitFor(t, "size=81x25")
	ts.waitFor(t, "profile=TrueColor")
	if err := ts.sess.WindowChange(47, 123); err != nil {
		t.Fatal(err)
	}
	ts.waitFor(t, "size=123x47")

	// OSC 52 reaches the client: the copy is a terminal sequence, not server state.
	ts.send(t, "c")
	want := "\x1b]52;c;" + base64.StdEncoding.EncodeToString([]byte("pmdev-clip"))
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(ts.out.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("no OSC 52 in output %q", tail(ts.out.String(), 400))
		}
		time.Sleep(10 * time.Millisecond)
	}

	nc := openTerm(t, c, 80, 24, map[string]string{"NO_COLOR": "1"})
	nc.waitFor(t, "nocolor=true")
	nc.waitFor(t, "profile=Ascii")
	plain := openTerm(t, c, 80, 24, nil)
	plain.waitFor(t, "profile=ANSI256") // TERM=xterm-256color, no COLORTERM
}

// latencyProxy forwards TCP to target, delaying each direction by d.
func latencyProxy(t testing.TB, target string, d time.Duration) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", target)
			if err != nil {
				in.Close()
				continue
			}
			go delayedCopy(out, in, d)
			go delayedCopy(in, out, d)
		}
	}()
	return ln.Addr().String()
}

func delayedCopy(dst, src net.Conn, d time.Duration) {
	type chunk struct {
		at   time.Time
		data []byte
	}
	q := make(chan chunk, 1024)
	go func() {
		defer dst.Close()
		for c := range q {
			time.Sleep(time.Until(c.at))
			if _, err := dst.Write(c.data); err != nil {
				return
			}
		}
	}()
	buf := make([]byte, 32*1024)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			q <- chunk{at: time.Now().Add(d), data: bytes.Clone(buf[:n])}
		}
		if err != nil {
			close(q)
			return
		}
	}
}

// TestSSHResponsiveAt200msLatency: a keystroke costs one round trip, no more.
func TestSSHResponsiveAt200msLatency(t *testing.T) {
	const latency = 200 * time.Millisecond
	env := newSSHEnv(t, newStubConsole, nil)
	addr := latencyProxy(t, env.addr, latency)
	ts := openTerm(t, mustDial(t, addr, env.api.admin), 80, 24, nil)
	ts.waitFor(t, "user=admin@acme.test")
	start := time.Now()
	ts.press(t, "t", "toggled")
	d := time.Since(start)
	t.Logf("keystroke to frame at %v one-way latency: %v", latency, d)
	if d < 2*latency {
		t.Fatalf("answered in %v, faster than the round trip: the proxy is not delaying", d)
	}
	if d > 2*latency+600*time.Millisecond {
		t.Fatalf("keystroke to frame took %v, want about one round trip (%v)", d, 2*latency)
	}
}
