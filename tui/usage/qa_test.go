package usage

import (
	"strings"
	"testing"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
	"github.com/penguinmails/pmdev/tui/common/commontest"
)

// The header never states an end after the data was generated, although
// the API closes a preset at the end of the current bucket.
func TestHeaderEndIsNotInTheFuture(t *testing.T) {
	m := loaded(models.Range30d, 80, 24)
	if !m.data.To.After(m.data.GeneratedAt) {
		t.Fatal("fixture should end after its generation time")
	}
	line := strings.Split(commontest.Plain(m.View()), "\n")[1]
	if want := "30 Nov 14:30"; !strings.Contains(line, "–"+want) {
		t.Fatalf("header %q should end at %s", line, want)
	}
	if strings.Contains(line, m.data.To.Format("02 Jan 15:04")) {
		t.Fatalf("header %q names the bucket end", line)
	}
}

// At 80 columns the rate-limit card and the cursor readout fit whole.
func TestNarrowCardsAndReadoutFit(t *testing.T) {
	m := loaded(models.Range24h, 80, 24)
	m.data.Totals.RateLimitUsagePc = 115
	m.version++
	v := commontest.Plain(m.View())
	if !strings.Contains(v, "115%") || strings.Contains(v, "115% of lim…") {
		t.Fatalf("rate-limit card cut:\n%s", v)
	}
	b := m.data.Series[m.cursor]
	var readout string
	for _, l := range strings.Split(v, "\n") {
		if strings.HasPrefix(l, "▲") {
			readout = l
		}
	}
	if want := "429 " + common.Thousands(b.RateLimited) + ")"; !strings.HasSuffix(readout, want) {
		t.Fatalf("readout %q should end with %q", readout, want)
	}
	if w := common.Width(readout); w > 80 {
		t.Fatalf("readout is %d wide", w)
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
