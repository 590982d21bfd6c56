package keys

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
	"github.com/penguinmails/pmdev/tui/common/commontest"
)

// fakePlaintext is deliberately not key-shaped (wrong length, has dashes), so
// no scanner mistakes a golden file for a leaked key.
const fakePlaintext = "pm_test_000-FAKE-NOT-A-KEY-000"

func TestListGolden80x24(t *testing.T) {
	m := testModel(t, 80, 24, fakeKeys(60))
	commontest.Golden(t, m.View())
}

func TestListGolden160x48(t *testing.T) {
	m := testModel(t, 160, 48, fakeKeys(60))
	commontest.Golden(t, m.View())
}

func TestListGoldenEmpty(t *testing.T) {
	m := testModel(t, 80, 24, nil)
	commontest.Golden(t, m.View())
}

func TestListGoldenSearchFilter(t *testing.T) {
	m := testModel(t, 80, 24, fakeKeys(60))
	press(m, "/")
	typeText(m, "billing")
	press(m, "enter", "f", "s", "s")
	commontest.Golden(t, m.View())
}

// A search that matches nothing says so whole, wrapped at 80 columns.
func TestListGoldenSearchNoMatch(t *testing.T) {
	m := testModel(t, 80, 24, fakeKeys(10))
	press(m, "/")
	typeText(m, "zzznomatch")
	press(m, "enter")
	v := commontest.Plain(m.View())
	commontest.Fits(t, m.View(), 80, 24)
	if !strings.Contains(strings.Join(strings.Fields(v), " "), "Press esc to clear the search, f to change the filter.") {
		t.Fatalf("the way out of an empty search is cut:\n%s", v)
	}
	commontest.Golden(t, m.View())
}

func TestListGoldenHostileName(t *testing.T) {
	keys := fakeKeys(3)
	keys[0].Name = "evil\x1b]52;c;cHduZWQ=\x07name\x1b[2J\x1b[31mred"
	m := testModel(t, 80, 24, keys)
	v := m.View()
	if strings.Contains(v, "\x1b]52") || strings.Contains(v, "\x1b[2J") {
		t.Fatal("escape sequence from a key name reached the screen")
	}
	commontest.Golden(t, v)
}

func detailsFixture(m *Model) {
	press(m, "enter")
	k := *m.detailsD().key()
	k.CreatedAt = commontest.Now.AddDate(0, 0, -120)
	k.Description = "Sends order confirmations"
	k.AllowedIPs = []string{} // with full_access: the high advice below
	k.Permissions = append(k.Permissions, "full_access")
	exp := commontest.Now.Add(5 * 24 * time.Hour)
	k.ExpiresAt = &exp
	k.Recommendations = []models.KeyRecommendation{
		{Code: models.RecAdminWithoutIPs, Severity: models.SeverityHigh, Message: "Holds full_access, yet any address may use it: add an IP allow-list.", Action: models.ActionSetAllowedIPs},
		{Code: models.RecRotationDue, Severity: models.SeverityMedium, Message: "120 days old and never rotated: rotate keys at least every 90 days.", Action: models.ActionRotate},
	}
	k.NeedsAttention = true
	m.applyKey(k)
	days := make([]models.DayUsage, 30)
	for i := range days {
		days[i] = models.DayUsage{Date: commontest.Now.AddDate(0, 0, i-29).Format("2006-01-02"), Requests: int64(100 + (i*37)%90), Errors: int64(i % 4)}
	}
	m.Update(detailsMsg{Result: res(m.detailsD().reqID), keyID: k.KeyID, v: models.APIKeyDetails{
		APIKey:     k,
		UsageByDay: days,
		TopEndpoints: []models.EndpointCount{
			{Endpoint: "POST /api/v1/emails/send", Count: 12000, AvgResponseTimeMS: 250},
			{Endpoint: "GET /api/v1/analytics/campaigns/{id}", Count: 3234, AvgResponseTimeMS: 150},
		},
	}})
	m.Update(securityMsg{Result: res(m.detailsD().reqID), keyID: k.KeyID, v: models.KeySecurity{
		KeyID: k.KeyID,
		AuditEvents: []models.AuditEvent{
			{ID: "ev2", Time: commontest.Now.Add(-2 * time.Hour), Action: "ip_violation", Actor: "system", IP: "192.0.2.9", Detail: "blocked"},
			{ID: "ev1", Time: commontest.Now.AddDate(0, 0, -120), Action: "created", Actor: "admin@acme.test"},
		},
		RecentIPs: []models.KeyIP{{IP: "203.0.113.7", LastSeen: commontest.Now.Add(-time.Hour), Requests: 1234}},
	}})
}

func TestDetailsGolden(t *testing.T) {
	m := testModel(t, 160, 48, fakeKeys(10))
	detailsFixture(m)
	commontest.Golden(t, m.View())
}

func TestDetailsGolden80x24Scrolled(t *testing.T) {
	m := testModel(t, 80, 24, fakeKeys(10))
	detailsFixture(m)
	press(m, "pgdown")
	commontest.Golden(t, m.View())
}

func TestWizardGoldenSteps(t *testing.T) {
	for _, size := range commontest.Sizes {
		m := testModel(t, size[0], size[1], fakeKeys(5))
		press(m, "n")
		typeText(m, "Checkout service")
		for step := 1; step <= 4; step++ {
			t.Run(fmt.Sprintf("%dx%d_step%d", size[0], size[1], step), func(t *testing.T) {
				commontest.Golden(t, m.View())
			})
			if step == 3 {
				press(m, "down") // 30 days, to show the date in step 4's summary
			}
			if step < 4 {
				press(m, "enter")
			}
		}
	}
}

func TestWizardGoldenDeveloperAndErrors(t *testing.T) {
	m := testModel(t, 100, 40, fakeKeys(5))
	m.ctx.Me.Role, m.ctx.Me.CanGrantAdmin = models.RoleDeveloper, false
	press(m, "n")
	press(m, "enter") // name empty: stays on step 1 with the message
	t.Run("name_required", func(t *testing.T) { commontest.Golden(t, m.View()) })
	typeText(m, "ok name")
	press(m, "enter", "r", "up", "up", "space") // last entry is admin-only
	t.Run("perms_developer", func(t *testing.T) { commontest.Golden(t, m.View()) })
}

func TestShowOnceGolden(t *testing.T) {
	m := testModel(t, 100, 30, fakeKeys(5))
	press(m, "n")
	typeText(m, "Checkout")
	press(m, "enter", "enter", "enter")
	submitAs(t, m, 42)
	created := models.CreatedAPIKey{APIKey: models.APIKey{KeyID: "key_new", Name: "Checkout", Permissions: models.PresetEmailSending, MaskedKey: "pm_test_000…FAKE", Status: models.KeyActive, CreatedAt: commontest.Now}}
	m.Update(createdMsg{Result: res(42), created: created, plaintext: common.NewSecret(fakePlaintext)})
	v := commontest.Plain(m.View())
	if !strings.Contains(v, fakePlaintext) {
		t.Fatal("show-once modal does not show the key")
	}
	commontest.Golden(t, m.View())
	press(m, "enter")
	t.Run("confirm_close", func(t *testing.T) { commontest.Golden(t, m.View()) })
}

func TestRotateRevokeGolden(t *testing.T) {
	m := testModel(t, 80, 24, fakeKeys(5))
	press(m, "R")
	t.Run("rotate", func(t *testing.T) { commontest.Golden(t, m.View()) })
	press(m, "esc", "D")
	typeText(m, "Produc")
	t.Run("revoke", func(t *testing.T) { commontest.Golden(t, m.View()) })
	press(m, "esc", "j", "j", "j", "j", "D") // key 4 is revoked already
	t.Run("already_revoked", func(t *testing.T) { commontest.Golden(t, m.View()) })
}

func TestEditDiffGolden(t *testing.T) {
	m := testModel(t, 100, 30, fakeKeys(5))
	press(m, "e")
	typeText(m, " v2")
	press(m, "enter", "a", "enter", "down", "enter", "enter")
	if m.wiz() == nil || !m.wiz().Confirming() {
		t.Fatal("diff not shown")
	}
	commontest.Golden(t, m.View())
}

func TestDetailsShowFreshUsage(t *testing.T) {
	m := testModel(t, 80, 24, fakeKeys(3))
	m.ctx.Client = commontest.Unreachable()
	press(m, "j") // key 1: never used, in the stale list
	if m.current().LastUsed != nil {
		t.Fatal("fixture: key 1 should be unused")
	}
	cmd := press(m, "enter")
	if cmd == nil || m.detailsD() == nil {
		t.Fatal("opening details fetched nothing")
	}
	fresh := *m.current()
	lu := commontest.Now.Add(-2 * time.Minute)
	fresh.LastUsed, fresh.RequestCount = &lu, 4242
	m.Update(detailsMsg{Result: res(m.detailsD().reqID), keyID: fresh.KeyID, v: models.APIKeyDetails{APIKey: fresh}})
	v := commontest.Plain(m.View())
	if !strings.Contains(v, "requests 4,242") || !strings.Contains(v, "2 min") {
		t.Fatalf("details show the stale list copy:\n%s", v)
	}
	if m.all[m.byID[fresh.KeyID]].RequestCount != 4242 {
		t.Fatal("list row not brought up to date")
	}
}

func TestDetailsRefreshOnPoll(t *testing.T) {
	m := testModel(t, 80, 24, fakeKeys(3))
	m.ctx.Client = commontest.Unreachable()
	press(m, "enter")
	before := m.detailsD().reqID
	later := commontest.Now.Add(time.Hour)
	m.ctx.Now = func() time.Time { return later }
	if cmd := m.Update(common.TickMsg{Now: later}); cmd == nil {
		t.Fatal("poll not due")
	}
	if m.detailsD().reqID == before {
		t.Fatal("details not refreshed on the keys poll")
	}
	// Between polls nothing is fetched.
	again := m.detailsD().reqID
	m.Update(common.TickMsg{Now: later})
	if m.detailsD().reqID != again {
		t.Fatal("details refetched on a tick that was not a poll")
	}
}

func TestKeyCountPlural(t *testing.T) {
	m := testModel(t, 80, 24, fakeKeys(1))
	if v := commontest.Plain(m.View()); !strings.Contains(v, "1 key ·") {
		t.Fatalf("title: %s", strings.SplitN(v, "\n", 2)[0])
	}
	if keyCount(10000) != "10,000 keys" || keyCount(0) != "0 keys" {
		t.Fatal(keyCount(10000), keyCount(0))
	}
}

func TestForbiddenWordsUseLateRole(t *testing.T) {
	m := testModel(t, 80, 24, nil)
	m.ctx.Me = models.Me{} // identity not loaded yet
	m.loaded = false       // and the first list is refused
	id := m.poller.Force()
	m.Update(keysLoadedMsg{Result: res(id), err: httpErr(403, &models.Problem{Status: 403}, 0)})
	m.ctx.Me.Role = models.RoleMember // /me answers later
	if v := commontest.Plain(m.View()); strings.Contains(v, "0 keys") {
		t.Fatalf("a refused list claims a count:\n%s", v)
	}
	if r := m.blocked(m.ctx.Now()); !strings.Contains(r, "(member)") {
		t.Fatalf("blocked reason %q", r)
	}
	if hasHelp(m, "n") {
		t.Fatal("help advertises create while forbidden")
	}
	// The role changes on the server: the list works again and so do actions.
	m.ctx.Me.Role, m.ctx.Me.CanManageKeys = models.RoleDeveloper, true
	id = m.poller.Force()
	m.Update(keysLoadedMsg{Result: res(id), pages: [][]models.APIKey{fakeKeys(2)}})
	if r := m.blocked(m.ctx.Now()); r != "" {
		t.Fatalf("still blocked: %q", r)
	}
}

func TestDurationsRoundSensibly(t *testing.T) {
	cases := []struct {
		d           time.Duration
		long, short string
	}{
		{time.Hour - time.Second, "1 h", "1h"},
		{59 * time.Minute, "59 min", "59m"},
		{23*time.Hour + 10*time.Minute, "23 h", "23h"},
		{24*time.Hour - 2*time.Second, "24 h", "24h"},
		{47 * time.Hour, "47 h", "47h"},
		{7*24*time.Hour - time.Minute, "7 d", "7d"},
		{30 * time.Second, "30 s", "30s"},
		{-time.Second, "0 s", "0s"},
	}
	for _, c := range cases {
		if got := common.ShortDur(c.d); got != c.long {
			t.Errorf("common.ShortDur(%v) = %q, want %q", c.d, got, c.long)
		}
		if got := common.CompactDur(c.d); got != c.short {
			t.Errorf("common.CompactDur(%v) = %q, want %q", c.d, got, c.short)
		}
	}
}

// Countdowns never promise more time than is left once they count days.
func TestCountdownsRoundDaysDown(t *testing.T) {
	for d, want := range map[time.Duration]string{
		60*time.Hour + 56*time.Minute: "2 d",
		71 * time.Hour:                "2 d",
		72 * time.Hour:                "3 d",
		47 * time.Hour:                "47 h",
		time.Hour - time.Second:       "1 h",
	} {
		if got := common.Countdown(d); got != want {
			t.Errorf("Countdown(%v) = %q, want %q", d, got, want)
		}
	}
	k := fakeKeys(1)[0]
	exp := commontest.Now.Add(60*time.Hour + 56*time.Minute)
	k.ExpiresAt = &exp
	if got, _ := common.KeyStatusText(&k, commontest.Now); got != "expires in 2 d" {
		t.Errorf("status %q, want expires in 2 d", got)
	}
}

func TestListGraceFitsAt80(t *testing.T) {
	keys := fakeKeys(3)
	exp := commontest.Now.Add(59 * time.Minute)
	keys[1].ExpiresAt, keys[1].ReplacedBy = &exp, keys[0].KeyID
	m := testModel(t, 80, 24, keys)
	v := commontest.Plain(m.View())
	if !strings.Contains(v, "rot 59m") || strings.Contains(v, "expires in 5") {
		t.Fatalf("grace countdown does not fit the status column:\n%s", v)
	}
	// Details have room for the long form.
	press(m, "j", "enter")
	if !strings.Contains(commontest.Plain(m.View()), "expires in 59 min") {
		t.Fatal("details lost the long countdown")
	}
}
