package overview

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/penguinmails/pmdev/client"
	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
)

const (
	cardWidth = 38 // rate-limit card, border included
	topHeight = 8  // steps beside the card
)

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
	k := frameKey{m.version, m.cursor, m.width, m.height, m.ctx.Now().Unix(), m.ctx.Styles, m.ctx.NoColor}
	if k == m.lastKey && m.lastFrame != "" {
		return m.lastFrame
	}
	m.lastKey, m.lastFrame = k, m.render()
	return m.lastFrame
}

func (m *Model) render() string {
	var b strings.Builder
	b.WriteString(lipgloss.JoinHorizontal(lipgloss.Top, m.stepsView(m.width-cardWidth-1), " ", m.rateCard()))
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

func (m *Model) stepsView(w int) string {
	s := m.ctx.Styles
	keyExists := m.keysLoaded && m.keysTotal > 0
	firstCall := false
	for _, k := range m.keys {
		if k.RequestCount > 0 || k.LastUsed != nil {
			firstCall = true
			break
		}
	}
	type step struct {
		state int // 0 todo, 1 done, 2 unknown
		text  string
		note  string
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
	if !m.canCreate() {
		create = "needs admin or developer"
	}
	steps := []step{
		{known(m.keysLoaded, keyExists), "Generate an API key", create},
		{0, "Install an SDK (optional)", "coming Q1 2026"},
		{known(m.keysLoaded, firstCall), "Make your first API call", "see Docs"},
		{wh, "Set up webhooks (optional)", "tab 5"},
	}
	lines := []string{s.Heading.Render("Start building with the PenguinMails API"), ""}
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
		if st.state != 1 {
			note = s.Subtle.Render(" · " + st.note)
		}
		lines = append(lines, ansi.Truncate(fmt.Sprintf(" %s %d. %s%s", mark, i+1, text, note), w, "…"))
	}
	return lipgloss.NewStyle().Width(w).Height(topHeight).Render(strings.Join(lines, "\n"))
}

// rateCard is the plan, limit, burst, the busiest key's used/limit bar
// (limits are per key) coloured at 80% and 95%, the reset countdown, the
// tenant's total as a secondary line and the upgrade prompt at ≥80%.
func (m *Model) rateCard() string {
	s := m.ctx.Styles
	inner := cardWidth - 4
	var lines []string
	switch {
	case m.unauth || client.StatusOf(m.keysErr) == http.StatusUnauthorized:
		lines = []string{s.Heading.Render("Rate limit"), s.Danger.Render("✗ token rejected by the API"),
			s.Muted.Render("Set PENGUINMAILS_TOKEN to a valid"), s.Muted.Render("token, or use --profile NAME.")}
	case m.rl == nil:
		plan := m.ctx.Me.Tenant.Plan
		status := s.Muted.Render("loading…")
		if client.StatusOf(m.keysErr) == http.StatusForbidden {
			// Rate limits are a developer route too: say so instead of loading forever.
			status = s.Muted.Render("needs the admin or developer role")
		}
		lines = []string{s.Heading.Render("Rate limit"), status}
		if plan.LimitPerMinute > 0 {
			lines = append(lines, s.Muted.Render(fmt.Sprintf("%s · %d req/min", common.Sanitize(plan.DisplayName), plan.LimitPerMinute)))
		}
	default:
		rl := m.rl
		plan := common.Sanitize(rl.Plan.DisplayName)
		if plan == "" {
			plan = common.Sanitize(rl.Plan.Name)
		}
		st := m.cardState()
		burst := st.Burst
		if burst <= 0 {
			burst = rl.Plan.Burst
		}
		ratio := 0.0
		if st.Limit > 0 {
			ratio = float64(st.Used) / float64(st.Limit)
		}
		nums := fmt.Sprintf(" %d/%d (%d%%)", st.Used, st.Limit, int(ratio*100+0.5))
		barW := max(inner-lipgloss.Width(nums), 4)
		lines = []string{
			s.Heading.Render("Rate limit") + s.Muted.Render(" · "+plan+" plan"),
			fmt.Sprintf("%s req/min per key · burst %s", s.Value.Render(fmt.Sprint(st.Limit)), s.Value.Render(fmt.Sprint(burst))),
			bar(s.Level(ratio), s.Subtle, ratio, barW, m.ctx.NoColor) + s.Level(ratio).Render(nums),
		}
		reset := m.resetText(st)
		if st.Name != "" {
			lines = append(lines, s.Muted.Render("busiest ")+ansi.Truncate(common.Sanitize(st.Name), inner-8, "…"))
			reset += fmt.Sprintf(" · all keys %d/min", rl.Tenant.Used)
		}
		lines = append(lines, s.Muted.Render(ansi.Truncate(reset, inner, "…")))
		if ratio >= 0.8 {
			lines = append(lines, s.Warning.Render("⚠ Near the limit — upgrade plan"))
		}
	}
	for len(lines) < topHeight-2 {
		lines = append(lines, "")
	}
	return s.Card.Width(cardWidth).Render(strings.Join(lines, "\n"))
}

// cardState is the bucket the card shows: the busiest key's, else the
// tenant's (an API without per-key data). Name is empty for the tenant.
func (m *Model) cardState() models.KeyRateLimit {
	st := models.KeyRateLimit{RateLimitState: m.rl.Tenant}
	if k, ok := common.BusiestKey(*m.rl); ok {
		st = k
	}
	if st.Limit <= 0 {
		st.Limit = m.rl.Plan.LimitPerMinute
	}
	return st
}

func (m *Model) resetText(st models.KeyRateLimit) string {
	now := m.ctx.Now()
	var left time.Duration
	if !st.ResetAt.IsZero() {
		left = st.ResetAt.Sub(now)
	} else {
		left = time.Duration(st.ResetIn)*time.Second - now.Sub(m.rlAt)
	}
	if left <= 0 || st.Used == 0 {
		return "bucket full"
	}
	return fmt.Sprintf("resets in %ds", int(left.Round(time.Second)/time.Second))
}

// bar is a gauge; without colour the empty part is dotted.
func bar(fill, empty lipgloss.Style, ratio float64, width int, noColor bool) string {
	ratio = min(max(ratio, 0), 1)
	n := int(ratio*float64(width) + 0.5)
	if ratio > 0 && n == 0 {
		n = 1
	}
	e := "░"
	if noColor {
		e = "·"
	}
	return fill.Render(strings.Repeat("█", n)) + empty.Render(strings.Repeat(e, width-n))
}

type column struct {
	title string
	width int
}

func (m *Model) keyColumns() []column {
	cols := []column{{"NAME", 0}, {"KEY", 20}, {"CREATED", 13}, {"LAST USED", 15}, {"STATUS", 9}}
	fixed := 0
	for _, c := range cols[1:] {
		fixed += c.width + 1
	}
	cols[0].width = max(m.width-fixed-2, 10)
	if cols[0].width > 40 {
		cols[0].width = 40
	}
	return cols
}

func (m *Model) keysView() string {
	s := m.ctx.Styles
	active := 0
	for _, k := range m.keys {
		if k.Status == models.KeyActive {
			active++
		}
	}
	title := s.Heading.Render("API keys")
	if m.keysLoaded {
		title += s.Muted.Render(fmt.Sprintf(" · %d shown of %d", m.visibleKeys(), m.keysTotal))
	}
	hint := s.Muted.Render("n new key · enter details · 2 all keys")
	if !m.canCreate() {
		hint = s.Muted.Render("enter details · 2 all keys")
	}
	lines := []string{spread(title, hint, m.width)}
	cols := m.keyColumns()
	var hdr []string
	for _, c := range cols {
		hdr = append(hdr, pad(c.title, c.width))
	}
	lines = append(lines, "  "+s.TableHeader.Render(strings.Join(hdr, " ")))
	switch {
	case !m.keysLoaded && m.keysErr != nil:
		lines = append(lines, "  "+s.Danger.Render(ansi.Truncate(common.ErrorTextFor(m.keysErr, m.ctx.Me.Role, "view API keys"), m.width-2, "…")))
	case !m.keysLoaded:
		lines = append(lines, "  "+s.Muted.Render("loading keys…"))
	case len(m.keys) == 0:
		if m.canCreate() {
			lines = append(lines, "  "+s.Muted.Render("no API keys yet — press n to create your first key"))
		} else {
			lines = append(lines, "  "+s.Muted.Render("no API keys yet — an admin or developer can create one"))
		}
	}
	now := m.ctx.Now()
	for i := 0; i < m.visibleKeys(); i++ {
		k := m.keys[i]
		status := k.Status
		if k.ReplacedBy != "" && status == models.KeyActive {
			status = "rotating"
		}
		cells := []string{
			pad(common.Sanitize(k.Name), cols[0].width),
			pad(common.Sanitize(k.MaskedKey), cols[1].width),
			pad(k.CreatedAt.Local().Format("Jan 2, 2006"), cols[2].width),
			pad(common.Ago(k.LastUsed, now), cols[3].width),
		}
		row := strings.Join(cells, " ") + " "
		st := s.Status(statusWord(status)).Render(pad(status, cols[4].width))
		if i == m.cursor {
			lines = append(lines, s.Cursor.Render("▸ ")+s.Selected.Render(row)+st)
		} else {
			lines = append(lines, "  "+s.TableCell.Render(row)+st)
		}
	}
	// Keep the section height stable while loading.
	for len(lines) < 2+m.visibleKeys() {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}

func statusWord(status string) string {
	switch status {
	case "rotating":
		return "grace"
	case models.KeyExpired:
		return "disabled"
	}
	return status
}

func (m *Model) endpointList() string {
	s := m.ctx.Styles
	lines := []string{s.Heading.Render("Popular endpoints") + s.Muted.Render(" · enter opens the docs")}
	for i, ep := range m.endpoints {
		text := fmt.Sprintf("%s %s %s", pad(ep.Title, 20), pad(ep.Method, 5), ep.Path)
		if m.cursor == m.visibleKeys()+i {
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
		body := strings.Join([]string{
			s.Heading.Render(ep.Title),
			s.Code.Render(ep.Method + " " + ep.Path),
			s.Muted.Render("Authorization: Bearer pm_live_…"),
			s.Accent.Render("enter → full docs"),
		}, "\n")
		st := s.Card
		if m.cursor == m.visibleKeys()+i {
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
		lines = append(lines, "  "+s.Subtle.Render(pad(sdk[0], 9)+"$ "+sdk[1]))
	}
	return strings.Join(lines, "\n")
}

// pad cuts or pads s to exactly w cells.
func pad(s string, w int) string {
	if lipgloss.Width(s) > w {
		return ansi.Truncate(s, w, "…")
	}
	return s + strings.Repeat(" ", w-lipgloss.Width(s))
}

// spread puts left and right on one line of width w.
func spread(left, right string, w int) string {
	lw, rw := lipgloss.Width(left), lipgloss.Width(right)
	if lw+rw+1 > w {
		return ansi.Truncate(left, w, "…")
	}
	return left + strings.Repeat(" ", w-lw-rw) + right
}
