package commontest

import (
	"reflect"

	tea "charm.land/bubbletea/v2"
)

// Press sends each key (named as Key reads them) to update and batches the
// commands it returns.
func Press(update func(tea.Msg) tea.Cmd, keys ...string) tea.Cmd {
	var cmds []tea.Cmd
	for _, k := range keys {
		cmds = append(cmds, update(Key(k)))
	}
	return tea.Batch(cmds...)
}

// Type sends each rune of s as a key press.
func Type(update func(tea.Msg) tea.Cmd, s string) {
	for _, r := range s {
		update(Key(string(r)))
	}
}

// Find returns the first message of type T among msgs; batches are run and
// searched too.
func Find[T tea.Msg](msgs ...tea.Msg) (T, bool) {
	var found T
	ok := walk(msgs, func(msg tea.Msg) bool {
		t, is := msg.(T)
		if is {
			found = t
		}
		return is
	})
	return found, ok
}

// Clipboard returns the text msgs put on the clipboard (OSC 52); batches
// are run and searched too.
func Clipboard(msgs ...tea.Msg) (string, bool) {
	var text string
	ok := walk(msgs, func(msg tea.Msg) bool {
		// tea's clipboard message is an unexported string type.
		v := reflect.ValueOf(msg)
		if v.Kind() == reflect.String && reflect.DeepEqual(msg, tea.SetClipboard(v.String())()) {
			text = v.String()
			return true
		}
		return false
	})
	return text, ok
}

// walk calls match on msgs and on what their batches produce, until it
// reports true.
func walk(msgs []tea.Msg, match func(tea.Msg) bool) bool {
	for _, msg := range msgs {
		if b, ok := msg.(tea.BatchMsg); ok {
			for _, c := range b {
				if c != nil && walk([]tea.Msg{c()}, match) {
					return true
				}
			}
			continue
		}
		if match(msg) {
			return true
		}
	}
	return false
}
