package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/penguinmails/pmdev/tui/common"
)

// View renders the whole screen.
func (m *Model) View() tea.View {
	v := tea.NewView(m.render())
	v.AltScreen = true
	v.WindowTitle = "pmdev"
	if m.opts.Mouse {
		v.MouseMode = tea.MouseModeCellMotion
	}
	return v
}

// render is the frame as a string (golden tests use it directly).
func (m *Model) render() string {
	if m.width == 0 || m.height == 0 {
		return ""
	}
	if m.tooSmallNow() {
		return m.tooSmall()
	}
	if !m.isReady() {
		return m.splash()
	}
	w, h := m.paneSize()
	var body string
	if m.fullHelp {
		body = m.fullHelpView(w)
	} else {
		body = m.panes[m.ctx.Active].View()
		// Stale figures are dimmed; the docs are not figures (their copy
		// says where it came from), and dimming hid search matches.
		if m.offline && m.ctx.Active != common.PaneDocs {
			body = m.ctx.Styles.Subtle.Render(ansi.Strip(body))
		}
	}
	body = common.FitBlock(body, w, h)
	return strings.Join([]string{m.tabBar(), m.noticeLine(), body, m.statusBar(), m.helpLine()}, "\n")
}

// tooSmallNow: the terminal is below the size the console lays out in.
func (m *Model) tooSmallNow() bool {
	return m.width > 0 && m.height > 0 && (m.width < MinWidth || m.height < MinHeight)
}

// tooSmallQuit says how to quit while nothing is shown: with a key shown
// once, the first ctrl+c asks a question the user cannot see.
func (m *Model) tooSmallQuit() string {
	if m.GuardsQuit() {
		return "keys wait until it is larger · ctrl+c twice quits (a key shown once is lost)"
	}
	return "keys wait until it is larger · ctrl+c quits"
}

func (m *Model) tooSmall() string {
	msg := common.Truncate(fmt.Sprintf("terminal too small: %d×%d needed", MinWidth, MinHeight), m.width) + "\n" +
		common.Truncate(m.tooSmallQuit(), m.width)
	return lipgloss.Place(m.width, m.height, lipgloss.Center, lipgloss.Center, m.ctx.Styles.Warning.Render(msg),
		lipgloss.WithWhitespaceChars(" "))
}

// splash is the frame before the first data: what the console waits for,
// with the progress of a first start (creating the sandbox's demo data).
func (m *Model) splash() string {
	s := m.ctx.Styles
	var text, bar string
	switch st := m.starting; {
	case m.connecting && st.Text != "":
		text = common.Sanitize(st.Text) + "…"
		if st.Total > 0 {
			ratio := float64(min(st.Done, st.Total)) / float64(st.Total)
			bar = common.GaugeBar(s.Success, s.Subtle, ratio, 30, m.ctx.NoColor) +
				s.Muted.Render(fmt.Sprintf(" %d%%", int(ratio*100)))
		}
	case m.connecting && m.ctx.Sandbox:
		text = "starting the sandbox…"
	default:
		where := m.apiHost()
		if m.ctx.Sandbox {
			where = "sandbox " + where
		}
		text = "connecting to " + common.Sanitize(where) + " …"
	}
	msg := s.Title.Render("pmdev") + s.Muted.Render(" · "+text)
	if bar != "" {
		msg = lipgloss.JoinVertical(lipgloss.Center, msg, "", bar)
	}
	return lipgloss.Place(m.width, m.height, lipgloss.Center, lipgloss.Center, msg)
}

// tabRanges are the [start, end) columns of each tab label in the tab bar.
func (m *Model) tabRanges() [][2]int {
	out := make([][2]int, len(m.panes))
	x := 0
	for i, p := range m.panes {
		wdt := lipgloss.Width(tabLabel(i, p.Title())) + 2 // TabActive/Inactive pad 1 each side
		out[i] = [2]int{x, x + wdt}
		x += wdt + 1 // separator
	}
	return out
}

func tabLabel(i int, title string) string { return fmt.Sprintf("%d %s", i+1, title) }

func (m *Model) tabBar() string {
	s := m.ctx.Styles
	parts := make([]string, 0, len(m.panes))
	for i, p := range m.panes {
		label := tabLabel(i, p.Title())
		if common.PaneID(i) == m.ctx.Active {
			parts = append(parts, s.TabActive.Render(label))
		} else {
			parts = append(parts, s.TabInactive.Render(label))
		}
	}
	left := strings.Join(parts, s.Subtle.Render("·"))
	right := s.Title.Render("pmdev")
	if m.ctx.Me.Tenant.Name != "" {
		right = s.Muted.Render(common.Sanitize(m.ctx.Me.Tenant.Name)+" · ") + right
	}
	return common.Spread(left, right, m.width)
}

// noticeLine is a rule, or the offline banner, or the error line.
func (m *Model) noticeLine() string {
	s := m.ctx.Styles
	switch {
	case m.offline:
		since := "never"
		if !m.lastOK.IsZero() {
			since = m.lastOK.Local().Format("15:04:05")
		}
		text := fmt.Sprintf("offline — showing data from %s · retrying automatically", since)
		if m.lastOK.IsZero() {
			text = fmt.Sprintf("offline — cannot reach %s · retrying automatically", common.Sanitize(m.apiHost()))
		}
		return s.BannerOffline.Render(ansi.Truncate(text, m.width-2, "…"))
	case m.errLine != "":
		return s.Danger.Render(ansi.Truncate("✗ "+m.errLine, m.width, "…"))
	case m.rlForbidden:
		role := common.Sanitize(m.ctx.Me.Role)
		if role == "" {
			role = "current"
		}
		return s.Warning.Render(ansi.Truncate("your role ("+role+") cannot use developer settings: keys, usage and webhooks need admin or developer", m.width, "…"))
	}
	return s.Subtle.Render(strings.Repeat("─", m.width))
}

// barLayout is how much detail the status bar shows.
type barLayout struct {
	name   bool // the busiest key's name after the numbers
	clears bool // "· clears in 24s" after the numbers
	bar    int  // gauge cells; 0 hides the gauge
	age    bool // "3s ago" after the connection state
	host   bool // the API host (the SANDBOX badge stays without it)
	email  bool // the email before the role (the role always stays)
}

// statusBar drops the least important detail until the line fits, so the
// role and a status message stay readable at 80 columns: first the gauge's
// key name, length and countdown, then the age and the host (the host
// first in the sandbox, whose badge says where we are), then the gauge,
// then the email.
func (m *Model) statusBar() string {
	l := barLayout{name: true, clears: true, bar: 10, age: true, host: true, email: true}
	dropHostFirst := m.ctx.Sandbox
	steps := []func(*barLayout){
		func(l *barLayout) { l.name = false },
		func(l *barLayout) { l.bar = 6 },
		func(l *barLayout) { l.clears = false },
		func(l *barLayout) {
			if dropHostFirst {
				l.host = false
			} else {
				l.age = false
			}
		},
		func(l *barLayout) { l.age, l.host = false, false },
		func(l *barLayout) { l.bar = 0 },
		func(l *barLayout) { l.email = false },
	}
	for i := 0; ; i++ {
		left, right := m.statusLeft(l), m.rateGauge(l)
		if common.Fits(left, right, m.width) || i == len(steps) {
			// Past the last step, spread truncates the end of the message.
			return common.Spread(left, right, m.width)
		}
		steps[i](&l)
	}
}

func (m *Model) statusLeft(l barLayout) string {
	s := m.ctx.Styles
	sep := s.Subtle.Render(" │ ")
	var left []string
	switch role := common.Sanitize(m.ctx.Me.Role); {
	case m.ctx.Me.Email != "" && l.email:
		who := s.StatusValue.Render(common.Sanitize(m.ctx.Me.Email))
		if role != "" {
			who += s.Muted.Render(" (" + role + ")")
		}
		left = append(left, who)
	case role != "":
		left = append(left, s.StatusValue.Render(role))
	}
	var host []string
	if l.host {
		host = append(host, s.StatusValue.Render(common.Sanitize(m.apiHost())))
	}
	if m.ctx.Sandbox {
		host = append(host, s.SandboxBadge.Render("SANDBOX"))
	}
	if len(host) > 0 {
		left = append(left, strings.Join(host, " "))
	}
	left = append(left, m.connState(l.age))
	if m.status != "" {
		left = append(left, m.statusStyle().Render(m.status))
	}
	return strings.Join(left, sep)
}

func (m *Model) connState(withAge bool) string {
	s := m.ctx.Styles
	now := m.ctx.Now()
	switch {
	case m.unauthorized:
		return s.Danger.Render("✗ token rejected")
	case m.offline:
		return s.Danger.Render("○ offline")
	case m.ctx.Paused:
		return s.Warning.Render("‖ paused")
	case m.lastRefresh.IsZero() || !withAge:
		return s.Success.Render("● live")
	}
	age := now.Sub(m.lastRefresh)
	if age < 0 {
		age = 0
	}
	return s.Success.Render("● live") + s.Muted.Render(" "+shortAge(age))
}

// shortAge is a compact "3s ago" / "2m ago".
func shortAge(d interface{ Seconds() float64 }) string {
	sec := int(d.Seconds())
	switch {
	case sec < 60:
		return fmt.Sprintf("%ds ago", sec)
	case sec < 3600:
		return fmt.Sprintf("%dm ago", sec/60)
	}
	return fmt.Sprintf("%dh ago", sec/3600)
}

func (m *Model) statusStyle() lipgloss.Style {
	s := m.ctx.Styles
	switch m.statusLevel {
	case common.LevelSuccess:
		return s.Success
	case common.LevelWarning:
		return s.Warning
	case common.LevelError:
		return s.Danger
	}
	return s.Info
}

// rateGauge is the status bar's live rate-limit mini gauge: the spent part
// of the busiest key's token bucket (all spent = requests get 429), which
// the bar fills, and when it clears, dimmed like the pane while stale.
func (m *Model) rateGauge(l barLayout) string {
	s := m.ctx.Styles
	if l.bar <= 0 {
		return ""
	}
	if m.rlData == nil {
		if m.rlForbidden {
			return s.Muted.Render("rate limits n/a")
		}
		return s.Muted.Render("rate limits —")
	}
	g, left := common.GaugeNow(*m.rlData, m.rlAt, m.ctx.Now())
	frozen := m.offline || m.ctx.Paused
	if frozen {
		g = common.GaugeOf(*m.rlData) // stale figures, shown as they came
	}
	text := " " + common.SpentText(g.RateLimitState)
	if c := common.ClearsText(left); c != "" && l.clears && !frozen {
		text += " · " + c
	}
	if l.name && g.Name != "" && g.Used > 0 {
		text += " " + ansi.Truncate(common.Sanitize(g.Name), 20, "…")
	}
	out := common.GaugeBar(s.Level(g.Ratio), s.Subtle, g.Ratio, l.bar, m.ctx.NoColor) + s.Muted.Render(text)
	if m.offline || m.unauthorized {
		return s.Subtle.Render(ansi.Strip(out))
	}
	return out
}

func (m *Model) helpLine() string {
	g := &m.ctx.Keys.Global
	active := m.panes[m.ctx.Active]
	bindings := append([]key.Binding{}, active.KeyMap().ShortHelp()...)
	if common.CapturesAll(active) {
		// The pane has the keyboard: r, p, q, 1–5 and tab would be typed
		// into it, so offer only its keys, esc and the one way out.
		if !offers(bindings, "esc") {
			bindings = append(bindings, g.Back)
		}
		bindings = append(bindings, key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "quit")))
	} else {
		bindings = append(bindings, g.Refresh, g.Pause, g.Help, g.Quit)
	}
	return ansi.Truncate(m.help.ShortHelpView(bindings), m.width, "…")
}

// offers reports whether one of bindings is bound to k.
func offers(bindings []key.Binding, k string) bool {
	for _, b := range bindings {
		for _, bk := range b.Keys() {
			if bk == k {
				return true
			}
		}
	}
	return false
}

// helpNote says how the keys that close things work, lazygit- and
// less-style: q and esc close what is open, q on a plain screen quits.
const helpNote = "?, q or esc closes this help. q and esc close any overlay (q is typed in a text field); " +
	"q quits only from a screen with nothing open. ctrl+c always quits, asking first while a key is shown once."

func (m *Model) fullHelpView(w int) string {
	g := &m.ctx.Keys.Global
	s := m.ctx.Styles
	groups := [][]key.Binding{
		{g.Tab1, g.Tab2, g.Tab3, g.Tab4, g.Tab5, g.NextTab, g.PrevTab},
		{g.Refresh, g.Pause, g.Help, g.Back, g.Quit},
	}
	groups = append(groups, m.panes[m.ctx.Active].KeyMap().FullHelp()...)
	title := s.Heading.Render("Keys — global and " + m.panes[m.ctx.Active].Title())
	return title + "\n\n" + m.helpRows(groups, w) + "\n\n" + s.Muted.Render(common.Wrap(helpNote, w))
}

// helpRows lays the help columns out in as many rows as the width needs:
// the help bubble alone drops the columns that do not fit, which hid most
// of a pane's keys at 80 columns.
func (m *Model) helpRows(groups [][]key.Binding, w int) string {
	m.help.SetWidth(0) // measure unclipped
	defer m.help.SetWidth(w)
	var rows []string
	var row [][]key.Binding
	for _, g := range groups {
		if len(g) == 0 {
			continue
		}
		if len(row) > 0 && lipgloss.Width(m.help.FullHelpView(append(row, g))) > w {
			rows = append(rows, m.help.FullHelpView(row))
			row = nil
		}
		row = append(row, g)
	}
	if len(row) > 0 {
		rows = append(rows, m.help.FullHelpView(row))
	}
	return strings.Join(rows, "\n\n")
}
