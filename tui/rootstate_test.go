package tui

import (
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
	id := m.rl.Start()
	send(m, rlMsg{id: id, err: unauthorized()})
	frame := commontest.Plain(m.render())
	if !strings.Contains(frame, "✗ token rejected") || strings.Contains(frame, "● live") {
		t.Fatalf("status bar after a 401:\n%s", frame)
	}
	if !strings.Contains(frame, "PENGUINMAILS_TOKEN") {
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
