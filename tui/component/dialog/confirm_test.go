package dialog

import (
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/penguinmails/pmdev/tui/common"
)

func press(s string) tea.KeyPressMsg {
	switch s {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	}
	return tea.KeyPressMsg{Code: []rune(s)[0], Text: s}
}

func TestConfirmAnswers(t *testing.T) {
	keys := common.DefaultKeyMap().Dialog
	for _, c := range []struct {
		name       string
		enterIsYes bool
		stay       bool
		key        string
		yes, no    int
		open       bool
	}{
		{"y answers", false, false, "y", 1, 0, false},
		{"Y answers", false, false, "Y", 1, 0, false},
		{"y waiting for the reply stays", false, true, "y", 1, 0, true},
		{"enter is not yes by default", false, false, "enter", 0, 0, true},
		{"enter is yes when asked", true, false, "enter", 1, 0, false},
		{"n dismisses", false, false, "n", 0, 1, false},
		{"esc dismisses", true, false, "esc", 0, 1, false},
		{"other keys stay", false, false, "x", 0, 0, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			yes, no := 0, 0
			d := &Confirm[int]{Keys: &keys, EnterIsYes: c.enterIsYes,
				OnYes: func(*Confirm[int]) (bool, tea.Cmd) { yes++; return c.stay, nil },
				OnNo:  func(*Confirm[int]) tea.Cmd { no++; return nil }}
			next, _ := d.Update(press(c.key))
			if yes != c.yes || no != c.no || (next != nil) != c.open {
				t.Fatalf("yes %d no %d open %v", yes, no, next != nil)
			}
		})
	}
}

// A question waiting for its reply ignores keys: the request goes out once.
func TestConfirmBusyIgnoresKeys(t *testing.T) {
	keys := common.DefaultKeyMap().Dialog
	yes := 0
	d := &Confirm[int]{Keys: &keys, Busy: true, OnYes: func(*Confirm[int]) (bool, tea.Cmd) { yes++; return true, nil }}
	for _, k := range []string{"y", "n", "esc"} {
		if next, _ := d.Update(press(k)); next == nil || yes != 0 {
			t.Fatalf("%s while busy: open %v, answered %d", k, next != nil, yes)
		}
	}
	if h := d.ShortHelp(); len(h) != 2 || h[0].Help().Key != "y" || h[1].Help().Key != "n" {
		t.Fatalf("help %v", h)
	}
	d.EnterIsYes = true
	if h := d.ShortHelp(); h[0].Help().Key != "enter" || h[1].Help().Key != "esc" {
		t.Fatalf("help with enter %v", h)
	}
}

func TestTypedAcceptsOnlyTheWantedText(t *testing.T) {
	keys := common.DefaultKeyMap().Dialog
	ty := NewTyped("type the name", 40, "prod", "the name does not match")
	for _, r := range "pro" {
		ty.Update(&keys, press(string(r)))
	}
	if ok, _ := ty.Update(&keys, press("enter")); ok || ty.Err != "the name does not match" {
		t.Fatalf("accepted %q, err %q", ty.Input.Value(), ty.Err)
	}
	ty.Update(&keys, press("d"))
	if ty.Err != "" {
		t.Fatal("typing did not clear the error")
	}
	if ok, _ := ty.Update(&keys, press("enter")); !ok || !ty.Matches() {
		t.Fatalf("did not accept %q", ty.Input.Value())
	}
	ty.Update(&keys, tea.PasteMsg{Content: " "})
	if !ty.Matches() {
		t.Fatal("surrounding spaces count")
	}
}
