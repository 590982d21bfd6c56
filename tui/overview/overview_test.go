package overview

import (
	"fmt"
	"io/fs"
	"os"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/penguinmails/pmdev/client"
	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
	"github.com/penguinmails/pmdev/tui/common/commontest"
)

func ago(d time.Duration) *time.Time { t := commontest.Now.Add(-d); return &t }

func fixtureKeys() []models.APIKey {
	day := 24 * time.Hour
	return []models.APIKey{
		{KeyID: "key_1", Name: "Production App", MaskedKey: "pm_live_abc…xyz", Status: "active", Environment: "live",
			CreatedAt: time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC), LastUsed: ago(2 * time.Hour), RequestCount: 1200},
		{KeyID: "key_2", Name: "Staging Server", MaskedKey: "pm_test_def…uvw", Status: "active", Environment: "test",
			CreatedAt: time.Date(2026, 10, 15, 9, 0, 0, 0, time.UTC), LastUsed: ago(5 * day), RequestCount: 40},
		{KeyID: "key_3", Name: "Old Integration", MaskedKey: "pm_live_ghi…rst", Status: "revoked", Environment: "live",
			CreatedAt: time.Date(2026, 7, 3, 9, 0, 0, 0, time.UTC)},
	}
}

// fixtureRateLimits has the busiest key at used/300 and a quieter one, so
// the tenant's sum exceeds the per-key limit as after a simulator burst.
func fixtureRateLimits(used int) models.RateLimits {
	plan := models.Plan{Name: "professional", DisplayName: "Professional", LimitPerMinute: 300, Burst: 500}
	bucket := func(u int) models.RateLimitState {
		return models.RateLimitState{Limit: 300, Burst: 500, Used: u, Remaining: 300 - u,
			ResetAt: commontest.Now.Add(42 * time.Second), ResetIn: 42}
	}
	quiet := used * 2 / 3
	return models.RateLimits{Plan: plan, At: commontest.Now, Tenant: bucket(used + quiet),
		Keys: []models.KeyRateLimit{
			{KeyID: "key_2", Name: "Staging Server", RateLimitState: bucket(quiet)},
			{KeyID: "key_1", Name: "Production App", RateLimitState: bucket(used)},
		}}
}

// loaded returns an Overview at w×h with keys and rate limits delivered.
func loaded(t testing.TB, w, h int, keys []models.APIKey, used int) *Model {
	t.Helper()
	c := commontest.FixtureClient(t, map[string]any{
		"GET /api/v1/platform/api-keys": models.APIKeyList{APIKeys: keys, Total: len(keys) + 4},
	})
	ctx := commontest.Context(w, h, c)
	m := New(ctx)
	m.SetSize(w, h)
	commontest.Drain(t, m.Update, m.Init())
	m.Update(common.RateLimitsMsg{Data: fixtureRateLimits(used), At: commontest.Now})
	if !m.Ready() {
		t.Fatal("not ready after data")
	}
	return m
}

func TestGoldenOverview80x24(t *testing.T) {
	commontest.Golden(t, loaded(t, 80, 24, fixtureKeys(), 45).View())
}

func TestGoldenOverview160x48(t *testing.T) {
	commontest.Golden(t, loaded(t, 160, 48, fixtureKeys(), 45).View())
}

func TestGoldenOverviewNearLimit(t *testing.T) {
	commontest.Golden(t, loaded(t, 80, 24, fixtureKeys(), 270).View())
}

func TestGoldenOverviewNoKeys(t *testing.T) {
	c := commontest.FixtureClient(t, map[string]any{"GET /api/v1/platform/api-keys": models.APIKeyList{}})
	m := New(commontest.Context(80, 24, c))
	m.SetSize(80, 24)
	commontest.Drain(t, m.Update, m.Init())
	commontest.Golden(t, m.View())
}

func TestViewFitsSize(t *testing.T) {
	for _, sz := range [][2]int{{80, 20}, {80, 24}, {120, 36}, {160, 48}, {200, 60}} {
		v := loaded(t, sz[0], sz[1], fixtureKeys(), 10).View()
		lines := strings.Split(v, "\n")
		if len(lines) > sz[1] {
			t.Errorf("%v: %d lines", sz, len(lines))
		}
		for i, l := range lines {
			if w := len([]rune(commontest.Plain(l))); w > sz[0] {
				t.Errorf("%v: line %d is %d wide", sz, i, w)
			}
		}
	}
}

func TestStepsTickFromData(t *testing.T) {
	m := loaded(t, 80, 24, fixtureKeys(), 0)
	v := commontest.Plain(m.View())
	for _, want := range []string{"✓ 1. Generate an API key", "✓ 3. Make your first API call", "? 4. Set up webhooks"} {
		if !strings.Contains(v, want) {
			t.Errorf("missing %q in\n%s", want, v)
		}
	}
	unused := fixtureKeys()
	for i := range unused {
		unused[i].LastUsed, unused[i].RequestCount = nil, 0
	}
	v = commontest.Plain(loaded(t, 80, 24, unused, 0).View())
	if !strings.Contains(v, "○ 3. Make your first API call") {
		t.Errorf("first call should be open when no key was used:\n%s", v)
	}
}

func TestCountdownTicks(t *testing.T) {
	m := loaded(t, 80, 24, fixtureKeys(), 45)
	if !strings.Contains(commontest.Plain(m.View()), "resets in 42s") {
		t.Fatal("no countdown")
	}
	m.ctx.Now = func() time.Time { return commontest.Now.Add(12 * time.Second) }
	m.Update(common.TickMsg{Now: m.ctx.Now()})
	if !strings.Contains(commontest.Plain(m.View()), "resets in 30s") {
		t.Fatalf("countdown did not move:\n%s", commontest.Plain(m.View()))
	}
}

func TestUpgradePromptAt80Percent(t *testing.T) {
	for used, want := range map[int]bool{100: false, 239: false, 240: true, 290: true} {
		got := strings.Contains(commontest.Plain(loaded(t, 80, 24, fixtureKeys(), used).View()), "upgrade")
		if got != want {
			t.Errorf("used %d/300: upgrade prompt %v, want %v", used, got, want)
		}
	}
}

func TestKeysNavigate(t *testing.T) {
	m := loaded(t, 80, 24, fixtureKeys(), 0)
	nav := func(k string) common.NavigateMsg {
		t.Helper()
		cmd := m.Update(commontest.Key(k))
		if cmd == nil {
			t.Fatalf("%s: no command", k)
		}
		n, ok := cmd().(common.NavigateMsg)
		if !ok {
			t.Fatalf("%s: not a NavigateMsg", k)
		}
		return n
	}
	if n := nav("n"); n.To != common.PaneKeys || n.Action != "create" {
		t.Errorf("n → %+v", n)
	}
	if n := nav("enter"); n.To != common.PaneKeys || n.KeyID != "key_1" {
		t.Errorf("enter on first key → %+v", n)
	}
	for range 3 {
		m.Update(commontest.Key("down"))
	}
	if n := nav("enter"); n.To != common.PaneDocs || n.Slug == "" {
		t.Errorf("enter on first endpoint → %+v", n)
	}
	if n := nav("d"); n.To != common.PaneDocs {
		t.Errorf("d → %+v", n)
	}
	for range 10 {
		m.Update(commontest.Key("down"))
	}
	if m.cursor != m.items()-1 {
		t.Errorf("cursor %d ran past the end (%d items)", m.cursor, m.items())
	}
}

func TestStaleAndNotModifiedResultsChangeNothing(t *testing.T) {
	m := loaded(t, 80, 24, fixtureKeys(), 0)
	before := m.View()
	cur := m.keysPoll.Start()
	stale := keysMsg{Result: common.Result{Pane: common.PaneOverview, ReqID: cur - 1}, list: models.APIKeyList{}}
	if cmd := m.Update(stale); cmd != nil || m.View() != before {
		t.Fatal("stale result was applied")
	}
	if cmd := m.Update(keysMsg{Result: common.Result{Pane: common.PaneOverview, ReqID: cur}, err: client.ErrNotModified}); cmd != nil {
		t.Fatal("304 should not report anything")
	}
	if m.View() != before || m.keysPoll.InFlight() {
		t.Fatal("304 changed the view or left the poll in flight")
	}
}

func TestPollsOnlyWhenVisible(t *testing.T) {
	m := loaded(t, 80, 24, fixtureKeys(), 0)
	later := commontest.Now.Add(time.Hour)
	m.ctx.Active = common.PaneUsage
	if m.Update(common.TickMsg{Now: later}) != nil {
		t.Fatal("hidden Overview polled")
	}
	m.ctx.Active = common.PaneOverview
	m.ctx.Paused = true
	if m.Update(common.TickMsg{Now: later}) != nil {
		t.Fatal("paused Overview polled")
	}
	m.ctx.Paused = false
	if m.Update(common.TickMsg{Now: later}) == nil {
		t.Fatal("visible Overview did not poll when due")
	}
}

func TestErrorShownWhenNothingLoaded(t *testing.T) {
	c := commontest.FixtureClient(t, map[string]any{"GET /api/v1/platform/api-keys": 503})
	m := New(commontest.Context(80, 24, c))
	m.SetSize(80, 24)
	msgs := commontest.Drain(t, m.Update, m.Init())
	if !strings.Contains(commontest.Plain(m.View()), "server error 503") {
		t.Fatalf("no error line:\n%s", commontest.Plain(m.View()))
	}
	found := false
	for _, msg := range msgs {
		if d, ok := msg.(common.DataAgeMsg); ok && d.Err != nil {
			found = true
		}
	}
	if !found {
		t.Fatal("root was not told about the error")
	}
}

func TestHostileKeyNameIsSanitised(t *testing.T) {
	keys := fixtureKeys()
	payload := "\x1b]52;c;SGVsbG8=\x07\x1b[2J\x1b[31m\x1b[10;10H"
	keys[0].Name = "evil" + payload + "name"
	keys[0].MaskedKey = "pm_live_\x1b[5mabc…xyz"
	hostile := loaded(t, 80, 24, keys, 0).View()
	clean := fixtureKeys()
	clean[0].Name = "evilname"
	clean[0].MaskedKey = "pm_live_abc…xyz"
	benign := loaded(t, 80, 24, clean, 0).View()
	if strings.Count(hostile, "\x1b") != strings.Count(benign, "\x1b") {
		t.Fatalf("the API string added escape sequences: %d ESC vs %d", strings.Count(hostile, "\x1b"), strings.Count(benign, "\x1b"))
	}
	for _, bad := range []string{"]52;", "[2J", "[10;10H", "[5m"} {
		if strings.Contains(hostile, bad) {
			t.Errorf("frame contains %q", bad)
		}
	}
	if !strings.Contains(commontest.Plain(hostile), "evilname") {
		t.Error("the printable part of the name is gone")
	}
}

func BenchmarkView(b *testing.B) {
	keys := fixtureKeys()
	for i := range 20 {
		k := keys[0]
		k.KeyID, k.Name = fmt.Sprintf("key_%d", i+10), fmt.Sprintf("Key number %d", i)
		keys = append(keys, k)
	}
	m := loaded(b, 200, 60, keys, 120)
	b.ResetTimer()
	for range b.N {
		_ = m.View()
	}
}

var _ tea.Msg = keysMsg{}

func TestWebhookStepFromLiveData(t *testing.T) {
	c := commontest.FixtureClient(t, map[string]any{
		"GET /api/v1/platform/api-keys": models.APIKeyList{APIKeys: fixtureKeys(), Total: 3},
		"GET /api/v1/platform/webhooks": models.WebhookList{Data: []models.Webhook{{}}},
	})
	m := New(commontest.Context(80, 24, c))
	m.SetSize(80, 24)
	commontest.Drain(t, m.Update, m.Init())
	if v := commontest.Plain(m.View()); !strings.Contains(v, "✓ 4. Set up webhooks") {
		t.Fatalf("webhook step not ticked:\n%s", v)
	}
}

// BenchmarkViewCold renders after every data change (no frame reuse).
func BenchmarkViewCold(b *testing.B) {
	m := loaded(b, 200, 60, fixtureKeys(), 120)
	b.ResetTimer()
	for range b.N {
		m.version++
		_ = m.View()
	}
}

func TestEndpointSlugsMatchEmbeddedDocs(t *testing.T) {
	ctx := commontest.Context(80, 24, nil)
	ctx.Assets = os.DirFS("../../api")
	m := New(ctx)
	for _, ep := range m.endpoints {
		if _, err := fs.Stat(ctx.Assets, "docs/endpoints/"+ep.Slug+".md"); err != nil {
			t.Errorf("%s: no docs page for slug %q", ep.Title, ep.Slug)
		}
	}
}

// A member's 403 must not leave the rate-limit card "loading…" for ever.
func TestMemberRateCardExplainsInsteadOfLoading(t *testing.T) {
	c := commontest.FixtureClient(t, map[string]any{"GET /api/v1/platform/api-keys": 403, "GET /api/v1/platform/webhooks": 403})
	ctx := commontest.Context(80, 20, c)
	ctx.Me = models.Me{Email: "viewer@acme.test", Role: models.RoleMember}
	m := New(ctx)
	m.SetSize(80, 20)
	commontest.Drain(t, m.Update, m.Init())
	v := commontest.Plain(m.View())
	if strings.Contains(v, "loading") || !strings.Contains(v, "needs the admin or developer role") {
		t.Fatalf("rate card for a member:\n%s", v)
	}
}

// The card shows the busiest key against the per-key limit, with the
// tenant's sum only as a secondary line (never 594/300).
func TestRateCardShowsBusiestKey(t *testing.T) {
	v := ansi.Strip(loaded(t, 80, 24, fixtureKeys(), 285).View())
	for _, want := range []string{"285/300 (95%)", "busiest Production App", "all keys 475/min", "upgrade plan"} {
		if !strings.Contains(v, want) {
			t.Errorf("card lacks %q:\n%s", want, v)
		}
	}
	if strings.Contains(v, "475/300") {
		t.Errorf("card shows the tenant sum against the per-key limit:\n%s", v)
	}
}

// A rejected token must not leave the card "loading…" forever.
func TestRateCardUnauthorized(t *testing.T) {
	c := commontest.FixtureClient(t, map[string]any{})
	m := New(commontest.Context(80, 24, c))
	m.SetSize(80, 24)
	m.Update(common.AuthMsg{Rejected: true})
	v := ansi.Strip(m.View())
	if strings.Contains(v, "loading…\n") || !strings.Contains(v, "token rejected") || !strings.Contains(v, "PENGUINMAILS_TOKEN") || !strings.Contains(v, "--profile") {
		t.Fatalf("card does not explain the rejected token:\n%s", v)
	}
	m.Update(common.AuthMsg{Rejected: false})
	if v := ansi.Strip(m.View()); strings.Contains(v, "token rejected") {
		t.Fatalf("still rejected after the token works:\n%s", v)
	}
}

// A member cannot create keys: no "n new key" anywhere, and n does nothing.
func TestMemberIsNotOfferedNewKey(t *testing.T) {
	m := loaded(t, 80, 24, fixtureKeys(), 10)
	m.ctx.Me = models.Me{Email: "viewer@acme.test", Role: models.RoleMember}
	m.version++
	v := ansi.Strip(m.View())
	if strings.Contains(v, "n new key") || strings.Contains(v, "press n") {
		t.Errorf("member view offers n:\n%s", v)
	}
	for _, b := range m.KeyMap().ShortHelp() {
		if b.Help().Desc == "new key" {
			t.Error("member short help offers new key")
		}
	}
	for _, g := range m.KeyMap().FullHelp() {
		for _, b := range g {
			if b.Help().Desc == "new key" {
				t.Error("member full help offers new key")
			}
		}
	}
	if cmd := m.Update(tea.KeyPressMsg{Code: 'n', Text: "n"}); cmd != nil {
		t.Error("n navigates for a member")
	}
}
