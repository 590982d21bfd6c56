package overview

import (
	"fmt"
	"net/http"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/penguinmails/pmdev/client"
	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
)

const (
	topHeight = 8 // steps beside the card
	cardLines = topHeight - 2
)

// cardWidth is the rate-limit card's width, border included: wide enough on
// a wide screen for the plan and the 429 message on one line each.
func (m *Model) cardWidth() int {
	if m.width >= 120 {
		return 60
	}
	return 38
}

// wide reports whether there is room for endpoint cards with snippets.
func (m *Model) wide() bool { return m.width >= 140 && m.height >= 36 }

// fixedLines is every line except the key rows.
func (m *Model) fixedLines() int {
	n := topHeight + 2 /* keys title + header */ + 1 /* gap */
	if m.wide() {
		return n + 1 + 6 + 1 + 4 // endpoints title + cards, gap, SDK title + 3
	}
	return n + 1 + len(m.endpoints) + 1 // endpoints title + rows, SDK line
}

// visibleKeys is how many key rows fit.
func (m *Model) visibleKeys() int {
	return max(0, min(len(m.keys), m.height-m.fixedLines()))
}

// frameKey is everything the frame depends on; an equal key reuses the
// previous frame (the root calls View after every message, ticks included).
type frameKey struct {
	version       uint64
	cursor        int
	width, height int
	second        int64
	styles        any
	noColor       bool
}

// View implements common.Pane.
func (m *Model) View() string {
	if m.width <= 0 || m.height <= 0 {
		return ""
	}
	k := frameKey{m.version, m.rows.Cursor(), m.width, m.height, m.ctx.Now().Unix(), m.ctx.Styles, m.ctx.NoColor}
	return m.frame.Get(k, m.render)
}

func (m *Model) render() string {
	var b strings.Builder
	b.WriteString(lipgloss.JoinHorizontal(lipgloss.Top, m.stepsView(m.width-m.cardWidth()-1), " ", m.rateCard()))
	b.WriteString("\n")
	b.WriteString(m.keysView())
	b.WriteString("\n")
	if m.wide() {
		b.WriteString(m.endpointCards())
		b.WriteString("\n\n")
		b.WriteString(m.sdkBlock())
	} else {
		b.WriteString(m.endpointList())
		b.WriteString("\n")
		b.WriteString(m.sdkLine())
	}
	return b.String()
}

// by says who did a step the checklist ticks: this user (a key they
// created) or their team. In the sandbox, whose demo keys are "created" by
// the demo user too, a line under the title says the demo data did.
func (m *Model) by(mine bool) string {
	switch {
	case m.ctx.Sandbox:
		return ""
	case mine:
		return "by you"
	}
	return "by your team"
}

func (m *Model) stepsView(w int) string {
	s := m.ctx.Styles
	keyExists := m.keysLoaded && m.keysTotal > 0
	me := m.ctx.Me.Email
	firstCall, myKey, myCall := false, false, false
	for _, k := range m.keys {
		used := k.RequestCount > 0 || k.LastUsed != nil
		mine := me != "" && k.CreatedBy == me
		firstCall = firstCall || used
		myKey = myKey || mine
		myCall = myCall || (mine && used)
	}
	type step struct {
		state int // 0 todo, 1 done, 2 unknown
		text  string
		note  string
		done  string // who did it, shown once ticked
	}
	known := func(loaded, v bool) int {
		switch {
		case !loaded:
			return 2
		case v:
			return 1
		}
		return 0
	}
	wh := 2
	if m.webhooks != nil {
		wh = known(true, *m.webhooks)
	}
	create := "press n"
	switch {
	case m.rejected():
		create = "token rejected" // not a role: the role is unknown
	case !m.canCreate():
		create = "needs admin or developer"
	}
	steps := []step{
		{known(m.keysLoaded, keyExists), "Generate an API key", create, m.by(myKey)},
		{0, "Install an SDK (optional)", "coming Q1 2026", ""},
		{known(m.keysLoaded, firstCall), "Make your first API call", "see Docs", m.by(myCall)},
		{wh, "Set up webhooks (optional)", "tab 5", m.by(false)},
	}
	sub := ""
	if m.ctx.Sandbox {
		sub = s.Muted.Render("Ticked by the sandbox's demo data.")
	}
	lines := []string{s.Heading.Render("Start building with the PenguinMails API"), ansi.Truncate(sub, w, "…")}
	for i, st := range steps {
		mark := s.Muted.Render("○")
		text := s.Base.Render(st.text)
		switch st.state {
		case 1:
			mark = s.Success.Render("✓")
			text = s.Muted.Render(st.text)
		case 2:
			mark = s.Subtle.Render("?")
		}
		note := ""
		switch {
		case st.state != 1:
			note = s.Subtle.Render(" · " + st.note)
		case st.done != "":
			note = s.Subtle.Render(" · " + st.done)
		}
		lines = append(lines, ansi.Truncate(fmt.Sprintf(" %s %d. %s%s", mark, i+1, text, note), w, "…"))
	}
	return lipgloss.NewStyle().Width(w).Height(topHeight).Render(strings.Join(lines, "\n"))
}

// rateCard shows the token bucket that decides 429s: the plan, the busiest
// key's bucket use against its burst (coloured at 80% and 95%), when it is
// full again, and what that means (near the limit, or refusing requests).
func (m *Model) rateCard() string {
	s := m.ctx.Styles
	cw := m.cardWidth()
	inner := cw - 4
	var lines []string
	switch {
	case m.rejected():
		lines = []string{s.Heading.Render("Rate limit"), s.Danger.Render("✗ token rejected by the API")}
		hint := "Invalid, expired or revoked: " + common.TokenHint(m.ctx.TokenFrom) + "."
		for _, l := range strings.Split(common.WrapWords(hint, inner), "\n") {
			lines = append(lines, s.Muted.Render(l))
		}
	case m.rl == nil:
		lines = m.noDataLines(inner)
	default:
		lines = m.bucketLines(inner)
	}
	for len(lines) < cardLines {
		lines = append(lines, "")
	}
	return s.Card.Width(cw).Render(strings.Join(lines, "\n"))
}

// planTitle is "Rate limit · Professional plan · 300 req/min · burst 500"
// on one line when it fits, else on two.
func (m *Model) planTitle(p models.Plan, inner int) []string {
	s := m.ctx.Styles
	name := common.Sanitize(p.DisplayName)
	if name == "" {
		name = common.Sanitize(p.Name)
	}
	head := s.Heading.Render("Rate limit")
	if name != "" {
		head += s.Muted.Render(" · " + name + " plan")
	}
	if p.LimitPerMinute <= 0 {
		return []string{ansi.Truncate(head, inner, "…")}
	}
	nums := fmt.Sprintf("%d req/min · burst %d", p.LimitPerMinute, p.Burst)
	if one := head + s.Muted.Render(" · ") + s.Base.Render(nums); lipgloss.Width(one) <= inner {
		return []string{one}
	}
	return []string{ansi.Truncate(head, inner, "…"), s.Base.Render(nums) + s.Muted.Render(" per key")}
}

// noDataLines explain an empty card: waiting, unreachable, off or refused.
func (m *Model) noDataLines(inner int) []string {
	s := m.ctx.Styles
	lines := m.planTitle(m.ctx.Me.Tenant.Plan, inner)
	var why string
	switch {
	case client.StatusOf(m.keysErr) == http.StatusForbidden || client.StatusOf(m.rlErr) == http.StatusForbidden:
		// Rate limits are a developer route too: say so instead of loading forever.
		why = "needs the admin or developer role"
	case m.offline:
		why = "no data yet — cannot reach " + common.Sanitize(common.APIHost(m.ctx)) + " · retrying"
	case m.ctx.Refresh.RateLimits <= 0:
		why = "live rate limits are off (--refresh ratelimits=2s turns them on)"
	case m.rlErr != nil:
		why = "no data yet — " + common.ErrorText(m.rlErr, m.ctx.Me.Role)
	default:
		return append(lines, s.Muted.Render("loading…"))
	}
	return append(lines, wrap(s.Muted, why, inner, cardLines-len(lines))...)
}

// bucketLines are the card with data.
func (m *Model) bucketLines(inner int) []string {
	s := m.ctx.Styles
	g, left := common.GaugeNow(*m.rl, m.rlAt, m.ctx.Now())
	if m.offline || m.ctx.Paused {
		// The figures as they came, with their time: projecting refills
		// while no request is seen would show a bucket emptying.
		g = common.GaugeOf(*m.rl)
	}
	level := s.Level(g.Ratio)
	title := m.planTitle(m.rl.Plan, inner)

	// The bar is the spent part of the bucket, and the words say so: it
	// fills as requests draw on it and is empty when nothing is spent.
	nums := " " + common.SpentText(g.RateLimitState) + fmt.Sprintf(" (%d%%)", int(g.Ratio*100+0.5))
	barW := max(inner-lipgloss.Width(nums), 4)
	body := []string{common.GaugeBar(level, s.Subtle, g.Ratio, barW, m.ctx.NoColor) + level.Render(nums)}

	refill := fmt.Sprintf("refills %d/min", g.Limit)
	switch {
	case m.offline:
		body = append(body, s.Muted.Render("offline · figures from "+m.rlAt.Local().Format("15:04:05")))
	case m.ctx.Paused:
		body = append(body, s.Muted.Render("paused · figures from "+m.rlAt.Local().Format("15:04:05")))
	case left > 0:
		body = append(body, s.Muted.Render(refill+" · ")+level.Render(common.ClearsText(left)))
	default:
		body = append(body, s.Muted.Render(refill+" · nothing spent"))
	}
	if g.Name != "" && g.Used > 0 {
		body = append(body, s.Muted.Render("busiest ")+ansi.Truncate(common.Sanitize(g.Name), inner-8, "…"))
	}

	// Near or at the limit: say which limit binds — the key's own setting
	// or the plan's — and what lifts it; a bigger plan does not lift a
	// key's own cap.
	lim := common.Limits{Key: g.Limit, Plan: m.rl.Plan}
	budget := cardLines - len(body) - 1 // at least one title line
	var msg []string
	switch {
	case g.AtLimit():
		msg = wrap(s.Danger, "✗ 429s: "+lim.Binds(), inner, budget)
	case g.Ratio >= 0.8:
		msg = wrap(s.Warning, "⚠ Near "+lim.Binds(), inner, budget)
	}
	if len(msg) > 0 && budget > len(msg) {
		msg = append(msg, wrap(s.Muted, lim.Lift(), inner, budget-len(msg))...)
	}
	// The second title line (the plan's numbers) goes first when space is short.
	if len(title)+len(body)+len(msg) > cardLines {
		title = title[:1]
	}
	return append(append(title, body...), msg...)
}

// wrap word-wraps text to width in style st, at most maxLines lines (0: any).
func wrap(st lipgloss.Style, text string, width, maxLines int) []string {
	lines := strings.Split(ansi.Wordwrap(text, width, ""), "\n")
	if maxLines > 0 && len(lines) > maxLines {
		lines = lines[:maxLines]
		lines[maxLines-1] = ansi.Truncate(lines[maxLines-1]+"…", width, "…")
	}
	for i, l := range lines {
		lines[i] = st.Render(ansi.Truncate(strings.TrimRight(l, " "), width, "…"))
	}
	return lines
}

func (m *Model) endpointList() string {
	s := m.ctx.Styles
	lines := []string{s.Heading.Render("Popular endpoints") + s.Muted.Render(" · enter opens the docs")}
	for i, ep := range m.endpoints {
		text := fmt.Sprintf("%s %s %s", common.Fit(ep.Title, 20), common.Fit(ep.Method, 5), ep.Path)
		if m.rows.Cursor() == m.visibleKeys()+i {
			lines = append(lines, s.Cursor.Render("▸ ")+s.Selected.Render(text))
		} else {
			lines = append(lines, "  "+s.Base.Render(text))
		}
	}
	return strings.Join(lines, "\n")
}

func (m *Model) endpointCards() string {
	s := m.ctx.Styles
	title := s.Heading.Render("Popular endpoints") + s.Muted.Render(" · enter opens the docs")
	n := len(m.endpoints)
	cw := (m.width - (n - 1)) / n
	cards := make([]string, 0, n*2)
	for i, ep := range m.endpoints {
		title := s.Heading.Render(ep.Title)
		if m.rows.Cursor() == m.visibleKeys()+i {
			title = s.Cursor.Render("▸ ") + title // the border colour alone is lost without colour
		}
		body := strings.Join([]string{
			title,
			s.Code.Render(ep.Method + " " + ep.Path),
			s.Muted.Render("Authorization: Bearer pm_live_…"),
			s.Accent.Render("enter → full docs"),
		}, "\n")
		st := s.Card
		if m.rows.Cursor() == m.visibleKeys()+i {
			st = st.BorderForeground(s.Palette.Accent)
		}
		if i > 0 {
			cards = append(cards, " ")
		}
		cards = append(cards, st.Width(cw).Render(body))
	}
	return title + "\n" + lipgloss.JoinHorizontal(lipgloss.Top, cards...)
}

var sdks = [][2]string{
	{"Node.js", "npm install @penguinmails/sdk"},
	{"Python", "pip install penguinmails"},
	{"PHP", "composer require penguinmails/sdk"},
}

func (m *Model) sdkLine() string {
	s := m.ctx.Styles
	parts := make([]string, 0, len(sdks))
	for _, sdk := range sdks {
		parts = append(parts, sdk[1])
	}
	line := s.Heading.Render("SDKs") + s.Warning.Render(" coming Q1 2026 ") + s.Subtle.Render(strings.Join(parts, " · "))
	return ansi.Truncate(line, m.width, "…")
}

func (m *Model) sdkBlock() string {
	s := m.ctx.Styles
	lines := []string{s.Heading.Render("SDK installation") + s.Warning.Render(" · coming Q1 2026")}
	for _, sdk := range sdks {
		lines = append(lines, "  "+s.Subtle.Render(common.Fit(sdk[0], 9)+"$ "+sdk[1]))
	}
	return strings.Join(lines, "\n")
}
