package common

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// KeyCapturer is an optional Pane method: CapturingAll reports that the pane
// takes every key now (a wizard, dialog or search field has the keyboard),
// so the root's help line offers no global keys.
type KeyCapturer interface{ CapturingAll() bool }

// CapturesAll asks p through KeyCapturer, or else probes Captures with
// global keys that no pane rebinds deliberately.
func CapturesAll(p Pane) bool {
	if c, ok := p.(KeyCapturer); ok {
		return c.CapturingAll()
	}
	// Global keys no pane shadows on purpose: a pane that captures all of
	// them is capturing every key.
	probe := [...]tea.KeyPressMsg{{Code: 'q', Text: "q"}, {Code: 'r', Text: "r"}, {Code: 'p', Text: "p"}, {Code: '1', Text: "1"}}
	for _, k := range probe {
		if !p.Captures(k) {
			return false
		}
	}
	return true
}

// QuitGuard is an optional Pane method: GuardsQuit reports that the pane
// shows something a quit would lose for good (a key shown once). The root
// then hands ctrl+c to the pane, which asks first; a second ctrl+c at that
// question quits.
type QuitGuard interface{ GuardsQuit() bool }

// IsQuit reports ctrl+c, the key that always ends the program; a
// QuitGuard asks before it does.
func IsQuit(msg tea.KeyPressMsg) bool { return msg.String() == "ctrl+c" }

// Closes reports a key that closes an overlay: esc, or q (the dialog close
// key) where nothing is typed.
func Closes(msg tea.KeyPressMsg, k *KeyMap) bool {
	return key.Matches(msg, k.Global.Back, k.Dialog.Close)
}
