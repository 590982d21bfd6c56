package tui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/penguinmails/pmdev/client"
	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
	"github.com/penguinmails/pmdev/tui/common/commontest"
	"github.com/penguinmails/pmdev/tui/usage"
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

func unauthorized() error {
	return &client.Error{Kind: client.KindHTTP, Status: 401,
		Problem: &models.Problem{Status: 401, Error: "invalid_token", Message: "token expired"}}
}

func authStates(f *fakePane) []bool {
	var out []bool
	for _, msg := range f.got {
		if a, ok := msg.(common.AuthMsg); ok {
			out = append(out, a.Rejected)
		}
	}
	return out
}

// A 401 must not leave the status bar saying "● live".
func TestRejectedTokenReplacesLive(t *testing.T) {
	m, fakes := newRoot(t, nil)
	m.ctx.TokenFrom = "--token"
	id := m.rl.Start()
	send(m, rlMsg{id: id, err: unauthorized()})
	frame := commontest.Plain(m.render())
	if !strings.Contains(frame, "✗ token rejected") || strings.Contains(frame, "● live") {
		t.Fatalf("status bar after a 401:\n%s", frame)
	}
	// The advice names the token's source, not a variable it did not use.
	if !strings.Contains(frame, "check the token from --token") || strings.Contains(frame, "PENGUINMAILS_TOKEN") {
		t.Fatalf("no hint what to do:\n%s", frame)
	}
	// A pane's 401 keeps it rejected and is announced once.
	send(m, common.DataAgeMsg{At: m.ctx.Now(), Err: unauthorized()})
	if got := authStates(fakes[0]); len(got) != 1 || !got[0] {
		t.Fatalf("AuthMsg sequence %v, want [true]", got)
	}
	id = m.rl.Start()
	send(m, rlMsg{id: id, data: models.RateLimits{}})
	if frame := commontest.Plain(m.render()); strings.Contains(frame, "token rejected") || !strings.Contains(frame, "● live") {
		t.Fatalf("not live after the token works again:\n%s", frame)
	}
	if got := authStates(fakes[3]); len(got) != 2 || got[1] {
		t.Fatalf("AuthMsg sequence %v, want [true false]", got)
	}
}

// burst is the simulator's picture: three keys' buckets, the busiest with
// 485 of its 500 tokens spent, 97 s from full at 300/min.
func burst() *models.RateLimits {
	b := func(u int) models.RateLimitState {
		full := time.Duration(u) * time.Minute / 300
		return models.RateLimitState{Limit: 300, Burst: 500, Used: u, Remaining: 500 - u,
			ResetAt: commontest.Now.Add(full), ResetIn: int((full + time.Second - 1) / time.Second)}
	}
	return &models.RateLimits{
		Plan:         models.Plan{LimitPerMinute: 300, Burst: 500},
		At:           commontest.Now,
		Tenant:       b(485),
		BusiestKeyID: "k1",
		Keys: []models.KeyRateLimit{
			{KeyID: "k2", Name: "Staging", RateLimitState: b(200)},
			{KeyID: "k1", Name: "Production Server", RateLimitState: b(485)},
			{KeyID: "k3", Name: "Cron", RateLimitState: b(109)},
		},
	}
}

func TestGaugeShowsBusiestKey(t *testing.T) {
	m, _ := newRoot(t, nil)
	send(m, tea.WindowSizeMsg{Width: 160, Height: 48})
	m.rlData, m.rlAt = burst(), commontest.Now
	got := statusLine(m)
	if !strings.Contains(got, "485/500 spent · clears in 97s Production Server") {
		t.Fatalf("160 columns: %q", got)
	}
	// The countdown follows the clock, not the number of frames drawn.
	m.ctx.Now = func() time.Time { return commontest.Now.Add(10*time.Second + 300*time.Millisecond) }
	if got := statusLine(m); !strings.Contains(got, "clears in 87s") {
		t.Fatalf("10.3 s later: %q", got)
	}
	m80 := rootAt80(t, true)
	m80.rlData, m80.rlAt = burst(), commontest.Now
	if got := statusLine(m80); !strings.Contains(got, "485/500 spent") || strings.Contains(got, "/300") {
		t.Fatalf("80 columns: %q", got)
	}
}

// The gauge's colour follows the share of the burst spent: 80% warns, 95%
// is danger; a full bucket shows no countdown.
func TestGaugeLevels(t *testing.T) {
	m, _ := newRoot(t, nil)
	send(m, tea.WindowSizeMsg{Width: 160, Height: 48})
	s := m.ctx.Styles
	l := barLayout{bar: 10}
	for used, want := range map[int]string{100: s.Success.Render("██"), 400: s.Warning.Render("████████"), 475: s.Danger.Render("██████████")} {
		rl := burst()
		rl.Tenant.Used, rl.Tenant.Remaining = used, 500-used
		rl.BusiestKeyID = ""
		m.rlData, m.rlAt = rl, commontest.Now
		if got := m.rateGauge(l); !strings.HasPrefix(got, want) {
			t.Errorf("used %d: gauge %q, want it to start with %q", used, got, want)
		}
	}
	rl := burst()
	rl.Tenant, rl.BusiestKeyID = models.RateLimitState{Limit: 300, Burst: 500, Remaining: 500, ResetAt: rl.At}, ""
	m.rlData = rl
	// Idle: an empty bar that says nothing is spent, never "full".
	if got := commontest.Plain(m.rateGauge(l)); !strings.HasSuffix(got, "░░░░░░░░░░ 0/500 spent") || strings.Contains(got, "full") {
		t.Errorf("idle gauge %q", got)
	}
}

// Offline, the gauge is stale data like the pane: dimmed, not coloured.
func TestGaugeDimmedWhileOffline(t *testing.T) {
	m, _ := newRoot(t, nil)
	m.rlData, m.rlAt = burst(), commontest.Now
	l := barLayout{clears: true, bar: 10}
	live := m.rateGauge(l)
	m.offline = true
	dim := m.rateGauge(l)
	// The figures stay as they came, without a countdown that cannot be true.
	if want := m.ctx.Styles.Subtle.Render(strings.TrimSuffix(ansi.Strip(live), " · clears in 97s")); dim != want || dim == live {
		t.Fatalf("offline gauge not dimmed:\n got %q\nwant %q", dim, want)
	}
}

// Full help at 80 columns wraps its columns instead of dropping them: every
// Usage key is listed, and the page fits the pane.
func TestFullHelpListsEveryUsageKeyAt80(t *testing.T) {
	m, _ := newRoot(t, nil)
	m.panes[common.PaneUsage] = usage.New(m.ctx)
	send(m, tea.WindowSizeMsg{Width: 80, Height: 24})
	send(m, commontest.Key("4"))
	send(m, commontest.Key("?"))
	frame := strings.Join(strings.Fields(commontest.Plain(m.render())), " ")
	for _, want := range []string{"E export", "s sort", "←/h cursor left", "→/l cursor right", "[ prev section", "] next section",
		"f key filter", "↑/k scroll up", "↓/j scroll down", "t time range", "T custom range", "g top", "G bottom", "tab next tab", "q quit"} {
		if !strings.Contains(frame, want) {
			t.Errorf("full help lacks %q:\n%s", want, frame)
		}
	}
	if !strings.Contains(frame, "?, q or esc closes this help") || !strings.Contains(frame, "asking first while a key is shown once.") {
		t.Errorf("help does not fit the pane:\n%s", frame)
	}
}

// The gauge reads the same in the status bar and the Overview card, with
// the word that matches the bar: the bar is what is spent, so an idle
// bucket is an empty bar saying "0/500 spent" — never an empty bar
// labelled "full" — and a busy one fills as it is spent.
func TestGaugeWordsMatchTheBar(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 40}, {200, 60}} {
		for _, noColor := range []bool{false, true} {
			t.Run(fmt.Sprintf("%dx%d_nocolor=%v", size[0], size[1], noColor), func(t *testing.T) {
				m := fixtureRoot(t, size[0], size[1], fixtureKeys())
				m.ctx.NoColor = noColor
				plan := m.ctx.Me.Tenant.Plan
				send(m, common.RateLimitsMsg{Data: models.RateLimits{Plan: plan, At: commontest.Now,
					Tenant: models.RateLimitState{Limit: 300, Burst: 500, Remaining: 500, ResetAt: commontest.Now}}, At: commontest.Now})
				m.rlData = &models.RateLimits{Plan: plan, At: commontest.Now, Tenant: models.RateLimitState{Limit: 300, Burst: 500, Remaining: 500, ResetAt: commontest.Now}}
				frame := commontest.Plain(m.render())
				for _, bad := range []string{"full in", "full ·", "· full", "bucket "} {
					if strings.Contains(frame, bad) {
						t.Fatalf("idle gauge says %q:\n%s", bad, frame)
					}
				}
				if strings.Count(frame, "0/500 spent") != 2 {
					t.Fatalf("idle gauge words:\n%s", frame)
				}
				empty := "░"
				if noColor {
					empty = "·"
				}
				if !strings.Contains(frame, empty+" 0/500 spent") || strings.Contains(frame, "█ 0/500") {
					t.Fatalf("idle bar is not empty:\n%s", frame)
				}
				commontest.Golden(t, m.render())
			})
		}
	}
}
