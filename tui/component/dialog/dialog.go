// Package dialog is the pane-level overlay contract: a Dialog is a
// component (Update, View at a size, its own help), and a Stack of them
// decides in one place which one has the keyboard and whose help shows —
// always the top's, as a parent's help is its active child's.
package dialog

import (
	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// Dialog is one overlay or sub-screen of a pane.
type Dialog interface {
	help.KeyMap
	// Update handles a message sent to the dialog; it returns the dialog to
	// keep in its place (usually itself), or nil to close it.
	Update(msg tea.Msg) (Dialog, tea.Cmd)
	// View renders the dialog into a width×height area. It never changes
	// state.
	View(width, height int) string
}

// Passive is implemented by dialogs that leave keys they do not use to the
// pane and the global bindings (a details screen); other dialogs capture
// every key while they are on top.
type Passive interface{ Passive() bool }

// Resizer is implemented by dialogs that lay out for the pane's size.
type Resizer interface{ SetSize(width, height int) }

// Stack holds a pane's open dialogs; the last pushed is on top. The zero
// value is an empty stack.
type Stack struct{ items []Dialog }

// Push opens d on top.
func (s *Stack) Push(d Dialog) {
	if d != nil {
		s.items = append(s.items, d)
	}
}

// Pop closes the top dialog, if any.
func (s *Stack) Pop() {
	if n := len(s.items); n > 0 {
		s.items[n-1] = nil
		s.items = s.items[:n-1]
	}
}

// Clear closes every dialog.
func (s *Stack) Clear() {
	clear(s.items)
	s.items = s.items[:0]
}

// Remove closes d wherever it is in the stack.
func (s *Stack) Remove(d Dialog) {
	for i, it := range s.items {
		if it == d {
			s.items = append(s.items[:i], s.items[i+1:]...)
			return
		}
	}
}

// Len is the number of open dialogs.
func (s *Stack) Len() int { return len(s.items) }

// Empty reports that no dialog is open.
func (s *Stack) Empty() bool { return len(s.items) == 0 }

// Top is the dialog that has the keyboard, or nil.
func (s *Stack) Top() Dialog {
	if len(s.items) == 0 {
		return nil
	}
	return s.items[len(s.items)-1]
}

// Update sends msg to the top dialog and keeps what it returns in its
// place: nil closes it. The dialog may push or clear the stack while it
// runs (details opening a rotate dialog); its answer then applies to where
// it still is, if anywhere.
func (s *Stack) Update(msg tea.Msg) tea.Cmd {
	top := s.Top()
	if top == nil {
		return nil
	}
	next, cmd := top.Update(msg)
	if next != top {
		for i, it := range s.items {
			if it != top {
				continue
			}
			if next == nil {
				s.items = append(s.items[:i], s.items[i+1:]...)
			} else {
				s.items[i] = next
			}
			break
		}
	}
	return cmd
}

// Input gives a key press or a paste to the top dialog, which owns the
// keyboard. ok is false when msg is neither or no dialog is open: the pane
// handles it then.
func (s *Stack) Input(msg tea.Msg) (cmd tea.Cmd, ok bool) {
	switch msg.(type) {
	case tea.KeyPressMsg, tea.PasteMsg:
		if !s.Empty() {
			return s.Update(msg), true
		}
	}
	return nil, false
}

// View renders the top dialog, or "" when none is open.
func (s *Stack) View(width, height int) string {
	if top := s.Top(); top != nil {
		return top.View(width, height)
	}
	return ""
}

// SetSize tells every open dialog the pane's size.
func (s *Stack) SetSize(width, height int) {
	for _, d := range s.items {
		if r, ok := d.(Resizer); ok {
			r.SetSize(width, height)
		}
	}
}

// CapturingAll reports that the top dialog takes every key.
func (s *Stack) CapturingAll() bool {
	top := s.Top()
	if top == nil {
		return false
	}
	p, ok := top.(Passive)
	return !ok || !p.Passive()
}

// ShortHelp is the top dialog's.
func (s *Stack) ShortHelp() []key.Binding {
	if top := s.Top(); top != nil {
		return top.ShortHelp()
	}
	return nil
}

// FullHelp is the top dialog's.
func (s *Stack) FullHelp() [][]key.Binding {
	if top := s.Top(); top != nil {
		return top.FullHelp()
	}
	return nil
}

// Find returns the topmost open dialog of type T.
func Find[T Dialog](s *Stack) (T, bool) {
	for i := len(s.items) - 1; i >= 0; i-- {
		if d, ok := s.items[i].(T); ok {
			return d, true
		}
	}
	var zero T
	return zero, false
}

// Has reports whether a dialog of type T is open.
func Has[T Dialog](s *Stack) bool {
	_, ok := Find[T](s)
	return ok
}
