package keys

import (
	"strings"
	"testing"
	"time"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
	"github.com/penguinmails/pmdev/tui/common/commontest"
)

// rotatedNamesakes is a rotation as the server leaves it: the new key has
// the old one's name, and the old one works for 23 more hours.
func rotatedNamesakes(t *testing.T, w, h int) (*Model, *models.APIKey, *models.APIKey) {
	keys := fakeKeys(5)
	exp := commontest.Now.Add(23 * time.Hour)
	keys[1].Name, keys[1].ExpiresAt, keys[1].ReplacedBy = keys[0].Name, &exp, keys[0].KeyID
	m := testModel(t, w, h, keys)
	return m, &m.all[m.byID[keys[0].KeyID]], &m.all[m.byID[keys[1].KeyID]]
}

// In a narrow list the name is shortened, never the role that tells the
// two keys of a rotation apart.
func TestRotatedKeysToldApartWhenNamesAreCut(t *testing.T) {
	m, newKey, oldKey := rotatedNamesakes(t, 80, 24)
	newKey.Name = "Review Bot qjx7 webhook relay"
	oldKey.Name = newKey.Name
	m.rebuild()
	v := commontest.Plain(m.View())
	for _, want := range []string{"… (new)", "… (old)"} {
		if !strings.Contains(v, want) {
			t.Errorf("list lacks %q:\n%s", want, v)
		}
	}
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

// cockpitFixture opens the details of the new key of a rotation three
// hours in, the old key still busy (37 requests in the last hour).
func cockpitFixture(t *testing.T, w, h int, quiet bool) (*Model, models.KeyRotation) {
	t.Helper()
	keys := fakeKeys(10)
	now := commontest.Now
	rotated := now.Add(-3 * time.Hour)
	exp := rotated.Add(24 * time.Hour)
	keys[1].Name, keys[1].ExpiresAt, keys[1].ReplacedBy = keys[0].Name, &exp, keys[0].KeyID
	m := testModel(t, w, h, keys)
	press(m, "enter")
	oldUsed := now.Add(-3 * time.Minute)
	r := models.KeyRotation{OldKeyID: keys[1].KeyID, NewKeyID: keys[0].KeyID, RotatedAt: rotated, OldKeyExpiresAt: exp,
		GraceMaxExpiresAt: rotated.Add(168 * time.Hour), OldRequestsSinceRotation: 412, NewRequestsSinceRotation: 3120,
		OldRequestsLastHour: 37, OldLastUsedAt: &oldUsed, QuietPeriodSeconds: 3600,
		OldRecentIPs: []models.KeyIP{{IP: "198.51.100.23", LastSeen: oldUsed, Requests: 9120}, {IP: "203.0.113.9", LastSeen: now.Add(-2 * time.Hour), Requests: 12}}}
	if quiet {
		used := now.Add(-75 * time.Minute)
		r.OldRequestsLastHour, r.OldLastUsedAt, r.SafeToEndGrace = 0, &used, true
	}
	tr := models.RotationTraffic{BucketSeconds: 900}
	for i := range 13 {
		b := models.RotationBucket{T: rotated.Add(time.Duration(i) * 15 * time.Minute), New: int64(40 + 25*i)}
		b.Old = max(0, int64(90-8*i))
		tr.Buckets = append(tr.Buckets, b)
	}
	d := m.detailsD()
	m.Update(detailsMsg{Result: res(d.reqID), keyID: keys[0].KeyID, v: models.APIKeyDetails{APIKey: keys[0],
		UsageByDay: []models.DayUsage{}, TopEndpoints: []models.EndpointCount{}, Rotation: &r, RotationTraffic: &tr}})
	m.Update(securityMsg{Result: res(d.reqID), keyID: keys[0].KeyID, v: models.KeySecurity{KeyID: keys[0].KeyID}})
	return m, r
}

func TestCockpitGolden(t *testing.T) {
	commontest.EachSize(t, func(t *testing.T, w, h int) {
		m, _ := cockpitFixture(t, w, h, false)
		commontest.Fits(t, m.View(), w, h)
		commontest.Golden(t, m.View())
	})
}

// The cockpit says what a careful operator checks before cutting a key
// off, and its countdown follows the clock.
func TestCockpitTellsWhetherItIsSafe(t *testing.T) {
	m, _ := cockpitFixture(t, 160, 48, false)
	v := flat(m)
	for _, want := range []string{"Rotation in progress · this is the new key", "old key 412 · new key 3,120 requests",
		"37 requests in the last hour", "198.51.100.23", "Grace ends in 21 h 00 min", "⚠ not safe to end grace: the old key served 37 requests in the last hour",
		"■ new key", "+ extend grace · E end grace now"} {
		if !strings.Contains(v, want) {
			t.Errorf("cockpit lacks %q", want)
		}
	}
	later := commontest.Now.Add(90 * time.Minute)
	m.ctx.Now = func() time.Time { return later }
	if v := flat(m); !strings.Contains(v, "Grace ends in 19 h 30 min") {
		t.Error("the countdown does not follow the clock")
	}
	q, _ := cockpitFixture(t, 160, 48, true)
	if v := flat(q); !strings.Contains(v, "✓ safe to end grace: the old key served nothing for 1 h") {
		t.Error("a quiet old key is not called safe")
	}
}

// While a rotation shows, its picture is read again every few seconds.
func TestCockpitPollsWhileShown(t *testing.T) {
	m, _ := cockpitFixture(t, 80, 24, false)
	m.ctx.Client = commontest.Unreachable()
	m.poller.Done(m.poller.Start(), commontest.Now, nil) // the list is fresh
	m.detailsD().asked = commontest.Now
	asked := m.detailsD().reqID
	tick := func(d time.Duration) {
		now := commontest.Now.Add(d)
		m.ctx.Now = func() time.Time { return now }
		m.Update(common.TickMsg{Now: now})
	}
	tick(2 * time.Second)
	if m.detailsD().reqID != asked {
		t.Fatal("read again before the poll interval")
	}
	tick(rotationPoll)
	if m.detailsD().reqID == asked {
		t.Fatal("the cockpit is not read again")
	}
}

// "End grace now" asks first, saying what the old key still served; only
// y sends it, and the answer closes the question with a notice.
func TestEndGraceAsksWithLastHourTraffic(t *testing.T) {
	m, r := cockpitFixture(t, 80, 24, false)
	m.ctx.Client = commontest.Unreachable()
	press(m, "E")
	v := flat(m)
	if !strings.Contains(v, "End the grace period now?") || !strings.Contains(v, "In the last hour the old key served 37 requests, last 3 minutes ago from 198.51.100.23") {
		t.Fatalf("question: %s", v)
	}
	commontest.Golden(t, m.View())
	press(m, "enter") // not an answer: a cut-off needs y
	c := m.graceD()
	if c == nil || c.Busy {
		t.Fatal("enter ended the grace")
	}
	press(m, "n")
	if m.graceD() != nil {
		t.Fatal("n does not keep the grace")
	}
	press(m, "E")
	if cmd := m.Update(keyMsg("y")); cmd == nil || !m.graceD().Busy {
		t.Fatal("y sends nothing")
	}
	old := m.all[m.byID[r.OldKeyID]]
	old.Status, old.ExpiresAt = models.KeyExpired, &commontest.Now
	m.Update(graceMsg{Result: res(m.graceD().Data.reqID), old: old, ended: true})
	if m.graceD() != nil || !strings.Contains(m.notice, "Grace ended") || common.EffectiveKeyStatus(&m.all[m.byID[r.OldKeyID]], commontest.Now) != models.KeyExpired {
		t.Fatalf("after the answer: notice %q", m.notice)
	}
}

// Extending offers only what fits before the longest grace allowed, and a
// refusal stays in the question.
func TestExtendGraceOffersWhatFits(t *testing.T) {
	m, r := cockpitFixture(t, 80, 24, false)
	m.ctx.Client = commontest.Unreachable()
	d := m.detailsD()
	d.data.Rotation.GraceMaxExpiresAt = r.OldKeyExpiresAt.Add(30 * time.Hour)
	press(m, "+")
	c := m.graceD()
	if c == nil {
		t.Fatal("+ opens nothing")
	}
	var hours []int
	for _, o := range c.Data.opts {
		hours = append(hours, o.hours)
	}
	if len(hours) != 3 || hours[0] != 1 || hours[1] != 24 || hours[2] != 30 {
		t.Fatalf("choices %v, want 1, 24 and the 30 left", hours)
	}
	press(m, "down")
	if cmd := m.Update(keyMsg("enter")); cmd == nil {
		t.Fatal("enter sends nothing")
	}
	m.Update(graceMsg{Result: res(c.Data.reqID), err: httpErr(409, &models.Problem{Status: 409, Error: "not_in_grace", Message: "This key is not part of a rotation whose grace period is running."}, 0)})
	if c := m.graceD(); c == nil || !strings.Contains(c.Err, "not part of a rotation") {
		t.Fatal("the refusal is not shown in the question")
	}
}

// Right after a rotation there is one, still-filling bucket: no chart yet,
// and the countdown reads in hours and minutes up to two days.
func TestCockpitFirstMinute(t *testing.T) {
	m, _ := cockpitFixture(t, 160, 48, false)
	d := m.detailsD()
	d.data.RotationTraffic.Buckets = d.data.RotationTraffic.Buckets[:1]
	d.data.Rotation.OldKeyExpiresAt = commontest.Now.Add(47*time.Hour + 59*time.Minute)
	v := flat(m)
	if !strings.Contains(v, "The chart starts after its first bucket (15 minutes).") || strings.Contains(v, "■ new key") {
		t.Error("a one-bucket chart is drawn")
	}
	if !strings.Contains(v, "Grace ends in 47 h 59 min") {
		t.Error("countdown under two days is not in hours and minutes")
	}
}

// An old key idle before the rotation is not yet proven unused: the claim
// waits until it has been quiet for the window since the rotation.
func TestCockpitSafeOnlyAfterQuietSinceRotation(t *testing.T) {
	m, _ := cockpitFixture(t, 80, 24, true)
	r := m.detailsD().data.Rotation
	r.RotatedAt = commontest.Now.Add(-40 * time.Second)
	idle := commontest.Now.Add(-3 * time.Hour)
	r.OldLastUsedAt = &idle
	v := flat(m)
	if strings.Contains(v, "✓ safe to end grace") {
		t.Error("a key rotated 40 s ago is called safe to cut off")
	}
	if !strings.Contains(v, "⚠ not safe to end grace yet: old key quiet 40 s of the 1 h needed") {
		t.Errorf("the cockpit does not say how long the old key has been quiet:\n%s", v)
	}
	// The end-grace question says the same, not "no request in the last hour".
	m.ctx.Client = commontest.Unreachable()
	press(m, "E")
	if v := flat(m); strings.Contains(v, "served no request") || !strings.Contains(v, "has been quiet for 40 s") || !strings.Contains(v, "less than the 1 h") {
		t.Errorf("end-grace question while not yet safe:\n%s", v)
	}
	press(m, "n")
	later := commontest.Now.Add(time.Hour)
	m.ctx.Now = func() time.Time { return later }
	if v := flat(m); !strings.Contains(v, "✓ safe to end grace: the old key served nothing for 1 h") {
		t.Error("an hour after the rotation the quiet old key is not called safe")
	}
}
