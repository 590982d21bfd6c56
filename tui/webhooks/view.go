package webhooks

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"charm.land/lipgloss/v2"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/styles"
	"github.com/penguinmails/pmdev/tui/common"
)

// View implements common.Pane.
func (m *Model) View() string {
	if m.width <= 0 || m.height <= 0 {
		return ""
	}
	var body string
	switch {
	case !m.dialogs.Empty():
		body = m.dialogs.View(m.width, m.height)
	case m.view == viewDelivery:
		body = m.deliveryView()
	case m.view == viewDetails:
		body = m.detailsView()
	default:
		body = m.listView()
	}
	return m.fit(body)
}

// fit clips s to the pane: at most height lines, each at most width cells.
func (m *Model) fit(s string) string { return common.TruncateBlock(s, m.width, m.height) }

func (m *Model) noticeLine() string {
	if m.notice == "" {
		return ""
	}
	if m.noticeErr {
		return m.ctx.Styles.Danger.Render("✗ " + m.notice)
	}
	return m.ctx.Styles.Success.Render("✓ " + m.notice)
}

// listView is the endpoint list, then the events arriving live.
func (m *Model) listView() string {
	return m.listBody() + m.live.view(m.ctx.Styles, m.width, m.ctx.Now())
}

func (m *Model) listBody() string {
	s := m.ctx.Styles
	var b strings.Builder
	active, failing := 0, 0
	for _, w := range m.list {
		switch w.DisplayStatus() {
		case models.WebhookActive:
			active++
		case models.WebhookFailing:
			active++
			failing++
		}
	}
	title := s.Title.Render("Webhook endpoints")
	if m.forbidden {
		return m.forbiddenView(title)
	}
	summary := fmt.Sprintf("  %s · %d active", plural(len(m.list), "endpoint", "endpoints"), active)
	if failing > 0 {
		summary += " · " + s.Danger.Render(fmt.Sprintf("%d failing", failing))
	}
	b.WriteString(title + s.Muted.Render(summary) + "\n")
	switch {
	case m.listErr != nil && !m.loaded:
		b.WriteString("\n" + s.Danger.Render(m.errText(m.listErr)) + "\n")
		return b.String()
	case !m.loaded:
		b.WriteString("\n" + s.Muted.Render("loading webhook endpoints…") + "\n")
		return b.String()
	case len(m.list) == 0:
		b.WriteString("\n" + s.Base.Render("No webhook endpoints yet.") + "\n")
		b.WriteString(s.Muted.Render("Press n to add one: pick the events to receive, then copy the signing secret.") + "\n")
		if n := m.noticeLine(); n != "" {
			b.WriteString("\n" + n + "\n")
		}
		return b.String()
	}
	if m.listErr != nil {
		b.WriteString(s.Danger.Render(m.errText(m.listErr)) + "\n")
	}
	// Columns: URL takes what is left.
	const statusW, eventsW, rateW, lastW = 9, 6, 9, 15
	urlW := max(m.width-2-statusW-eventsW-rateW-lastW-4, 16)
	header := " " + " " + common.Pad("URL", urlW) + " " + common.Pad("STATUS", statusW) + " " + common.PadLeft("EVENTS", eventsW) + " " + common.PadLeft("SUCCESS", rateW) + " " + common.Pad("LAST DELIVERY", lastW)
	b.WriteString(s.TableHeader.Render(header) + "\n")
	start, end := m.rows.Window(m.listRows())
	for i := start; i < end; i++ {
		w := m.list[i]
		st := w.DisplayStatus()
		mark := " "
		if i == m.rows.Cursor() {
			mark = s.Cursor.Render("▸") // as on Keys, a space before the URL
		}
		rate := "—"
		if w.Health.SuccessRate24h != nil {
			rate = formatRate(*w.Health.SuccessRate24h)
		}
		line := mark + " " + common.Pad(common.Truncate(common.Sanitize(w.URL), urlW), urlW) + " " +
			s.Status(st).Render(common.Pad(st, statusW)) + " " + common.PadLeft(strconv.Itoa(len(w.Events)), eventsW) + " " +
			rateStyle(s, w.Health.SuccessRate24h).Render(common.PadLeft(rate, rateW)) + " " +
			common.Pad(common.Ago(w.Health.LastDeliveryAt, m.ctx.Now()), lastW)
		if i == m.rows.Cursor() {
			line = s.Selected.Render(common.Pad(line, m.width))
		}
		b.WriteString(line + "\n")
	}
	if w, ok := m.selected(); ok {
		desc := common.Sanitize(w.Description)
		if desc == "" {
			desc = "no description"
		}
		info := fmt.Sprintf("%s · %s", desc, strings.Join(sanitizeAll(w.Events), ", "))
		if w.Status == models.WebhookDisabled && w.DisabledReason != "" {
			info = "disabled: " + common.Sanitize(w.DisabledReason)
		}
		b.WriteString(s.Muted.Render(common.Truncate(info, m.width)) + "\n")
	}
	if n := m.noticeLine(); n != "" {
		b.WriteString(n + "\n")
	}
	return b.String()
}

// forbiddenView explains a 403 instead of showing an empty list with actions.
func (m *Model) forbiddenView(title string) string {
	s := m.ctx.Styles
	who := "this account"
	if m.ctx.Me.Email != "" {
		who = common.Sanitize(m.ctx.Me.Email)
	}
	var b strings.Builder
	b.WriteString(title + "\n\n")
	b.WriteString(s.Warning.Render(m.errText(m.listErr)) + "\n\n")
	b.WriteString(s.Base.Render("Webhook endpoints are managed by the admin or developer role.") + "\n")
	b.WriteString(s.Muted.Render("Signed in as "+who+"; ask a tenant admin for the developer role.") + "\n")
	if m.ctx.Sandbox {
		b.WriteString(s.Muted.Render("In the sandbox, start pmdev with --as developer or --as admin.") + "\n")
	}
	return b.String()
}

// rateStyle colours a success rate: green from 99%, yellow from 95%, red below.
func rateStyle(s *styles.Styles, rate *float64) lipgloss.Style {
	switch {
	case rate == nil:
		return s.Muted
	case *rate >= 99:
		return s.Success
	case *rate >= 95:
		return s.Warning
	}
	return s.Danger
}

func formatRate(r float64) string {
	if r == 100 {
		return "100%"
	}
	return strconv.FormatFloat(r, 'f', 1, 64) + "%"
}

func sanitizeAll(in []string) []string {
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = common.Sanitize(s)
	}
	return out
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

func itoa(n int) string { return strconv.Itoa(n) }

// codeText is "200 OK" or the transport error of a delivery.
func codeText(d models.Delivery) string {
	if d.ResponseStatus == 0 {
		if d.Error != "" {
			return "err"
		}
		return "—"
	}
	return fmt.Sprintf("%d", d.ResponseStatus)
}

// resultText describes a delivery's last outcome in a few words.
func resultText(d models.Delivery) string {
	switch {
	case d.Status == models.DeliverySuccess:
		return fmt.Sprintf("%d OK", d.ResponseStatus)
	case d.Error != "":
		return d.Error
	case d.ResponseStatus != 0:
		return fmt.Sprintf("HTTP %d", d.ResponseStatus)
	}
	return d.Status
}

func latency(ms int) string {
	if ms >= 10000 {
		return fmt.Sprintf("%.1fs", float64(ms)/1000)
	}
	return fmt.Sprintf("%dms", ms)
}

// when renders a delivery time: clock time today, date and time before.
func when(t, now time.Time) string {
	t, now = t.Local(), now.Local()
	if t.Year() == now.Year() && t.YearDay() == now.YearDay() {
		return t.Format("15:04:05")
	}
	return t.Format("Jan 02 15:04")
}

// until renders a future time as "in 3 minutes".
func until(t *time.Time, now time.Time) string {
	if t == nil {
		return "—"
	}
	d := t.Sub(now)
	switch {
	case d <= 0:
		return "due now"
	case d < time.Minute:
		return fmt.Sprintf("in %ds", int(d.Seconds()+0.5))
	case d < time.Hour:
		return fmt.Sprintf("in %dm", int(d.Minutes()+0.5))
	case d < 48*time.Hour:
		return fmt.Sprintf("in %dh", int(d.Hours()+0.5))
	}
	return "on " + t.Local().Format("Jan 02 15:04")
}
