package usage

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/penguinmails/pmdev/client"
	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
	"github.com/penguinmails/pmdev/tui/component/dialog"
)

// picker is the key filter dialog: All keys, then every key by name.
// Typing filters the list, so j and k are text here.
type picker struct {
	m       *Model
	items   []pickItem
	filter  string
	sel     int
	current string // the key filtered by now ("" for all keys)
	moved   bool   // the user chose a row: keep it when the list loads
	loading bool
	err     string
}

// selectCurrent puts the selection on the key being shown, so enter keeps
// it and the list opens where the user is.
func (p *picker) selectCurrent() {
	if p.moved || p.filter != "" {
		return
	}
	for i, it := range p.visible() {
		if it.id == p.current {
			p.sel = i
			return
		}
	}
}

type pickItem struct{ id, name, detail string }

func (m *Model) openPicker() tea.Cmd {
	p := &picker{m: m, loading: true, current: m.keyID}
	if m.data != nil {
		// Keys with traffic are known already; the full list follows.
		for _, k := range m.data.ByKey {
			p.items = append(p.items, pickItem{id: k.KeyID, name: common.Sanitize(k.Name)})
		}
	}
	p.selectCurrent()
	m.dialogs.Push(p)
	c := m.ctx.Client
	if c == nil {
		p.loading = false
		return nil
	}
	m.keysReq++
	id := m.keysReq
	return func() tea.Msg {
		list, err := c.ListKeys(context.Background(), models.KeyListParams{Sort: "name", PerPage: 1000})
		return keysMsg{Result: common.Result{Pane: common.PaneUsage, ReqID: id}, keys: list.APIKeys, err: err}
	}
}

func (p *picker) setKeys(keys []models.APIKey, err error, role string) {
	p.loading = false
	if err != nil {
		if !errors.Is(err, client.ErrNotModified) {
			p.err = common.ErrorText(err, role)
		}
		return
	}
	items := make([]pickItem, 0, len(keys))
	for _, k := range keys {
		items = append(items, pickItem{id: k.KeyID, name: common.Sanitize(k.Name),
			detail: common.Sanitize(k.MaskedKey) + " · " + common.Sanitize(k.Status)})
	}
	sort.SliceStable(items, func(i, j int) bool { return strings.ToLower(items[i].name) < strings.ToLower(items[j].name) })
	p.items = items
	p.selectCurrent()
	p.sel = min(p.sel, len(p.visible())-1)
}

// visible is the items matching the typed filter (name, id, masked key or
// status), after All keys when nothing is typed or it matches too: the
// first row is then the first match, and enter picks it (as in fzf, k9s).
func (p *picker) visible() []pickItem {
	var out []pickItem
	f := strings.ToLower(p.filter)
	match := func(s string) bool { return strings.Contains(strings.ToLower(s), f) }
	if f == "" || match("All keys") {
		out = append(out, pickItem{name: "All keys"})
	}
	for _, it := range p.items {
		if f == "" || match(it.name) || match(it.id) || match(it.detail) {
			out = append(out, it)
		}
	}
	return out
}

// Update implements dialog.Dialog.
func (p *picker) Update(msg tea.Msg) (dialog.Dialog, tea.Cmd) {
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return p, nil
	}
	m, k := p.m, &p.m.ctx.Keys.Dialog
	items := p.visible()
	switch {
	case common.TypesText(km):
		if printable(km.Text) {
			p.filter += km.Text
			p.sel = 0
		}
	case key.Matches(km, k.Cancel):
		return nil, nil
	case key.Matches(km, k.Accept):
		if len(items) == 0 {
			return p, nil // nothing matches: keep the dialog and what was typed
		}
		if p.sel < len(items) {
			it := items[p.sel]
			if it.id == m.keyID {
				return nil, nil
			}
			return nil, m.setKey(it.id, it.name)
		}
	case key.Matches(km, k.Up, k.PrevField):
		p.sel, p.moved = max(p.sel-1, 0), true
	case key.Matches(km, k.Down, k.NextField):
		p.sel, p.moved = min(p.sel+1, len(items)-1), true
	case km.String() == "backspace":
		if p.filter != "" {
			r := []rune(p.filter)
			p.filter = string(r[:len(r)-1])
			p.sel = 0
		}
	}
	return p, nil
}

func printable(s string) bool { return common.Sanitize(s) == s && !strings.ContainsAny(s, "\n\t") }

// View implements dialog.Dialog: the box centred in w columns, below a blank line.
func (p *picker) View(w, h int) string {
	s := p.m.ctx.Styles
	items := p.visible()
	bw := min(max(w-4, 20), 64)
	inner := bw - 6
	lines := []string{s.Heading.Render("Filter by API key"), s.Label.Render("type to search: ") + s.Value.Render(p.filter) + s.Cursor.Render("▏"), ""}
	capacity := max(h-10, 3)
	off := max(0, p.sel-capacity+1)
	for i := off; i < len(items) && i < off+capacity; i++ {
		it := items[i]
		row := common.Fit(it.name, inner/2) + " " + s.Muted.Render(common.Fit(it.detail, inner-inner/2-1))
		if i == p.sel {
			row = s.Selected.Render(common.Fit("▸ "+it.name, inner/2+2)) + " " + s.Muted.Render(common.Fit(it.detail, inner-inner/2-3))
		} else {
			row = "  " + row
		}
		lines = append(lines, common.Clip(row, inner))
	}
	if len(items) == 0 {
		lines = append(lines, s.Muted.Render("  no key matches “"+p.filter+"” · backspace to edit"))
	}
	if hidden := len(items) - len(lines) + 3; hidden > 0 {
		lines = append(lines, s.Muted.Render(fmt.Sprintf("  … %d more · ↑/↓ or type to find", hidden)))
	}
	if p.loading {
		lines = append(lines, s.Muted.Render("loading keys…"))
	}
	if p.err != "" {
		lines = append(lines, s.Danger.Render(common.Clip(p.err, inner)))
	}
	lines = append(lines, "", s.Help.Render("type to filter · ↑/↓ choose · enter apply · esc cancel"))
	return center(s.Modal.Padding(0, 2).Width(bw).Render(strings.Join(lines, "\n")), w)
}

// ShortHelp implements help.KeyMap.
func (p *picker) ShortHelp() []key.Binding { return applyHelp(&p.m.ctx.Keys.Dialog) }

// FullHelp implements help.KeyMap.
func (p *picker) FullHelp() [][]key.Binding { return [][]key.Binding{p.ShortHelp()} }

// applyHelp is the help of the pane's dialogs: the picker and the range form.
func applyHelp(k *common.DialogKeys) []key.Binding {
	return []key.Binding{common.WithHelp(k.Accept, "apply"), common.WithHelp(k.Cancel, "cancel")}
}

// center indents a block so it sits in the middle of w columns, below a
// blank line.
func center(block string, w int) string {
	lines := strings.Split(block, "\n")
	pad := strings.Repeat(" ", max(0, (w-lipgloss.Width(block))/2))
	out := make([]string, 0, len(lines)+1)
	out = append(out, "")
	for _, l := range lines {
		out = append(out, pad+l)
	}
	return strings.Join(out, "\n")
}
