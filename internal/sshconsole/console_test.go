package sshconsole

import (
	"log/slog"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/penguinmails/pmdev/tui"
	"github.com/penguinmails/pmdev/tui/common"
)

// These tests serve the real console (not the stub) over SSH.

func TestSSHRealConsoleAdminAndMember(t *testing.T) {
	env := newSSHEnv(t, nil, nil)
	admin := env.term(t, env.api.admin, 100, 30)
	admin.waitFor(t, "admin@acme.test")
	admin.waitFor(t, "Overview")

	member := env.term(t, env.api.member, 100, 30)
	member.waitFor(t, "member@acme.test")
	member.send(t, "2") // Keys tab
	// A resize repaints the whole screen, so the text is not split by cell diffs.
	if err := member.sess.WindowChange(31, 101); err != nil {
		t.Fatal(err)
	}
	member.waitFor(t, "your role (member) cannot manage API keys")

	admin.send(t, "q")
	if code := admin.wait(t); code != 0 {
		t.Fatalf("admin session exited %d", code)
	}
	if strings.Contains(admin.out.String(), "pm_pat_") || strings.Contains(member.out.String(), "pm_pat_") {
		t.Fatal("a token reached a terminal")
	}
}

// TestSSHRealConsoleTwentySessionsRequestRate opens 20 consoles of one tenant
// with the default refresh schedule and measures what reaches the API.
func TestSSHRealConsoleTwentySessionsRequestRate(t *testing.T) {
	if testing.Short() {
		t.Skip("measures for several seconds")
	}
	const sessions = 20
	window := 4 * time.Second
	// A longer window also catches the slower sources (keys 30 s, usage 15 s).
	if d, err := time.ParseDuration(os.Getenv("PMDEV_SSH_MEASURE_WINDOW")); err == nil && d > window {
		window = d
	}
	env := newSSHEnv(t, nil, func(o *Options) { o.MaxPerUser = sessions })
	openConsoles(t, env, sessions, 4, "admin@acme.test")
	// Let the start-up burst settle, then measure steady polling.
	time.Sleep(time.Second)
	total0, before := env.api.count.snapshot()
	served0 := env.svc.shared.Stats().Served
	time.Sleep(window)
	total1, after := env.api.count.snapshot()
	served := env.svc.shared.Stats().Served - served0
	upstream := total1 - total0
	var paths []string
	for p, n := range after {
		if d := n - before[p]; d > 0 {
			paths = append(paths, p+"="+strconv.Itoa(d))
		}
	}
	sort.Strings(paths)
	t.Logf("%d consoles over %v: sessions made %d GETs (%.1f/s); API received %d requests (%.2f/s): %s",
		sessions, window, served, float64(served)/window.Seconds(), upstream, float64(upstream)/window.Seconds(), strings.Join(paths, " "))
	rl := after["/api/v1/platform/rate-limits"] - before["/api/v1/platform/rate-limits"]
	// Unshared, 20 consoles polling rate limits every 2-3 s send 7-10 a second; one poller 0.3-0.5.
	if limit := int(window.Seconds()*0.6) + 2; rl > limit {
		t.Fatalf("API saw %d rate-limit requests in %v from %d consoles; want at most %d", rl, window, sessions, limit)
	}
	if served < int64(sessions) {
		t.Fatalf("sessions made only %d GETs: are they polling?", served)
	}
}

// TestSSHConsoleIsRemote: an SSH session's console must know that local
// files are the server's (no .env or CSV written there).
// Sessions show the API as the remote user reaches it: the public URL when
// one is set, else the one the service calls.
func TestSSHSessionsShowThePublicAPIURL(t *testing.T) {
	env := newSSHEnv(t, newStubConsole, func(o *Options) { o.PublicURL = "https://api.example.test/" })
	env.term(t, env.api.admin, 80, 24).waitFor(t, "api=https://api.example.test")
	plain := newSSHEnv(t, newStubConsole, nil)
	plain.term(t, plain.api.admin, 80, 24).waitFor(t, "api="+plain.api.url)
}

func TestSSHConsoleIsRemote(t *testing.T) {
	model, err := newSSHConsole(ConsoleParams{Logger: slog.New(slog.DiscardHandler), Refresh: common.DefaultRefresh()})
	if err != nil {
		t.Fatal(err)
	}
	ctx := model.(*tui.Model).Context()
	if !ctx.Remote || ctx.Sandbox {
		t.Fatalf("Remote %v Sandbox %v, want remote and not sandbox", ctx.Remote, ctx.Sandbox)
	}
	if ctx.WorkDir != "" {
		t.Fatalf("WorkDir %q: a remote console has no working directory of its own", ctx.WorkDir)
	}
}
