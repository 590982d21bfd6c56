package webhooks

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/penguinmails/pmdev/tui/common"
	"github.com/penguinmails/pmdev/tui/common/commontest"
)

// ctrl+c over a new signing secret asks "Close? y/n" like the key's
// screen: n returns, y closes, a second ctrl+c quits.
func TestSecretCtrlCAsksThenQuits(t *testing.T) {
	m := testModel(t, 100, 40, nil)
	m.Update(createdMsg{webhook: fakeWebhooks()[0], secret: common.NewSecret(fixtureSecret)})
	if !m.GuardsQuit() {
		t.Fatal("the pane must guard ctrl+c while a secret is shown")
	}
	quit := func(cmd tea.Cmd) bool {
		_, ok := commontest.Find[tea.QuitMsg](commontest.Collect(cmd)...)
		return ok
	}
	if quit(m.Update(commontest.Key("ctrl+c"))) || !strings.Contains(commontest.Plain(m.View()), "Close? y/n") {
		t.Fatal("the first ctrl+c must ask")
	}
	press(m, "n")
	if m.onceD() == nil || strings.Contains(commontest.Plain(m.View()), "Close? y/n") {
		t.Fatal("n must return to the secret")
	}
	press(m, "ctrl+c")
	if !quit(m.Update(commontest.Key("ctrl+c"))) {
		t.Fatal("the second ctrl+c must quit")
	}
	press(m, "y")
	if m.onceD() != nil || m.GuardsQuit() {
		t.Fatal("y must close the secret")
	}
}

// q and esc close the endpoint's details; q on the list is the root's quit.
func TestQClosesWebhookDetails(t *testing.T) {
	m := testModel(t, 100, 40, fakeWebhooks())
	if m.Captures(commontest.Key("q")) {
		t.Fatal("q on the list must reach the root")
	}
	press(m, "enter")
	if m.view != viewDetails || !m.Captures(commontest.Key("q")) {
		t.Fatal("details did not open or do not take q")
	}
	press(m, "q")
	if m.view != viewList {
		t.Fatal("q did not close the details")
	}
}
