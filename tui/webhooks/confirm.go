package webhooks

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
	"github.com/penguinmails/pmdev/tui/component/dialog"
)

// The pane's questions before it acts: rotating an endpoint's secret and
// retrying every failed delivery (y answers, n or esc cancels), and deleting
// an endpoint, which wants its URL typed.

// rotation is the endpoint whose signing secret the question rotates.
type rotation struct{ id, url string }

// retries are the deliveries "retry all failed" would send again.
type retries struct {
	webhookID, url string
	ids            []string
}

type (
	rotateConfirm   = dialog.Confirm[rotation]
	retryAllConfirm = dialog.Confirm[retries]
)

func (m *Model) openRotate(w models.Webhook) {
	m.dialogs.Push(&rotateConfirm{
		Data: rotation{id: w.ID, url: w.URL}, Keys: &m.ctx.Keys.Dialog, YesHelp: "rotate", NoHelp: "cancel",
		OnYes: func(c *rotateConfirm) (bool, tea.Cmd) {
			c.Busy, c.Err = true, ""
			return true, rotateSecret(m.ctx.Client, c.Data.id)
		},
		Body: func(c *rotateConfirm, width, _ int) string {
			text := "A new secret is generated and shown once. For 24 hours every delivery\n" +
				"carries signatures from both the new and the current secret, so you can\n" +
				"deploy the new one without dropping events. After that only the new one signs.\n\n"
			return m.question(c.Keys, "Rotate signing secret", common.Sanitize(c.Data.id)+" · "+common.Sanitize(c.Data.url), text, "rotating…", c.Busy, c.Err, "rotate")
		},
	})
}

func (m *Model) openRetryAll(d *detailState, ids []string) {
	m.dialogs.Push(&retryAllConfirm{
		Data: retries{webhookID: d.id, url: d.webhook.URL, ids: ids}, Keys: &m.ctx.Keys.Dialog, YesHelp: "retry", NoHelp: "cancel",
		OnYes: func(c *retryAllConfirm) (bool, tea.Cmd) {
			d := m.detail
			if d == nil || d.id != c.Data.webhookID || d.busy {
				return false, nil
			}
			d.busy = true
			m.setNotice(fmt.Sprintf("retrying %s…", plural(len(c.Data.ids), "delivery", "deliveries")), false)
			return false, retryDeliveries(m.ctx.Client, d.id, c.Data.ids)
		},
		Body: func(c *retryAllConfirm, width, _ int) string {
			s := m.ctx.Styles
			wrap := func(text string) string { return ansi.Wrap(text, max(width-2, 20), "/") }
			text := wrap(fmt.Sprintf("Send %s again now to %s?", plural(len(c.Data.ids), "failed delivery", "failed deliveries"),
				common.Sanitize(c.Data.url))) + "\n" +
				s.Muted.Render(wrap("These are the failed and pending-retry deliveries loaded in this view (test events excluded). "+
					"Each is sent once, now; receivers should de-duplicate on webhook-id.")) + "\n\n"
			return m.question(c.Keys, "Retry all failed deliveries", common.Sanitize(c.Data.webhookID), text, "", c.Busy, c.Err, "retry "+itoa(len(c.Data.ids)))
		},
	})
}

// question lays out a confirmation: what and on which endpoint (sanitised), the text,
// how the answer is going, and the keys.
func (m *Model) question(k *common.DialogKeys, title, subject, text, busyText string, busy bool, err, yes string) string {
	s := m.ctx.Styles
	var b strings.Builder
	b.WriteString(s.Warning.Render(title) + s.Muted.Render("  "+subject) + "\n\n")
	b.WriteString(text)
	switch {
	case err != "":
		b.WriteString(s.Danger.Render("✗ "+err) + "\n\n")
	case busy:
		b.WriteString(s.Muted.Render(busyText) + "\n\n")
	}
	b.WriteString(s.Help.Render(k.Yes.Help().Key+" "+yes+" · "+k.No.Help().Key+"/"+k.Cancel.Help().Key+" cancel") + "\n")
	return b.String()
}

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
