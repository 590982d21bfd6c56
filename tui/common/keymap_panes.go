package common

import "charm.land/bubbles/v2/key"

// Pane scopes. Each pane's owner edits only its own struct, default and
// bindings() below; keep the action names stable, they are config keys.

// OverviewKeys are the Overview pane's bindings.
type OverviewKeys struct {
	Up, Down, Open, Create, Docs key.Binding
}

func defaultOverviewKeys() OverviewKeys {
	return OverviewKeys{
		Up:     newBinding("↑/k", "up", "up", "k"),
		Down:   newBinding("↓/j", "down", "down", "j"),
		Open:   newBinding("enter", "open", "enter"),
		Create: newBinding("n", "new key", "n"),
		Docs:   newBinding("d", "docs", "d"),
	}
}

func (k *OverviewKeys) bindings() map[string]*key.Binding {
	return map[string]*key.Binding{"up": &k.Up, "down": &k.Down, "open": &k.Open, "create": &k.Create, "docs": &k.Docs}
}

// KeysKeys are the Keys pane's bindings.
type KeysKeys struct {
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding
	Open, Search, Filter, Sort              key.Binding
	Create, Edit, Rotate, Revoke            key.Binding
	CopyID, Usage                           key.Binding
}

func defaultKeysKeys() KeysKeys {
	return KeysKeys{
		Up:       newBinding("↑/k", "up", "up", "k"),
		Down:     newBinding("↓/j", "down", "down", "j"),
		PageUp:   newBinding("pgup", "page up", "pgup"),
		PageDown: newBinding("pgdn", "page down", "pgdown"),
		Top:      newBinding("g", "top", "g", "home"),
		Bottom:   newBinding("G", "bottom", "G", "end"),
		Open:     newBinding("enter", "details", "enter"),
		Search:   newBinding("/", "search", "/"),
		Filter:   newBinding("f", "status filter", "f"),
		Sort:     newBinding("s", "sort", "s"),
		Create:   newBinding("n", "new key", "n"),
		Edit:     newBinding("e", "edit", "e"),
		Rotate:   newBinding("R", "rotate", "R"),
		Revoke:   newBinding("D", "revoke", "D"),
		CopyID:   newBinding("c", "copy id", "c"),
		Usage:    newBinding("u", "usage", "u"),
	}
}

func (k *KeysKeys) bindings() map[string]*key.Binding {
	return map[string]*key.Binding{
		"up": &k.Up, "down": &k.Down, "page_up": &k.PageUp, "page_down": &k.PageDown, "top": &k.Top, "bottom": &k.Bottom,
		"open": &k.Open, "search": &k.Search, "filter": &k.Filter, "sort": &k.Sort,
		"create": &k.Create, "edit": &k.Edit, "rotate": &k.Rotate, "revoke": &k.Revoke,
		"copy_id": &k.CopyID, "usage": &k.Usage,
	}
}

// DocsKeys are the Docs pane's bindings.
type DocsKeys struct {
	Up, Down, PageUp, PageDown, Top, Bottom   key.Binding
	Focus, Open, Search, NextMatch, PrevMatch key.Binding
	Language, CopySnippet, TryIt              key.Binding
}

func defaultDocsKeys() DocsKeys {
	return DocsKeys{
		Up:          newBinding("↑/k", "up", "up", "k"),
		Down:        newBinding("↓/j", "down", "down", "j"),
		PageUp:      newBinding("pgup", "page up", "pgup"),
		PageDown:    newBinding("pgdn", "page down", "pgdown", " "),
		Top:         newBinding("g", "top", "g", "home"),
		Bottom:      newBinding("G", "bottom", "G", "end"),
		Focus:       newBinding("tab", "sidebar/page", "tab"),
		Open:        newBinding("enter", "open", "enter"),
		Search:      newBinding("/", "search", "/"),
		NextMatch:   newBinding("n", "next match", "n"),
		PrevMatch:   newBinding("N", "prev match", "N"),
		Language:    newBinding("l", "language", "l"),
		CopySnippet: newBinding("y", "copy snippet", "y"),
		TryIt:       newBinding("T", "try it", "T"),
	}
}

func (k *DocsKeys) bindings() map[string]*key.Binding {
	return map[string]*key.Binding{
		"up": &k.Up, "down": &k.Down, "page_up": &k.PageUp, "page_down": &k.PageDown, "top": &k.Top, "bottom": &k.Bottom,
		"focus": &k.Focus, "open": &k.Open, "search": &k.Search, "next_match": &k.NextMatch, "prev_match": &k.PrevMatch,
		"language": &k.Language, "copy_snippet": &k.CopySnippet, "try_it": &k.TryIt,
	}
}

// UsageKeys are the Usage pane's bindings.
type UsageKeys struct {
	Up, Down, Top, Bottom           key.Binding
	Range, Custom, KeyFilter        key.Binding
	Left, Right, Sort, Open, Export key.Binding
	NextSection, PrevSection, Copy  key.Binding
}

func defaultUsageKeys() UsageKeys {
	return UsageKeys{
		Up:          newBinding("↑", "scroll up", "up"),
		Down:        newBinding("↓/j", "scroll down", "down", "j"),
		Top:         newBinding("g", "top", "g", "home"),
		Bottom:      newBinding("G", "bottom", "G", "end"),
		Range:       newBinding("t", "time range", "t"),
		Custom:      newBinding("T", "custom range", "T"),
		KeyFilter:   newBinding("k", "key filter", "k"),
		Left:        newBinding("←/h", "cursor left", "left", "h"),
		Right:       newBinding("→/l", "cursor right", "right", "l"),
		Sort:        newBinding("s", "sort endpoints", "s"),
		Open:        newBinding("enter", "filter by key", "enter"),
		Export:      newBinding("E", "export errors CSV", "E"),
		NextSection: newBinding("]", "next section", "]"),
		PrevSection: newBinding("[", "prev section", "["),
		Copy:        newBinding("y", "copy CSV (OSC 52)", "y"),
	}
}

func (k *UsageKeys) bindings() map[string]*key.Binding {
	return map[string]*key.Binding{
		"up": &k.Up, "down": &k.Down, "top": &k.Top, "bottom": &k.Bottom, "range": &k.Range, "custom": &k.Custom, "key_filter": &k.KeyFilter,
		"left": &k.Left, "right": &k.Right, "sort": &k.Sort, "open": &k.Open, "export": &k.Export,
		"next_section": &k.NextSection, "prev_section": &k.PrevSection, "copy": &k.Copy,
	}
}

// WebhooksKeys are the Webhooks pane's bindings.
type WebhooksKeys struct {
	Up, Down, Open, Create, Test, Pause   key.Binding
	RotateSecret, Retry, RetryAll, Delete key.Binding
	Filter, Copy, Edit                    key.Binding
}

func defaultWebhooksKeys() WebhooksKeys {
	return WebhooksKeys{
		Up:           newBinding("↑/k", "up", "up", "k"),
		Down:         newBinding("↓/j", "down", "down", "j"),
		Open:         newBinding("enter", "details", "enter"),
		Create:       newBinding("n", "new endpoint", "n"),
		Test:         newBinding("t", "send test", "t"),
		Pause:        newBinding("P", "pause/resume", "P"),
		RotateSecret: newBinding("S", "rotate secret", "S"),
		Retry:        newBinding("R", "retry delivery", "R"),
		RetryAll:     newBinding("A", "retry all failed", "A"),
		Delete:       newBinding("D", "delete", "D"),
		Filter:       newBinding("f", "status filter", "f"),
		Copy:         newBinding("c", "copy", "c"),
		Edit:         newBinding("e", "edit", "e"),
	}
}

func (k *WebhooksKeys) bindings() map[string]*key.Binding {
	return map[string]*key.Binding{
		"up": &k.Up, "down": &k.Down, "open": &k.Open, "create": &k.Create, "test": &k.Test, "pause": &k.Pause,
		"rotate_secret": &k.RotateSecret, "retry": &k.Retry, "retry_all": &k.RetryAll, "delete": &k.Delete,
		"filter": &k.Filter, "copy": &k.Copy, "edit": &k.Edit,
	}
}
