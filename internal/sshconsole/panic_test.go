package sshconsole

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
)

// A panic in one session, in the console (Update or a command) or in the
// middleware, ends that session with a message and an audit record; the
// process and the other sessions go on.
func TestSSHPanicEndsOnlyThatSession(t *testing.T) {
	panicky := func(p ConsoleParams) (tea.Model, error) {
		if envValue(p.Env, "PMDEV_TEST_PANIC") == "factory" {
			panic("console factory panic")
		}
		return newStubConsole(p)
	}
	env := newSSHEnv(t, panicky, func(o *Options) { o.MaxPerUser = 10 })
	c := mustDial(t, env.addr, env.api.admin)
	bystander := openTerm(t, c, 80, 24, nil)
	bystander.waitFor(t, "stub-console")

	for _, tc := range []struct{ name, key, env string }{
		{"Update", "P", ""},
		{"command", "G", ""},
		{"middleware", "", "factory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var envs map[string]string
			if tc.env != "" {
				envs = map[string]string{"PMDEV_TEST_PANIC": tc.env}
			}
			ts := openTerm(t, c, 80, 24, envs)
			if tc.key != "" {
				ts.waitFor(t, "stub-console")
				ts.send(t, tc.key)
			}
			ts.refused(t, "internal error")
		})
	}
	if n := strings.Count(env.audit.String(), `"reason":"panic"`); n != 3 {
		t.Fatalf("%d panic records, want 3:\n%s", n, env.audit.String())
	}
	waitAudit(t, env.audit, `"msg":"ssh.session.end","session":`)
	// The bystander's console still answers.
	bystander.send(t, "t")
	bystander.waitFor(t, "toggled")
}
