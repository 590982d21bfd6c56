package keys

import (
	"strings"
	"testing"
	"time"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
	"github.com/penguinmails/pmdev/tui/common/commontest"
)

// Search finds what the row shows: the visible key prefix, a permission
// badge, the environment and the status, besides the name and id.
func TestSearchMatchesTheVisibleRow(t *testing.T) {
	keys := fakeKeys(12)
	keys[3].MaskedKey = "pm_live_PEu…x1y2"
	m := testModel(t, 120, 40, keys)
	for _, c := range []struct {
		q    string
		want func(k *models.APIKey) bool
	}{
		{"PEu", func(k *models.APIKey) bool { return k.MaskedKey == "pm_live_PEu…x1y2" }},
		{"send", func(k *models.APIKey) bool { return strings.Contains(strings.Join(k.Permissions, " "), "send") }},
		{"revoked", func(k *models.APIKey) bool { return k.Status == models.KeyRevoked }},
		{"live", func(k *models.APIKey) bool { return true }},
	} {
		m.search.SetValue(c.q)
		m.rebuild()
		if len(m.rows) == 0 {
			t.Fatalf("%q found nothing", c.q)
		}
		for _, r := range m.rows {
			if !c.want(&m.all[r]) {
				t.Errorf("%q matched %s (%s)", c.q, m.all[r].Name, m.all[r].MaskedKey)
			}
		}
	}
	m.search.SetValue("PEu")
	m.rebuild()
	commontest.Golden(t, m.View())
}

// rotatedNamesakes is a rotation as the server leaves it: the new key has
// the old one's name, and the old one works for 23 more hours.
func rotatedNamesakes(t *testing.T, w, h int) (*Model, *models.APIKey, *models.APIKey) {
	keys := fakeKeys(5)
	exp := commontest.Now.Add(23 * time.Hour)
	keys[1].Name, keys[1].ExpiresAt, keys[1].ReplacedBy = keys[0].Name, &exp, keys[0].KeyID
	m := testModel(t, w, h, keys)
	return m, &m.all[m.byID[keys[0].KeyID]], &m.all[m.byID[keys[1].KeyID]]
}

// After a rotation the two keys of one name are told apart in the list
// (old/new, "rotated · 23 h"), in the old key's details (rotated → the new
// key) and in the revoke dialog, which asks for the last four characters
// instead of a name that fits both.
func TestRotatedKeysToldApart(t *testing.T) {
	m, newKey, oldKey := rotatedNamesakes(t, 120, 40)
	v := commontest.Plain(m.View())
	for _, want := range []string{newKey.Name + " (new)", oldKey.Name + " (old)", "rotated · 23 h"} {
		if !strings.Contains(v, want) {
			t.Errorf("list lacks %q:\n%s", want, v)
		}
	}
	commontest.Golden(t, m.View())

	press(m, "j", "enter") // the old key
	d := commontest.Plain(m.View())
	if !strings.Contains(d, "Rotated      → "+newKey.MaskedKey+" (new), this key expires in 23 h") {
		t.Fatalf("old key's details:\n%s", d)
	}
	press(m, "esc", "k", "enter") // the new key
	if d := commontest.Plain(m.View()); !strings.Contains(d, "Replaces     "+oldKey.MaskedKey+" (old), working until") {
		t.Fatalf("new key's details:\n%s", d)
	}
	press(m, "esc")

	for _, k := range []*models.APIKey{newKey, oldKey} {
		m.list.Select(m.rowOf(k.KeyID), m.listHeight())
		press(m, "D")
		r := m.revokeD()
		if r == nil || r.confirmBy != lastFour(k.MaskedKey) || !strings.Contains(flat(m), "last four characters ("+lastFour(k.MaskedKey)+")") {
			t.Fatalf("revoke %s does not ask for its last four:\n%s", k.KeyID, commontest.Plain(m.View()))
		}
		typeText(m, k.Name)
		press(m, "enter")
		if !strings.Contains(m.revokeD().typed.Err, "last four") {
			t.Fatal("the shared name confirmed a revoke")
		}
		press(m, "esc")
	}
	// A key whose name is its own is still confirmed by its name.
	other := &m.all[m.rows[len(m.rows)-1]]
	m.list.Select(len(m.rows)-1, m.listHeight())
	if press(m, "D"); m.revokeD() != nil && m.revokeD().confirmBy != "" {
		t.Fatalf("%s asked for characters, not its name", other.Name)
	}
}

// For the first minutes after a rotation the list polls often, so the new
// key's usage shows as apps move to it, without r.
func TestRotationPollsSoon(t *testing.T) {
	m := testModel(t, 80, 24, fakeKeys(3))
	m.ctx.Client = commontest.Unreachable()
	m.ctx.Active = common.PaneKeys
	m.poller.Interval = m.ctx.Refresh.Keys
	m.poller.Done(m.poller.Start(), commontest.Now, nil)
	at := func(d time.Duration) bool {
		now := commontest.Now.Add(d)
		m.ctx.Now = func() time.Time { return now }
		cmd := m.load(false)
		if cmd != nil {
			m.poller.Done(m.poller.Start(), now, nil)
		}
		return cmd != nil
	}
	if at(6 * time.Second) {
		t.Fatal("polled before the 30 s interval without a rotation")
	}
	m.ctx.Now = func() time.Time { return commontest.Now }
	m.pollSoon()
	m.poller.Done(m.poller.Force(), commontest.Now, nil) // the fetch the rotation starts
	if !at(6*time.Second) || !at(12*time.Second) {
		t.Fatal("no poll every few seconds after a rotation")
	}
	if at(rotationWindow+10*time.Second) && at(rotationWindow+16*time.Second) {
		t.Fatal("still polling fast after the window")
	}
}

// rowOf is the list row of a key id.
func (m *Model) rowOf(id string) int {
	for i, r := range m.rows {
		if m.all[r].KeyID == id {
			return i
		}
	}
	return -1
}

// A key the live buckets show busy but the list lacks (created after the
// list was read: the simulator's) makes the list read again.
func TestBusyKeyMissingFromListRereads(t *testing.T) {
	m := testModel(t, 80, 24, fakeKeys(3))
	m.ctx.Client = commontest.Unreachable()
	m.ctx.Active = common.PaneKeys
	rl := models.RateLimits{At: commontest.Now, Keys: []models.KeyRateLimit{{KeyID: "key_new", RateLimitState: models.RateLimitState{Limit: 60, Burst: 500, Used: 3}}}}
	if m.Update(common.RateLimitsMsg{Data: rl, At: commontest.Now}) == nil {
		t.Fatal("no reread for a busy key the list lacks")
	}
	if m.Update(common.RateLimitsMsg{Data: rl, At: commontest.Now}) != nil {
		t.Fatal("reread again at once")
	}
}
