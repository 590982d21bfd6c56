package keys

import (
	"errors"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
	"github.com/penguinmails/pmdev/tui/common/commontest"
)

func quits(cmd tea.Cmd) bool {
	_, ok := commontest.Find[tea.QuitMsg](commontest.Collect(cmd)...)
	return ok
}

// ctrl+c on the show-once screen asks the same question as esc, enter and
// q: n returns to the key, y closes it, and ctrl+c at the question quits.
func TestShowOnceCtrlCAsksThenQuits(t *testing.T) {
	m := testModel(t, 80, 24, fakeKeys(5))
	submitWizard(t, m)
	m.Update(createdMsg{Result: res(7), plaintext: common.NewSecret(fakePlaintext), created: models.CreatedAPIKey{APIKey: models.APIKey{KeyID: "key_new", Name: "Kept name", Permissions: []string{"send_email"}}}})
	if !m.GuardsQuit() {
		t.Fatal("the pane must guard ctrl+c while a key is shown once")
	}
	if quits(press(m, "ctrl+c")) || m.onceD() == nil || !m.onceD().askClose {
		t.Fatal("the first ctrl+c must ask, not quit")
	}
	commontest.Golden(t, m.View())
	press(m, "n")
	if m.onceD() == nil || m.onceD().askClose {
		t.Fatal("n must return to the key")
	}
	press(m, "ctrl+c")
	if !quits(press(m, "ctrl+c")) {
		t.Fatal("a second ctrl+c at the question must quit")
	}
	// Asked by esc, ctrl+c quits too; y closes the screen.
	press(m, "n", "esc")
	if !m.onceD().askClose {
		t.Fatal("esc must ask")
	}
	press(m, "y")
	if m.onceD() != nil || m.GuardsQuit() {
		t.Fatal("y must close the screen and end the guard")
	}
}

// q and esc close the details screen (an overlay); only q on the list
// reaches the root, which quits.
func TestQClosesDetails(t *testing.T) {
	m := testModel(t, 80, 24, fakeKeys(5))
	if m.Captures(commontest.Key("q")) {
		t.Fatal("q on the list must reach the root (quit)")
	}
	press(m, "enter")
	if _, ok := m.dialogs.Top().(*details); !ok {
		t.Fatal("enter did not open details")
	}
	if !m.Captures(commontest.Key("q")) {
		t.Fatal("q must go to the details screen, not quit")
	}
	press(m, "q")
	if !m.dialogs.Empty() {
		t.Fatal("q did not close details")
	}
	press(m, "enter", "esc")
	if !m.dialogs.Empty() {
		t.Fatal("esc did not close details")
	}
}

// The show-once footer says what the copy reached, never "✓ copied" for a
// write the terminal cannot confirm.
func TestShowOnceCopySaysWhereItWent(t *testing.T) {
	for _, tc := range []struct {
		name string
		clip func(string) error
		want string
	}{
		{"ssh", nil, "sent by OSC 52, unconfirmed: paste to check"},
		{"system", func(string) error { return nil }, "✓ copied to the system clipboard · also sent via OSC 52"},
		{"broken", func(string) error { return errors.New("exit status 1") }, "sent by OSC 52 (unconfirmed) · system clipboard failed"},
		{"headless", common.SystemClipboard, "sent by OSC 52 (unconfirmed) · no system clipboard"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("DISPLAY", "")
			t.Setenv("WAYLAND_DISPLAY", "")
			m := testModel(t, 80, 24, fakeKeys(5))
			m.ctx.Clipboard = tc.clip
			submitWizard(t, m)
			m.Update(createdMsg{Result: res(7), plaintext: common.NewSecret(fakePlaintext), created: models.CreatedAPIKey{APIKey: models.APIKey{KeyID: "key_new", Name: "Kept name", Permissions: []string{"send_email"}}}})
			for _, msg := range commontest.Collect(press(m, "c")) {
				if cm, ok := msg.(common.CopiedMsg); ok {
					m.Update(cm)
				}
			}
			v := commontest.Plain(m.View())
			if !strings.Contains(v, tc.want) || strings.Contains(v, "✓ copied\n") {
				t.Fatalf("footer lacks %q:\n%s", tc.want, v)
			}
			commontest.Golden(t, m.View())
		})
	}
}

// A key with a request or two a day gets whole-number y labels, each once
// (it read 1,1,1,0,0,0), and dates under the x axis ticks.
func TestDetailsChartSmallCountsWholeLabels(t *testing.T) {
	m := testModel(t, 80, 24, fakeKeys(3))
	days := make([]models.DayUsage, 30)
	for i := range days {
		days[i] = models.DayUsage{Date: commontest.Now.AddDate(0, 0, i-29).Format("2006-01-02"), Requests: int64(i % 2)}
	}
	lines := m.chartLines(days, 80)
	seen := map[string]bool{}
	for _, l := range lines {
		p := commontest.Plain(l)
		label, _, ok := strings.Cut(p, "┤")
		if !ok {
			label, _, ok = strings.Cut(p, "┼")
		}
		if label = strings.TrimSpace(label); !ok || label == "" {
			continue
		}
		if seen[label] || strings.Contains(label, ".") {
			t.Fatalf("label %q repeated or not whole:\n%s", label, commontest.Plain(strings.Join(lines, "\n")))
		}
		seen[label] = true
	}
	if !seen["1"] || !seen["0"] {
		t.Fatalf("labels %v", seen)
	}
	commontest.Golden(t, strings.Join(lines, "\n"))
}
