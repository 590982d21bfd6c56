package common

import tea "charm.land/bubbletea/v2"

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
