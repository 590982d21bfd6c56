package keys

import (
	"charm.land/bubbles/v2/key"

	"github.com/penguinmails/pmdev/client"
	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
)

// keyHelp is the pane's help: the top dialog's, else what the list offers
// for the selected key.
type keyHelp struct{ m *Model }

func (h keyHelp) ShortHelp() []key.Binding {
	m := h.m
	k := m.ctx.Keys.Keys
	switch {
	case !m.dialogs.Empty():
		return m.dialogs.ShortHelp()
	case m.searching:
		return []key.Binding{common.WithHelp(m.ctx.Keys.Dialog.Accept, "keep"), common.WithHelp(m.ctx.Keys.Dialog.Cancel, "clear")}
	}
	if m.noList() {
		return nil // nothing to move over or act on; the pane says why
	}
	// Only what can run on the selected key: when actions are blocked the
	// footer says why.
	cur := m.current()
	out := []key.Binding{k.Up, k.Down}
	if cur != nil {
		out = append(out, k.Open)
	}
	out = append(out, k.Search, k.Filter, k.Sort)
	if m.blocked(m.ctx.Now()) == "" {
		out = append(out, k.Create)
	}
	out = append(out, m.keyActions(cur)...)
	if cur != nil {
		out = append(out, k.CopyID, k.Usage)
	}
	return out
}

// keyActions are the changes k's status allows, none while actions are
// blocked: a revoked key takes none, an expired one can still be revoked,
// a key rotated away is not rotated again. The handlers refuse the rest
// too; the help must not offer what they refuse.
func (m *Model) keyActions(k *models.APIKey) []key.Binding {
	kb := &m.ctx.Keys.Keys
	now := m.ctx.Now()
	if k == nil || m.blocked(now) != "" {
		return nil
	}
	switch {
	case common.EffectiveKeyStatus(k, now) == models.KeyActive && k.ReplacedBy != "":
		return []key.Binding{kb.Edit, kb.Revoke}
	case common.EffectiveKeyStatus(k, now) == models.KeyActive:
		return []key.Binding{kb.Edit, kb.Rotate, kb.Revoke}
	case k.Status != models.KeyRevoked:
		return []key.Binding{kb.Revoke}
	}
	return nil
}

// noList reports that the list itself was refused (a member's 403, a
// rejected token) and nothing was loaded before: no list key can do anything.
func (m *Model) noList() bool {
	return !m.loaded && (m.listForbidden || client.StatusOf(m.listErr) == 401)
}

func (h keyHelp) FullHelp() [][]key.Binding {
	m := h.m
	k := m.ctx.Keys.Keys
	if !m.dialogs.Empty() {
		return m.dialogs.FullHelp()
	}
	if m.noList() {
		return nil
	}
	groups := [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom},
		{k.Open, k.Search, k.Filter, k.Sort},
	}
	if m.blocked(m.ctx.Now()) == "" {
		groups = append(groups, []key.Binding{k.Create, k.Edit, k.Rotate, k.Revoke, k.AllowList, k.Expiry})
	}
	return append(groups, []key.Binding{k.CopyID, k.Usage})
}
