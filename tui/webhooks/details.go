package webhooks

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
)

func (m *Model) detailsKey(msg tea.KeyPressMsg) tea.Cmd {
	d := m.detail
	k := m.ctx.Keys.Webhooks
	switch {
	case common.Closes(msg, m.ctx.Keys):
		m.closeDetail()
		return m.load(true)
	case key.Matches(msg, k.Up):
		d.rows.Move(-1, m.deliveryRows())
	case key.Matches(msg, k.Down):
		d.rows.Move(1, m.deliveryRows())
	case key.Matches(msg, k.Top):
		d.rows.Move(-len(d.deliveries), m.deliveryRows())
	case key.Matches(msg, k.Bottom):
		d.rows.Move(len(d.deliveries), m.deliveryRows())
	case key.Matches(msg, k.Open):
		if d.rows.Cursor() < len(d.deliveries) {
			m.view = viewDelivery
			d.scroll.Top()
		}
	case key.Matches(msg, k.Filter):
		d.filter = (d.filter + 1) % len(deliveryFilters)
		d.rows.Reset()
		d.rows.SetLen(0)
		d.loaded = false
		d.deliveries = nil
		// Start supersedes a request in flight for the old filter (Force would wait for it).
		return fetchDetail(m.ctx.Client, d.poller.Start(), d.id, deliveryFilters[d.filter])
	case key.Matches(msg, k.Retry):
		return m.retrySelected()
	case key.Matches(msg, k.RetryAll):
		return m.retryAll()
	default:
		return m.actionKey(msg)
	}
	return nil
}

func retryable(d models.Delivery) bool {
	return d.Status == models.DeliveryFailed || d.Status == models.DeliveryPendingRetry
}

func (m *Model) retrySelected() tea.Cmd {
	d := m.detail
	if d.busy || d.rows.Cursor() >= len(d.deliveries) {
		return nil
	}
	del := d.deliveries[d.rows.Cursor()]
	if !retryable(del) {
		m.setNotice("only failed or pending-retry deliveries can be retried", true)
		return nil
	}
	d.busy = true
	m.setNotice("retrying "+del.ID+"…", false)
	return retryDeliveries(m.ctx.Client, d.id, []string{del.ID})
}

func (m *Model) retryAll() tea.Cmd {
	d := m.detail
	if d.busy {
		return nil
	}
	var ids []string
	for _, x := range d.deliveries {
		if retryable(x) && !x.Test {
			ids = append(ids, x.ID)
		}
	}
	if len(ids) == 0 {
		m.setNotice("no failed deliveries to retry in this view", false)
		return nil
	}
	m.openRetryAll(d, ids)
	return nil
}

// deliveryRows is how many delivery rows the details view has room for:
// the pane less the endpoint's fields, the table header and the notice.
func (m *Model) deliveryRows() int {
	used := strings.Count(m.detailsHead(), "\n")
	if m.detail.err != nil {
		used++
	}
	if m.notice != "" {
		used++
	}
	return max(m.height-used-1, 1)
}

func (m *Model) detailsView() string {
	s := m.ctx.Styles
	d := m.detail
	now := m.ctx.Now()
	var b strings.Builder
	b.WriteString(m.detailsHead())
	if d.err != nil {
		b.WriteString(s.Danger.Render(m.errText(d.err)) + "\n")
	}
	notice := m.noticeLine()
	switch {
	case !d.loaded && d.deliveries == nil:
		b.WriteString(s.Muted.Render("loading deliveries…") + "\n")
	case len(d.deliveries) == 0:
		b.WriteString(s.Muted.Render("No deliveries"+map[bool]string{true: "", false: " with this status"}[d.filter == 0]+" yet. Press t to send a test event.") + "\n")
	default:
		const timeW, resultW, codeW, latW, attW = 12, 12, 5, 8, 8
		// The event column gives way so NEXT RETRY keeps about 10 cells.
		eventW := min(max(m.width-64, 14), 24)
		header := "  " + common.Pad("TIME", timeW) + " " + common.Pad("EVENT", eventW) + " " + common.Pad("RESULT", resultW) + " " + common.PadLeft("CODE", codeW) + " " +
			common.PadLeft("LATENCY", latW) + " " + common.PadLeft("ATTEMPTS", attW) + "  NEXT RETRY"
		b.WriteString(s.TableHeader.Render(header) + "\n")
		start, end := d.rows.Window(m.deliveryRows())
		for i := start; i < end; i++ {
			x := d.deliveries[i]
			mark := " "
			if i == d.rows.Cursor() {
				mark = s.Cursor.Render("›")
			}
			ev := common.Sanitize(x.EventType)
			if x.Test {
				ev += " (test)"
			}
			line := " " + mark + common.Pad(when(x.CreatedAt, now), timeW) + " " + common.Pad(common.Truncate(ev, eventW), eventW) + " " +
				s.Status(x.Status).Render(common.Pad(common.DeliveryWord(x.Status), resultW)) + " " + common.PadLeft(codeText(x), codeW) + " " +
				common.PadLeft(latencyOrDash(x), latW) + " " + common.PadLeft(fmt.Sprintf("%d/%d", x.Attempts, x.MaxAttempts), attW) + "  " +
				nextRetry(x, now)
			if i == d.rows.Cursor() {
				line = s.Selected.Render(common.Pad(line, m.width))
			}
			b.WriteString(line + "\n")
		}
	}
	if notice != "" {
		b.WriteString(notice + "\n")
	}
	return b.String()
}

// detailsHead is the endpoint's fields and the deliveries' heading.
func (m *Model) detailsHead() string {
	s := m.ctx.Styles
	d := m.detail
	w := d.webhook
	now := m.ctx.Now()
	var b strings.Builder
	st := w.DisplayStatus()
	b.WriteString(s.Title.Render("Webhook "+common.Sanitize(w.ID)) + "  " + s.Status(st).Render("● "+st) + "\n")
	label := func(l string) string { return s.Label.Render(common.Pad(l, 13)) }
	// wrapped writes a field whose parts wrap under it, breaking only
	// between parts, instead of being cut at the pane's edge.
	wrapped := func(l, sep string, parts []string) {
		lines := pack(parts, sep, max(m.width-13, 20))
		b.WriteString(label(l) + lines[0] + "\n")
		for _, x := range lines[1:] {
			b.WriteString(strings.Repeat(" ", 13) + x + "\n")
		}
	}
	b.WriteString(label("Endpoint") + common.Sanitize(w.URL) + "\n")
	if w.Description != "" {
		b.WriteString(label("Description") + common.Sanitize(w.Description) + "\n")
	}
	if w.Status == models.WebhookDisabled && w.DisabledReason != "" {
		b.WriteString(label("Disabled") + s.Danger.Render(common.Sanitize(w.DisabledReason)+" — P re-enables") + "\n")
	}
	wrapped(fmt.Sprintf("Events (%d)", len(w.Events)), ", ", sanitizeAll(w.Events))
	secretLine := common.Sanitize(w.SecretPrefix) + s.Muted.Render(" (hidden; S rotates)")
	if w.SecretRotatedAt != nil {
		secretLine += s.Muted.Render(" · rotated " + common.Ago(w.SecretRotatedAt, now))
	}
	b.WriteString(label("Secret") + secretLine + "\n")
	b.WriteString(label("Retries") + fmt.Sprintf("%d after the first attempt", w.MaxRetries) + s.Muted.Render(retryDelays(w.MaxRetries)) + "\n")
	b.WriteString(label("Created") + w.CreatedAt.Local().Format("Jan 2, 2006") + " by " + common.Sanitize(w.CreatedBy) + "\n")
	h := w.Health
	health := []string{s.Muted.Render("no deliveries in the last 24 hours")}
	if h.SuccessRate24h != nil {
		health = []string{rateStyle(s, h.SuccessRate24h).Render(formatRate(*h.SuccessRate24h) + " success"),
			plural(h.Deliveries24h, "delivery", "deliveries"), fmt.Sprintf("%d failed or retrying", h.Failures24h),
			"avg " + latency(h.AvgLatencyMS), "last " + common.Ago(h.LastDeliveryAt, now)}
	}
	if h.PendingRetries > 0 {
		health = append(health, s.Warning.Render(fmt.Sprintf("%d pending retry", h.PendingRetries)))
	}
	wrapped("Health 24h", " · ", health)

	filter := "all"
	if f := deliveryFilters[d.filter]; f != "" {
		filter = strings.ReplaceAll(f, "_", " ")
	}
	b.WriteString("\n" + s.Heading.Render("Recent deliveries") + s.Muted.Render(" ["+filter+"] f filter · enter view · R retry · A retry all failed") + "\n")
	return b.String()
}

// pack joins parts with sep into lines of at most width cells, breaking
// only between parts (a part wider than a line is cut).
func pack(parts []string, sep string, width int) []string {
	lines := []string{""}
	// A line that breaks ends with the separator's mark: leave room for it.
	mark := lipgloss.Width(strings.TrimRight(sep, " "))
	for i, p := range parts {
		room := width
		if i < len(parts)-1 {
			room -= mark
		}
		p = common.Truncate(p, room)
		cur := &lines[len(lines)-1]
		switch {
		case *cur == "":
			*cur = p
		case lipgloss.Width(*cur)+lipgloss.Width(sep)+lipgloss.Width(p) <= room:
			*cur += sep + p
		default:
			*cur += strings.TrimRight(sep, " ")
			lines = append(lines, p)
		}
	}
	return lines
}

func latencyOrDash(d models.Delivery) string {
	if d.Attempts == 0 {
		return "—"
	}
	return latency(d.LatencyMS)
}

func nextRetry(d models.Delivery, now time.Time) string {
	switch d.Status {
	case models.DeliveryPendingRetry:
		return until(d.NextRetryAt, now)
	case models.DeliveryFailed:
		if d.Test {
			return "—"
		}
		return "exhausted"
	}
	return "—"
}

func (m *Model) deliveryKey(msg tea.KeyPressMsg) tea.Cmd {
	d := m.detail
	k := m.ctx.Keys.Webhooks
	delta := 0
	switch {
	case common.Closes(msg, m.ctx.Keys):
		m.view = viewDetails
	case key.Matches(msg, k.Up):
		delta = -1
	case key.Matches(msg, k.Down):
		delta = 1
	case key.Matches(msg, k.PageDown):
		delta = max(m.height-4, 1)
	case key.Matches(msg, k.PageUp):
		delta = -max(m.height-4, 1)
	case key.Matches(msg, k.Top):
		d.scroll.Top()
	case key.Matches(msg, k.Bottom):
		delta = len(m.deliveryLines())
	case key.Matches(msg, k.Retry):
		return m.retrySelected()
	case key.Matches(msg, k.Copy):
		if c := d.rows.Cursor(); c < len(d.deliveries) {
			return common.Copy(m.ctx, common.PaneWebhooks, prettyJSON(d.deliveries[c].Payload), "payload")
		}
	}
	d.scroll.By(delta, len(m.deliveryLines()), m.deliveryPage())
	return nil
}

// deliveryPage is the number of lines the delivery view scrolls through.
func (m *Model) deliveryPage() int { return max(m.height-1, 1) }

// prettyJSON indents a payload; anything that is not JSON is shown as text.
func prettyJSON(raw []byte) string {
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		return string(raw)
	}
	return buf.String()
}

func (m *Model) deliveryView() string {
	s := m.ctx.Styles
	d := m.detail
	wrapped := m.deliveryLines()
	if wrapped == nil {
		return ""
	}
	scroll, end := d.scroll.Window(len(wrapped), m.deliveryPage())
	out := strings.Join(wrapped[scroll:end], "\n")
	foot := s.Muted.Render(fmt.Sprintf("↑/↓ scroll (%d–%d of %d) · R retry · c copy payload · esc/q back", scroll+1, end, len(wrapped)))
	if n := m.noticeLine(); n != "" {
		foot = n
	}
	return out + "\n" + foot
}

// deliveryLines is the open delivery, wrapped to the pane; nil when none.
func (m *Model) deliveryLines() []string {
	s := m.ctx.Styles
	d := m.detail
	if d == nil || d.rows.Cursor() >= len(d.deliveries) {
		return nil
	}
	x := d.deliveries[d.rows.Cursor()]
	now := m.ctx.Now()
	var lines []string
	head := s.Title.Render("Delivery "+common.Sanitize(x.ID)) + "  " + common.Sanitize(x.EventType) + "  " +
		s.Status(x.Status).Render(common.DeliveryWord(x.Status)) + s.Muted.Render(fmt.Sprintf("  attempt %d/%d", x.Attempts, x.MaxAttempts))
	if x.Status == models.DeliveryPendingRetry {
		head += s.Warning.Render("  next retry " + until(x.NextRetryAt, now))
	}
	lines = append(lines, head)
	lines = append(lines, s.Muted.Render(fmt.Sprintf("event %s · created %s · updated %s", common.Sanitize(x.EventID), when(x.CreatedAt, now), when(x.UpdatedAt, now))))
	lines = append(lines, "", s.Heading.Render("Request"))
	lines = append(lines, "POST "+common.Sanitize(d.webhook.URL))
	names := make([]string, 0, len(x.RequestHeaders))
	for k := range x.RequestHeaders {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		lines = append(lines, s.Label.Render(common.Sanitize(k)+": ")+common.Sanitize(x.RequestHeaders[k]))
	}
	if len(names) == 0 {
		lines = append(lines, s.Muted.Render("(not sent yet)"))
	}
	lines = append(lines, "")
	for _, l := range strings.Split(prettyJSON(x.Payload), "\n") {
		lines = append(lines, s.Code.Render(common.Sanitize(l)))
	}
	lines = append(lines, "", s.Heading.Render("Response"))
	switch {
	case x.Attempts == 0:
		lines = append(lines, s.Muted.Render("no attempt yet"))
	case x.Error != "":
		lines = append(lines, s.Danger.Render("✗ "+common.Sanitize(x.Error))+s.Muted.Render(" · "+latency(x.LatencyMS)))
	default:
		st := s.Success
		if x.ResponseStatus < 200 || x.ResponseStatus > 299 {
			st = s.Danger
		}
		lines = append(lines, st.Render(fmt.Sprintf("%d %s", x.ResponseStatus, http.StatusText(x.ResponseStatus)))+s.Muted.Render(" · "+latency(x.LatencyMS)))
	}
	if x.ResponseExcerpt != "" {
		lines = append(lines, s.Muted.Render("body (first 2 KB):"))
		for _, l := range strings.Split(common.SanitizeMultiline(x.ResponseExcerpt), "\n") {
			lines = append(lines, "  "+l)
		}
	}
	// Wrap long lines rather than cutting headers and payloads off.
	var wrapped []string
	for _, l := range lines {
		wrapped = append(wrapped, strings.Split(ansi.Hardwrap(l, m.width, true), "\n")...)
	}
	return wrapped
}

// retryDelays are the waits before each of n retries on the default
// schedule (1m, 5m, 15m, 1h, then every 24h): only those the endpoint uses.
func retryDelays(n int) string {
	steps := []string{"1m", "5m", "15m", "1h", "24h"}
	switch {
	case n <= 0:
		return ""
	case n <= len(steps):
		return " · waits " + strings.Join(steps[:n], ", ")
	}
	return " · waits " + strings.Join(steps[:len(steps)-1], ", ") + ", then every 24h"
}
