package webhooks

import (
	"context"
	"fmt"
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/penguinmails/pmdev/client"
	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
	"github.com/penguinmails/pmdev/tui/component/dialog"
)

// openEdit opens the wizard on an existing endpoint: URL and description,
// events, then max retries with a diff of what will change.
func (m *Model) openEdit(wh models.Webhook) tea.Cmd {
	cmd := m.openWizard()
	w, _ := dialog.Find[*wizard](&m.dialogs)
	orig := wh
	orig.Events = slices.Clone(wh.Events)
	w.orig = &orig
	w.url.SetValue(wh.URL)
	w.desc.SetValue(wh.Description)
	w.paused = wh.Status == models.WebhookPaused
	w.retries = wh.MaxRetries
	w.selected = map[string]bool{}
	for _, e := range wh.Events {
		w.selected[e] = true
	}
	return cmd
}

// patch is the PATCH body: only the fields that differ from the original.
func (w *wizard) patch() (models.UpdateWebhookRequest, bool) {
	var req models.UpdateWebhookRequest
	o := w.orig
	changed := false
	if u := strings.TrimSpace(w.url.Value()); u != o.URL {
		req.URL, changed = &u, true
	}
	if d := strings.TrimSpace(w.desc.Value()); d != o.Description {
		req.Description, changed = &d, true
	}
	if ev := w.events(); !slices.Equal(ev, catalogueOrder(o.Events)) {
		req.Events, changed = &ev, true
	}
	if w.retries != o.MaxRetries {
		r := w.retries
		req.MaxRetries, changed = &r, true
	}
	return req, changed
}

// catalogueOrder sorts event types as the wizard lists them, so a mere
// reordering by the server is not a change.
func catalogueOrder(events []string) []string {
	in := map[string]bool{}
	for _, e := range events {
		in[e] = true
	}
	var out []string
	for _, e := range models.WebhookEventNames() {
		if in[e.Type] {
			out = append(out, e.Type)
			delete(in, e.Type)
		}
	}
	// Types the console does not know stay, at the end.
	for _, e := range events {
		if in[e] {
			out = append(out, e)
		}
	}
	return out
}

func (w *wizard) saveEdit() tea.Cmd {
	req, changed := w.patch()
	if !changed {
		w.err = "nothing to save: no field differs from the endpoint (esc goes back)"
		return nil
	}
	w.busy, w.err = true, ""
	return editWebhook(w.m.ctx.Client, w.orig.ID, req)
}

// editedMsg answers an edit (pause/resume answers with updatedMsg).
type editedMsg struct {
	common.Result
	id      string
	webhook models.Webhook
	err     error
}

func editWebhook(c *client.Client, id string, req models.UpdateWebhookRequest) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(client.WithCacheScope(context.Background(), "webhooks"), ioTimeout)
		defer cancel()
		wh, err := c.UpdateWebhook(ctx, id, req)
		return editedMsg{Result: res(0), id: id, webhook: wh, err: err}
	}
}

func (m *Model) onEdited(msg editedMsg) tea.Cmd {
	w, ok := dialog.Find[*wizard](&m.dialogs)
	if !ok || w.orig == nil || w.orig.ID != msg.id {
		return nil // the form was closed meanwhile
	}
	if msg.err != nil {
		return w.failed(msg.err)
	}
	m.dialogs.Remove(w)
	for i := range m.list {
		if m.list[i].ID == msg.webhook.ID {
			m.list[i] = msg.webhook
		}
	}
	if m.detail != nil && m.detail.id == msg.webhook.ID {
		m.detail.webhook = msg.webhook
	}
	m.setNotice("endpoint updated", false)
	return tea.Batch(m.load(true), m.loadDetail(true), common.Status("webhook endpoint updated", common.LevelSuccess))
}

// formFailed puts server errors next to their fields and returns to the
// first step that has one; what was typed is kept.
func (w *wizard) failed(err error) tea.Cmd {
	w.busy = false
	w.err = w.m.errText(err)
	if e, ok := client.AsError(err); ok {
		first := 3
		for f, text := range e.FieldErrors() {
			step := -1
			switch {
			case f == "url", f == "description":
				step = 0
			case strings.HasPrefix(f, "events"):
				f, step = "events", 1
			case f == "max_retries":
				step = 2
			}
			if step >= 0 {
				w.errs[f] = common.Sanitize(text)
				first = min(first, step)
			}
		}
		if first < 3 {
			w.step = first
		}
	}
	if w.step == 0 {
		focus := 0
		if w.errs["url"] == "" && w.errs["description"] != "" {
			focus = 1
		}
		return w.setFocus(focus)
	}
	return nil
}

// diffView lists what the edit changes: - old, + new.
func (w *wizard) diffView(width int) []string {
	s := w.m.ctx.Styles
	o := w.orig
	label := func(l string) string { return "  " + s.Label.Render(common.Pad(l, 13)) }
	indent := strings.Repeat(" ", 15)
	room := max(width-17, 20)
	oldNew := func(name, old, now string) []string {
		if old == "" {
			old = "(none)"
		}
		if now == "" {
			now = "(none)"
		}
		return []string{
			label(name) + s.Danger.Render("- "+common.Truncate(common.Sanitize(old), room)),
			indent + s.Success.Render("+ "+common.Truncate(common.Sanitize(now), room)),
		}
	}
	var out []string
	if u := strings.TrimSpace(w.url.Value()); u != o.URL {
		out = append(out, oldNew("URL", o.URL, u)...)
	}
	if d := strings.TrimSpace(w.desc.Value()); d != o.Description {
		out = append(out, oldNew("Description", o.Description, d)...)
	}
	was := map[string]bool{}
	for _, e := range o.Events {
		was[e] = true
	}
	var evs []string
	for _, e := range w.events() {
		if !was[e] {
			evs = append(evs, s.Success.Render("+"+e))
		}
		delete(was, e)
	}
	for _, e := range catalogueOrder(o.Events) {
		if was[e] {
			evs = append(evs, s.Danger.Render("-"+common.Sanitize(e)))
		}
	}
	if len(evs) > 0 {
		lines := strings.Split(ansi.Wrap(strings.Join(evs, " "), room+2, " "), "\n")
		out = append(out, label("Events")+lines[0])
		for _, l := range lines[1:] {
			out = append(out, indent+l)
		}
	}
	if w.retries != o.MaxRetries {
		out = append(out, label("Max retries")+fmt.Sprintf("%d → %s", o.MaxRetries, s.Key.Render(fmt.Sprint(w.retries))))
	}
	return out
}

// editReview is the last edit step: the diff, errors and keys.
func (w *wizard) editReview(b *strings.Builder, width int) {
	s := w.m.ctx.Styles
	b.WriteString(s.Heading.Render("  Changes") + "\n")
	diff := w.diffView(width)
	if len(diff) == 0 {
		b.WriteString("  " + s.Muted.Render("no changes yet: esc goes back to the fields") + "\n")
	}
	for _, l := range diff {
		b.WriteString(l + "\n")
	}
	b.WriteString("\n")
	if w.err != "" {
		b.WriteString("  " + s.Danger.Render("✗ "+w.err) + "\n")
	}
	if w.busy {
		b.WriteString("  " + s.Muted.Render("saving…") + "\n")
	}
	b.WriteString(s.Help.Render("←/→ retries · enter save · esc back") + "\n")
}
