package common

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

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

// BackHelp is the help entry of a screen that esc and q close ("esc/q back").
func BackHelp(k *KeyMap) key.Binding { return Joined("back", k.Global.Back, k.Dialog.Close) }
