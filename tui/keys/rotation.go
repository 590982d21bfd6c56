package keys

import (
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
)

// A rotation gives the new key the old one's name, and both work during
// the grace period: the list and the dialogs tell them apart by role (old,
// new) and the new key's masked value.

// rotationPoll is how often the list polls for the first minutes after a
// rotation, while traffic moves from the old key to the new one.
const (
	rotationPoll   = 5 * time.Second
	rotationWindow = 3 * time.Minute
)

// rereadStaleKeys reloads the list when the live buckets show a key in
// use that the list calls unused (the status bar's busiest key must not
// read "never" here), at most once per rotationPoll.
func (m *Model) rereadStaleKeys(rl models.RateLimits) tea.Cmd {
	now := m.ctx.Now()
	if m.ctx.Active != common.PaneKeys || !m.loaded || now.Sub(m.reread) < rotationPoll {
		return nil
	}
	lastUsed := func(id string) (*time.Time, bool) {
		i, ok := m.byID[id]
		if !ok {
			// The list holds every key: a busy key missing from it is
			// newer than the list.
			return nil, true
		}
		return m.all[i].LastUsed, true
	}
	if !common.StaleUse(rl, lastUsed) {
		return nil
	}
	m.reread = now
	return m.load(true)
}

// pollSoon makes the list poll every rotationPoll for rotationWindow: the
// next answer is scheduled at the short interval too.
func (m *Model) pollSoon() {
	m.fastUntil = m.ctx.Now().Add(rotationWindow)
	m.poller.Interval = rotationPoll
}

// rotationPairs maps each key that replaced a still-working key to that
// old key's id.
func rotationPairs(all []models.APIKey, now time.Time) map[string]string {
	pairs := map[string]string{}
	for i := range all {
		if k := &all[i]; k.ReplacedBy != "" && common.EffectiveKeyStatus(k, now) == models.KeyActive {
			pairs[k.ReplacedBy] = k.KeyID
		}
	}
	return pairs
}

// roleTag is " (old)" for a rotated key still in its grace period, " (new)"
// for the key that replaced it, else "".
func (m *Model) roleTag(k *models.APIKey) string {
	switch {
	case k.ReplacedBy != "" && common.EffectiveKeyStatus(k, m.ctx.Now()) == models.KeyActive:
		return " (old)"
	case m.pairs[k.KeyID] != "":
		return " (new)"
	}
	return ""
}

// successor describes the key that replaced k: "pm_live_4rO…kPPK (new)", or
// its id when it is not in the list.
func (m *Model) successor(k *models.APIKey) string {
	if i, ok := m.byID[k.ReplacedBy]; ok {
		return common.Sanitize(m.all[i].MaskedKey) + " (new)"
	}
	return common.Sanitize(k.ReplacedBy)
}

// namesakes reports whether another active key has k's name: typing the
// name then cannot say which of them is meant.
func (m *Model) namesakes(k *models.APIKey) bool {
	now := m.ctx.Now()
	for i := range m.all {
		o := &m.all[i]
		if o.KeyID != k.KeyID && o.Name == k.Name && common.EffectiveKeyStatus(o, now) == models.KeyActive {
			return true
		}
	}
	return false
}

// lastFour is the end of a masked key ("kPPK" of "pm_live_4rO…kPPK").
func lastFour(masked string) string {
	r := []rune(masked)
	return string(r[max(0, len(r)-4):])
}
