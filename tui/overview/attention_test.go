package overview

import (
	"strings"
	"testing"

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
	// A 304 of the count keeps it; a read of 0 removes it.
	m.Update(keysMsg{Result: common.Result{Pane: common.PaneOverview, ReqID: m.keysPoll.Start()}, list: m.lastList()})
	if m.attention != 2 {
		t.Fatalf("count %d after a poll that could not read it", m.attention)
	}
	m.Update(keysMsg{Result: common.Result{Pane: common.PaneOverview, ReqID: m.keysPoll.Start()}, list: m.lastList(), hasAttention: true})
	if v := commontest.Plain(m.View()); strings.Contains(v, "attention") || m.Update(commontest.Key("a")) != nil {
		t.Fatal("no key needs attention, yet the Overview says so or a acts")
	}
}

func (m *Model) lastList() models.APIKeyList {
	return models.APIKeyList{APIKeys: m.keys, Total: m.keysTotal}
}
