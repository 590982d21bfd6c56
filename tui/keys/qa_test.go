package keys

import (
	"slices"
	"strings"
	"testing"

	"github.com/penguinmails/pmdev/client"
	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
	"github.com/penguinmails/pmdev/tui/common/commontest"
)

// Regression tests for defects found driving the pane in tmux.

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
	m.Update(createdMsg{Result: res(0), plaintext: secret{fakePlaintext}}) // dropped: no form
	submitWizard(t, m)
	m.Update(createdMsg{Result: res(7), plaintext: secret{fakePlaintext}, created: models.CreatedAPIKey{APIKey: models.APIKey{KeyID: "key_new", Name: "Kept name"}}})
	if m.onceD() == nil || !hasHelp(m, "enter") {
		t.Fatalf("show-once help %v lacks enter", helpKeys(m))
	}
}

func TestShowOnceCloseNeedsExplicitYes(t *testing.T) {
	m := testModel(t, 80, 24, fakeKeys(5))
	submitWizard(t, m)
	m.Update(createdMsg{Result: res(7), plaintext: secret{fakePlaintext}, created: models.CreatedAPIKey{APIKey: models.APIKey{KeyID: "key_new", Name: "Kept name"}}})
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

func TestCustomDateBoxIndented(t *testing.T) {
	m := testModel(t, 80, 24, fakeKeys(5))
	press(m, "n")
	typeText(m, "k")
	press(m, "enter", "enter", "up") // custom date is the last choice
	typeText(m, "2031-01-02")
	v := commontest.Plain(m.View())
	for _, l := range strings.Split(v, "\n") {
		if strings.Contains(l, "2031-01-02") && !strings.HasPrefix(l, "    │") {
			t.Fatalf("date box line not indented: %q\n%s", l, v)
		}
		if strings.HasPrefix(l, "└") || strings.HasPrefix(l, "│") {
			t.Fatalf("box border at column 0:\n%s", v)
		}
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
	m.ctx.Client = client.New(client.Options{BaseURL: "http://127.0.0.1:1"})
	press(m, "R", "enter")
	long := "This key was already rotated; rotate its replacement (beb126b1-f882-454f-9da0-df3ef94580e3) instead"
	m.Update(createdMsg{Result: res(m.rotateD().reqID), rotated: m.current().KeyID,
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

func TestGrantRefusalStaysOnPermissions(t *testing.T) {
	m := testModel(t, 80, 24, fakeKeys(3))
	submitWizard(t, m)
	p := &models.Problem{Status: 403, Permission: "full_access", Message: "Only admins can grant the full_access permission"}
	m.Update(createdMsg{Result: res(7), err: httpErr(403, p, 0)})
	f := m.wiz()
	if f == nil || f.Step() != stepPerms || !strings.Contains(f.FieldErr("permissions"), "full_access") {
		t.Fatalf("form %v", f)
	}
	if r := m.blocked(m.ctx.Now()); r != "" {
		t.Fatalf("one refused grant disabled every action: %q", r)
	}
	if !strings.Contains(commontest.Plain(m.View()), "Only admins can grant") {
		t.Fatal("refusal not shown next to the permissions")
	}
}

func TestDeveloperMayRemoveAdminPermission(t *testing.T) {
	keys := fakeKeys(3)
	keys[0].Permissions = []string{"send_email", "full_access"}
	m := testModel(t, 80, 24, keys)
	m.ctx.Me.Role, m.ctx.Me.CanGrantAdmin = models.RoleDeveloper, false
	press(m, "e", "enter", "up", "space") // full_access is the last entry
	if slices.Contains(m.wiz().Selected(), "full_access") {
		t.Fatal("developer could not remove an admin permission")
	}
	press(m, "space")
	if slices.Contains(m.wiz().Selected(), "full_access") || !strings.Contains(m.wiz().Err(), "admin") {
		t.Fatal("developer re-granted an admin permission")
	}
}

func TestWizardMessagesClearAndWrap(t *testing.T) {
	m := testModel(t, 80, 24, fakeKeys(3))
	m.ctx.Me.Role, m.ctx.Me.CanGrantAdmin = models.RoleDeveloper, false
	press(m, "n")
	if v := commontest.Plain(m.View()); strings.Contains(v, "Name is required") {
		t.Fatal("fresh wizard shows an error before any typing")
	}
	typeText(m, "a/b")
	v := commontest.Plain(m.View())
	if !strings.Contains(strings.Join(strings.Fields(v), " "), "underscores and periods") {
		t.Fatalf("name error cut off:\n%s", v)
	}
	press(m, "backspace", "backspace", "backspace")
	if v := commontest.Plain(m.View()); !strings.Contains(v, "Name is required") {
		t.Fatal("cleared name shows no error")
	}
	typeText(m, "ok")
	press(m, "enter", "up", "space") // refused admin grant
	if m.wiz().Err() == "" {
		t.Fatal("no admin reason")
	}
	v = commontest.Plain(m.View())
	if !strings.Contains(strings.Join(strings.Fields(v), " "), "(your role: developer)") {
		t.Fatalf("admin reason cut off:\n%s", v)
	}
	press(m, "enter")
	if m.wiz().Step() != stepExpiry || m.wiz().Err() != "" {
		t.Fatalf("step %d kept %q", m.wiz().Step(), m.wiz().Err())
	}
}

func TestNetworkErrorOffersRetry(t *testing.T) {
	m := testModel(t, 80, 24, fakeKeys(3))
	m.ctx.Client = client.New(client.Options{BaseURL: "http://127.0.0.1:1"})
	submitWizard(t, m)
	m.Update(createdMsg{Result: res(7), err: &client.Error{Kind: client.KindNetwork, URL: "http://x", Message: "connection refused"}})
	if v := commontest.Plain(m.View()); !strings.Contains(v, "enter: try again") {
		t.Fatalf("no retry hint:\n%s", v)
	}
	if cmd := m.Update(keyMsg("enter")); cmd == nil || !m.wiz().Submitting() {
		t.Fatal("enter did not retry")
	}
}

func TestEscWhileSubmittingKeepsWaiting(t *testing.T) {
	m := testModel(t, 80, 24, fakeKeys(3))
	submitWizard(t, m)
	press(m, "esc")
	if m.wiz() == nil || !m.wiz().Submitting() {
		t.Fatal("esc abandoned a create whose key may already exist")
	}
	m.Update(createdMsg{Result: res(7), plaintext: secret{fakePlaintext}, created: models.CreatedAPIKey{APIKey: models.APIKey{KeyID: "key_new", Name: "Kept name"}}})
	if m.onceD() == nil {
		t.Fatal("the new key was not shown")
	}

	m = testModel(t, 80, 24, fakeKeys(3))
	m.ctx.Client = client.New(client.Options{BaseURL: "http://127.0.0.1:1"})
	id := m.current().KeyID
	press(m, "D")
	typeText(m, m.current().Name)
	press(m, "enter", "esc")
	if m.revokeD() == nil {
		t.Fatal("esc closed the revoke dialog while the request was in flight")
	}
	m.Update(revokedMsg{Result: res(m.revokeD().reqID), keyID: id, res: models.RevokeResult{KeyID: id, RevokedAt: commontest.Now}})
	if m.all[m.byID[id]].Status != models.KeyRevoked {
		t.Fatal("row not revoked")
	}
}

func TestShowOnceQuickStartNotCut(t *testing.T) {
	m := testModel(t, 80, 20, fakeKeys(3))
	submitWizard(t, m)
	long := "pm_test_" + strings.Repeat("x", 64) // wider than the dialog's command line
	m.Update(createdMsg{Result: res(7), plaintext: secret{long}, created: models.CreatedAPIKey{APIKey: models.APIKey{KeyID: "key_new", Name: "Kept name"}}})
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
