package wizard

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/penguinmails/pmdev/tui/common"
	"github.com/penguinmails/pmdev/tui/component/dialog"
)

// discardAsk asks before the form closes on what the user typed.
type discardAsk = dialog.Confirm[*Model]

// close is q, or esc at the first step: the form closes at once when it
// holds nothing of the user's, else it asks first.
func (f *Model) close() (dialog.Dialog, tea.Cmd) {
	if !f.dirty() {
		return nil, nil
	}
	f.over.Push(&discardAsk{
		Data: f, Keys: &f.ctx.Keys.Dialog, YesHelp: "discard", NoHelp: "keep editing",
		OnYes: func(*discardAsk) (bool, tea.Cmd) {
			f.discarded = true
			return false, nil
		},
		OnNo: func(*discardAsk) tea.Cmd { return f.refocus() },
		Body: discardView,
	})
	return f, nil
}

// dirty: the form holds something the user entered or changed.
func (f *Model) dirty() bool {
	if f.edit {
		return len(f.diff(f.ctx.Now())) > 0
	}
	typed := f.name.Value() + f.desc.Value() + f.custom.Value() + f.ips.Value()
	return strings.TrimSpace(typed) != "" || f.step != f.entry
}

func discardView(d *discardAsk, width, height int) string {
	f := d.Data
	st := f.ctx.Styles
	title, body := "Discard this new key?", "Nothing has been created yet; what you entered is lost."
	if f.edit {
		title, body = "Discard your changes to "+common.Sanitize(f.orig.Name)+"?", "The key stays as it is."
	}
	k := &f.ctx.Keys.Dialog
	s := st.Title.Render(title) + "\n\n" + body + "\n\n" +
		st.Muted.Render(k.Yes.Help().Key+" discard · "+k.No.Help().Key+"/"+k.Cancel.Help().Key+" keep editing")
	return lipgloss.Place(width, height, lipgloss.Center, lipgloss.Center, st.Modal.Render(s))
}

// CapturesInput reports that a text input has the keyboard.
func (f *Model) CapturesInput() bool { return f.focusedInput() != nil }

// ShortHelp implements help.KeyMap: the diff's or the question's while one
// is open; q closes where no text field has the keys.
func (f *Model) ShortHelp() []key.Binding {
	if !f.over.Empty() {
		return f.over.ShortHelp()
	}
	k, fk := &f.ctx.Keys.Dialog, &f.ctx.Keys.Form
	bs := []key.Binding{common.WithHelp(k.Accept, "next"), common.Joined("next field", k.NextField, k.Down), common.WithHelp(k.Cancel, "back")}
	if !f.CapturesInput() {
		bs = append(bs, common.WithHelp(k.Close, "close"))
	}
	if f.step == stepPerms {
		bs = append(bs, k.Toggle, common.Joined("presets", fk.SelectReadOnly, fk.SelectEmail, fk.SelectAll))
	}
	return bs
}

// FullHelp implements help.KeyMap.
func (f *Model) FullHelp() [][]key.Binding { return [][]key.Binding{f.ShortHelp()} }
