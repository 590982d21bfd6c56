package dialog

import (
	"testing"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// fake closes on "esc", opens child on "o", and says who it is in help.
type fake struct {
	name    string
	passive bool
	child   *fake
	stack   *Stack
	got     int
}

func (f *fake) Update(msg tea.Msg) (Dialog, tea.Cmd) {
	f.got++
	if k, ok := msg.(tea.KeyPressMsg); ok {
		switch k.String() {
		case "esc":
			return nil, nil
		case "o":
			f.stack.Push(f.child)
		}
	}
	return f, nil
}
func (f *fake) View(w, h int) string { return f.name }
func (f *fake) ShortHelp() []key.Binding {
	return []key.Binding{key.NewBinding(key.WithKeys(f.name), key.WithHelp(f.name, f.name))}
}
func (f *fake) FullHelp() [][]key.Binding { return [][]key.Binding{f.ShortHelp()} }
func (f *fake) Passive() bool             { return f.passive }

func esc() tea.KeyPressMsg { return tea.KeyPressMsg{Code: tea.KeyEscape} }

func TestTopOwnsKeysViewAndHelp(t *testing.T) {
	var s Stack
	if s.View(10, 1) != "" || s.ShortHelp() != nil || s.CapturingAll() || s.Update(esc()) != nil {
		t.Fatal("an empty stack shows, helps or captures something")
	}
	a, b := &fake{name: "a", passive: true}, &fake{name: "b"}
	s.Push(a)
	if s.CapturingAll() {
		t.Fatal("a passive dialog captures every key")
	}
	s.Push(b)
	if s.View(10, 1) != "b" || s.ShortHelp()[0].Help().Key != "b" || !s.CapturingAll() {
		t.Fatalf("top is not b: view %q", s.View(10, 1))
	}
	s.Update(tea.KeyPressMsg{Code: 'x', Text: "x"})
	if b.got != 1 || a.got != 0 {
		t.Fatalf("key went to a %d, b %d times", a.got, b.got)
	}
	s.Update(esc())
	if s.Len() != 1 || s.Top() != a {
		t.Fatal("nil from Update did not close the top")
	}
}

func TestPushDuringUpdateKeepsBoth(t *testing.T) {
	var s Stack
	child := &fake{name: "child"}
	parent := &fake{name: "parent", passive: true, child: child, stack: &s}
	s.Push(parent)
	s.Update(tea.KeyPressMsg{Code: 'o', Text: "o"})
	if s.Len() != 2 || s.Top() != child {
		t.Fatalf("child not on top: %d dialogs", s.Len())
	}
	if got, ok := Find[*fake](&s); !ok || got != child {
		t.Fatal("Find does not return the topmost of its type")
	}
	s.Remove(parent)
	if s.Len() != 1 || s.Top() != child {
		t.Fatal("Remove took the wrong dialog")
	}
	s.Clear()
	if !s.Empty() || Has[*fake](&s) {
		t.Fatal("Clear left a dialog")
	}
}

// Keys and pastes go to the top dialog while one is open; other messages,
// and everything once the stack is empty, stay with the pane.
func TestInputGoesToTheTopDialog(t *testing.T) {
	var s Stack
	if _, ok := s.Input(tea.KeyPressMsg{Code: 'x', Text: "x"}); ok {
		t.Fatal("an empty stack took a key")
	}
	f := &fake{name: "a", stack: &s}
	s.Push(f)
	if _, ok := s.Input(tea.PasteMsg{Content: "p"}); !ok || f.got != 1 {
		t.Fatalf("paste: ok %v, got %d", ok, f.got)
	}
	if _, ok := s.Input(tea.WindowSizeMsg{}); ok || f.got != 1 {
		t.Fatal("a non-input message went to the dialog")
	}
	if _, ok := s.Input(tea.KeyPressMsg{Code: tea.KeyEscape}); !ok || !s.Empty() {
		t.Fatal("esc did not reach the dialog")
	}
}
