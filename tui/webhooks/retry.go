package webhooks

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/penguinmails/pmdev/tui/common"
	"github.com/penguinmails/pmdev/tui/component/dialog"
)

// retryAllConfirm names how many deliveries "retry all failed" would send.
type retryAllConfirm struct {
	m              *Model
	webhookID, url string
	ids            []string
}

// Update implements dialog.Dialog.
func (r *retryAllConfirm) Update(msg tea.Msg) (dialog.Dialog, tea.Cmd) {
	m := r.m
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return r, nil
	}
	switch k.String() {
	case "y", "Y":
		d := m.detail
		if d == nil || d.id != r.webhookID || d.busy {
			return nil, nil
		}
		d.busy = true
		m.setNotice(fmt.Sprintf("retrying %s…", plural(len(r.ids), "delivery", "deliveries")), false)
		return nil, retryDeliveries(m.ctx.Client, d.id, r.ids)
	case "n", "N", "esc":
		return nil, nil
	}
	return r, nil
}

// View implements dialog.Dialog.
func (r *retryAllConfirm) View(width, height int) string {
	s := r.m.ctx.Styles
	var b strings.Builder
	b.WriteString(s.Warning.Render("Retry all failed deliveries") + s.Muted.Render("  "+common.Sanitize(r.webhookID)) + "\n\n")
	wrap := func(text string) string { return ansi.Wrap(text, max(width-2, 20), "/") }
	b.WriteString(wrap(fmt.Sprintf("Send %s again now to %s?", plural(len(r.ids), "failed delivery", "failed deliveries"),
		common.Sanitize(r.url))) + "\n")
	b.WriteString(s.Muted.Render(wrap("These are the failed and pending-retry deliveries loaded in this view (test events excluded). "+
		"Each is sent once, now; receivers should de-duplicate on webhook-id.")) + "\n\n")
	b.WriteString(s.Help.Render("y retry "+itoa(len(r.ids))+" · n/esc cancel") + "\n")
	return b.String()
}

// ShortHelp implements help.KeyMap.
func (r *retryAllConfirm) ShortHelp() []key.Binding {
	return []key.Binding{confirmKey("y", "retry"), confirmKey("n", "cancel")}
}

// FullHelp implements help.KeyMap.
func (r *retryAllConfirm) FullHelp() [][]key.Binding { return [][]key.Binding{r.ShortHelp()} }
