package keys

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
	"github.com/penguinmails/pmdev/tui/common/commontest"
)

// helpText flattens short and full help into "key desc" lines.
func helpText(m *Model) (short, full []string) {
	h := m.KeyMap()
	for _, b := range h.ShortHelp() {
		short = append(short, b.Help().Key+" "+b.Help().Desc)
	}
	for _, g := range h.FullHelp() {
		for _, b := range g {
			full = append(full, b.Help().Key+" "+b.Help().Desc)
		}
	}
	return short, full
}

func offersAny(lines []string, descs ...string) string {
	for _, l := range lines {
		for _, d := range descs {
			if strings.HasSuffix(l, " "+d) {
				return l
			}
		}
	}
	return ""
}

var keyActions = []string{"new key", "edit", "rotate", "revoke"}

// A member cannot create, edit, rotate or revoke: neither help offers it.
func TestMemberHelpOffersNoKeyActions(t *testing.T) {
	m := testModel(t, 80, 24, fakeKeys(5))
	m.ctx.Me = models.Me{Email: "viewer@acme.test", Role: models.RoleMember}
	short, full := helpText(m)
	if l := offersAny(short, keyActions...); l != "" {
		t.Errorf("short help offers %q to a member: %v", l, short)
	}
	if l := offersAny(full, keyActions...); l != "" {
		t.Errorf("full help offers %q to a member: %v", l, full)
	}
	press(m, "enter")
	if m.detailsD() == nil {
		t.Fatal("enter did not open details")
	}
	short, _ = helpText(m)
	if l := offersAny(short, keyActions...); l != "" {
		t.Errorf("details help offers %q to a member: %v", l, short)
	}
	// An admin still sees them.
	m = testModel(t, 80, 24, fakeKeys(5))
	short, full = helpText(m)
	if offersAny(short, "new key") == "" || offersAny(full, "revoke") == "" {
		t.Errorf("admin lost key actions: %v / %v", short, full)
	}
}

// The list's and the details' help offer what the selected key's status
// allows: a revoked key nothing, an expired one revoke, a key rotated away
// no second rotation.
func TestHelpOffersWhatTheSelectedKeyAllows(t *testing.T) {
	keys := fakeKeys(4)
	keys[0].Status = models.KeyRevoked
	past := commontest.Now.Add(-time.Hour)
	keys[1].ExpiresAt = &past
	keys[2].ReplacedBy = keys[3].KeyID
	want := [][]string{nil, {"revoke"}, {"edit", "revoke"}, {"edit", "rotate", "revoke"}}
	m := testModel(t, 80, 24, keys)
	for i, k := range keys {
		m.list.Select(slices.IndexFunc(m.rows, func(r int) bool { return m.all[r].KeyID == k.KeyID }), m.listHeight())
		if m.current().KeyID != k.KeyID {
			t.Fatalf("key %d not selected (filter hides it?)", i)
		}
		short, _ := helpText(m)
		press(m, "enter")
		inDetails, _ := helpText(m)
		press(m, "esc")
		for _, where := range [][]string{short, inDetails} {
			var got []string
			for _, a := range []string{"edit", "rotate", "revoke"} {
				if offersAny(where, a) != "" {
					got = append(got, a)
				}
			}
			if !slices.Equal(got, want[i]) {
				t.Errorf("key %d (%s): help offers %v, want %v: %v", i, k.Status, got, want[i], where)
			}
		}
	}
}

// When the list itself is refused there is nothing to move over or act on.
func TestRefusedListOffersNothing(t *testing.T) {
	m := testModel(t, 80, 24, nil)
	m.loaded = false
	m.ctx.Me = models.Me{Email: "viewer@acme.test", Role: models.RoleMember}
	m.Update(keysLoadedMsg{Result: res(m.poller.Start()), err: httpErr(http.StatusForbidden,
		&models.Problem{Status: 403, Error: "insufficient_role"}, 0)})
	short, full := helpText(m)
	if len(short) != 0 || len(full) != 0 {
		t.Fatalf("help for a refused list: %v / %v", short, full)
	}
	v := commontest.Plain(m.View())
	if !strings.Contains(v, "cannot manage API keys") || !strings.Contains(v, "To get access") || strings.Contains(v, "retry") {
		t.Fatalf("refusal not explained with a way to get access:\n%s", v)
	}
}

func TestDialogHelpMatchesWorkingKeys(t *testing.T) {
	m := testModel(t, 80, 24, fakeKeys(5))
	press(m, "R")
	if m.rotateD() == nil {
		t.Fatal("no rotate dialog")
	}
	short, _ := helpText(m)
	joined := strings.Join(short, " · ")
	if strings.Contains(joined, "shift+tab") || !strings.Contains(joined, "↑/↓ grace period") {
		t.Fatalf("rotate help %q", joined)
	}
	// Every key the help names moves the choice.
	for _, k := range m.KeyMap().ShortHelp()[0].Keys() {
		before := m.rotateD().Data.choice
		press(m, k)
		if m.rotateD() == nil || m.rotateD().Data.choice == before {
			t.Fatalf("advertised key %q does not move the grace period", k)
		}
	}
	press(m, "esc")

	// An already revoked key: the dialog only closes, so help must not say "revoke".
	for i, k := range m.all {
		if k.Status == models.KeyRevoked {
			for r, idx := range m.rows {
				if idx == i {
					m.list.Select(r, m.listHeight())
				}
			}
			break
		}
	}
	if c := m.current(); c == nil || c.Status != models.KeyRevoked {
		t.Skip("fixture has no revoked key in view")
	}
	press(m, "D")
	if m.revokeD() == nil || !m.revokeD().already {
		t.Fatal("no already-revoked dialog")
	}
	short, _ = helpText(m)
	if l := offersAny(short, "revoke"); l != "" || offersAny(short, "close") == "" {
		t.Fatalf("already-revoked help %v", short)
	}
	for _, b := range m.KeyMap().ShortHelp() {
		if !key.Matches(keyMsg("enter"), b) && !key.Matches(keyMsg("esc"), b) {
			t.Fatalf("binding %v is not enter/esc", b.Keys())
		}
	}
}

// borderRows is where the modal's top and bottom borders are.
func borderRows(v string) (top, bottom int) {
	top, bottom = -1, -1
	for i, l := range strings.Split(commontest.Plain(v), "\n") {
		if strings.Contains(l, "╭") && top < 0 {
			top = i
		}
		if strings.Contains(l, "╰") {
			bottom = i
		}
	}
	return top, bottom
}

// The show-once modal keeps its place and size through copy and the close
// question: a re-centred modal moves every line, which the renderer turns
// into a region scroll (seen as a blank pane over SSH until a resize).
func TestShowOnceKeepsGeometryAcrossStates(t *testing.T) {
	for _, remote := range []bool{false, true} {
		for _, sz := range [][2]int{{160, 44}, {80, 20}} {
			m := testModel(t, sz[0], sz[1], fakeKeys(3))
			m.ctx.Remote = remote
			if remote {
				m.ctx.Files = nil
			}
			m.ctx.WorkDir = t.TempDir()
			submitWizard(t, m)
			m.Update(createdMsg{Result: res(7), plaintext: common.NewSecret(fakePlaintext),
				created: models.CreatedAPIKey{APIKey: models.APIKey{KeyID: "key_new", Name: "New", Status: models.KeyActive}}})
			if m.onceD() == nil {
				t.Fatal("no show-once modal")
			}
			t0, b0 := borderRows(m.View())
			press(m, "c")
			t1, b1 := borderRows(m.View())
			press(m, "enter")
			if !m.onceD().askClose {
				t.Fatal("enter did not ask to close")
			}
			v := m.View()
			t2, b2 := borderRows(v)
			if t0 < 0 || t0 != t1 || t1 != t2 || b0 != b1 || b1 != b2 {
				t.Errorf("remote=%v %v: borders move: %d/%d → %d/%d → %d/%d", remote, sz, t0, b0, t1, b1, t2, b2)
			}
			if !strings.Contains(commontest.Plain(v), "Close? y/n") {
				t.Errorf("close question not on screen:\n%s", commontest.Plain(v))
			}
		}
	}
}

// Dialog keys come from the key map: rebound, the dialogs answer to the new
// keys and their help names them.
func TestDialogKeysFollowRebinding(t *testing.T) {
	m := testModel(t, 80, 24, fakeKeys(5))
	if err := m.ctx.Keys.Rebind(map[string][]string{"dialog.cancel": {"ctrl+g"}, "dialog.down": {"down", "ctrl+n"}}); err != nil {
		t.Fatal(err)
	}
	press(m, "R")
	before := m.rotateD().Data.choice
	m.Update(tea.KeyPressMsg{Code: 'n', Mod: tea.ModCtrl})
	if m.rotateD().Data.choice == before {
		t.Fatal("the rebound down key does not move the grace period")
	}
	if short, _ := helpText(m); offersAny(short, "cancel") != "ctrl+g cancel" {
		t.Fatalf("rotate help %v", short)
	}
	press(m, "esc")
	if m.rotateD() == nil {
		t.Fatal("esc still cancels after cancel was rebound")
	}
	m.Update(tea.KeyPressMsg{Code: 'g', Mod: tea.ModCtrl})
	if m.rotateD() != nil {
		t.Fatal("the rebound cancel key does not close the dialog")
	}
}
