package common

import "charm.land/bubbles/v2/key"

// Every binding of the console and its default, scope by scope: each
// action is written once, as its config name, its field and its default.
// Keep the action names stable, they are config keys.

// GlobalKeys work in every pane unless a focused input captures them.
type GlobalKeys struct {
	Tab1, Tab2, Tab3, Tab4, Tab5 key.Binding
	NextTab, PrevTab             key.Binding
	Help, Refresh, Pause         key.Binding
	Quit, Back                   key.Binding
}

func (g *GlobalKeys) actions() []action {
	return []action{
		{"tab1", &g.Tab1, newBinding("1", "overview", "1")},
		{"tab2", &g.Tab2, newBinding("2", "keys", "2")},
		{"tab3", &g.Tab3, newBinding("3", "docs", "3")},
		{"tab4", &g.Tab4, newBinding("4", "usage", "4")},
		{"tab5", &g.Tab5, newBinding("5", "webhooks", "5")},
		{"next_tab", &g.NextTab, newBinding("tab", "next tab", "tab")},
		{"prev_tab", &g.PrevTab, newBinding("shift+tab", "prev tab", "shift+tab")},
		{"help", &g.Help, newBinding("?", "help", "?")},
		{"refresh", &g.Refresh, newBinding("r", "refresh", "r")},
		{"pause", &g.Pause, newBinding("p", "pause live", "p")},
		{"quit", &g.Quit, newBinding("q", "quit", "q", "ctrl+c")},
		{"back", &g.Back, newBinding("esc", "back", "esc")},
	}
}

// List movement, the same in every pane that has a list or a page.
var (
	navUp       = newBinding("↑/k", "up", "up", "k")
	navDown     = newBinding("↓/j", "down", "down", "j")
	navPageUp   = newBinding("pgup", "page up", "pgup")
	navPageDown = newBinding("pgdn", "page down", "pgdown")
	navTop      = newBinding("g", "top", "g", "home")
	navBottom   = newBinding("G", "bottom", "G", "end")
)

// OverviewKeys are the Overview pane's bindings.
type OverviewKeys struct {
	Up, Down, Open, Create, Docs, Attention key.Binding
}

func (k *OverviewKeys) actions() []action {
	return []action{
		{"up", &k.Up, navUp},
		{"down", &k.Down, navDown},
		{"open", &k.Open, newBinding("enter", "open", "enter")},
		{"create", &k.Create, newBinding("n", "new key", "n")},
		{"docs", &k.Docs, newBinding("d", "docs", "d")},
		{"attention", &k.Attention, newBinding("a", "keys needing attention", "a")},
	}
}

// KeysKeys are the Keys pane's bindings.
type KeysKeys struct {
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding
	Open, Search, Filter, Sort              key.Binding
	Create, Edit, Rotate, Revoke            key.Binding
	CopyID, Usage                           key.Binding
	AllowList, Expiry                       key.Binding
	ExtendGrace, EndGrace                   key.Binding
}

func (k *KeysKeys) actions() []action {
	return []action{
		{"up", &k.Up, navUp},
		{"down", &k.Down, navDown},
		{"page_up", &k.PageUp, navPageUp},
		{"page_down", &k.PageDown, navPageDown},
		{"top", &k.Top, navTop},
		{"bottom", &k.Bottom, navBottom},
		{"open", &k.Open, newBinding("enter", "details", "enter")},
		{"search", &k.Search, newBinding("/", "search", "/")},
		{"filter", &k.Filter, newBinding("f", "status filter", "f")},
		{"sort", &k.Sort, newBinding("s", "sort", "s")},
		{"create", &k.Create, newBinding("n", "new key", "n")},
		{"edit", &k.Edit, newBinding("e", "edit", "e")},
		{"rotate", &k.Rotate, newBinding("R", "rotate", "R")},
		{"revoke", &k.Revoke, newBinding("D", "revoke", "D")},
		{"copy_id", &k.CopyID, newBinding("c", "copy id", "c")},
		{"usage", &k.Usage, newBinding("u", "usage", "u")},
		{"allow_list", &k.AllowList, newBinding("i", "edit IP allow-list", "i")},
		{"expiry", &k.Expiry, newBinding("t", "set expiry", "t")},
		{"extend_grace", &k.ExtendGrace, newBinding("+", "extend grace", "+")},
		{"end_grace", &k.EndGrace, newBinding("E", "end grace now", "E")},
	}
}

// DocsKeys are the Docs pane's bindings. Tab and the digits switch tabs
// here as everywhere: the arrows move between sidebar and page, and links
// are followed with o then their number.
type DocsKeys struct {
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding
	Sidebar, Page, Open, FollowLink         key.Binding
	Search, NextMatch, PrevMatch            key.Binding
	Language, CopySnippet, TryIt            key.Binding
}

func (k *DocsKeys) actions() []action {
	return []action{
		{"up", &k.Up, navUp},
		{"down", &k.Down, navDown},
		{"page_up", &k.PageUp, navPageUp},
		// Space pages down too, as in a pager.
		{"page_down", &k.PageDown, newBinding("pgdn", "page down", "pgdown", "space")},
		{"top", &k.Top, navTop},
		{"bottom", &k.Bottom, navBottom},
		{"sidebar", &k.Sidebar, newBinding("←", "to sidebar", "left")},
		{"page", &k.Page, newBinding("→", "to page", "right")},
		{"open", &k.Open, newBinding("enter", "open", "enter")},
		{"follow_link", &k.FollowLink, newBinding("o", "follow link (then 1-9)", "o")},
		{"search", &k.Search, newBinding("/", "search", "/")},
		{"next_match", &k.NextMatch, newBinding("n", "next match", "n")},
		{"prev_match", &k.PrevMatch, newBinding("N", "prev match", "N")},
		{"language", &k.Language, newBinding("l", "language", "l")},
		{"copy_snippet", &k.CopySnippet, newBinding("y", "copy snippet", "y")},
		{"try_it", &k.TryIt, newBinding("T", "try it", "T")},
	}
}

// UsageKeys are the Usage pane's bindings.
type UsageKeys struct {
	Up, Down, Top, Bottom           key.Binding
	Range, Custom, KeyFilter        key.Binding
	Left, Right, Sort, Open, Export key.Binding
	NextSection, PrevSection, Copy  key.Binding
	Live, LiveFilter, LiveFollow    key.Binding
}

func (k *UsageKeys) actions() []action {
	return []action{
		{"up", &k.Up, newBinding("↑/k", "scroll up", "up", "k")},
		{"down", &k.Down, newBinding("↓/j", "scroll down", "down", "j")},
		{"top", &k.Top, navTop},
		{"bottom", &k.Bottom, navBottom},
		{"range", &k.Range, newBinding("t", "time range", "t")},
		{"custom", &k.Custom, newBinding("T", "custom range", "T")},
		{"key_filter", &k.KeyFilter, newBinding("f", "key filter", "f")},
		{"left", &k.Left, newBinding("←/h", "cursor left", "left", "h")},
		{"right", &k.Right, newBinding("→/l", "cursor right", "right", "l")},
		{"sort", &k.Sort, newBinding("s", "sort endpoints", "s")},
		{"open", &k.Open, newBinding("enter", "filter by key", "enter")},
		{"export", &k.Export, newBinding("E", "export errors CSV", "E")},
		{"next_section", &k.NextSection, newBinding("]", "next section", "]")},
		{"prev_section", &k.PrevSection, newBinding("[", "prev section", "[")},
		{"copy", &k.Copy, newBinding("y", "copy CSV (OSC 52)", "y")},
		{"live", &k.Live, newBinding("L", "live request log", "L")},
		{"live_filter", &k.LiveFilter, newBinding("/", "filter live log", "/")},
		{"live_follow", &k.LiveFollow, newBinding("F", "follow newest", "F")},
	}
}

// WebhooksKeys are the Webhooks pane's bindings.
type WebhooksKeys struct {
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding
	Open, Create, Test, Pause               key.Binding
	RotateSecret, Retry, RetryAll, Delete   key.Binding
	Filter, Copy, Edit                      key.Binding
}

func (k *WebhooksKeys) actions() []action {
	return []action{
		{"up", &k.Up, navUp},
		{"down", &k.Down, navDown},
		// In a delivery; space pages down too, as in a pager.
		{"page_up", &k.PageUp, navPageUp},
		{"page_down", &k.PageDown, newBinding("pgdn", "page down", "pgdown", "space")},
		{"top", &k.Top, navTop},
		{"bottom", &k.Bottom, navBottom},
		{"open", &k.Open, newBinding("enter", "details", "enter")},
		{"create", &k.Create, newBinding("n", "new endpoint", "n")},
		{"test", &k.Test, newBinding("t", "send test", "t")},
		{"pause", &k.Pause, newBinding("P", "pause/resume", "P")},
		{"rotate_secret", &k.RotateSecret, newBinding("S", "rotate secret", "S")},
		{"retry", &k.Retry, newBinding("R", "retry delivery", "R")},
		{"retry_all", &k.RetryAll, newBinding("A", "retry all failed", "A")},
		{"delete", &k.Delete, newBinding("D", "delete", "D")},
		{"filter", &k.Filter, newBinding("f", "status filter", "f")},
		{"copy", &k.Copy, newBinding("c", "copy", "c")},
		{"edit", &k.Edit, newBinding("e", "edit", "e")},
	}
}

// DialogKeys are the keys of every dialog: the wizards, confirmations,
// show-once screens, pickers and forms. A dialog names what a key does
// there with WithHelp ("enter rotate"). Close (q) closes an overlay that
// has no text field, as in less and lazygit; in a field q is typed.
type DialogKeys struct {
	Accept, Cancel, Yes, No  key.Binding
	Close                    key.Binding
	Up, Down, Left, Right    key.Binding
	NextField, PrevField     key.Binding
	Toggle, PageUp, PageDown key.Binding
}

func (k *DialogKeys) actions() []action {
	return []action{
		{"accept", &k.Accept, newBinding("enter", "confirm", "enter")},
		{"cancel", &k.Cancel, newBinding("esc", "cancel", "esc")},
		{"close", &k.Close, newBinding("q", "close", "q")},
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
