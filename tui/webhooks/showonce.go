package webhooks

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/penguinmails/pmdev/tui/common"
	"github.com/penguinmails/pmdev/tui/component/dialog"
)

// showOnce displays a new secret with verification snippets; closing it
// drops the secret for good.
type showOnce struct {
	m         *Model
	title     string
	webhookID string
	url       string
	secret    common.Secret
	note      string
	lang      int
	copied    bool
	confirmed bool // the system clipboard took it (OSC 52 alone cannot say)
	warned    bool
	// askClose is the y/n question ctrl+c asks, as the key's screen does;
	// ctrl+c there quits.
	askClose bool
}

func (m *Model) onRotated(msg rotatedMsg) tea.Cmd {
	r, ok := dialog.Find[*rotateConfirm](&m.dialogs)
	if !ok || r.Data.id != msg.id {
		return nil
	}
	if msg.err != nil {
		r.Busy = false
		r.Err = m.errText(msg.err)
		return nil
	}
	m.dialogs.Remove(r)
	m.dialogs.Push(&showOnce{m: m, title: "Signing secret rotated", webhookID: msg.id, url: r.Data.url, secret: msg.secret,
		note: "The previous secret keeps signing too until " + msg.result.PreviousSecretExpiresAt.Local().Format("Jan 2 15:04") + " (both signatures are sent)."})
	return tea.Batch(m.load(true), m.loadDetail(true), common.Status("secret rotated", common.LevelSuccess))
}

// Update implements dialog.Dialog.
func (o *showOnce) Update(msg tea.Msg) (dialog.Dialog, tea.Cmd) {
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return o, nil
	}
	k, sk := &o.m.ctx.Keys.Dialog, &o.m.ctx.Keys.Secret
	switch {
	case common.IsQuit(km) && o.askClose:
		return o, tea.Quit
	case common.IsQuit(km):
		o.askClose = true
		return o, nil
	case o.askClose && key.Matches(km, k.Yes):
		return nil, nil
	case o.askClose:
		if key.Matches(km, k.No, k.Cancel) {
			o.askClose = false
		}
		return o, nil
	case key.Matches(km, sk.Copy):
		o.copied = true
		return o, common.Copy(o.m.ctx, common.PaneWebhooks, o.secret.Reveal(), "signing secret")
	case key.Matches(km, sk.CopySnippet):
		return o, common.Copy(o.m.ctx, common.PaneWebhooks, snippet(o.lang), snippetLangs[o.lang]+" snippet")
	case key.Matches(km, k.NextField, k.Right):
		o.lang = (o.lang + 1) % len(snippetLangs)
	case key.Matches(km, k.PrevField, k.Left):
		o.lang = (o.lang + len(snippetLangs) - 1) % len(snippetLangs)
	case key.Matches(km, k.Accept, k.Cancel, k.Close):
		if !o.confirmed && !o.warned {
			o.warned = true
			return o, nil
		}
		return nil, nil
	}
	return o, nil
}

// View implements dialog.Dialog.
func (o *showOnce) View(width, height int) string {
	s := o.m.ctx.Styles
	var b strings.Builder
	b.WriteString(s.Title.Render(o.title) + s.Muted.Render("  "+common.Sanitize(o.webhookID)+" · "+common.Sanitize(o.url)) + "\n\n")
	b.WriteString(s.Label.Render("Signing secret ") + s.Secret.Render(o.secret.Reveal()) + "\n")
	b.WriteString(s.Warning.Render("⚠ Save it now: it is shown only this once.") + "\n")
	if o.note != "" {
		b.WriteString(s.Muted.Render(o.note) + "\n")
	}
	b.WriteString("\n")
	tabs := make([]string, len(snippetLangs))
	for i, l := range snippetLangs {
		if i == o.lang {
			tabs[i] = s.TabActive.Render(l)
		} else {
			tabs[i] = s.TabInactive.Render(l)
		}
	}
	b.WriteString(s.Heading.Render("Verify deliveries ") + strings.Join(tabs, "") + s.Muted.Render("  (Standard Webhooks: any standardwebhooks/svix library works too)") + "\n")
	lines := strings.Split(snippet(o.lang), "\n")
	room := max(height-9, 3)
	if len(lines) > room {
		lines = append(lines[:room-1], "…  (y copies the whole snippet)")
	}
	for _, l := range lines {
		b.WriteString(s.Code.Render(strings.ReplaceAll(l, "\t", "    ")) + "\n")
	}
	b.WriteString("\n")
	switch {
	case o.askClose:
		b.WriteString(s.Warning.Render("The secret will not be shown again. Close? y/n") + s.Muted.Render(" (ctrl+c quits)") + "\n")
	case o.warned && !o.copied:
		b.WriteString(s.Warning.Render("Secret not copied yet — press c to copy it, or enter again to close without copying.") + "\n")
	case o.warned:
		b.WriteString(s.Warning.Render("The copy (OSC 52) is unconfirmed — paste it somewhere to check, then enter again to close.") + "\n")
	default:
		b.WriteString(s.Help.Render("c copy secret · y copy snippet · ←/→ language · enter done") + "\n")
	}
	return b.String()
}

// ShortHelp implements help.KeyMap.
func (o *showOnce) ShortHelp() []key.Binding {
	k, sk := &o.m.ctx.Keys.Dialog, &o.m.ctx.Keys.Secret
	if o.askClose {
		return []key.Binding{common.WithHelp(k.Yes, "close"), common.WithHelp(k.No, "keep open")}
	}
	return []key.Binding{common.WithHelp(sk.Copy, "copy secret"), common.WithHelp(sk.CopySnippet, "copy snippet"), common.WithHelp(k.Accept, "done")}
}

// FullHelp implements help.KeyMap.
func (o *showOnce) FullHelp() [][]key.Binding { return [][]key.Binding{o.ShortHelp()} }
