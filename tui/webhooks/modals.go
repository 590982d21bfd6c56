package webhooks

import (
	"encoding/json"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
)

// showOnce displays a new secret with verification snippets; closing it
// drops the secret for good.
type showOnce struct {
	title     string
	webhookID string
	url       string
	secret    secret
	note      string
	lang      int
	copied    bool
	warned    bool
}

func (m *Model) onRotated(msg rotatedMsg) tea.Cmd {
	if m.rotate == nil || m.rotate.id != msg.id {
		return nil
	}
	if msg.err != nil {
		m.rotate.busy = false
		m.rotate.err = m.errText(msg.err)
		return nil
	}
	url := m.rotate.url
	m.rotate = nil
	m.once = &showOnce{title: "Signing secret rotated", webhookID: msg.id, url: url, secret: msg.secret,
		note: "The previous secret keeps signing too until " + msg.result.PreviousSecretExpiresAt.Local().Format("Jan 2 15:04") + " (both signatures are sent)."}
	return tea.Batch(m.load(true), m.loadDetail(true), common.Status("secret rotated", common.LevelSuccess))
}

func (m *Model) onceKey(msg tea.KeyPressMsg) tea.Cmd {
	o := m.once
	switch msg.String() {
	case "c":
		o.copied = true
		return tea.Batch(tea.SetClipboard(o.secret.v), common.Status("signing secret copied to clipboard", common.LevelSuccess))
	case "y":
		return tea.Batch(tea.SetClipboard(snippet(o.lang)), common.Status(snippetLangs[o.lang]+" snippet copied", common.LevelSuccess))
	case "tab", "right", "l":
		o.lang = (o.lang + 1) % len(snippetLangs)
	case "shift+tab", "left", "h":
		o.lang = (o.lang + len(snippetLangs) - 1) % len(snippetLangs)
	case "enter", "esc":
		if !o.copied && !o.warned {
			o.warned = true
			return nil
		}
		m.once = nil
	}
	return nil
}

func (m *Model) onceView() string {
	s := m.ctx.Styles
	o := m.once
	var b strings.Builder
	b.WriteString(s.Title.Render(o.title) + s.Muted.Render("  "+common.Sanitize(o.webhookID)+" · "+common.Sanitize(o.url)) + "\n\n")
	b.WriteString(s.Label.Render("Signing secret ") + s.Secret.Render(o.secret.v) + "\n")
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
	room := max(m.height-9, 3)
	if len(lines) > room {
		lines = append(lines[:room-1], "…  (y copies the whole snippet)")
	}
	for _, l := range lines {
		b.WriteString(s.Code.Render(strings.ReplaceAll(l, "\t", "    ")) + "\n")
	}
	b.WriteString("\n")
	if o.warned && !o.copied {
		b.WriteString(s.Warning.Render("Secret not copied yet — press c to copy it, or enter again to close without copying.") + "\n")
	} else {
		b.WriteString(s.Help.Render("c copy secret · y copy snippet · ←/→ language · enter done") + "\n")
	}
	return b.String()
}

// testModal picks an event type, previews its payload, sends it and shows the receiver's answer.
type testModal struct {
	webhookID, url string
	types          []string
	subscribed     map[string]bool
	examples       map[string]json.RawMessage
	cursor         int
	sending        bool
	reqID          uint64
	result         *models.TestResult
	err            error
}

func newTestModal(w models.Webhook, types []models.EventType) *testModal {
	t := &testModal{webhookID: w.ID, url: w.URL, subscribed: map[string]bool{}, examples: map[string]json.RawMessage{}}
	for _, e := range w.Events {
		t.subscribed[e] = true
	}
	// Subscribed types first, in catalogue order, then the rest.
	for _, pass := range []bool{true, false} {
		for _, e := range models.WebhookEventNames() {
			if t.subscribed[e.Type] == pass {
				t.types = append(t.types, e.Type)
			}
		}
	}
	t.syncTypes(types)
	return t
}

func (t *testModal) syncTypes(types []models.EventType) {
	for _, e := range types {
		t.examples[e.Type] = e.Example
	}
}

func (m *Model) testKey(msg tea.KeyPressMsg) tea.Cmd {
	t := m.test
	switch msg.String() {
	case "esc":
		m.test = nil
		return nil
	case "up", "k":
		if !t.sending && t.cursor > 0 {
			t.cursor--
			t.result, t.err = nil, nil
		}
	case "down", "j":
		if !t.sending && t.cursor < len(t.types)-1 {
			t.cursor++
			t.result, t.err = nil, nil
		}
	case "enter":
		if t.sending {
			return nil
		}
		t.sending, t.result, t.err = true, nil, nil
		t.reqID++
		return sendTest(m.ctx.Client, t.reqID, t.webhookID, t.types[t.cursor])
	}
	return nil
}

func (m *Model) testView() string {
	s := m.ctx.Styles
	t := m.test
	var b strings.Builder
	b.WriteString(s.Title.Render("Send a test event") + s.Muted.Render(" to "+common.Sanitize(t.url)) + "\n\n")
	// The type picker shows a window around the cursor.
	const pick = 5
	off := min(max(t.cursor-pick/2, 0), max(len(t.types)-pick, 0))
	for i := off; i < len(t.types) && i < off+pick; i++ {
		mark := "  "
		name := t.types[i]
		if i == t.cursor {
			mark = s.Cursor.Render("› ")
			name = s.Key.Render(name)
		}
		note := ""
		if !t.subscribed[t.types[i]] {
			note = s.Muted.Render(" (not subscribed; sent anyway as a test)")
		}
		b.WriteString(mark + name + note + "\n")
	}
	b.WriteString("\n")
	used := strings.Count(b.String(), "\n")
	var tail []string
	switch {
	case t.sending:
		tail = append(tail, s.Muted.Render("⏳ sending, waiting for the receiver (up to 10 s)…"))
	case t.err != nil:
		tail = append(tail, s.Danger.Render("✗ "+m.errText(t.err)))
	case t.result != nil:
		r := t.result
		if r.Status == models.DeliverySuccess {
			tail = append(tail, s.Success.Render(fmt.Sprintf("✓ Test delivered · %d · %s", r.ResponseStatus, latency(r.LatencyMS))))
		} else {
			line := "✗ Test failed"
			if r.ResponseStatus != 0 {
				line += fmt.Sprintf(" · HTTP %d", r.ResponseStatus)
			}
			if r.Error != "" {
				line += " · " + common.Sanitize(r.Error)
			}
			tail = append(tail, s.Danger.Render(line+" · "+latency(r.LatencyMS)))
		}
		if r.BodyExcerpt != "" {
			body := strings.Split(common.SanitizeMultiline(r.BodyExcerpt), "\n")
			if len(body) > 3 {
				body = append(body[:3], "…")
			}
			tail = append(tail, s.Label.Render("Receiver answered: ")+body[0])
			for _, l := range body[1:] {
				tail = append(tail, "  "+l)
			}
		}
	}
	tail = append(tail, "", s.Help.Render("↑/↓ event type · enter send · esc close"))
	b.WriteString(s.Heading.Render("Payload preview") + "\n")
	payload := t.examples[t.types[t.cursor]]
	if t.result != nil && len(t.result.Payload) > 0 {
		payload = t.result.Payload
	}
	room := max(m.height-used-1-len(tail), 2)
	if len(payload) == 0 {
		b.WriteString(s.Muted.Render("(loading the example…)") + "\n")
	} else {
		lines := strings.Split(prettyJSON(payload), "\n")
		if len(lines) > room {
			lines = append(lines[:room-1], "  …")
		}
		for _, l := range lines {
			b.WriteString(s.Code.Render(common.Sanitize(l)) + "\n")
		}
	}
	b.WriteString(strings.Join(tail, "\n") + "\n")
	return b.String()
}

// deleteModal asks for the endpoint URL to be typed before deleting.
type deleteModal struct {
	id, url string
	input   textinput.Model
	err     string
	busy    bool
}

func newDeleteModal(w models.Webhook) *deleteModal {
	// The placeholder is a prompt, not the URL: without a width the input
	// cut the URL to its first letter ("› h"), and an API string must not
	// reach the screen unsanitised.
	in := newInput("type the endpoint URL shown above", models.WebhookMaxURLLength)
	in.SetWidth(60)
	in.Focus()
	return &deleteModal{id: w.ID, url: w.URL, input: in}
}

func (m *Model) deleteKey(msg tea.KeyPressMsg) tea.Cmd {
	d := m.del
	if d.busy {
		return nil
	}
	switch msg.String() {
	case "esc":
		m.del = nil
		return nil
	case "enter":
		if strings.TrimSpace(d.input.Value()) != d.url {
			d.err = "the text does not match the endpoint URL"
			return nil
		}
		d.busy, d.err = true, ""
		return deleteWebhook(m.ctx.Client, d.id, d.url)
	}
	var cmd tea.Cmd
	d.input, cmd = d.input.Update(msg)
	d.err = ""
	return cmd
}

func (m *Model) deleteView() string {
	s := m.ctx.Styles
	d := m.del
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

// rotateConfirm asks before rotating a secret.
type rotateConfirm struct {
	id, url string
	err     string
	busy    bool
}

func (m *Model) rotateKey(msg tea.KeyPressMsg) tea.Cmd {
	r := m.rotate
	if r.busy {
		return nil
	}
	switch msg.String() {
	case "y", "Y":
		r.busy, r.err = true, ""
		return rotateSecret(m.ctx.Client, r.id)
	case "n", "N", "esc":
		m.rotate = nil
	}
	return nil
}

func (m *Model) rotateView() string {
	s := m.ctx.Styles
	r := m.rotate
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
