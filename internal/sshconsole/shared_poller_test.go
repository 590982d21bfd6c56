package sshconsole

import (
	"testing"
	"time"
)

// TestSSHTwentySessionsShareOnePoller measures what reaches the API while 20
// sessions of one tenant poll rate limits every 100 ms for 2 s.
func TestSSHTwentySessionsShareOnePoller(t *testing.T) {
	const sessions = 20
	env := newSSHEnv(t, newStubConsole, func(o *Options) {
		fastRefresh(o)
		o.MaxPerUser = sessions
	})
	// Two sessions per connection: sessions sharing a connection must still be independent.
	terms := openConsoles(t, env, sessions, 2, "user=admin@acme.test")
	_, before := env.api.count.snapshot()
	servedBefore := env.statsServed()
	const window = 2 * time.Second
	time.Sleep(window)
	_, after := env.api.count.snapshot()
	served := env.statsServed() - servedBefore
	upstream := after["/api/v1/platform/rate-limits"] - before["/api/v1/platform/rate-limits"]
	t.Logf("%d sessions, %v: sessions asked %d times (%.1f/s), API saw %d rate-limit requests (%.1f/s)",
		sessions, window, served, float64(served)/window.Seconds(), upstream, float64(upstream)/window.Seconds())
	if served < sessions*10 {
		t.Fatalf("sessions polled only %d times", served)
	}
	// One poller per tenant: about one request per 90 ms window, not 20.
	if upstream > 35 {
		t.Fatalf("API saw %d rate-limit requests in %v, want about %d", upstream, window, int(window/(90*time.Millisecond)))
	}
	if n := env.svc.sessionCount(); n != sessions {
		t.Fatalf("%d consoles tracked, want %d", n, sessions)
	}
	for _, ts := range terms {
		ts.send(t, "q")
	}
	for i, ts := range terms {
		if code := ts.wait(t); code != 0 {
			t.Fatalf("session %d exited %d", i, code)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for env.svc.sessionCount() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d consoles still tracked after every session quit", env.svc.sessionCount())
		}
		time.Sleep(10 * time.Millisecond)
	}
}
