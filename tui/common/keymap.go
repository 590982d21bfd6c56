package common

import (
	"fmt"
	"sort"
	"strings"

	"charm.land/bubbles/v2/key"
)

// KeyMap is every key binding of the console, in one place. Each pane has its
// own scope; a pane's bindings are checked for clashes with the global scope
// and among themselves. Defaults avoid ctrl-letters (tmux and shells own them)
// except ctrl+c.
type KeyMap struct {
	Global   GlobalKeys
	Overview OverviewKeys
	Keys     KeysKeys
	Docs     DocsKeys
	Usage    UsageKeys
	Webhooks WebhooksKeys
}

// Scope is a named set of bindings, for rebinding and for the clash test.
type Scope struct {
	Name     string
	Bindings map[string]*key.Binding
}

// Scopes lists every scope; pane scopes are checked against Global.
func (k *KeyMap) Scopes() []Scope {
	return []Scope{
		{"global", k.Global.bindings()},
		{"overview", k.Overview.bindings()},
		{"keys", k.Keys.bindings()},
		{"docs", k.Docs.bindings()},
		{"usage", k.Usage.bindings()},
		{"webhooks", k.Webhooks.bindings()},
	}
}

// DefaultKeyMap returns the default bindings.
func DefaultKeyMap() *KeyMap {
	return &KeyMap{
		Global:   defaultGlobalKeys(),
		Overview: defaultOverviewKeys(),
		Keys:     defaultKeysKeys(),
		Docs:     defaultDocsKeys(),
		Usage:    defaultUsageKeys(),
		Webhooks: defaultWebhooksKeys(),
	}
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
// pane scope and the global scope.
func (k *KeyMap) Validate() error {
	scopes := k.Scopes()
	global := map[string]string{}
	for action, b := range scopes[0].Bindings {
		for _, key := range b.Keys() {
			if prev, dup := global[key]; dup {
				return fmt.Errorf("key %q is bound to both global.%s and global.%s", key, prev, action)
			}
			global[key] = action
		}
	}
	for _, s := range scopes[1:] {
		seen := map[string]string{}
		for action, b := range s.Bindings {
			for _, key := range b.Keys() {
				if prev, dup := seen[key]; dup {
					return fmt.Errorf("key %q is bound to both %s.%s and %s.%s", key, s.Name, prev, s.Name, action)
				}
				seen[key] = action
				if g, clash := global[key]; clash && !shadowAllowed(s.Name, action) {
					return fmt.Errorf("key %q is bound to both global.%s and %s.%s", key, g, s.Name, action)
				}
			}
		}
	}
	return nil
}

func newBinding(help, desc string, keys ...string) key.Binding {
	return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
}

// GlobalKeys work in every pane unless a focused input captures them.
type GlobalKeys struct {
	Tab1, Tab2, Tab3, Tab4, Tab5 key.Binding
	NextTab, PrevTab             key.Binding
	Help, Refresh, Pause         key.Binding
	Quit, Back                   key.Binding
}

func defaultGlobalKeys() GlobalKeys {
	return GlobalKeys{
		Tab1:    newBinding("1", "overview", "1"),
		Tab2:    newBinding("2", "keys", "2"),
		Tab3:    newBinding("3", "docs", "3"),
		Tab4:    newBinding("4", "usage", "4"),
		Tab5:    newBinding("5", "webhooks", "5"),
		NextTab: newBinding("tab", "next tab", "tab"),
		PrevTab: newBinding("shift+tab", "prev tab", "shift+tab"),
		Help:    newBinding("?", "help", "?"),
		Refresh: newBinding("r", "refresh", "r"),
		Pause:   newBinding("p", "pause live", "p"),
		Quit:    newBinding("q", "quit", "q", "ctrl+c"),
		Back:    newBinding("esc", "back", "esc"),
	}
}

func (g *GlobalKeys) bindings() map[string]*key.Binding {
	return map[string]*key.Binding{
		"tab1": &g.Tab1, "tab2": &g.Tab2, "tab3": &g.Tab3, "tab4": &g.Tab4, "tab5": &g.Tab5,
		"next_tab": &g.NextTab, "prev_tab": &g.PrevTab, "help": &g.Help, "refresh": &g.Refresh,
		"pause": &g.Pause, "quit": &g.Quit, "back": &g.Back,
	}
}

// shadowAllowed lists pane bindings that deliberately reuse a global key; the
// pane's Captures method takes the key only in the state where it means
// something else (e.g. docs uses tab to move focus between sidebar and page).
func shadowAllowed(scope, action string) bool {
	switch scope + "." + action {
	case "docs.focus":
		return true
	}
	return false
}
