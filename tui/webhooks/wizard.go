package webhooks

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
	"github.com/penguinmails/pmdev/tui/component/dialog"
)

// wizard is the three-step create form: endpoint, events, retries. With
// orig set it edits that endpoint (no status field; the last step shows a
// diff and saves with PATCH).
type wizard struct {
	m        *Model
	orig     *models.Webhook
	step     int // 0 endpoint, 1 events, 2 retries and review
	url      textinput.Model
	desc     textinput.Model
	focus    int // step 0: 0 url, 1 description, 2 status
	paused   bool
	evCursor int
	selected map[string]bool
	retries  int
	errs     map[string]string
	err      string
	busy     bool
}

func (m *Model) openWizard() tea.Cmd {
	w := &wizard{
		m:        m,
		url:      common.NewInput("https://example.com/webhooks/penguinmails", models.WebhookMaxURLLength),
		desc:     common.NewInput("what this endpoint is for (optional)", models.WebhookMaxDescription),
		selected: map[string]bool{},
		retries:  models.WebhookDefaultMaxRetries,
		errs:     map[string]string{},
	}
	// Email events are the usual start, as in the dashboard.
	for _, e := range models.WebhookEventNames() {
		if e.Category == models.EventCategoryEmail && e.Type != "email.spam_reported" && e.Type != "email.unsubscribed" {
			w.selected[e.Type] = true
		}
	}
	w.SetSize(m.width, m.height)
	m.dialogs.Push(w)
	return w.url.Focus()
}

// SetSize implements dialog.Resizer.
func (w *wizard) SetSize(width, _ int) {
	w.url.SetWidth(max(width-20, 20))
	w.desc.SetWidth(max(width-20, 20))
}

// Update implements dialog.Dialog.
func (w *wizard) Update(msg tea.Msg) (dialog.Dialog, tea.Cmd) {
	var cmd tea.Cmd
	switch msg := msg.(type) {
	case tea.PasteMsg:
		switch {
		case w.step == 0 && w.focus == 0:
			w.url, cmd = w.url.Update(msg)
		case w.step == 0 && w.focus == 1:
			w.desc, cmd = w.desc.Update(msg)
		}
	case tea.KeyPressMsg:
		if w.step == 0 && key.Matches(msg, w.m.ctx.Keys.Dialog.Cancel) && !w.busy {
			return nil, nil
		}
		cmd = w.onKey(msg)
	}
	return w, cmd
}

// ShortHelp implements help.KeyMap.
func (w *wizard) ShortHelp() []key.Binding {
	k := &w.m.ctx.Keys.Dialog
	return []key.Binding{common.WithHelp(k.Accept, "next"), common.WithHelp(k.Cancel, "back")}
}

// FullHelp implements help.KeyMap.
func (w *wizard) FullHelp() [][]key.Binding { return [][]key.Binding{w.ShortHelp()} }

// checkURL is the console's quick check of the URL's form, with the rules
// both sides share. Whether plain http and private or loopback addresses
// are allowed is the server's call (the sandbox, or a server run with
// --allow-private-webhooks, takes http://127.0.0.1): it says so itself.
func (m *Model) checkURL(raw string) string {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "enter the endpoint URL"
	}
	if _, fe := models.CheckWebhookURL(raw, true); fe != nil {
		return fe.Message
	}
	return ""
}

func (w *wizard) setFocus(i int) tea.Cmd {
	n := 3 // URL, description, status
	if w.orig != nil {
		n = 2 // P pauses an existing endpoint
	}
	w.focus = (i + n) % n
	w.url.Blur()
	w.desc.Blur()
	switch w.focus {
	case 0:
		return w.url.Focus()
	case 1:
		return w.desc.Focus()
	}
	return nil
}

func (w *wizard) events() []string {
	return common.Chosen(models.WebhookEventNames(), func(e models.EventType) string { return e.Type }, w.selected)
}

func (w *wizard) onKey(msg tea.KeyPressMsg) tea.Cmd {
	m := w.m
	if w.busy {
		return nil
	}
	k, fk := &m.ctx.Keys.Dialog, &m.ctx.Keys.Form
	switch w.step {
	case 0:
		switch {
		case w.focus < 2 && common.TypesText(msg):
			// typed into the field below
		case key.Matches(msg, k.NextField, k.Down):
			return w.setFocus(w.focus + 1)
		case key.Matches(msg, k.PrevField, k.Up):
			return w.setFocus(w.focus - 1)
		case key.Matches(msg, k.Accept):
			if e := m.checkURL(w.url.Value()); e != "" {
				w.errs["url"] = e
				return w.setFocus(0)
			}
			delete(w.errs, "url")
			w.step = 1
			w.url.Blur()
			w.desc.Blur()
			return nil
		}
		var cmd tea.Cmd
		switch w.focus {
		case 0:
			w.url, cmd = w.url.Update(msg)
			delete(w.errs, "url")
		case 1:
			w.desc, cmd = w.desc.Update(msg)
			delete(w.errs, "description")
		case 2:
			if key.Matches(msg, k.Toggle, k.Left, k.Right) {
				w.paused = !w.paused
			}
		}
		return cmd
	case 1:
		names := models.WebhookEventNames()
		switch {
		case key.Matches(msg, k.Cancel):
			w.step = 0
			return w.setFocus(0)
		case key.Matches(msg, k.Up):
			w.evCursor = max(w.evCursor-1, 0)
		case key.Matches(msg, k.Down):
			w.evCursor = min(w.evCursor+1, len(names)-1)
		case key.Matches(msg, k.Toggle):
			t := names[w.evCursor].Type
			w.selected[t] = !w.selected[t]
		case key.Matches(msg, fk.SelectAll):
			for _, e := range names {
				w.selected[e.Type] = true
			}
		case key.Matches(msg, fk.SelectEmail):
			for _, e := range names {
				w.selected[e.Type] = e.Category == models.EventCategoryEmail
			}
		case key.Matches(msg, fk.Clear):
			w.selected = map[string]bool{}
		case key.Matches(msg, k.Accept):
			if len(w.events()) == 0 {
				w.errs["events"] = "select at least one event"
				return nil
			}
			delete(w.errs, "events")
			w.step = 2
		}
		if !key.Matches(msg, k.Accept) && len(w.events()) > 0 {
			delete(w.errs, "events")
		}
		return nil
	default:
		switch d := msg.String(); {
		case key.Matches(msg, k.Cancel):
			w.step = 1
		case key.Matches(msg, k.Left, fk.Less):
			w.retries = max(w.retries-1, models.WebhookMinRetries)
			delete(w.errs, "max_retries")
		case key.Matches(msg, k.Right, fk.More):
			w.retries = min(w.retries+1, models.WebhookMaxRetries)
			delete(w.errs, "max_retries")
		case key.Matches(msg, k.Accept):
			if w.orig != nil {
				return w.saveEdit()
			}
			w.busy, w.err = true, ""
			status := models.WebhookActive
			if w.paused {
				status = models.WebhookPaused
			}
			retries := w.retries
			return createWebhook(m.ctx.Client, models.CreateWebhookRequest{
				URL: strings.TrimSpace(w.url.Value()), Description: strings.TrimSpace(w.desc.Value()),
				Status: &status, Events: w.events(), MaxRetries: &retries,
			})
		default:
			// Digits type the count itself (0 is 10).
			if len(d) == 1 && d[0] >= '1' && d[0] <= '9' {
				w.retries = int(d[0] - '0')
			} else if d == "0" {
				w.retries = 10
			}
		}
	}
	return nil
}

func (m *Model) onCreated(msg createdMsg) tea.Cmd {
	w, ok := dialog.Find[*wizard](&m.dialogs)
	if msg.err != nil {
		if !ok || w.orig != nil {
			return nil // no create form is waiting for this
		}
		return w.failed(msg.err)
	}
	// A new secret is always shown: it cannot be fetched again.
	if ok {
		m.dialogs.Remove(w)
	}
	m.list = append(m.list, msg.webhook)
	m.rows.SetLen(len(m.list))
	m.rows.Select(len(m.list)-1, m.listRows())
	m.dialogs.Push(&showOnce{m: m, title: "Webhook endpoint created", webhookID: msg.webhook.ID, url: msg.webhook.URL, secret: msg.secret})
	return tea.Batch(m.load(true), common.Status("webhook endpoint created", common.LevelSuccess))
}

// View implements dialog.Dialog.
func (w *wizard) View(width, height int) string {
	m := w.m
	s := m.ctx.Styles
	var b strings.Builder
	steps := []string{"1 Endpoint", "2 Events", "3 Retries"}
	title := s.Title.Render("New webhook endpoint")
	if w.orig != nil {
		steps[2] = "3 Retries & changes"
		title = s.Title.Render("Edit") + s.Muted.Render(" "+common.Sanitize(w.orig.ID))
	}
	for i, st := range steps {
		if i == w.step {
			steps[i] = s.Key.Render(st)
		} else {
			steps[i] = s.Muted.Render(st)
		}
	}
	b.WriteString(title + "   " + strings.Join(steps, s.Muted.Render(" › ")) + "\n\n")
	errLine := func(f string) {
		// Wrapped: the end of the server's words says what to do.
		if e := w.errs[f]; e != "" {
			for _, l := range strings.Split(common.WrapWords("✗ "+e, max(20, width-4)), "\n") {
				b.WriteString("  " + s.InputError.Render(l) + "\n")
			}
		}
	}
	switch w.step {
	case 0:
		field := func(i int, label, view string) {
			mark := "  "
			if w.focus == i {
				mark = s.Cursor.Render("› ")
			}
			b.WriteString(mark + s.Label.Render(common.Pad(label, 13)) + view + "\n")
		}
		field(0, "Endpoint URL", w.url.View())
		errLine("url")
		field(1, "Description", w.desc.View())
		errLine("description")
		if w.orig != nil {
			b.WriteString("\n" + s.Muted.Render(urlHint(m.ctx.Sandbox)+" Pause or resume with P from the list.") + "\n\n")
			b.WriteString(s.Help.Render("tab/↓ next field · enter next · esc cancel") + "\n")
			break
		}
		radio := func(on bool, text string) string {
			if on {
				return s.Accent.Render("(•) " + text)
			}
			return s.Muted.Render("( ) " + text)
		}
		field(2, "Status", radio(!w.paused, "Active")+"  "+radio(w.paused, "Paused"))
		b.WriteString("\n" + s.Muted.Render("  Active endpoints receive events at once; paused ones are created silent.") + "\n")
		b.WriteString(s.Muted.Render(urlHint(m.ctx.Sandbox)) + "\n\n")
		b.WriteString(s.Help.Render("tab/↓ next field · space toggle status · enter next · esc cancel") + "\n")
	case 1:
		names := models.WebhookEventNames()
		b.WriteString(s.Muted.Render(fmt.Sprintf("  %s selected · a select all · e email events only · c clear", plural(len(w.events()), "event", "events"))) + "\n")
		errLine("events")
		// Title, blank, count line, help line and maybe the error line.
		rows := height - 4
		if w.errs["events"] != "" {
			rows--
		}
		rows = max(rows, 3)
		type line struct {
			cat     string
			heading bool
			idx     int
		}
		var lines []line
		cursorLine := 0
		for i, e := range names {
			if len(lines) == 0 || lines[len(lines)-1].cat != e.Category {
				lines = append(lines, line{cat: e.Category, heading: true})
			}
			if i == w.evCursor {
				cursorLine = len(lines)
			}
			lines = append(lines, line{cat: e.Category, idx: i})
		}
		off := 0
		if cursorLine >= rows {
			off = cursorLine - rows + 1
		}
		window := lines[off:min(off+rows, len(lines))]
		if off > 0 && !window[0].heading {
			// Keep the category of the top rows in sight: a sticky heading.
			window = append([]line{{cat: window[1].cat, heading: true}}, window[1:]...)
		}
		for _, l := range window {
			if l.heading {
				b.WriteString("  " + s.Heading.Render(models.EventCategoryLabel(l.cat)+" events") + "\n")
				continue
			}
			e := names[l.idx]
			box := "[ ]"
			if w.selected[e.Type] {
				box = s.Success.Render("[x]")
			}
			mark := "  "
			if l.idx == w.evCursor {
				mark = s.Cursor.Render("› ")
			}
			b.WriteString(mark + box + " " + common.Pad(e.Type, 22) + s.Muted.Render(e.Description) + "\n")
		}
		b.WriteString(s.Help.Render("↑/↓ move · space toggle · enter next · esc back") + "\n")
	default:
		b.WriteString("  " + s.Label.Render(common.Pad("Max retries", 13)) + s.Key.Render(fmt.Sprintf("‹ %d ›", w.retries)) +
			s.Muted.Render("  (1–10; delays 1m, 5m, 15m, 1h, 24h, then every 24h)") + "\n")
		errLine("max_retries")
		b.WriteString("\n")
		if w.orig != nil {
			w.editReview(&b, width)
			break
		}
		b.WriteString(s.Heading.Render("  Review") + "\n")
		status := models.WebhookActive
		if w.paused {
			status = models.WebhookPaused
		}
		b.WriteString("  " + s.Label.Render(common.Pad("URL", 13)) + common.Sanitize(strings.TrimSpace(w.url.Value())) + "\n")
		if d := strings.TrimSpace(w.desc.Value()); d != "" {
			b.WriteString("  " + s.Label.Render(common.Pad("Description", 13)) + common.Sanitize(d) + "\n")
		}
		b.WriteString("  " + s.Label.Render(common.Pad("Status", 13)) + s.Status(status).Render(status) + "\n")
		b.WriteString("  " + s.Label.Render(common.Pad("Events", 13)) + strings.Join(w.events(), ", ") + "\n")
		b.WriteString("\n  " + s.Muted.Render("A signing secret (whsec_…) is generated and shown once after creation.") + "\n")
		if w.err != "" {
			b.WriteString("  " + s.Danger.Render("✗ "+w.err) + "\n")
		}
		if w.busy {
			b.WriteString("  " + s.Muted.Render("creating…") + "\n")
		}
		b.WriteString("\n" + s.Help.Render("←/→ retries · enter create · esc back") + "\n")
	}
	return b.String()
}

// urlHint says which endpoint URLs the server takes: the sandbox (run with
// private webhooks allowed) takes plain http to any host too.
func urlHint(sandbox bool) string {
	if sandbox {
		return "  HTTPS, or in the sandbox also plain http and private addresses (http://127.0.0.1:8080/hook)."
	}
	return "  HTTPS required; http and private addresses only where the server allows them."
}
