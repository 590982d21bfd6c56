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

func fixtureKeys() []models.APIKey {
	day := 24 * time.Hour
	return []models.APIKey{
		{KeyID: "key_1", Name: "Production App", MaskedKey: "pm_live_abc…xyz", Status: "active", Environment: "live",
			CreatedAt: time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC), LastUsed: commontest.Ago(2 * time.Hour), RequestCount: 1200},
		{KeyID: "key_2", Name: "Staging Server", MaskedKey: "pm_test_def…uvw", Status: "active", Environment: "test",
			CreatedAt: time.Date(2026, 10, 15, 9, 0, 0, 0, time.UTC), LastUsed: commontest.Ago(5 * day), RequestCount: 40},
		{KeyID: "key_3", Name: "Old Integration", MaskedKey: "pm_live_ghi…rst", Status: "revoked", Environment: "live",
			CreatedAt: time.Date(2026, 7, 3, 9, 0, 0, 0, time.UTC)},
	}
}

// bucketAt is a 500-token bucket refilling at limit/min with used spent,
// as the server reports it at commontest.Now.
func bucketAt(limit, used int) models.RateLimitState {
	full := time.Duration(float64(used) / float64(limit) * float64(time.Minute))
	return models.RateLimitState{Limit: limit, Burst: 500, Used: used, Remaining: 500 - used,
		ResetAt: commontest.Now.Add(full), ResetIn: int((full + time.Second - 1) / time.Second)}
}

// fixtureRateLimits has the busiest key (Production App) with used of its
// 500-token bucket spent and a quieter one; the tenant block repeats the
// busiest, as the server sends it.
func fixtureRateLimits(used int) models.RateLimits {
	plan := models.Plan{Name: "professional", DisplayName: "Professional", LimitPerMinute: 300, Burst: 500}
	rl := models.RateLimits{Plan: plan, At: commontest.Now, Tenant: bucketAt(300, used),
		Keys: []models.KeyRateLimit{
			{KeyID: "key_2", Name: "Staging Server", RateLimitState: bucketAt(300, used*2/3)},
			{KeyID: "key_1", Name: "Production App", RateLimitState: bucketAt(300, used)},
		}}
	if used > 0 {
		rl.BusiestKeyID = "key_1"
	}
	return rl
}

// loaded returns an Overview at w×h with keys and rate limits delivered.
func loaded(t testing.TB, w, h int, keys []models.APIKey, used int) *Model {
	t.Helper()
	c := commontest.FixtureClient(t, map[string]any{
		"GET /api/v1/platform/api-keys": models.APIKeyList{APIKeys: keys, Total: len(keys) + 4},
		// Two keys need attention (the count is the total of that query).
		"GET /api/v1/platform/api-keys?needs_attention=true&per_page=1": models.APIKeyList{APIKeys: keys[:min(1, len(keys))], Total: 2},
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
	commontest.Golden(t, loaded(t, 80, 24, fixtureKeys(), 420).View())
}

func TestGoldenOverviewAtLimit(t *testing.T) {
	commontest.Golden(t, loaded(t, 80, 24, fixtureKeys(), 500).View())
}

func TestGoldenOverviewAtLimit160x48(t *testing.T) {
	commontest.Golden(t, loaded(t, 160, 48, fixtureKeys(), 500).View())
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

// The countdown is recomputed from reset_at and the clock on every frame:
// it matches reset_in_seconds when the answer arrives, falls each second,
// rounds up like the server, and ignores a skewed local clock.
func TestCountdownTicks(t *testing.T) {
	m := loaded(t, 80, 24, fixtureKeys(), 210) // 210 tokens at 5/s: 42 s
	if m.rl.Tenant.ResetIn != 42 || !strings.Contains(commontest.Plain(m.View()), "clears in 42s") {
		t.Fatalf("no countdown matching reset_in 42:\n%s", commontest.Plain(m.View()))
	}
	for _, c := range []struct {
		after time.Duration
		want  string
	}{{time.Second, "clears in 41s"}, {11500 * time.Millisecond, "clears in 31s"}, {12 * time.Second, "clears in 30s"},
		{41 * time.Second, "clears in 1s"}, {43 * time.Second, "0/500 spent (0%)"}} {
		now := commontest.Now.Add(c.after)
		m.ctx.Now = func() time.Time { return now }
		m.Update(common.TickMsg{Now: now})
		if v := commontest.Plain(m.View()); !strings.Contains(v, c.want) {
			t.Fatalf("+%v: want %q:\n%s", c.after, c.want, v)
		}
	}
	// A server clock an hour ahead: the countdown still starts at reset_in.
	rl := fixtureRateLimits(210)
	rl.At, rl.Tenant.ResetAt = rl.At.Add(time.Hour), rl.Tenant.ResetAt.Add(time.Hour)
	rl.Keys[1].ResetAt = rl.Tenant.ResetAt
	m.ctx.Now = func() time.Time { return commontest.Now }
	m.Update(common.RateLimitsMsg{Data: rl, At: commontest.Now})
	if v := commontest.Plain(m.View()); !strings.Contains(v, "clears in 42s") {
		t.Fatalf("skewed server clock:\n%s", v)
	}
}

// Paused, the gauge keeps the figures it last read, with their time,
// instead of projecting refills no request has been seen against.
func TestPausedGaugeKeepsItsFigures(t *testing.T) {
	m := loaded(t, 80, 24, fixtureKeys(), 210)
	m.ctx.Paused = true
	later := commontest.Now.Add(20 * time.Second)
	m.ctx.Now = func() time.Time { return later }
	m.Update(common.TickMsg{Now: later})
	v := commontest.Plain(m.View())
	if !strings.Contains(v, "210/500 spent") || !strings.Contains(v, "paused · figures from") || strings.Contains(v, "clears in") {
		t.Fatalf("paused gauge:\n%s", v)
	}
}

// Near the limit from 80% of the burst, at the limit (429s) when the bucket
// is empty; the messages never overlap.
func TestLimitMessages(t *testing.T) {
	for used, want := range map[int]string{0: "", 100: "", 399: "", 400: "near", 480: "near", 499: "near", 500: "at"} {
		v := commontest.Plain(loaded(t, 80, 24, fixtureKeys(), used).View())
		near, at := strings.Contains(v, "⚠ Near the plan's 300/min"), strings.Contains(v, "✗ 429s: the plan's 300/min")
		if near != (want == "near") || at != (want == "at") {
			t.Errorf("used %d/500: near=%v at=%v, want %q:\n%s", used, near, at, want, v)
		}
		if at && !strings.Contains(v, "429") {
			t.Errorf("used %d: the at-limit message does not say 429:\n%s", used, v)
		}
	}
	// remaining 0 is at the limit even if used lags (a bucket whose burst changed).
	rl := fixtureRateLimits(450)
	rl.Keys[1].Remaining = 0
	m := loaded(t, 80, 24, fixtureKeys(), 450)
	m.Update(common.RateLimitsMsg{Data: rl, At: commontest.Now})
	if v := commontest.Plain(m.View()); !strings.Contains(v, "✗ 429s: the plan's") {
		t.Errorf("remaining 0 without the at-limit message:\n%s", v)
	}
}

// The at-limit message may take more lines, but the card keeps its height
// so nothing below it moves.
func TestAtLimitCardKeepsItsHeight(t *testing.T) {
	for _, w := range []int{80, 120, 160} {
		quiet := strings.Split(commontest.Plain(loaded(t, w, 40, fixtureKeys(), 10).View()), "\n")
		full := strings.Split(commontest.Plain(loaded(t, w, 40, fixtureKeys(), 500).View()), "\n")
		if len(quiet) != len(full) || !strings.HasPrefix(full[topHeight], "API keys") || !strings.HasPrefix(quiet[topHeight], "API keys") {
			t.Fatalf("%d columns: the card changed the layout:\n%s", w, strings.Join(full, "\n"))
		}
		v := strings.Join(full, "\n")
		for _, want := range []string{"500/500 spent (100%)", "busiest Production App", "Professional plan", "429"} {
			if !strings.Contains(v, want) {
				t.Errorf("%d columns: no %q:\n%s", w, want, v)
			}
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
	if m.rows.Cursor() != m.items()-1 {
		t.Errorf("cursor %d ran past the end (%d items)", m.rows.Cursor(), m.items())
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

// The card shows the busiest key's bucket against its burst; the title is
// the plan's, not the busiest key's own rate (which may differ).
func TestRateCardShowsBusiestKey(t *testing.T) {
	rl := fixtureRateLimits(475)
	rl.Keys[1].RateLimitState = bucketAt(60, 475) // a key limited to 60/min
	rl.Tenant = rl.Keys[1].RateLimitState
	m := loaded(t, 80, 24, fixtureKeys(), 0)
	m.Update(common.RateLimitsMsg{Data: rl, At: commontest.Now})
	v := ansi.Strip(m.View())
	for _, want := range []string{"Rate limit · Professional plan", "475/500 spent (95%)",
		"busiest Production App", "refills 60/min · clears in 475s", "Near its own 60/min limit", "raise it on Keys (e), up to 300"} {
		if !strings.Contains(v, want) {
			t.Errorf("card lacks %q:\n%s", want, v)
		}
	}
	if strings.Contains(v, "60 req/min") || strings.Contains(v, "/300") {
		t.Errorf("card mixes the key's rate into the plan title or compares with it:\n%s", v)
	}
	// Idle: every bucket full, no busiest key, no countdown.
	m.Update(common.RateLimitsMsg{Data: fixtureRateLimits(0), At: commontest.Now})
	v = ansi.Strip(m.View())
	if !strings.Contains(v, "░ 0/500 spent (0%)") || !strings.Contains(v, "refills 300/min · nothing spent") || strings.Contains(v, "busiest") || strings.Contains(v, "full") {
		t.Errorf("idle card:\n%s", v)
	}
}

// Before the first answer the card says why it is empty, never "loading…"
// for ever; offline with data it keeps the figures and says how old.
func TestRateCardWithoutFreshData(t *testing.T) {
	c := commontest.FixtureClient(t, map[string]any{"GET /api/v1/platform/api-keys": models.APIKeyList{}})
	ctx := commontest.Context(80, 24, c)
	ctx.APIURL = "http://api.example.test"
	ctx.Me.Tenant.Plan = models.Plan{Name: "professional", DisplayName: "Professional", LimitPerMinute: 300, Burst: 500}
	m := New(ctx)
	m.SetSize(80, 24)
	card := func() string { return ansi.Strip(m.rateCard()) }
	if v := card(); !strings.Contains(v, "loading…") || !strings.Contains(v, "300 req/min · burst 500") {
		t.Fatalf("waiting:\n%s", v)
	}
	m.Update(common.OfflineMsg{Offline: true})
	if v := card(); strings.Contains(v, "loading") || !strings.Contains(v, "no data yet — cannot reach") || !strings.Contains(v, "api.example.test") {
		t.Fatalf("offline before data:\n%s", v)
	}
	m.Update(common.OfflineMsg{Offline: false})
	m.Update(common.RateLimitsErrMsg{Err: &client.Error{Kind: client.KindDecode, Message: "unexpected response"}})
	if v := card(); strings.Contains(v, "loading") || !strings.Contains(v, "no data yet") {
		t.Fatalf("malformed answer before data:\n%s", v)
	}
	m.Update(common.RateLimitsMsg{Data: fixtureRateLimits(210), At: commontest.Now})
	m.Update(common.OfflineMsg{Offline: true, Since: commontest.Now})
	v := card()
	if !strings.Contains(v, "210/500") || !strings.Contains(v, "offline · figures from "+commontest.Now.Local().Format("15:04:05")) || strings.Contains(v, "full in") {
		t.Fatalf("offline with data:\n%s", v)
	}
	ctx.Refresh.RateLimits = 0
	m = New(ctx)
	if v := ansi.Strip(m.rateCard()); strings.Contains(v, "loading") || !strings.Contains(v, "off") {
		t.Fatalf("polling off:\n%s", v)
	}
}

// A rejected token must not leave the card "loading…" forever.
func TestRateCardUnauthorized(t *testing.T) {
	c := commontest.FixtureClient(t, map[string]any{})
	m := New(commontest.Context(80, 24, c))
	m.SetSize(80, 24)
	m.Update(common.AuthMsg{Rejected: true})
	v := ansi.Strip(m.View())
	if strings.Contains(v, "loading…\n") || !strings.Contains(v, "token rejected") || !strings.Contains(v, "the token given.") {
		t.Fatalf("card does not explain the rejected token:\n%s", v)
	}
	// The checklist blames the token, not a role it cannot know.
	if strings.Contains(v, "needs admin") || !strings.Contains(v, "Generate an API key · token reject") {
		t.Fatalf("checklist under a rejected token:\n%s", v)
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

// A key capped by its own setting below the plan's limit: the card says
// that limit binds and that editing the key lifts it — not a bigger plan.
// At the plan's limit it names the next plan; on the largest, more keys.
func TestNearLimitSaysWhichLimitBinds(t *testing.T) {
	for _, c := range []struct {
		w, keyLimit int
		plan        models.Plan
		want        []string
		not         string
	}{
		{80, 60, models.Plan{Name: "professional", DisplayName: "Professional", LimitPerMinute: 300, Burst: 500},
			[]string{"Near its own 60/min limit", "raise it on Keys (e), up to 300"}, "Business"},
		{120, 60, models.Plan{Name: "professional", DisplayName: "Professional", LimitPerMinute: 300, Burst: 500},
			[]string{"Near its own 60/min limit", "raise it on Keys (e), up to 300"}, "Business"},
		{80, 300, models.Plan{Name: "professional", DisplayName: "Professional", LimitPerMinute: 300, Burst: 500},
			[]string{"Near the plan's 300/min limit", "upgrade to Business: 1,000/min"}, "raise it"},
		{120, 1000, models.Plan{Name: "business", DisplayName: "Business", LimitPerMinute: 1000, Burst: 2000},
			[]string{"Near the plan's 1,000/min limit", "use more keys: limits are per key"}, "raise it"},
	} {
		m := loaded(t, c.w, 24, fixtureKeys(), 0)
		rl := fixtureRateLimits(0)
		st := bucketAt(c.keyLimit, c.plan.Burst*9/10)
		st.Burst, st.Remaining = c.plan.Burst, c.plan.Burst-st.Used
		rl.Plan, rl.Tenant, rl.BusiestKeyID = c.plan, st, "key_w"
		rl.Keys = []models.KeyRateLimit{{KeyID: "key_w", Name: "Simulator Worker", RateLimitState: st}}
		m.Update(common.RateLimitsMsg{Data: rl, At: commontest.Now})
		v := strings.Join(strings.Fields(commontest.Plain(m.View())), " ")
		for _, want := range c.want {
			if !strings.Contains(v, want) {
				t.Errorf("%d cols, key %d/min on %s: no %q:\n%s", c.w, c.keyLimit, c.plan.Name, want, commontest.Plain(m.View()))
			}
		}
		if strings.Contains(v, c.not) || strings.Contains(v, "upgrade plan") {
			t.Errorf("%d cols, key %d/min: says %q:\n%s", c.w, c.keyLimit, c.not, commontest.Plain(m.View()))
		}
		if c.w == 80 && c.keyLimit == 60 {
			commontest.Golden(t, m.View())
		}
	}
}
