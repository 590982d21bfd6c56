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
	m.ctx.Client = commontest.Unreachable()
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
	m.Update(createdMsg{Result: res(7), plaintext: common.NewSecret(fakePlaintext), created: models.CreatedAPIKey{APIKey: models.APIKey{KeyID: "key_new", Name: "Kept name"}}})
	if m.onceD() == nil {
		t.Fatal("the new key was not shown")
	}

	m = testModel(t, 80, 24, fakeKeys(3))
	m.ctx.Client = commontest.Unreachable()
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
