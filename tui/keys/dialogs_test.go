package keys

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
	"github.com/penguinmails/pmdev/tui/common/commontest"
)

// helpKeys lists the key labels the help line would show.
func helpKeys(m *Model) []string {
	var out []string
	for _, b := range m.KeyMap().ShortHelp() {
		if b.Enabled() {
			out = append(out, b.Help().Key)
		}
	}
	return out
}

func hasHelp(m *Model, k string) bool {
	for _, h := range helpKeys(m) {
		if h == k {
			return true
		}
	}
	return false
}

func TestDialogHelpShowsEnterAndEsc(t *testing.T) {
	m := testModel(t, 80, 24, fakeKeys(5))
	press(m, "n")
	if !hasHelp(m, "enter") || !hasHelp(m, "esc") {
		t.Fatalf("wizard help %v lacks enter/esc", helpKeys(m))
	}
	press(m, "esc", "R")
	if !hasHelp(m, "enter") || !hasHelp(m, "esc") {
		t.Fatalf("rotate help %v lacks enter/esc", helpKeys(m))
	}
	press(m, "esc")
	m.Update(createdMsg{Result: res(0), plaintext: common.NewSecret(fakePlaintext)}) // dropped: no form
	submitWizard(t, m)
	m.Update(createdMsg{Result: res(7), plaintext: common.NewSecret(fakePlaintext), created: models.CreatedAPIKey{APIKey: models.APIKey{KeyID: "key_new", Name: "Kept name"}}})
	if m.onceD() == nil || !hasHelp(m, "enter") {
		t.Fatalf("show-once help %v lacks enter", helpKeys(m))
	}
}

func TestShowOnceCloseNeedsExplicitYes(t *testing.T) {
	m := testModel(t, 80, 24, fakeKeys(5))
	submitWizard(t, m)
	m.Update(createdMsg{Result: res(7), plaintext: common.NewSecret(fakePlaintext), created: models.CreatedAPIKey{APIKey: models.APIKey{KeyID: "key_new", Name: "Kept name"}}})
	// A user mashing enter through the wizard must not lose the key.
	press(m, "enter", "enter", "enter")
	if m.onceD() == nil || !m.onceD().askClose {
		t.Fatal("enter closed the show-once modal")
	}
	if !hasHelp(m, "y") || hasHelp(m, "c") {
		t.Fatalf("close prompt help %v", helpKeys(m))
	}
	press(m, "y")
	if m.onceD() != nil {
		t.Fatal("y did not close")
	}
}

// fits checks that a view is at most w×h and its dialog's bottom border shows.
func fits(t *testing.T, v string, w, h int) {
	t.Helper()
	if common.ClipBlock(v, w, h) != v { // clip changes only what overflows
		t.Fatalf("view exceeds %d×%d:\n%s", w, h, v)
	}
	if !strings.Contains(v, "╰") {
		t.Fatalf("dialog bottom cut off:\n%s", v)
	}
}

func TestRotateErrorFits80x24(t *testing.T) {
	m := testModel(t, 80, 20, fakeKeys(5)) // 80×24 minus the root's four lines
	m.ctx.Client = commontest.Unreachable()
	press(m, "R", "enter")
	long := "This key was already rotated; rotate its replacement (beb126b1-f882-454f-9da0-df3ef94580e3) instead"
	m.Update(createdMsg{Result: res(m.rotateD().Data.reqID), rotated: m.current().KeyID,
		err: httpErr(409, &models.Problem{Status: 409, Message: long}, 0)})
	v := commontest.Plain(m.View())
	fits(t, v, 80, 20)
	if !strings.Contains(strings.Join(strings.Fields(v), " "), "instead") {
		t.Fatalf("error cut off:\n%s", v)
	}
}

func TestRotateAlreadyReplacedKey(t *testing.T) {
	keys := fakeKeys(5)
	keys[0].ReplacedBy = "key_next"
	m := testModel(t, 80, 24, keys)
	press(m, "R")
	if m.rotateD() != nil || !strings.Contains(m.notice, "replacement") {
		t.Fatalf("rotate of a replaced key: modal %v notice %q", m.rotateD() != nil, m.notice)
	}
}

func TestShowOnceQuickStartNotCut(t *testing.T) {
	m := testModel(t, 80, 20, fakeKeys(3))
	submitWizard(t, m)
	long := "pm_test_" + strings.Repeat("x", 64) // wider than the dialog's command line
	m.Update(createdMsg{Result: res(7), plaintext: common.NewSecret(long), created: models.CreatedAPIKey{APIKey: models.APIKey{KeyID: "key_new", Name: "Kept name", Permissions: []string{"send_email"}}}})
	v := commontest.Plain(m.View())
	fits(t, v, 80, 20)
	for _, l := range strings.Split(v, "\n") {
		if (strings.Contains(l, "curl") || strings.Contains(l, "-H ") || strings.Contains(l, "-d ")) && strings.Contains(l, "…") {
			t.Fatalf("command line cut: %q", l)
		}
	}
	if !strings.Contains(v, "$PENGUINMAILS_API_KEY") || !strings.Contains(v, "Set PENGUINMAILS_API_KEY") {
		t.Fatalf("env-var quick start without a hint:\n%s", v)
	}
}

// The quick start shows a call the new key may make, or none: a read-only
// key must not be handed a send that the server refuses.
func TestShowOnceQuickStartFitsPermissions(t *testing.T) {
	for _, tc := range []struct {
		name  string
		perms []string
		want  string // "" for no quick start
	}{
		{"read only", models.PresetReadOnly, "curl http://127.0.0.1:1/api/v1/campaigns \\"},
		{"analytics only", []string{"read_analytics"}, "curl http://127.0.0.1:1/api/v1/analytics/campaigns/cmp_1001 \\"},
		{"sending", models.PresetEmailSending, "curl -X POST http://127.0.0.1:1/api/v1/emails/send \\"},
		{"full access", []string{"full_access"}, "curl -X POST http://127.0.0.1:1/api/v1/emails/send \\"},
		{"contacts", []string{"write_contacts"}, "curl -X POST http://127.0.0.1:1/api/v1/contacts \\"},
		{"no product call", []string{"manage_webhooks"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := testModel(t, 120, 40, fakeKeys(3))
			m.ctx.APIURL = "http://127.0.0.1:1"
			submitWizard(t, m)
			m.Update(createdMsg{Result: res(7), plaintext: common.NewSecret(fakePlaintext),
				created: models.CreatedAPIKey{APIKey: models.APIKey{KeyID: "key_new", Name: "K", Permissions: tc.perms}}})
			v := commontest.Plain(m.View())
			if tc.want == "" {
				if strings.Contains(v, "Quick start") || strings.Contains(v, "curl") {
					t.Fatalf("a key that may call no product route gets a quick start:\n%s", v)
				}
				return
			}
			if !strings.Contains(v, tc.want) {
				t.Fatalf("quick start lacks %q:\n%s", tc.want, v)
			}
			if !slices.Contains(tc.perms, "send_email") && !slices.Contains(tc.perms, "full_access") && strings.Contains(v, "emails/send") {
				t.Fatalf("quick start sends mail with a key that may not:\n%s", v)
			}
		})
	}
}

// rotateWith rotates the current one of five keys, moving the grace choice
// with move to one of hours, and answers as the server does: the old key
// expires after expires. It returns the old key's id.
func rotateWith(t *testing.T, move string, hours int, expires time.Duration) (*Model, string) {
	t.Helper()
	m := testModel(t, 80, 24, fakeKeys(5))
	m.ctx.Client = commontest.Unreachable()
	id := m.current().KeyID
	press(m, "R", move)
	if got := graceChoices[m.rotateD().Data.choice].hours; got != hours {
		t.Fatalf("grace choice %d h, want %d h", got, hours)
	}
	if cmd := m.Update(keyMsg("enter")); cmd == nil {
		t.Fatal("no rotate request")
	}
	exp := commontest.Now.Add(expires)
	m.Update(createdMsg{Result: res(m.rotateD().Data.reqID), rotated: id, plaintext: common.NewSecret(fakePlaintext),
		created: models.CreatedAPIKey{APIKey: models.APIKey{KeyID: "key_rot", Name: "rot", Status: models.KeyActive, CreatedAt: commontest.Now}, OldKeyID: id, OldKeyExpiresAt: &exp}})
	return m, id
}

func TestRotateOneHourGraceSaysOneHour(t *testing.T) {
	// The server stamped the expiry a moment before the console reads its clock.
	m, _ := rotateWith(t, "up", 1, time.Hour-800*time.Millisecond)
	if m.onceD() == nil || m.onceD().oldExpiry != "The old key expires in 1 h." {
		t.Fatalf("old key note %q", m.onceD().oldExpiry)
	}
}

func TestClosingShowOnceReplacesCopiedNotice(t *testing.T) {
	m := testModel(t, 80, 24, fakeKeys(3))
	submitWizard(t, m)
	created := models.CreatedAPIKey{APIKey: models.APIKey{KeyID: "key_new", Name: "Kept name", Status: models.KeyActive, CreatedAt: commontest.Now}}
	m.Update(createdMsg{Result: res(7), created: created, plaintext: common.NewSecret(fakePlaintext)})
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
	m.ctx.Client = commontest.Unreachable()
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

// TestShowOnceRemoteWritesNoFile: over SSH the working directory is the
// server's, so w must write nothing and the modal offers copying instead.
func TestShowOnceRemoteWritesNoFile(t *testing.T) {
	m := testModel(t, 80, 24, fakeKeys(3))
	m.ctx.Remote, m.ctx.Files = true, nil
	m.ctx.WorkDir = t.TempDir()
	submitWizard(t, m)
	created := models.CreatedAPIKey{APIKey: models.APIKey{KeyID: "key_new", Name: "Remote", Status: models.KeyActive, CreatedAt: commontest.Now}}
	m.Update(createdMsg{Result: res(7), created: created, plaintext: common.NewSecret(fakePlaintext)})
	if m.onceD() == nil {
		t.Fatal("no show-once modal")
	}
	v := commontest.Plain(m.View())
	if !strings.Contains(strings.Join(strings.Fields(strings.ReplaceAll(v, "│", " ")), " "), "c sends the key to your terminal's clipboard (OSC 52), which cannot confirm it arrived: paste it to check; files can't be written over SSH") {
		t.Fatalf("modal does not explain the remote case:\n%s", v)
	}
	if strings.Contains(v, "write .env") || strings.Contains(v, "w writes") {
		t.Fatalf("modal still offers .env:\n%s", v)
	}
	for _, b := range m.KeyMap().ShortHelp() {
		if b.Help().Key == "w" {
			t.Fatal("help line offers w over SSH")
		}
	}
	var status string
	for _, msg := range commontest.Collect(m.Update(keyMsg("w"))) {
		if s, ok := msg.(common.StatusMsg); ok {
			status = s.Text
		}
		m.Update(msg)
	}
	if !strings.Contains(status, "can't be written over SSH") {
		t.Fatalf("w over SSH: status %q", status)
	}
	if entries, _ := os.ReadDir(m.ctx.WorkDir); len(entries) > 0 {
		t.Fatalf("w over SSH wrote %s", entries[0].Name())
	}
	if m.onceD().askOverwrite || m.onceD().written {
		t.Fatal("w over SSH started a write")
	}
	if v, ok := commontest.Clipboard(commontest.Collect(m.Update(keyMsg("c")))...); !ok || v != fakePlaintext {
		t.Fatal("c must still copy over SSH")
	}
}

// The details of a revoked or expired key offer only what its status
// allows; the refusal stays for a key pressed anyway.
func TestDetailsOfferOnlyActionsTheStatusAllows(t *testing.T) {
	for _, tc := range []struct {
		name      string
		row       int // in fakeKeys(10), newest first
		offer     []string
		notOffer  []string
		refusedOn string
	}{
		{"active", 0, []string{"e", "R", "D"}, nil, ""},
		{"revoked", 4, nil, []string{"e", "R", "D"}, "R"},
		{"expired", 9, []string{"D"}, []string{"e", "R"}, "e"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := testModel(t, 160, 48, fakeKeys(10))
			m.list.Select(m.rowOf(fmt.Sprintf("key_%06d", tc.row)), m.listHeight())
			press(m, "enter")
			if m.detailsD() == nil {
				t.Fatal("details did not open")
			}
			hint := commontest.Plain(m.View())
			for _, k := range tc.offer {
				if !hasHelp(m, k) {
					t.Errorf("help lacks %s: %v", k, helpKeys(m))
				}
			}
			for _, k := range tc.notOffer {
				if hasHelp(m, k) {
					t.Errorf("help offers %s: %v", k, helpKeys(m))
				}
			}
			for _, word := range map[string]string{"e": "e edit", "R": "R rotate", "D": "D revoke"} {
				k := word[:1]
				if strings.Contains(hint, word) != slices.Contains(tc.offer, k) {
					t.Errorf("hint bar and help disagree on %q:\n%s", word, hint)
				}
			}
			if tc.refusedOn != "" {
				press(m, tc.refusedOn)
				if !strings.Contains(m.notice, "Only active keys") {
					t.Errorf("%s on a %s key not refused: %q", tc.refusedOn, tc.name, m.notice)
				}
			}
		})
	}
}
