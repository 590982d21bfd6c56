package keys

import (
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/penguinmails/pmdev/client"
	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
	"github.com/penguinmails/pmdev/tui/common/commontest"
)

// flat is the plain view with every run of whitespace made one space, so a
// sentence wrapped inside a dialog can be matched whole.
func flat(m *Model) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(commontest.Plain(m.View()), "│", " ")), " ")
}

func TestWizardPermsVimKeys(t *testing.T) {
	m := testModel(t, 80, 24, fakeKeys(3))
	press(m, "n")
	typeText(m, "jk") // the name input takes j and k as text
	if got := m.wiz().Name(); got != "jk" {
		t.Fatalf("name %q: j/k must type into a focused input", got)
	}
	press(m, "enter")
	if m.wiz().Step() != stepPerms || m.wiz().PermCursor() != 0 {
		t.Fatalf("step %d cursor %d", m.wiz().Step(), m.wiz().PermCursor())
	}
	press(m, "j", "j")
	if m.wiz().PermCursor() != 2 {
		t.Fatalf("j: cursor %d, want 2", m.wiz().PermCursor())
	}
	press(m, "k")
	if m.wiz().PermCursor() != 1 {
		t.Fatalf("k: cursor %d, want 1", m.wiz().PermCursor())
	}
}

// developerPerms opens step 2 of the wizard as a developer at w×h.
func developerPerms(t *testing.T, w, h int) *Model {
	t.Helper()
	m := testModel(t, w, h, fakeKeys(3))
	m.ctx.Me.Role, m.ctx.Me.CanGrantAdmin = models.RoleDeveloper, false
	press(m, "n")
	typeText(m, "ok")
	press(m, "enter")
	return m
}

func TestWizardAdminRowsAtEverySize(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {100, 40}, {160, 48}} {
		m := developerPerms(t, size[0], size[1])
		v := commontest.Plain(m.View())
		for _, label := range []string{"Manage API keys — admin only", "Manage billing — admin only", "Full account access — admin only", "Admin (dangerous)", "your role: developer"} {
			if !strings.Contains(strings.Join(strings.Fields(v), " "), label) {
				t.Fatalf("%dx%d: %q missing:\n%s", size[0], size[1], label, v)
			}
		}
		if n := len(strings.Split(v, "\n")); n > size[1] {
			t.Fatalf("%dx%d: %d lines", size[0], size[1], n)
		}
	}
}

func TestWizardPermsScrollKeepsHeading(t *testing.T) {
	m := developerPerms(t, 80, 24)
	press(m, "j", "j", "j", "j", "j", "j", "j", "j", "j", "j", "j", "j") // down to Inbox
	lines := strings.Split(commontest.Plain(m.View()), "\n")
	// Line 4 is the first of the list (title, steps, blank, presets come first).
	if !slices.Contains(models.PermissionCategories, strings.TrimSpace(lines[4])) {
		t.Fatalf("scrolled list starts with %q, not a category heading", lines[4])
	}
	if !strings.Contains(strings.Join(lines, "\n"), "▸ ☐ Read inbox") {
		t.Fatalf("cursor row not visible:\n%s", strings.Join(lines, "\n"))
	}
	if !strings.Contains(strings.Join(lines, "\n"), "Full account access — admin only") {
		t.Fatal("admin rows scrolled away")
	}
	t.Run("developer_80x24", func(t *testing.T) { commontest.Golden(t, m.View()) })
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
		if got := shortDur(c.d); got != c.long {
			t.Errorf("shortDur(%v) = %q, want %q", c.d, got, c.long)
		}
		if got := compactDur(c.d); got != c.short {
			t.Errorf("compactDur(%v) = %q, want %q", c.d, got, c.short)
		}
	}
}

func TestRotateOneHourGraceSaysOneHour(t *testing.T) {
	m := testModel(t, 80, 24, fakeKeys(5))
	m.ctx.Client = client.New(client.Options{BaseURL: "http://127.0.0.1:1"})
	id := m.current().KeyID
	press(m, "R", "up") // 1 hour
	if graceChoices[m.rotateD().choice].hours != 1 {
		t.Fatal("grace choice")
	}
	m.Update(keyMsg("enter"))
	// The server stamped the expiry a moment before the console reads its clock.
	exp := commontest.Now.Add(time.Hour - 800*time.Millisecond)
	m.Update(createdMsg{Result: res(m.rotateD().reqID), rotated: id, plaintext: secret{fakePlaintext},
		created: models.CreatedAPIKey{APIKey: models.APIKey{KeyID: "key_rot", Name: "rot", Status: models.KeyActive, CreatedAt: commontest.Now}, OldKeyID: id, OldKeyExpiresAt: &exp}})
	if m.onceD() == nil || m.onceD().oldExpiry != "The old key expires in 1 h." {
		t.Fatalf("old key note %q", m.onceD().oldExpiry)
	}
}

func TestListGraceFitsAt80(t *testing.T) {
	keys := fakeKeys(3)
	exp := commontest.Now.Add(59 * time.Minute)
	keys[1].ExpiresAt, keys[1].ReplacedBy = &exp, keys[0].KeyID
	m := testModel(t, 80, 24, keys)
	v := commontest.Plain(m.View())
	if !strings.Contains(v, "exp 59m") || strings.Contains(v, "expires in 5") {
		t.Fatalf("grace countdown does not fit the status column:\n%s", v)
	}
	// Details have room for the long form.
	press(m, "j", "enter")
	if !strings.Contains(commontest.Plain(m.View()), "expires in 59 min") {
		t.Fatal("details lost the long countdown")
	}
}

func TestClosingShowOnceReplacesCopiedNotice(t *testing.T) {
	m := testModel(t, 80, 24, fakeKeys(3))
	submitWizard(t, m)
	created := models.CreatedAPIKey{APIKey: models.APIKey{KeyID: "key_new", Name: "Kept name", Status: models.KeyActive, CreatedAt: commontest.Now}}
	m.Update(createdMsg{Result: res(7), created: created, plaintext: secret{fakePlaintext}})
	commontest.Collect(m.Update(keyMsg("c")))
	press(m, "enter")
	var status string
	for _, msg := range commontest.Collect(m.Update(keyMsg("y"))) {
		if s, ok := msg.(common.StatusMsg); ok {
			status = s.Text
		}
	}
	if m.onceD() != nil || !strings.Contains(status, "will not be shown again") || strings.Contains(status, "copied") {
		t.Fatalf("status after close %q", status)
	}
}

// rotatedPair is a list where key 1 was rotated into key 0 and is in its
// grace period until 18:20 (the fixed clock says 14:30).
func rotatedPair(t *testing.T) (*Model, string, string) {
	keys := fakeKeys(5)
	exp := commontest.Now.Add(3*time.Hour + 50*time.Minute)
	keys[1].ExpiresAt, keys[1].ReplacedBy = &exp, keys[0].KeyID
	m := testModel(t, 80, 24, keys)
	m.ctx.Client = client.New(client.Options{BaseURL: "http://127.0.0.1:1"})
	return m, keys[0].KeyID, keys[1].KeyID
}

func revokeMsgFor(msgs []tea.Msg) (revokedMsg, bool) {
	for _, msg := range msgs {
		if r, ok := msg.(revokedMsg); ok {
			return r, true
		}
	}
	return revokedMsg{}, false
}

func TestRevokeOffersPreviousKey(t *testing.T) {
	m, newID, oldID := rotatedPair(t)
	name := m.current().Name
	press(m, "D")
	want := "The previous key " + m.all[m.byID[oldID]].MaskedKey + " stays valid until 18:20 (rotation grace); revoke it too?"
	if v := flat(m); !strings.Contains(v, want) || !strings.Contains(v, "☑ Yes, revoke both keys") {
		t.Fatalf("dialog does not offer the previous key:\n%s", commontest.Plain(m.View()))
	}
	t.Run("dialog", func(t *testing.T) { commontest.Golden(t, m.View()) })
	typeText(m, name)
	first := m.Update(keyMsg("enter"))
	if r, ok := revokeMsgFor(commontest.Collect(first)); !ok || r.keyID != newID {
		t.Fatalf("first DELETE is not for the new key: %+v", r)
	}
	m.Update(revokedMsg{Result: res(m.revokeD().reqID), keyID: newID, res: models.RevokeResult{KeyID: newID, RevokedAt: commontest.Now}})
	if m.revokeD() == nil || !m.revokeD().onPrev || m.all[m.byID[newID]].Status != models.KeyRevoked {
		t.Fatal("no second DELETE pending after the first succeeded")
	}
	// The pending command is the second DELETE; run it against the dead address to see its target.
	m.revokeD().reqID = m.nextID()
	r, ok := revokeMsgFor(commontest.Collect(revokeKey(m.ctx.Client, m.revokeD().reqID, m.revokeD().prev.keyID)))
	if !ok || r.keyID != oldID {
		t.Fatalf("second DELETE target %q", r.keyID)
	}
	m.Update(revokedMsg{Result: res(m.revokeD().reqID), keyID: oldID, res: models.RevokeResult{KeyID: oldID, RevokedAt: commontest.Now}})
	if m.revokeD() != nil || m.all[m.byID[oldID]].Status != models.KeyRevoked {
		t.Fatal("previous key not revoked")
	}
	if !strings.Contains(m.notice, "previous key") || m.noticeErr {
		t.Fatalf("notice %q", m.notice)
	}
}

func TestRevokeSecondRequestIsForOldKey(t *testing.T) {
	m, newID, oldID := rotatedPair(t)
	press(m, "D")
	typeText(m, m.current().Name)
	m.Update(keyMsg("enter"))
	cmd := m.Update(revokedMsg{Result: res(m.revokeD().reqID), keyID: newID, res: models.RevokeResult{KeyID: newID, RevokedAt: commontest.Now}})
	r, ok := revokeMsgFor(commontest.Collect(cmd))
	if !ok || r.keyID != oldID || r.ReqID != m.revokeD().reqID {
		t.Fatalf("after the first DELETE: %+v", r)
	}
	// A failure of the second leaves the first revoked and says the old key still works.
	m.Update(r) // connection refused
	if m.revokeD() != nil || !m.noticeErr || !strings.Contains(m.notice, "still valid") {
		t.Fatalf("notice %q", m.notice)
	}
	if m.all[m.byID[oldID]].Status != models.KeyActive {
		t.Fatal("old key marked revoked though its DELETE failed")
	}
}

func TestRevokeOnlyNewKeyWithTab(t *testing.T) {
	m, newID, oldID := rotatedPair(t)
	press(m, "D", "tab")
	if m.revokeD().alsoPrev || !strings.Contains(flat(m), "keep the previous key") {
		t.Fatal("tab did not switch to this key only")
	}
	typeText(m, m.current().Name)
	m.Update(keyMsg("enter"))
	if cmd := m.Update(revokedMsg{Result: res(m.revokeD().reqID), keyID: newID, res: models.RevokeResult{KeyID: newID, RevokedAt: commontest.Now}}); m.revokeD() != nil {
		t.Fatalf("dialog still open: %v", cmd)
	}
	if m.all[m.byID[oldID]].Status != models.KeyActive {
		t.Fatal("old key revoked though the user chose this key only")
	}
}

func TestRevokeWithoutPreviousKeyHasNoOffer(t *testing.T) {
	m := testModel(t, 80, 24, fakeKeys(5))
	press(m, "D")
	if m.revokeD().prev != nil || strings.Contains(flat(m), "previous key") {
		t.Fatal("offer shown for a key that replaced nothing")
	}
}

func TestDetailsShowFreshUsage(t *testing.T) {
	m := testModel(t, 80, 24, fakeKeys(3))
	m.ctx.Client = client.New(client.Options{BaseURL: "http://127.0.0.1:1"})
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
	m.Update(detailsMsg{Result: res(m.detailsD().reqID), keyID: fresh.KeyID, details: models.APIKeyDetails{APIKey: fresh}})
	v := commontest.Plain(m.View())
	if !strings.Contains(v, "Requests 4,242") || !strings.Contains(v, "2 min") {
		t.Fatalf("details show the stale list copy:\n%s", v)
	}
	if m.all[m.byID[fresh.KeyID]].RequestCount != 4242 {
		t.Fatal("list row not brought up to date")
	}
}

func TestDetailsRefreshOnPoll(t *testing.T) {
	m := testModel(t, 80, 24, fakeKeys(3))
	m.ctx.Client = client.New(client.Options{BaseURL: "http://127.0.0.1:1"})
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
