package common

import (
	"fmt"
	"sort"
	"strings"

	"charm.land/bubbles/v2/key"
)

// KeyMap is every key binding of the console, in one place. Each pane has its
// own scope; a pane's bindings are checked for clashes with the global scope
// and among themselves. Dialogs have scopes of their own: a dialog on top
// takes every key, so its keys may be global ones. Defaults avoid
// ctrl-letters (tmux and shells own them) except ctrl+c.
type KeyMap struct {
	Global   GlobalKeys
	Overview OverviewKeys
	Keys     KeysKeys
	Docs     DocsKeys
	Usage    UsageKeys
	Webhooks WebhooksKeys
	Dialog   DialogKeys
	Secret   SecretKeys
	Form     FormKeys
}

// action is one binding of a scope: its config name, where it lives and its
// default. Each action is written once, in its scope's actions list.
type action struct {
	name string
	b    *key.Binding
	def  key.Binding
}

// scope is a named list of actions; base names the scope whose keys it
// must not reuse ("" for none).
type scope struct {
	name, base string
	actions    []action
}

func (k *KeyMap) scopes() []scope {
	return []scope{
		{"global", "", k.Global.actions()},
		{"overview", "global", k.Overview.actions()},
		{"keys", "global", k.Keys.actions()},
		{"docs", "global", k.Docs.actions()},
		{"usage", "global", k.Usage.actions()},
		{"webhooks", "global", k.Webhooks.actions()},
		// A dialog on top captures every key, so the dialog scope may reuse
		// global keys (esc, tab); the scopes used inside dialogs must not
		// reuse the dialog's own keys.
		{"dialog", "", k.Dialog.actions()},
		{"secret", "dialog", k.Secret.actions()},
		{"form", "dialog", k.Form.actions()},
	}
}

// Scope is a named set of bindings, for rebinding and for the clash test.
type Scope struct {
	Name string
	// Base is the scope whose keys these must not reuse ("" for none).
	Base     string
	Bindings map[string]*key.Binding
}

// Scopes lists every scope.
func (k *KeyMap) Scopes() []Scope {
	var out []Scope
	for _, s := range k.scopes() {
		b := make(map[string]*key.Binding, len(s.actions))
		for _, a := range s.actions {
			b[a.name] = a.b
		}
		out = append(out, Scope{Name: s.name, Base: s.base, Bindings: b})
	}
	return out
}

// DefaultKeyMap returns the default bindings.
func DefaultKeyMap() *KeyMap {
	k := &KeyMap{}
	for _, s := range k.scopes() {
		for _, a := range s.actions {
			*a.b = a.def
		}
	}
	return k
}

// Rebind applies overrides from the config file: "scope.action" → keys.
// Unknown names are an error naming the bad entry.
func (k *KeyMap) Rebind(overrides map[string][]string) error {
	scopes := map[string]map[string]*key.Binding{}
	for _, s := range k.Scopes() {
		scopes[s.Name] = s.Bindings
	}
	names := make([]string, 0, len(overrides))
	for n := range overrides {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		scope, action, ok := strings.Cut(name, ".")
		if !ok {
			return fmt.Errorf("keys.%s: want scope.action, e.g. global.quit", name)
		}
		b, ok := scopes[scope][action]
		if !ok {
			return fmt.Errorf("keys.%s: no such binding", name)
		}
		keys := overrides[name]
		if len(keys) == 0 {
			return fmt.Errorf("keys.%s: needs at least one key", name)
		}
		help := b.Help()
		b.SetKeys(keys...)
		b.SetHelp(strings.Join(keys, "/"), help.Desc)
	}
	return k.Validate()
}

// Validate reports the first key bound twice within a scope, or shared by a
// scope and its base scope.
func (k *KeyMap) Validate() error {
	owners := map[string]map[string]string{} // scope → key → action
	for _, s := range k.Scopes() {
		seen := map[string]string{}
		for _, action := range sortedActions(s.Bindings) {
			for _, key := range s.Bindings[action].Keys() {
				if prev, dup := seen[key]; dup {
					return fmt.Errorf("key %q is bound to both %s.%s and %s.%s", key, s.Name, prev, s.Name, action)
				}
				seen[key] = action
				if b, clash := owners[s.Base][key]; clash && !shadowAllowed(s.Name, action) {
					return fmt.Errorf("key %q is bound to both %s.%s and %s.%s", key, s.Base, b, s.Name, action)
				}
			}
		}
		owners[s.Name] = seen
	}
	return nil
}

// sortedActions makes Validate name the same clash on every run.
func sortedActions(b map[string]*key.Binding) []string {
	out := make([]string, 0, len(b))
	for a := range b {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

func newBinding(help, desc string, keys ...string) key.Binding {
	return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
}

// shadowAllowed lists bindings that deliberately reuse a key of their base
// scope: the webhook secret's dialog asks no yes/no question, so y copies
// the snippet there, as it does in the Docs pane.
func shadowAllowed(scope, action string) bool {
	switch scope + "." + action {
	case "secret.copy_snippet":
		return true
	}
	return false
}
