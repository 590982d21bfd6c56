package webhooks

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/penguinmails/pmdev/tui/common"
	"github.com/penguinmails/pmdev/tui/component/dialog"
)

// rotateConfirm asks before rotating a secret.
type rotateConfirm struct {
	m       *Model
	id, url string
	err     string
	busy    bool
}

// Update implements dialog.Dialog.
func (r *rotateConfirm) Update(msg tea.Msg) (dialog.Dialog, tea.Cmd) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok || r.busy {
		return r, nil
	}
	switch k.String() {
	case "y", "Y":
		r.busy, r.err = true, ""
		return r, rotateSecret(r.m.ctx.Client, r.id)
	case "n", "N", "esc":
		return nil, nil
	}
	return r, nil
}

// View implements dialog.Dialog.
func (r *rotateConfirm) View(width, height int) string {
	s := r.m.ctx.Styles
	var b strings.Builder
	b.WriteString(s.Warning.Render("Rotate signing secret") + s.Muted.Render("  "+common.Sanitize(r.id)+" · "+common.Sanitize(r.url)) + "\n\n")
	b.WriteString("A new secret is generated and shown once. For 24 hours every delivery\n")
	b.WriteString("carries signatures from both the new and the current secret, so you can\n")
	b.WriteString("deploy the new one without dropping events. After that only the new one signs.\n\n")
	switch {
	case r.err != "":
		b.WriteString(s.Danger.Render("✗ "+r.err) + "\n\n")
	case r.busy:
		b.WriteString(s.Muted.Render("rotating…") + "\n\n")
	}
	b.WriteString(s.Help.Render("y rotate · n/esc cancel") + "\n")
	return b.String()
}

// ShortHelp implements help.KeyMap.
func (r *rotateConfirm) ShortHelp() []key.Binding {
	return []key.Binding{confirmKey("y", "rotate"), confirmKey("n", "cancel")}
}

// FullHelp implements help.KeyMap.
func (r *rotateConfirm) FullHelp() [][]key.Binding { return [][]key.Binding{r.ShortHelp()} }
