package usage

import (
	"strings"
	"testing"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
	"github.com/penguinmails/pmdev/tui/common/commontest"
)

func TestTopAndBottomKeys(t *testing.T) {
	m := loaded(models.Range24h, 80, 20)
	press(m, "G")
	if m.scroll == 0 || m.scroll != m.maxScroll() {
		t.Fatalf("G: scroll %d of %d", m.scroll, m.maxScroll())
	}
	press(m, "g")
	if m.scroll != 0 || m.focus != secCards {
		t.Fatalf("g: scroll %d focus %v", m.scroll, m.focus)
	}
	press(m, "end")
	if m.scroll != m.maxScroll() {
		t.Fatal("end does not reach the bottom")
	}
	press(m, "home")
	if m.scroll != 0 {
		t.Fatal("home does not reach the top")
	}
}

// The picker shows that more keys exist below its window.
func TestPickerSaysMore(t *testing.T) {
	m := loaded(models.Range24h, 80, 24)
	press(m, "k")
	var keys []models.APIKey
	for i := range 20 {
		keys = append(keys, models.APIKey{KeyID: "id" + string(rune('a'+i)), Name: "Key " + string(rune('a'+i))})
	}
	m.Update(keysMsg{Result: common.Result{Pane: common.PaneUsage, ReqID: m.keysReq}, keys: keys})
	v := commontest.Plain(m.View())
	if !strings.Contains(v, "more · ↑/↓ or type to find") {
		t.Fatalf("picker:\n%s", v)
	}
}

// Arriving from the Keys pane shows the key's usage from the top.
func TestNavigateWithKeyStartsAtTop(t *testing.T) {
	m := loaded(models.Range24h, 80, 24)
	for m.focus != secByKey {
		press(m, "]")
	}
	if m.scroll == 0 {
		t.Fatal("setup: expected to be scrolled down")
	}
	m.Update(common.NavigateMsg{To: common.PaneUsage, KeyID: "key_1", Name: "Staging"})
	if m.scroll != 0 || m.focus != secCards {
		t.Fatalf("scroll %d focus %d after navigating with a key", m.scroll, m.focus)
	}
}
