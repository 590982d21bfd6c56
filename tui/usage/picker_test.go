package usage

import (
	"strings"
	"testing"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
	"github.com/penguinmails/pmdev/tui/common/commontest"
)

// j and k move here as in every pane; the key filter is f.
func TestJKScrollKFiltersNothing(t *testing.T) {
	m := loaded(models.Range24h, 80, 24)
	press(m, "j", "j", "j")
	if m.scroll != 3 {
		t.Fatalf("j×3: scroll %d", m.scroll)
	}
	press(m, "k")
	if m.scroll != 2 || m.pickerD() != nil {
		t.Fatalf("k: scroll %d, picker open %v", m.scroll, m.pickerD() != nil)
	}
	press(m, "f")
	if m.pickerD() == nil {
		t.Fatal("f did not open the key filter")
	}
}

// Typing narrows the picker and enter takes the first match, as fzf and
// k9s do: "work" then enter filters by the worker key, not All keys.
func TestPickerEnterPicksFirstMatch(t *testing.T) {
	m := loaded(models.Range24h, 80, 24)
	press(m, "f")
	keys := keysMsg{keys: []models.APIKey{
		{KeyID: "k_web", Name: "Simulator Web App", MaskedKey: "pm_live_RXC…u6nQ", Status: "active"},
		{KeyID: "k_worker", Name: "Simulator Worker", MaskedKey: "pm_test_X1C…W8Dn", Status: "active"},
	}}
	keys.Result = common.Result{Pane: common.PaneUsage, ReqID: m.keysReq}
	m.Update(keys)
	typeText(m, "work")
	commontest.Golden(t, m.View())
	press(m, "enter")
	if m.pickerD() != nil || m.Params().KeyID != "k_worker" {
		t.Fatalf("enter after typing picked %+v, want the first match", m.Params())
	}
	// Nothing matching: enter keeps the picker and what was typed.
	press(m, "f")
	typeText(m, "zzz")
	press(m, "enter")
	if m.pickerD() == nil || m.pickerD().filter != "zzz" || m.Params().KeyID != "k_worker" {
		t.Fatal("enter with no match must change nothing")
	}
	// The masked key and the status match too.
	press(m, "esc", "f")
	m.Update(keys)
	typeText(m, "X1C")
	if v := m.pickerD().visible(); len(v) != 1 || v[0].id != "k_worker" {
		t.Fatalf("masked-key search: %+v", v)
	}
}

// The selected row of a focused table is marked with ▸, not only shaded.
func TestSelectedRowMarkedWithoutColour(t *testing.T) {
	m := loaded(models.Range24h, 120, 40)
	m.ctx.NoColor = true
	for m.focus != secEndpoints {
		press(m, "]")
	}
	press(m, "j")
	v := commontest.Plain(m.View())
	if !strings.Contains(v, "▸ GET /api/v1/campaigns") {
		t.Fatalf("no marker on the selected row:\n%s", v)
	}
}
