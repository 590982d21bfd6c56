package tui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
	"github.com/penguinmails/pmdev/tui/common/commontest"
)

// rootAt80 is the fake-pane root at 80 columns with rate-limit data.
func rootAt80(t *testing.T, sandbox bool) *Model {
	t.Helper()
	m, _ := newRoot(t, nil)
	m.ctx.Sandbox = sandbox
	m.ctx.Me.Email = "ops@acme.test" // the role (admin) is not part of it
	m.ctx.APIURL = "http://127.0.0.1:43567"
	send(m, tea.WindowSizeMsg{Width: 80, Height: 24})
	m.rlData = &models.RateLimits{At: commontest.Now, Tenant: models.RateLimitState{Limit: 300, Burst: 500, Used: 45, Remaining: 455,
		ResetAt: commontest.Now.Add(9 * time.Second), ResetIn: 9}}
	m.rlAt = commontest.Now
	m.lastRefresh = commontest.Now.Add(-3 * time.Second)
	return m
}

func statusLine(m *Model) string { return commontest.Plain(m.statusBar()) }

func TestSandboxBadgeFollowsCtxSandboxOnly(t *testing.T) {
	if got := statusLine(rootAt80(t, false)); strings.Contains(got, "SANDBOX") || !strings.Contains(got, "127.0.0.1:43567") {
		t.Fatalf("a loopback API that is not the sandbox: %q", got)
	}
	if got := statusLine(rootAt80(t, true)); !strings.Contains(got, "SANDBOX") {
		t.Fatalf("sandbox without badge: %q", got)
	}
}

func TestStatusBarAt80KeepsRoleAndMessage(t *testing.T) {
	for _, sandbox := range []bool{true, false} {
		for _, text := range []string{"key created", "live updates paused — p resumes, r refreshes once", "wrote /home/dev/project/.env (mode 0600)"} {
			m := rootAt80(t, sandbox)
			m.ctx.Paused = strings.Contains(text, "paused") // the widest connection state
			send(m, common.StatusMsg{Text: text, Level: common.LevelSuccess, TTL: time.Minute})
			got := statusLine(m)
			if w := len([]rune(got)); w > 80 {
				t.Fatalf("status bar is %d wide: %q", w, got)
			}
			if !strings.Contains(got, "admin") {
				t.Errorf("sandbox=%v %q: the role is gone: %q", sandbox, text, got)
			}
			if !strings.Contains(got, text) {
				t.Errorf("sandbox=%v: the message %q is cut: %q", sandbox, text, got)
			}
			if sandbox && !strings.Contains(got, "SANDBOX") {
				t.Errorf("the badge went before less important detail: %q", got)
			}
		}
	}
	// Without a message everything important fits, the gauge included.
	got := statusLine(rootAt80(t, false))
	for _, want := range []string{"ops@acme.test (admin)", "127.0.0.1:43567", "● live", "45/500"} {
		if !strings.Contains(got, want) {
			t.Errorf("no %q in %q", want, got)
		}
	}
}

// capturer answers through common.KeyCapturer (no probing).
type capturer struct {
	fakePane
	all bool
}

func (c *capturer) CapturingAll() bool { return c.all }

func TestHelpLineWhilePaneHasTheKeyboard(t *testing.T) {
	globals := []string{"r refresh", "p pause", "q quit", "? help"}
	t.Run("probe", func(t *testing.T) {
		m, fakes := newRoot(t, nil)
		if got := commontest.Plain(m.helpLine()); !strings.Contains(got, "r refresh") || !strings.Contains(got, "q quit") {
			t.Fatalf("normal help line lacks the global keys: %q", got)
		}
		fakes[common.PaneOverview].captures = true
		got := commontest.Plain(m.helpLine())
		for _, g := range globals {
			if strings.Contains(got, g) {
				t.Errorf("help line offers %q while the pane takes every key: %q", g, got)
			}
		}
		for _, want := range []string{"x pane action", "esc", "ctrl+c quit"} {
			if !strings.Contains(got, want) {
				t.Errorf("no %q in %q", want, got)
			}
		}
		if !isQuit(send(m, commontest.Key("ctrl+c"))) {
			t.Fatal("ctrl+c must quit even while the pane captures keys")
		}
	})
	t.Run("interface", func(t *testing.T) {
		m, _ := newRoot(t, nil)
		c := &capturer{fakePane: fakePane{id: common.PaneOverview, ready: true, captures: true}}
		m.panes[common.PaneOverview] = c
		// Captures says yes to everything, but the pane knows better: a
		// deliberate shadow of a few keys is not a dialog.
		if got := commontest.Plain(m.helpLine()); !strings.Contains(got, "q quit") {
			t.Fatalf("CapturingAll false but globals hidden: %q", got)
		}
		c.all = true
		if got := commontest.Plain(m.helpLine()); strings.Contains(got, "q quit") || !strings.Contains(got, "ctrl+c quit") {
			t.Fatalf("CapturingAll true: %q", got)
		}
	})
}
