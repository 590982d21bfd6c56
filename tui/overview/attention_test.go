package overview

import (
	"strings"
	"testing"

	"github.com/penguinmails/pmdev/client"
	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
	"github.com/penguinmails/pmdev/tui/common/commontest"
)

// The Overview says how many keys need attention, as the server counts
// them, and a opens the Keys tab on those; without any, neither shows.
func TestAttentionCountLeadsToTheFilter(t *testing.T) {
	m := loaded(t, 80, 24, fixtureKeys(), 0)
	if v := commontest.Plain(m.View()); !strings.Contains(v, "! 2 need attention (a)") {
		t.Fatalf("no attention count:\n%s", v)
	}
	cmd := m.Update(commontest.Key("a"))
	if cmd == nil {
		t.Fatal("a does nothing")
	}
	if n, ok := cmd().(common.NavigateMsg); !ok || n.To != common.PaneKeys || n.Action != "attention" {
		t.Fatalf("a sends %#v", cmd())
	}
	// A 304 or a failure of the count keeps it; a count from an older read
	// is ignored; a read of 0 removes it.
	id := m.keysPoll.Start()
	m.fetchKeys(id)
	m.Update(attentionMsg{Result: common.Result{Pane: common.PaneOverview, ReqID: id}, err: client.ErrNotModified})
	if m.attention != 2 {
		t.Fatalf("count %d after a poll that could not read it", m.attention)
	}
	m.Update(attentionMsg{Result: common.Result{Pane: common.PaneOverview, ReqID: id - 1}, n: 7})
	if m.attention != 2 {
		t.Fatalf("count %d after the answer of an older read", m.attention)
	}
	m.Update(attentionMsg{Result: common.Result{Pane: common.PaneOverview, ReqID: id}, n: 0})
	if v := commontest.Plain(m.View()); strings.Contains(v, "attention") || m.Update(commontest.Key("a")) != nil {
		t.Fatal("no key needs attention, yet the Overview says so or a acts")
	}
}

// The key list is drawn as soon as it arrives: the first frame with keys
// does not wait for the attention count, which joins it when it comes.
func TestKeysDrawnBeforeTheAttentionCount(t *testing.T) {
	m := loaded(t, 80, 24, fixtureKeys(), 0)
	keys := m.lastList()
	fresh := New(m.ctx)
	id := fresh.keysPoll.Start()
	fresh.fetchKeys(id)
	fresh.Update(common.RateLimitsMsg{Data: *m.rl, At: m.rlAt})
	fresh.Update(keysMsg{Result: common.Result{Pane: common.PaneOverview, ReqID: id}, list: keys})
	v := commontest.Plain(fresh.View())
	if !fresh.Ready() || !strings.Contains(v, keys.APIKeys[0].Name) || strings.Contains(v, "attention") {
		t.Fatalf("with the list and no count yet: ready %v\n%s", fresh.Ready(), v)
	}
	fresh.Update(attentionMsg{Result: common.Result{Pane: common.PaneOverview, ReqID: id}, n: 2})
	if v := commontest.Plain(fresh.View()); !strings.Contains(v, "! 2 need attention (a)") {
		t.Fatalf("count not shown once it came:\n%s", v)
	}
}

func (m *Model) lastList() models.APIKeyList {
	return models.APIKeyList{APIKeys: m.keys, Total: m.keysTotal}
}
