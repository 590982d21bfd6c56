package tui

import (
	"fmt"
	"image/color"
	"strings"
	"testing"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/penguinmails/pmdev/client"
	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
	"github.com/penguinmails/pmdev/tui/common/commontest"
	"github.com/penguinmails/pmdev/tui/overview"
)

// fakePane records what the root routes to it.
type fakePane struct {
	id       common.PaneID
	got      []tea.Msg
	w, h     int
	captures bool
	ready    bool
}

func (f *fakePane) Init() tea.Cmd                 { return nil }
func (f *fakePane) Update(msg tea.Msg) tea.Cmd    { f.got = append(f.got, msg); return nil }
func (f *fakePane) View() string                  { return fmt.Sprintf("%s pane body %d×%d", f.id, f.w, f.h) }
func (f *fakePane) SetSize(w, h int)              { f.w, f.h = w, h }
func (f *fakePane) KeyMap() help.KeyMap           { return fakeKeys{} }
func (f *fakePane) Title() string                 { return f.id.String() }
func (f *fakePane) Captures(tea.KeyPressMsg) bool { return f.captures }
func (f *fakePane) Ready() bool                   { return f.ready }

func (f *fakePane) count(match func(tea.Msg) bool) int {
	n := 0
	for _, m := range f.got {
		if match(m) {
			n++
		}
	}
	return n
}

type fakeKeys struct{}

func (fakeKeys) ShortHelp() []key.Binding {
	return []key.Binding{key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "pane action"))}
}
func (fakeKeys) FullHelp() [][]key.Binding { return [][]key.Binding{fakeKeys{}.ShortHelp()} }

type target struct{ common.Result }

// fakePanes is a ready fake for every pane, as fakes and as the root takes them.
func fakePanes() ([]*fakePane, []common.Pane) {
	fakes := make([]*fakePane, common.NumPanes)
	panes := make([]common.Pane, common.NumPanes)
	for i := range fakes {
		fakes[i] = &fakePane{id: common.PaneID(i), ready: true}
		panes[i] = fakes[i]
	}
	return fakes, panes
}

func newRoot(t *testing.T, c *client.Client) (*Model, []*fakePane) {
	t.Helper()
	fakes, panes := fakePanes()
	m := New(commontest.Context(80, 20, c), Options{Panes: panes, NoTick: true, Mouse: true})
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	return m, fakes
}

func send(m *Model, msg tea.Msg) tea.Cmd { _, cmd := m.Update(msg); return cmd }

func isQuit(cmd tea.Cmd) bool {
	if cmd == nil {
		return false
	}
	_, ok := cmd().(tea.QuitMsg)
	return ok
}

func TestWindowSizeGoesToEveryPane(t *testing.T) {
	m, fakes := newRoot(t, nil)
	for _, f := range fakes {
		if f.w != 100 || f.h != 30-chrome {
			t.Errorf("%s got %d×%d", f.id, f.w, f.h)
		}
	}
	if m.ctx.Width != 100 || m.ctx.Height != 26 {
		t.Errorf("ctx size %d×%d", m.ctx.Width, m.ctx.Height)
	}
}

// resizeCmdPane returns a Cmd from Update on ResizedMsg, as a debouncing pane does.
type resizeCmdPane struct {
	fakePane
	sizesSeen [][2]int // the size SetSize had set when ResizedMsg arrived
}

type resizedAck struct{ w, h int }

func (p *resizeCmdPane) Update(msg tea.Msg) tea.Cmd {
	if r, ok := msg.(common.ResizedMsg); ok {
		p.sizesSeen = append(p.sizesSeen, [2]int{p.w, p.h})
		return func() tea.Msg { return resizedAck{r.Width, r.Height} }
	}
	return p.fakePane.Update(msg)
}

func TestResizeDeliversResizedMsgToEveryPaneAfterSetSize(t *testing.T) {
	ctx := commontest.Context(80, 20, nil)
	panes := make([]common.Pane, common.NumPanes)
	rps := make([]*resizeCmdPane, common.NumPanes)
	for i := range panes {
		rps[i] = &resizeCmdPane{fakePane: fakePane{id: common.PaneID(i), ready: true}}
		panes[i] = rps[i]
	}
	m := New(ctx, Options{Panes: panes, NoTick: true})
	cmd := send(m, tea.WindowSizeMsg{Width: 120, Height: 40})
	if cmd == nil {
		t.Fatal("resize returned no Cmd: panes cannot react to it")
	}
	acks := 0
	for _, msg := range commontest.Collect(cmd) {
		if a, ok := msg.(resizedAck); ok {
			acks++
			if a.w != 120 || a.h != 40-chrome {
				t.Errorf("ResizedMsg carried %d×%d, want the pane area 120×%d", a.w, a.h, 40-chrome)
			}
		}
	}
	if acks != int(common.NumPanes) {
		t.Errorf("%d panes answered the resize, want %d", acks, common.NumPanes)
	}
	for _, p := range rps {
		if len(p.sizesSeen) != 1 || p.sizesSeen[0] != [2]int{120, 40 - chrome} {
			t.Errorf("%s: SetSize not applied before ResizedMsg: %v", p.id, p.sizesSeen)
		}
	}
}

func TestKeyRouting(t *testing.T) {
	cases := []struct {
		name     string
		keys     []string
		captures bool
		active   common.PaneID
		quit     bool
		paneKeys int // keys the (final) active pane received
	}{
		{"digits switch tabs", []string{"3"}, false, common.PaneDocs, false, 0},
		{"tab cycles", []string{"tab", "tab"}, false, common.PaneDocs, false, 0},
		{"shift+tab wraps", []string{"shift+tab"}, false, common.PaneWebhooks, false, 0},
		{"q quits", []string{"q"}, false, common.PaneOverview, true, 0},
		{"ctrl+c quits", []string{"ctrl+c"}, false, common.PaneOverview, true, 0},
		{"captured keys go to the input first", []string{"q", "3", "tab"}, true, common.PaneOverview, false, 3},
		{"pane keys reach the pane", []string{"x", "j", "esc"}, false, common.PaneOverview, false, 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, fakes := newRoot(t, nil)
			for _, f := range fakes {
				f.captures = tc.captures
			}
			var quit bool
			for _, k := range tc.keys {
				quit = isQuit(send(m, commontest.Key(k))) || quit
			}
			if m.Active() != tc.active || m.ctx.Active != tc.active {
				t.Errorf("active = %s, want %s", m.Active(), tc.active)
			}
			if quit != tc.quit {
				t.Errorf("quit = %v", quit)
			}
			got := fakes[tc.active].count(func(msg tea.Msg) bool { _, ok := msg.(tea.KeyPressMsg); return ok })
			if got != tc.paneKeys {
				t.Errorf("active pane got %d keys, want %d", got, tc.paneKeys)
			}
		})
	}
}

func TestRefreshGoesToActivePaneOnly(t *testing.T) {
	m, fakes := newRoot(t, nil)
	send(m, commontest.Key("4"))
	send(m, commontest.Key("r"))
	isRefresh := func(msg tea.Msg) bool { _, ok := msg.(common.RefreshMsg); return ok }
	for _, f := range fakes {
		want := 0
		if f.id == common.PaneUsage {
			want = 1
		}
		if f.count(isRefresh) != want {
			t.Errorf("%s got %d refreshes, want %d", f.id, f.count(isRefresh), want)
		}
	}
}

func TestPauseToggles(t *testing.T) {
	m, _ := newRoot(t, nil)
	send(m, commontest.Key("p"))
	if !m.ctx.Paused || !strings.Contains(m.render(), "paused") {
		t.Fatal("p should pause and say so")
	}
	send(m, commontest.Key("p"))
	if m.ctx.Paused {
		t.Fatal("p again resumes")
	}
}

func TestTargetedAndBroadcast(t *testing.T) {
	m, fakes := newRoot(t, nil)
	send(m, target{common.Result{Pane: common.PaneUsage, ReqID: 7}})
	send(m, common.TickMsg{Now: commontest.Now})
	for _, f := range fakes {
		tgt := f.count(func(msg tea.Msg) bool { _, ok := msg.(target); return ok })
		ticks := f.count(func(msg tea.Msg) bool { _, ok := msg.(common.TickMsg); return ok })
		if want := map[bool]int{true: 1, false: 0}[f.id == common.PaneUsage]; tgt != want {
			t.Errorf("%s got %d targeted msgs, want %d", f.id, tgt, want)
		}
		if ticks != 1 {
			t.Errorf("%s got %d ticks, want 1", f.id, ticks)
		}
	}
}

func TestNavigateSwitchesAndDelivers(t *testing.T) {
	m, fakes := newRoot(t, nil)
	send(m, common.NavigateMsg{To: common.PaneDocs, Slug: "endpoints/send-email"})
	if m.Active() != common.PaneDocs {
		t.Fatal("did not switch")
	}
	if n := fakes[common.PaneDocs].count(func(msg tea.Msg) bool { _, ok := msg.(common.NavigateMsg); return ok }); n != 1 {
		t.Fatalf("docs got %d NavigateMsg", n)
	}
	if n := fakes[common.PaneKeys].count(func(msg tea.Msg) bool { _, ok := msg.(common.NavigateMsg); return ok }); n != 0 {
		t.Fatal("NavigateMsg leaked to another pane")
	}
}

func TestHelpToggle(t *testing.T) {
	m, fakes := newRoot(t, nil)
	send(m, commontest.Key("?"))
	if !strings.Contains(m.render(), "esc closes this help") {
		t.Fatal("? did not open full help")
	}
	send(m, commontest.Key("esc"))
	if m.fullHelp || fakes[0].count(func(msg tea.Msg) bool { _, ok := msg.(tea.KeyPressMsg); return ok }) != 0 {
		t.Fatal("esc should close the help and not reach the pane")
	}
}

// The help hides the pane, so the pane's keys wait until it is closed; the
// tab keys still switch tabs, closing it.
func TestHelpKeepsThePanesKeys(t *testing.T) {
	m, fakes := newRoot(t, nil)
	send(m, commontest.Key("?"))
	for _, k := range []string{"j", "t", "R", "enter"} {
		send(m, commontest.Key(k))
	}
	keysTo := func(p *fakePane) int {
		return p.count(func(msg tea.Msg) bool { _, ok := msg.(tea.KeyPressMsg); return ok })
	}
	if n := keysTo(fakes[m.Active()]); n != 0 || !m.fullHelp {
		t.Fatalf("%d keys reached the pane behind the help (help open: %v)", n, m.fullHelp)
	}
	send(m, commontest.Key("2"))
	if m.Active() != common.PaneKeys || m.fullHelp {
		t.Fatalf("2 over the help: pane %v, help open %v", m.Active(), m.fullHelp)
	}
	send(m, commontest.Key("j"))
	if m.fullHelp || keysTo(fakes[common.PaneKeys]) != 1 {
		t.Fatal("once the help is closed, j goes to the pane")
	}
}

func TestMouseClickOnTab(t *testing.T) {
	m, _ := newRoot(t, nil)
	r := m.tabRanges()[common.PaneUsage]
	send(m, tea.MouseClickMsg{X: r[0] + 1, Y: 0, Button: tea.MouseLeft})
	if m.Active() != common.PaneUsage {
		t.Fatalf("click at x=%d did not select Usage (ranges %v)", r[0]+1, m.tabRanges())
	}
	// The label under the click really is the Usage tab.
	plain := commontest.Plain(m.tabBar())
	if !strings.HasPrefix(string([]rune(plain)[r[0]:]), " 4 Usage") {
		t.Fatalf("tab ranges do not match the bar: %q", plain)
	}
	if m.View().MouseMode != tea.MouseModeCellMotion {
		t.Fatal("mouse mode should follow Options.Mouse")
	}
}

func TestMouseOffByDefault(t *testing.T) {
	ctx := commontest.Context(80, 20, nil)
	m := New(ctx, Options{NoTick: true, Panes: []common.Pane{&fakePane{ready: true}}})
	v := m.View()
	if v.MouseMode != tea.MouseModeNone || !v.AltScreen {
		t.Fatalf("mouse %v alt %v", v.MouseMode, v.AltScreen)
	}
}

func TestStaleRateLimitResultDropped(t *testing.T) {
	m, fakes := newRoot(t, nil)
	id := m.rl.Start()
	send(m, rlMsg{id: id - 1, data: models.RateLimits{Tenant: models.RateLimitState{Used: 99}}})
	if m.rlData != nil {
		t.Fatal("stale result applied")
	}
	send(m, rlMsg{id: id, data: models.RateLimits{Tenant: models.RateLimitState{Used: 5, Limit: 300}}})
	if m.rlData == nil || m.rlData.Tenant.Used != 5 {
		t.Fatal("current result not applied")
	}
	for _, f := range fakes {
		if f.count(func(msg tea.Msg) bool { _, ok := msg.(common.RateLimitsMsg); return ok }) != 1 {
			t.Errorf("%s did not get RateLimitsMsg", f.id)
		}
	}
	// 304: no new broadcast.
	id = m.rl.Start()
	send(m, rlMsg{id: id, err: client.ErrNotModified})
	if fakes[0].count(func(msg tea.Msg) bool { _, ok := msg.(common.RateLimitsMsg); return ok }) != 1 {
		t.Error("304 was broadcast")
	}
}

func TestOfflineBannerAndRecovery(t *testing.T) {
	m, fakes := newRoot(t, nil)
	id := m.rl.Start()
	send(m, rlMsg{id: id, data: models.RateLimits{}})
	okAt := m.lastOK
	id = m.rl.Start()
	send(m, rlMsg{id: id, err: &client.Error{Kind: client.KindNetwork, URL: "http://x", Message: "connection refused"}})
	frame := commontest.Plain(m.render())
	want := "offline — showing data from " + okAt.Local().Format("15:04:05")
	if !strings.Contains(frame, want) || !strings.Contains(frame, "○ offline") {
		t.Fatalf("no banner %q:\n%s", want, frame)
	}
	if !strings.Contains(frame, "Overview pane body") {
		t.Fatal("last data should stay on screen")
	}
	id = m.rl.Start()
	send(m, rlMsg{id: id, data: models.RateLimits{}})
	if strings.Contains(m.render(), "offline") {
		t.Fatal("did not recover")
	}
	var states []bool
	for _, msg := range fakes[1].got {
		if o, ok := msg.(common.OfflineMsg); ok {
			states = append(states, o.Offline)
		}
	}
	if fmt.Sprint(states) != "[true false]" {
		t.Fatalf("OfflineMsg sequence %v", states)
	}
}

func TestMalformedResponseBecomesErrorLine(t *testing.T) {
	c := commontest.FixtureClient(t, map[string]any{"GET /api/v1/platform/rate-limits": "not an object"})
	m, _ := newRoot(t, c)
	commontest.Drain(t, func(msg tea.Msg) tea.Cmd { return send(m, msg) }, m.fetchRateLimits(m.rl.Start()))
	frame := commontest.Plain(m.render())
	if !strings.Contains(frame, "✗ unexpected response from /api/v1/platform/rate-limits") {
		t.Fatalf("no error line:\n%s", frame)
	}
}

func TestTooSmallHoldsKeysUntilLarger(t *testing.T) {
	m, fakes := newRoot(t, nil)
	send(m, tea.WindowSizeMsg{Width: 79, Height: 30})
	if !strings.Contains(m.render(), "terminal too small: 80×24 needed") || !strings.Contains(m.render(), "ctrl+c quits") {
		t.Fatal("no too-small message")
	}
	// Keys and clicks wait: they would act on what the user cannot see.
	fakes[m.ctx.Active].captures = true
	for _, k := range []string{"enter", "y", "q", "2"} {
		if cmd := send(m, commontest.Key(k)); cmd != nil {
			t.Fatalf("%s acted while too small", k)
		}
	}
	send(m, tea.MouseClickMsg{X: 20, Y: 0, Button: tea.MouseLeft})
	if n := fakes[m.ctx.Active].count(func(msg tea.Msg) bool { _, ok := msg.(tea.KeyPressMsg); return ok }); n != 0 || m.ctx.Active != common.PaneOverview {
		t.Fatalf("%d keys reached the pane, active %v", n, m.ctx.Active)
	}
	if !isQuit(send(m, commontest.Key("ctrl+c"))) {
		t.Fatal("ctrl+c does not quit while too small")
	}
	fakes[m.ctx.Active].captures = false
	send(m, tea.WindowSizeMsg{Width: 80, Height: 24})
	if strings.Contains(m.render(), "too small") {
		t.Fatal("did not recover on resize")
	}
	if h := strings.Count(m.render(), "\n") + 1; h != 24 {
		t.Fatalf("frame is %d lines, want 24", h)
	}
}

func TestBackgroundColourRebuildsStyles(t *testing.T) {
	m, fakes := newRoot(t, nil)
	if !m.ctx.Styles.Dark {
		t.Fatal("dark is the default")
	}
	send(m, tea.BackgroundColorMsg{Color: color.White})
	if m.ctx.Styles.Dark {
		t.Fatal("light background not applied")
	}
	if fakes[2].count(func(msg tea.Msg) bool { _, ok := msg.(tea.BackgroundColorMsg); return ok }) != 1 {
		t.Fatal("panes not told")
	}
}

func TestStatusMessageExpires(t *testing.T) {
	m, _ := newRoot(t, nil)
	send(m, common.StatusMsg{Text: "key created", Level: common.LevelSuccess, TTL: 2 * time.Second})
	if !strings.Contains(m.render(), "key created") {
		t.Fatal("status not shown")
	}
	send(m, common.TickMsg{Now: commontest.Now.Add(3 * time.Second)})
	if strings.Contains(m.render(), "key created") {
		t.Fatal("status did not expire")
	}
}

// fixtureRoot is the root with the real Overview on fixture data.
func fixtureRoot(t *testing.T, w, h int, keys []models.APIKey) *Model {
	t.Helper()
	ctx := commontest.Context(w, h, fixtureClient(t, keys))
	ctx.Me = models.Me{}
	_, panes := fakePanes()
	panes[common.PaneOverview] = overview.New(ctx)
	m := New(ctx, Options{Panes: panes, NoTick: true})
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	if !strings.Contains(m.render(), "connecting") {
		t.Fatal("the first frame should wait for data")
	}
	commontest.Drain(t, func(msg tea.Msg) tea.Cmd { return send(m, msg) }, m.Init())
	return m
}

// fixtureClient answers the identity, keys and rate limits the first frame needs.
func fixtureClient(t *testing.T, keys []models.APIKey) *client.Client {
	plan := models.Plan{Name: "professional", DisplayName: "Professional", LimitPerMinute: 300, Burst: 500}
	bucket45 := models.RateLimitState{Limit: 300, Burst: 500, Used: 45, Remaining: 455, ResetAt: commontest.Now.Add(9 * time.Second), ResetIn: 9}
	return commontest.FixtureClient(t, map[string]any{
		"GET /api/v1/me":                models.Me{Email: "admin@acme.test", Role: "admin", CanManageKeys: true, Tenant: models.Tenant{Name: "Acme", Plan: plan}},
		"GET /api/v1/platform/api-keys": models.APIKeyList{APIKeys: keys, Total: len(keys)},
		// No key needs attention here (the Overview's own tests show the count).
		"GET /api/v1/platform/api-keys?needs_attention=true&per_page=1": models.APIKeyList{APIKeys: []models.APIKey{}},
		"GET /api/v1/platform/rate-limits": models.RateLimits{Plan: plan, At: commontest.Now, BusiestKeyID: "key_1",
			Tenant: bucket45, Keys: []models.KeyRateLimit{{KeyID: "key_1", Name: "Production App", RateLimitState: bucket45}}},
	})
}

func fixtureKeys() []models.APIKey {
	used := commontest.Now.Add(-2 * time.Hour)
	return []models.APIKey{
		{KeyID: "key_1", Name: "Production App", MaskedKey: "pm_live_abc…xyz", Status: "active", CreatedAt: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), LastUsed: &used, RequestCount: 10},
		{KeyID: "key_2", Name: "Staging Server", MaskedKey: "pm_test_def…uvw", Status: "active", CreatedAt: time.Date(2026, 10, 15, 0, 0, 0, 0, time.UTC)},
	}
}

func TestGoldenRoot80x24(t *testing.T) {
	commontest.Golden(t, fixtureRoot(t, 80, 24, fixtureKeys()).render())
}

func TestGoldenRoot160x48(t *testing.T) {
	commontest.Golden(t, fixtureRoot(t, 160, 48, fixtureKeys()).render())
}

func TestRenderedFrameHasNoEscapeFromAPIStrings(t *testing.T) {
	evil := fixtureKeys()
	payload := "\x1b]52;c;cGF5bG9hZA==\x07\x1b[2J\x1b[H\x1b[38;5;196m\x9b31m"
	evil[0].Name = "Prod" + payload + "App"
	evil[1].MaskedKey = "pm_test_\x1b]0;title\x07def"
	clean := fixtureKeys()
	clean[0].Name = "ProdApp"
	clean[1].MaskedKey = "pm_test_def"
	bad := fixtureRoot(t, 100, 30, evil).render()
	good := fixtureRoot(t, 100, 30, clean).render()
	if strings.Count(bad, "\x1b") != strings.Count(good, "\x1b") || strings.Contains(bad, "\x9b") {
		t.Fatalf("API strings injected escapes: %d vs %d ESC", strings.Count(bad, "\x1b"), strings.Count(good, "\x1b"))
	}
	for _, s := range []string{"]52;", "[2J", "]0;title", "38;5;196"} {
		if strings.Contains(bad, s) {
			t.Errorf("frame contains %q", s)
		}
	}
}

func BenchmarkView(b *testing.B) {
	m, _ := newRootB(b)
	b.ResetTimer()
	for range b.N {
		_ = m.View()
	}
}

func newRootB(b *testing.B) (*Model, []*fakePane) {
	fakes, panes := fakePanes()
	m := New(commontest.Context(200, 56, nil), Options{Panes: panes, NoTick: true})
	m.Update(tea.WindowSizeMsg{Width: 200, Height: 60})
	m.Update(rlMsg{id: m.rl.Start(), data: models.RateLimits{Tenant: models.RateLimitState{Used: 100, Limit: 300}}})
	return m, fakes
}

// A member's 403 on the status-bar rate-limit poll is a role limit: a calm
// notice naming the role, no red error line about API keys, no more polling.
func TestRateLimitForbiddenIsARoleNoticeNotAnError(t *testing.T) {
	m, _ := newRoot(t, nil)
	m.ctx.Me = models.Me{Email: "viewer@acme.test", Role: models.RoleMember}
	id := m.rl.Start()
	send(m, rlMsg{id: id, err: &client.Error{Kind: client.KindHTTP, Status: 403,
		Problem: &models.Problem{Status: 403, Error: "insufficient_role", Message: "Your role (member) cannot use developer settings"}}})
	frame := commontest.Plain(m.render())
	if m.errLine != "" || strings.Contains(frame, "✗") || strings.Contains(frame, "API keys") && strings.Contains(frame, "cannot manage") {
		t.Fatalf("403 shown as an error:\n%s", frame)
	}
	if !strings.Contains(frame, "your role (member) cannot use developer settings") || !strings.Contains(frame, "n/a") {
		t.Fatalf("no role notice or gauge n/a:\n%s", frame)
	}
	if m.rl.Due(m.ctx.Now().Add(time.Hour), true) {
		t.Fatal("root keeps polling rate limits the role cannot read")
	}
	// A pane's 403 (Overview's key list) must not turn into the red API-keys line either.
	send(m, common.DataAgeMsg{At: m.ctx.Now(), Err: &client.Error{Kind: client.KindHTTP, Status: 403}})
	if m.errLine != "" || strings.Contains(commontest.Plain(m.render()), "✗") {
		t.Fatalf("pane 403 became an error line: %q", m.errLine)
	}
}

// The console guards a quit when any pane does (the SSH service audits a
// session that ends with a key shown once still unconfirmed).
func TestConsoleGuardsQuitWhenAPaneDoes(t *testing.T) {
	_, panes := fakePanes()
	g := &guardPane{fakePane: fakePane{id: common.PaneKeys, ready: true}}
	panes[common.PaneKeys] = g
	m := New(commontest.Context(80, 20, nil), Options{Panes: panes, NoTick: true})
	if m.GuardsQuit() {
		t.Fatal("guards with nothing on screen")
	}
	g.guard = true
	if !m.GuardsQuit() {
		t.Fatal("a pane's guard is not the console's")
	}
	// Too small to show the question the first ctrl+c asks: say it takes two.
	send(m, tea.WindowSizeMsg{Width: 79, Height: 30})
	if !strings.Contains(m.render(), "ctrl+c twice quits") {
		t.Fatalf("too-small screen with a key shown once:\n%s", m.render())
	}
}

// styledPane draws with a style, as the Docs pane marks search matches.
type styledPane struct{ fakePane }

func (p *styledPane) View() string { return "\x1b[7mmatch\x1b[m" }

// Offline, stale figures are dimmed, but the docs keep their styling: the
// built-in copy is not stale, and a search match is shown by its style.
func TestOfflineDimsFiguresNotDocs(t *testing.T) {
	_, panes := fakePanes()
	for _, id := range []common.PaneID{common.PaneOverview, common.PaneDocs} {
		panes[id] = &styledPane{fakePane{id: id, ready: true}}
	}
	m := New(commontest.Context(80, 20, nil), Options{Panes: panes, NoTick: true})
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	send(m, rlMsg{id: m.rl.Start(), data: models.RateLimits{}})
	send(m, rlMsg{id: m.rl.Start(), err: &client.Error{Kind: client.KindNetwork, URL: "http://x", Message: "connection refused"}})
	if strings.Contains(m.render(), "\x1b[7mmatch") {
		t.Fatal("offline figures are not dimmed")
	}
	send(m, commontest.Key("3"))
	if m.ctx.Active != common.PaneDocs || !strings.Contains(m.render(), "\x1b[7mmatch") {
		t.Fatal("offline, the docs lost their styling")
	}
}
