package webhooks

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
	"github.com/penguinmails/pmdev/tui/component/dialog"
)

// deleteModal asks for the endpoint URL to be typed before deleting.
type deleteModal struct {
	m       *Model
	id, url string
	typed   dialog.Typed
	busy    bool
}

func newDeleteModal(m *Model, w models.Webhook) *deleteModal {
	// The placeholder is a prompt, not the URL: without a width the input
	// cut the URL to its first letter ("› h"), and an API string must not
	// reach the screen unsanitised.
	t := dialog.NewTyped("type the endpoint URL shown above", models.WebhookMaxURLLength, w.URL, "the text does not match the endpoint URL")
	t.Input.SetWidth(60)
	return &deleteModal{m: m, id: w.ID, url: w.URL, typed: t}
}

// Update implements dialog.Dialog.
func (d *deleteModal) Update(msg tea.Msg) (dialog.Dialog, tea.Cmd) {
	k := &d.m.ctx.Keys.Dialog
	if km, ok := msg.(tea.KeyPressMsg); ok {
		switch {
		case d.busy:
			return d, nil
		case key.Matches(km, k.Cancel):
			return nil, nil
		}
	}
	ok, cmd := d.typed.Update(k, msg)
	if ok {
		d.busy = true
		return d, deleteWebhook(d.m.ctx.Client, d.id, d.url)
	}
	return d, cmd
}

// View implements dialog.Dialog.
func (d *deleteModal) View(width, height int) string {
	s := d.m.ctx.Styles
	var b strings.Builder
	b.WriteString(s.Danger.Render("Delete webhook endpoint") + s.Muted.Render("  "+common.Sanitize(d.id)) + "\n\n")
	b.WriteString("This stops all deliveries to the endpoint and removes its delivery log.\n")
	b.WriteString("It cannot be undone. Type the endpoint URL to confirm:\n\n")
	b.WriteString("  " + s.Code.Render(common.Sanitize(d.url)) + "\n\n")
	b.WriteString("  " + s.Label.Render("› ") + d.typed.Input.View() + "\n")
	switch {
	case d.typed.Err != "":
		b.WriteString("  " + s.InputError.Render("✗ "+d.typed.Err) + "\n")
	case d.busy:
		b.WriteString("  " + s.Muted.Render("deleting…") + "\n")
	case d.typed.Matches():
		b.WriteString("  " + s.Danger.Render("enter deletes") + "\n")
	default:
		b.WriteString("\n")
	}
	b.WriteString("\n" + s.Help.Render("enter delete · esc cancel") + "\n")
	return b.String()
}

// ShortHelp implements help.KeyMap.
func (d *deleteModal) ShortHelp() []key.Binding {
	k := &d.m.ctx.Keys.Dialog
	return []key.Binding{common.WithHelp(k.Accept, "delete"), common.WithHelp(k.Cancel, "cancel")}
}

// FullHelp implements help.KeyMap.
func (d *deleteModal) FullHelp() [][]key.Binding { return [][]key.Binding{d.ShortHelp()} }
