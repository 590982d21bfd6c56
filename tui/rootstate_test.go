package tui

import (
	"strings"
	"testing"

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

// burst is the simulator's picture: keys at 285 and 200 of 300 each, the
// tenant's sum well past one key's limit.
func burst() *models.RateLimits {
	b := func(u int) models.RateLimitState { return models.RateLimitState{Limit: 300, Used: u} }
	return &models.RateLimits{
		Plan:   models.Plan{LimitPerMinute: 300},
		Tenant: models.RateLimitState{Limit: 300, Used: 594},
		Keys: []models.KeyRateLimit{
			{KeyID: "k2", Name: "Staging", RateLimitState: b(200)},
			{KeyID: "k1", Name: "Production Server", RateLimitState: b(285)},
			{KeyID: "k3", Name: "Cron", RateLimitState: b(109)},
		},
	}
}

func TestGaugeShowsBusiestKey(t *testing.T) {
	m, _ := newRoot(t, nil)
	send(m, tea.WindowSizeMsg{Width: 160, Height: 48})
	m.rlData = burst()
	got := statusLine(m)
	if !strings.Contains(got, "285/300 Production Server") || strings.Contains(got, "594") {
		t.Fatalf("160 columns: %q", got)
	}
	m80 := rootAt80(t, true)
	m80.rlData = burst()
	if got := statusLine(m80); !strings.Contains(got, "285/300") || strings.Contains(got, "594") {
		t.Fatalf("80 columns: %q", got)
	}
}

// Offline, the gauge is stale data like the pane: dimmed, not coloured.
func TestGaugeDimmedWhileOffline(t *testing.T) {
	m, _ := newRoot(t, nil)
	m.rlData = burst()
	l := barLayout{label: true, bar: 10}
	live := m.rateGauge(l)
	m.offline = true
	dim := m.rateGauge(l)
	if want := m.ctx.Styles.Subtle.Render(ansi.Strip(live)); dim != want || dim == live {
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
		"k key filter", "t time range", "T custom range", "g top", "G bottom", "tab next tab", "q quit"} {
		if !strings.Contains(frame, want) {
			t.Errorf("full help lacks %q:\n%s", want, frame)
		}
	}
	if !strings.Contains(frame, "? or esc closes this help") {
		t.Errorf("help does not fit the pane:\n%s", frame)
	}
}
