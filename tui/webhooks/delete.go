package webhooks

import (
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
	"github.com/penguinmails/pmdev/tui/component/dialog"
)

// deleteModal asks for the endpoint URL to be typed before deleting.
type deleteModal struct {
	m       *Model
	id, url string
	input   textinput.Model
	err     string
	busy    bool
}

func newDeleteModal(m *Model, w models.Webhook) *deleteModal {
	// The placeholder is a prompt, not the URL: without a width the input
	// cut the URL to its first letter ("› h"), and an API string must not
	// reach the screen unsanitised.
	in := common.NewInput("type the endpoint URL shown above", models.WebhookMaxURLLength)
	in.SetWidth(60)
	in.Focus()
	return &deleteModal{m: m, id: w.ID, url: w.URL, input: in}
}

// Update implements dialog.Dialog.
func (d *deleteModal) Update(msg tea.Msg) (dialog.Dialog, tea.Cmd) {
	var cmd tea.Cmd
	switch msg := msg.(type) {
	case tea.PasteMsg:
		d.input, cmd = d.input.Update(msg)
	case tea.KeyPressMsg:
		if d.busy {
			return d, nil
		}
		switch msg.String() {
		case "esc":
			return nil, nil
		case "enter":
			if strings.TrimSpace(d.input.Value()) != d.url {
				d.err = "the text does not match the endpoint URL"
				return d, nil
			}
			d.busy, d.err = true, ""
			return d, deleteWebhook(d.m.ctx.Client, d.id, d.url)
		}
		d.input, cmd = d.input.Update(msg)
		d.err = ""
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
	b.WriteString("  " + s.Label.Render("› ") + d.input.View() + "\n")
	switch {
	case d.err != "":
		b.WriteString("  " + s.InputError.Render("✗ "+d.err) + "\n")
	case d.busy:
		b.WriteString("  " + s.Muted.Render("deleting…") + "\n")
	case strings.TrimSpace(d.input.Value()) == d.url:
		b.WriteString("  " + s.Danger.Render("enter deletes") + "\n")
	default:
		b.WriteString("\n")
	}
	b.WriteString("\n" + s.Help.Render("enter delete · esc cancel") + "\n")
	return b.String()
}

// ShortHelp implements help.KeyMap.
func (d *deleteModal) ShortHelp() []key.Binding {
	return []key.Binding{confirmKey("enter", "delete"), confirmKey("esc", "cancel")}
}

// FullHelp implements help.KeyMap.
func (d *deleteModal) FullHelp() [][]key.Binding { return [][]key.Binding{d.ShortHelp()} }
