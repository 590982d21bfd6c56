package webhooks

import (
	"encoding/json"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
	"github.com/penguinmails/pmdev/tui/component/dialog"
)

// testModal picks an event type, previews its payload, sends it and shows the receiver's answer.
type testModal struct {
	m              *Model
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

func newTestModal(m *Model, w models.Webhook, types []models.EventType) *testModal {
	t := &testModal{m: m, webhookID: w.ID, url: w.URL, subscribed: map[string]bool{}, examples: map[string]json.RawMessage{}}
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

// Update implements dialog.Dialog.
func (t *testModal) Update(msg tea.Msg) (dialog.Dialog, tea.Cmd) {
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return t, nil
	}
	k := &t.m.ctx.Keys.Dialog
	switch {
	case key.Matches(km, k.Cancel, k.Close):
		return nil, nil
	case key.Matches(km, k.Up):
		if !t.sending && t.cursor > 0 {
			t.cursor--
			t.result, t.err = nil, nil
		}
	case key.Matches(km, k.Down):
		if !t.sending && t.cursor < len(t.types)-1 {
			t.cursor++
			t.result, t.err = nil, nil
		}
	case key.Matches(km, t.m.ctx.Keys.Webhooks.Top, t.m.ctx.Keys.Webhooks.Bottom):
		if !t.sending && len(t.types) > 0 {
			t.cursor = 0
			if key.Matches(km, t.m.ctx.Keys.Webhooks.Bottom) {
				t.cursor = len(t.types) - 1
			}
			t.result, t.err = nil, nil
		}
	case key.Matches(km, k.Accept):
		if t.sending {
			return t, nil
		}
		t.sending, t.result, t.err = true, nil, nil
		t.reqID++
		return t, sendTest(t.m.ctx.Client, t.reqID, t.webhookID, t.types[t.cursor])
	}
	return t, nil
}

// View implements dialog.Dialog.
func (t *testModal) View(width, height int) string {
	m := t.m
	s := m.ctx.Styles
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
	room := max(height-used-1-len(tail), 2)
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

// ShortHelp implements help.KeyMap.
func (t *testModal) ShortHelp() []key.Binding {
	k, wk := &t.m.ctx.Keys.Dialog, &t.m.ctx.Keys.Webhooks
	return []key.Binding{common.Joined("event type", k.Up, k.Down), common.Joined("first/last", wk.Top, wk.Bottom),
		common.WithHelp(k.Accept, "send"), common.WithHelp(k.Cancel, "close")}
}

// FullHelp implements help.KeyMap.
func (t *testModal) FullHelp() [][]key.Binding { return [][]key.Binding{t.ShortHelp()} }
