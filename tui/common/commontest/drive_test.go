package commontest

import "testing"

func TestKeyStrings(t *testing.T) {
	for _, s := range []string{"q", "enter", "tab", "shift+tab", "esc", "up", "down", "left", "right", "pgdown", "backspace", "space", "ctrl+c", "?", "G"} {
		if got := Key(s).String(); got != s {
			t.Errorf("Key(%q).String() = %q", s, got)
		}
	}
}
