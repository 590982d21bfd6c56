package common

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// DialogKeys are the keys of every dialog: the wizards, confirmations,
// show-once screens, pickers and forms. A dialog names what a key does
// there with WithHelp ("enter rotate").
type DialogKeys struct {
	Accept, Cancel, Yes, No  key.Binding
	Up, Down, Left, Right    key.Binding
	NextField, PrevField     key.Binding
	Toggle, PageUp, PageDown key.Binding
}

func (k *DialogKeys) actions() []action {
	return []action{
		{"accept", &k.Accept, newBinding("enter", "confirm", "enter")},
		{"cancel", &k.Cancel, newBinding("esc", "cancel", "esc")},
		{"yes", &k.Yes, newBinding("y", "yes", "y", "Y")},
		{"no", &k.No, newBinding("n", "no", "n", "N")},
		{"up", &k.Up, navUp},
		{"down", &k.Down, navDown},
		{"left", &k.Left, newBinding("←/h", "left", "left", "h")},
		{"right", &k.Right, newBinding("→/l", "right", "right", "l")},
		{"next_field", &k.NextField, newBinding("tab", "next field", "tab")},
		{"prev_field", &k.PrevField, newBinding("shift+tab", "prev field", "shift+tab")},
		{"toggle", &k.Toggle, newBinding("space", "toggle", "space", "x")},
		{"page_up", &k.PageUp, navPageUp},
		{"page_down", &k.PageDown, navPageDown},
	}
}

// SecretKeys are the show-once dialogs' keys (a new API key or signing
// secret), on top of the dialog keys.
type SecretKeys struct {
	Copy, CopySnippet, Write key.Binding
}

func (k *SecretKeys) actions() []action {
	return []action{
		{"copy", &k.Copy, newBinding("c", "copy", "c")},
		{"copy_snippet", &k.CopySnippet, newBinding("y", "copy snippet", "y")},
		{"write", &k.Write, newBinding("w", "write .env", "w")},
	}
}

// FormKeys are the wizards' choice keys, on top of the dialog keys: the
// permission presets of a key and the event presets of a webhook.
type FormKeys struct {
	SelectAll, SelectEmail, SelectReadOnly, Clear key.Binding
	Less, More                                    key.Binding
}

func (k *FormKeys) actions() []action {
	return []action{
		{"select_all", &k.SelectAll, newBinding("a", "select all", "a")},
		{"select_email", &k.SelectEmail, newBinding("e", "email only", "e")},
		{"select_read_only", &k.SelectReadOnly, newBinding("r", "read only", "r")},
		{"clear", &k.Clear, newBinding("c", "clear", "c")},
		{"less", &k.Less, newBinding("-", "less", "-")},
		{"more", &k.More, newBinding("+", "more", "+")},
	}
}

// WithHelp is b described for one dialog ("enter" "rotate").
func WithHelp(b key.Binding, desc string) key.Binding {
	b.SetHelp(b.Help().Key, desc)
	return b
}

// Joined is one help entry for several bindings ("↑/↓ scroll"): it matches
// all their keys and is labelled with the first label of each.
func Joined(desc string, bs ...key.Binding) key.Binding {
	var keys, labels []string
	for _, b := range bs {
		keys = append(keys, b.Keys()...)
		label, _, _ := strings.Cut(b.Help().Key, "/")
		labels = append(labels, label)
	}
	return newBinding(strings.Join(labels, "/"), desc, keys...)
}

// TypesText reports a key press that types text. A focused text input takes
// those before any binding, so j, k or space are typed, not acted on.
func TypesText(msg tea.KeyPressMsg) bool { return msg.Text != "" }
