package sshconsole

import (
	"errors"
	"strings"
	"testing"
)

// The "server full" message agrees in number with the limit.
func TestSessionLimiterFullMessage(t *testing.T) {
	for _, c := range []struct {
		max  int
		want string
	}{{1, "1 session is open, the maximum"}, {2, "2 sessions are open, the maximum"}} {
		l := newSessionLimiter(c.max, c.max)
		for i := 0; i < c.max; i++ {
			if _, err := l.acquire("u" + string(rune('a'+i))); err != nil {
				t.Fatal(err)
			}
		}
		_, err := l.acquire("other")
		if !errors.Is(err, errServerFull) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("max %d: %v, want %q", c.max, err, c.want)
		}
	}
}

func TestSSHSessionLimits(t *testing.T) {
	env := newSSHEnv(t, newStubConsole, func(o *Options) { o.MaxSessions = 2; o.MaxPerUser = 1 })
	admin := mustDial(t, env.addr, env.api.admin)
	a := openTerm(t, admin, 80, 24, nil)
	a.waitFor(t, "stub-console")

	again := openTerm(t, admin, 80, 24, nil)
	if code := again.wait(t); code == 0 {
		t.Fatal("second session of the same user accepted")
	}
	if !strings.Contains(again.screenText(), "already have the maximum of 1 open") {
		t.Fatalf("per-user refusal: %q", again.screenText())
	}

	// Dialled only now: a signed-in connection holds a slot of its own.
	m := openTerm(t, mustDial(t, env.addr, env.api.member), 80, 24, nil)
	m.waitFor(t, "role=member")
	third := openTerm(t, mustDial(t, env.addr, env.api.member), 80, 24, nil)
	if code := third.wait(t); code == 0 {
		t.Fatal("session over the maximum accepted")
	}
	if !strings.Contains(third.screenText(), "maximum") {
		t.Fatalf("max-sessions refusal: %q", third.screenText())
	}
	waitAudit(t, env.audit, `"reason":"max_sessions"`)

	// A closed session frees its slot.
	a.send(t, "q")
	a.wait(t)
	again2 := openTerm(t, admin, 80, 24, nil)
	again2.waitFor(t, "user=admin@acme.test")
}
