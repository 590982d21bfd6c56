package commontest

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
)

func TestKeyStrings(t *testing.T) {
	for _, s := range []string{"q", "enter", "tab", "shift+tab", "esc", "up", "down", "left", "right", "pgdown", "backspace", "space", "ctrl+c", "?", "G"} {
		if got := Key(s).String(); got != s {
			t.Errorf("Key(%q).String() = %q", s, got)
		}
	}
}

// Find and Clipboard look inside batches: a key press usually answers with
// a status line and a clipboard write together.
func TestFindLooksInsideBatches(t *testing.T) {
	type status string
	cmd := tea.Batch(func() tea.Msg { return status("copied") }, tea.SetClipboard("secret"))
	msgs := []tea.Msg{tea.BatchMsg{cmd}}
	if s, ok := Find[status](msgs...); !ok || s != "copied" {
		t.Fatalf("Find = %q, %v", s, ok)
	}
	if s, ok := Clipboard(msgs...); !ok || s != "secret" {
		t.Fatalf("Clipboard = %q, %v", s, ok)
	}
	if _, ok := Clipboard(status("x")); ok {
		t.Fatal("a plain string message read as a clipboard write")
	}
	var got []string
	Type(func(msg tea.Msg) tea.Cmd { got = append(got, msg.(tea.KeyPressMsg).String()); return nil }, "jk ")
	if strings.Join(got, ",") != "j,k,space" {
		t.Fatalf("Type sent %v", got)
	}
}
