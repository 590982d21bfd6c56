package keys

import (
	"fmt"
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
	return permsStep(t, w, h, func(m *Model) { m.ctx.Me.Role, m.ctx.Me.CanGrantAdmin = models.RoleDeveloper, false })
}

// permsStep opens the wizard at its permissions step, after setup.
func permsStep(t *testing.T, w, h int, setup func(*Model)) *Model {
	t.Helper()
	m := testModel(t, w, h, fakeKeys(3))
	setup(m)
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
	// Line 4 says what is scrolled away above (title, steps, blank, presets
	// come first); line 5 is the first of the list.
	if !strings.Contains(lines[4], "more above") {
		t.Fatalf("scrolled list does not say what is above: %q", lines[4])
	}
	if !slices.Contains(models.PermissionCategories, strings.TrimSpace(lines[5])) {
		t.Fatalf("scrolled list starts with %q, not a category heading", lines[5])
	}
	if !strings.Contains(strings.Join(lines, "\n"), "▸ ☐ Read inbox") {
		t.Fatalf("cursor row not visible:\n%s", strings.Join(lines, "\n"))
	}
	if !strings.Contains(strings.Join(lines, "\n"), "Full account access — admin only") {
		t.Fatal("admin rows scrolled away")
	}
	t.Run("developer_80x24", func(t *testing.T) { commontest.Golden(t, m.View()) })
}

// In two columns a category stays whole: the second column opens on a
// heading, and every entry sits in its heading's column.
func TestWizardPermsColumnsKeepCategoriesWhole(t *testing.T) {
	m := permsStep(t, 120, 30, func(*Model) {})
	v := commontest.Plain(m.View())
	var right []string
	for _, l := range strings.Split(v, "\n")[4:] { // title, steps, blank, presets
		if r := []rune(l); len(r) > 60 && strings.TrimSpace(string(r[60:])) != "" {
			right = append(right, strings.TrimSpace(string(r[60:])))
		}
	}
	if len(right) == 0 {
		t.Fatalf("no second column at 120x30:\n%s", v)
	}
	if !slices.Contains(models.PermissionCategories, right[0]) {
		t.Fatalf("second column opens on %q, not a category heading:\n%s", right[0], v)
	}
	commontest.Golden(t, m.View())
}

// Scrolled to the end, the list says above it what is hidden there and
// fills the rows the step has.
func TestWizardPermsMarkerAboveAndRowsUsed(t *testing.T) {
	m := permsStep(t, 80, 24, func(*Model) {})
	for range len(models.PermissionCatalogue()) - 1 {
		press(m, "down")
	}
	v := commontest.Plain(m.View())
	lines := strings.Split(v, "\n")
	if !strings.Contains(lines[4], "⋮") || !strings.Contains(lines[4], "more above") {
		t.Fatalf("line 4 is %q, not the marker of what is above:\n%s", lines[4], v)
	}
	cur := slices.IndexFunc(lines, func(l string) bool { return strings.Contains(l, "▸ ☐ Full account access") })
	if cur < 0 || strings.Contains(lines[cur+1], "more") {
		t.Fatalf("the last entry is not the list's last row:\n%s", v)
	}
	if len(lines) != 24 || slices.Contains(lines[4:cur], "") {
		t.Fatalf("%d lines, want the list to fill all 24:\n%s", len(lines), v)
	}
	commontest.Golden(t, m.View())
}

// An empty field the user has not typed in yet shows no error; typing or
// trying to go on shows it.
func TestWizardErrorsWaitForTheUser(t *testing.T) {
	for _, tc := range []struct {
		name, want string
		open       func(m *Model)
		then       []string // keys that make the error due
	}{
		{"allow-list", "Enter at least one IP address or CIDR range", func(m *Model) { press(m, "i") }, []string{"enter"}},
		{"allow-list typed and cleared", "Enter at least one IP address or CIDR range", func(m *Model) { press(m, "i") }, []string{"1", "backspace"}},
		{"custom date", "Enter a date as YYYY-MM-DD", func(m *Model) {
			press(m, "n")
			typeText(m, "k")
			press(m, "enter", "enter", "up") // custom date is the last choice
		}, []string{"enter"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := testModel(t, 80, 24, fakeKeys(3))
			tc.open(m)
			if m.wiz() == nil {
				t.Fatal("no form open")
			}
			if v := flat(m); strings.Contains(v, tc.want) {
				t.Fatalf("error shown before any typing:\n%s", v)
			}
			press(m, tc.then...)
			if v := flat(m); !strings.Contains(v, "✗ "+tc.want) {
				t.Fatalf("error not shown after %v:\n%s", tc.then, v)
			}
		})
	}
}

// t on a key that never expires suggests 90 days for a live key only.
func TestExpiryPreselectsOnlyForLiveKeys(t *testing.T) {
	for _, tc := range []struct {
		name string
		row  int // fakeKeys: 0 live, 7 test, neither expiring
		want string
	}{
		{"live", 0, "◉ 90 days"},
		{"test", 7, "◉ Never expire"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := testModel(t, 80, 24, fakeKeys(10))
			k := m.all[m.byID[fmt.Sprintf("key_%06d", tc.row)]]
			m.list.Select(m.rowOf(k.KeyID), m.listHeight())
			press(m, "t")
			if m.wiz() == nil {
				t.Fatal("no expiry form")
			}
			if v := flat(m); !strings.Contains(v, tc.want) {
				t.Fatalf("%s key: want %q chosen:\n%s", k.Environment, tc.want, v)
			}
		})
	}
}
