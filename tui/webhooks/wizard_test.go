package webhooks

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common/commontest"
)

// Every event type is reachable in the wizard on an 80×24 terminal (pane
// 80×20), each under its category heading.
func TestWizardEventListShowsEveryCategoryHeading(t *testing.T) {
	m := testModel(t, 80, 20, nil)
	press(m, "n")
	typeText(m, "https://example.com/h")
	press(m, "enter")
	names := models.WebhookEventNames()
	seen := map[string]bool{}
	for i := 0; i < len(names); i++ {
		v := commontest.Plain(checkSize(t, m))
		cur := names[m.wizardD().evCursor]
		heading := models.EventCategoryLabel(cur.Category) + " events"
		if !strings.Contains(v, cur.Type) {
			t.Fatalf("cursor on %s but it is not on screen:\n%s", cur.Type, v)
		}
		// The heading of the cursor's category is above it on screen.
		hi, ci := strings.Index(v, heading), strings.Index(v, "› [")
		if hi < 0 || hi > ci {
			t.Fatalf("%s shown without its %q heading:\n%s", cur.Type, heading, v)
		}
		seen[cur.Type] = true
		press(m, "down")
	}
	if len(seen) != len(names) {
		t.Fatalf("saw %d of %d event types", len(seen), len(names))
	}
}

func keyMsg(s string) tea.KeyPressMsg { return commontest.Key(s) }
