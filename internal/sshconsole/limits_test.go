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

	// A second session of the same user.
	openTerm(t, admin, 80, 24, nil).refused(t, "already have the maximum of 1 open")

	// Dialled only now: a signed-in connection holds a slot of its own.
	m := env.term(t, env.api.member, 80, 24)
	m.waitFor(t, "role=member")
	env.term(t, env.api.member, 80, 24).refused(t, "maximum")
	waitAudit(t, env.audit, `"reason":"max_sessions"`)

	// A closed session frees its slot.
	a.send(t, "q")
	a.wait(t)
	again2 := openTerm(t, admin, 80, 24, nil)
	again2.waitFor(t, "user=admin@acme.test")
}
