package keys

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
	"github.com/penguinmails/pmdev/tui/component/chart"
	"github.com/penguinmails/pmdev/tui/component/dialog"
	"github.com/penguinmails/pmdev/tui/component/scroll"
	"github.com/penguinmails/pmdev/tui/keys/perms"
)

// details is the full-pane view of one key. It is a passive dialog: keys
// it does not use (tabs, refresh) reach the pane and the root.
type details struct {
	m      *Model
	keyID  string
	data   *models.APIKeyDetails
	sec    *models.KeySecurity
	err    error
	secErr error
	reqID  uint64
	// asked is when the details were last requested (the cockpit's poll).
	asked  time.Time
	scroll scroll.Model
}

// key is the freshest copy of the key the details view shows.
func (d *details) key() *models.APIKey {
	m := d.m
	if i, ok := m.byID[d.keyID]; ok {
		return &m.all[i]
	}
	if d.data != nil {
		return &d.data.APIKey
	}
	return nil
}

func (m *Model) openDetails() tea.Cmd {
	k := m.current()
	if k == nil {
		return nil
	}
	m.dialogs.Push(&details{m: m, keyID: k.KeyID})
	return m.refreshDetails()
}

// refreshDetails (re)loads the open details; results of older loads are dropped.
func (m *Model) refreshDetails() tea.Cmd {
	d, ok := dialog.Find[*details](&m.dialogs)
	if !ok || m.ctx.Client == nil {
		return nil
	}
	d.reqID, d.asked = m.nextID(), m.ctx.Now()
	c, id, keyID := m.ctx.Client, d.reqID, d.keyID
	return tea.Batch(fetchPart(id, keyID, c.GetKey), fetchPart(id, keyID, c.KeySecurity))
}

// cockpitDue reports that open details show a rotation last read
// rotationPoll ago or more, while the pane is on screen.
func (m *Model) cockpitDue() bool {
	d, r := m.rotationShown()
	return r != nil && m.ctx.Active == common.PaneKeys && !m.ctx.Paused && m.ctx.Now().Sub(d.asked) >= rotationPoll
}

func (m *Model) onDetails(msg tea.Msg) tea.Cmd {
	d, ok := dialog.Find[*details](&m.dialogs)
	if !ok {
		return nil
	}
	switch msg := msg.(type) {
	case detailsMsg:
		if accept(d, msg, &d.data, &d.err) && msg.err == nil {
			// The view reads the list's copy of the key; bring it up to
			// date so usage since the last poll shows at once.
			if v := d.data; v.KeyID == d.keyID {
				if _, ok := m.byID[v.KeyID]; ok {
					m.applyKey(v.APIKey)
				}
			}
		}
	case securityMsg:
		accept(d, msg, &d.sec, &d.secErr)
	}
	return nil
}

// accept stores a part of the view's data (or why it failed) when it
// answers the newest request for the open key.
func accept[T any](d *details, msg keyPart[T], v **T, err *error) bool {
	if msg.ReqID != d.reqID || msg.keyID != d.keyID {
		return false
	}
	*err = msg.err
	if msg.err == nil {
		x := msg.v
		*v = &x
	}
	return true
}

// Passive implements dialog.Passive.
func (d *details) Passive() bool { return true }

// Update implements dialog.Dialog: scrolling, esc, and the key actions.
func (d *details) Update(msg tea.Msg) (dialog.Dialog, tea.Cmd) {
	m := d.m
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return d, nil
	}
	k := &m.ctx.Keys.Keys
	delta := 0
	switch {
	case common.Closes(km, m.ctx.Keys):
		return nil, nil
	case key.Matches(km, k.Up):
		delta = -1
	case key.Matches(km, k.Down):
		delta = 1
	case key.Matches(km, k.PageUp):
		delta = -(m.height - 2)
	case key.Matches(km, k.PageDown):
		delta = m.height - 2
	case key.Matches(km, k.Top):
		d.scroll.Top()
	case key.Matches(km, k.Bottom):
		delta = len(d.lines(m.width))
	default:
		return d, m.keyAction(km)
	}
	d.scroll.By(delta, len(d.lines(m.width)), d.pageHeight(m.height))
	return d, nil
}

func (d *details) pageHeight(h int) int { return max(1, h-1) }

// ShortHelp implements help.KeyMap.
func (d *details) ShortHelp() []key.Binding {
	m := d.m
	k := m.ctx.Keys.Keys
	scroll, back := common.Joined("scroll", k.Up, k.Down), common.BackHelp(m.ctx.Keys)
	out := append([]key.Binding{scroll}, d.actions()...)
	return append(out, k.CopyID, k.Usage, back)
}

// actions are the grace period's while one runs, then the key's own (see
// keyActions).
func (d *details) actions() []key.Binding {
	m := d.m
	k := &m.ctx.Keys.Keys
	now := m.ctx.Now()
	cur := d.key()
	if cur == nil || m.blocked(now) != "" {
		return nil
	}
	var out []key.Binding
	// A running grace leads: a narrow hint line keeps its actions.
	if _, r := m.rotationShown(); r != nil && r.OldKeyExpiresAt.After(now) {
		out = append(out, k.ExtendGrace, k.EndGrace)
	}
	return append(out, m.keyActions(cur)...)
}

// FullHelp implements help.KeyMap.
func (d *details) FullHelp() [][]key.Binding { return [][]key.Binding{d.ShortHelp()} }

const longDate = "January 2, 2006 at 3:04 PM"

// View implements dialog.Dialog: the lines windowed at the scroll
// position, and a hint line.
func (d *details) View(width, height int) string {
	m := d.m
	st := m.ctx.Styles
	now := m.ctx.Now()
	if d.key() == nil {
		var s string
		switch {
		case d.err != nil:
			s = st.Danger.Render(common.ErrorText(d.err, m.ctx.Me.Role)) + "\n" + st.Muted.Render("esc: back")
		default:
			s = st.Muted.Render("Loading key…")
		}
		return common.ClipBlock(s, width, height)
	}
	lines := d.lines(width)
	h := d.pageHeight(height)
	scroll, end := d.scroll.Window(len(lines), h)
	out := make([]string, 0, h+1)
	for _, l := range lines[scroll:end] {
		out = append(out, common.Truncate(l, width))
	}
	hint := "esc/q back · ↑/↓ scroll"
	for _, b := range append(d.actions(), m.ctx.Keys.Keys.CopyID, m.ctx.Keys.Keys.Usage) {
		hint += " · " + b.Help().Key + " " + b.Help().Desc
	}
	if r := m.blocked(now); r != "" {
		hint = r + " · " + hint
	}
	if len(lines) > h {
		hint = fmt.Sprintf("%d–%d of %d · ", scroll+1, end, len(lines)) + hint
	}
	for len(out) < h {
		out = append(out, "")
	}
	out = append(out, st.Muted.Render(common.Truncate(hint, width)))
	return common.ClipBlock(strings.Join(out, "\n"), width, height)
}

// lines is the whole details text, one entry per screen line.
func (d *details) lines(width int) []string {
	m := d.m
	st := m.ctx.Styles
	now := m.ctx.Now()
	k := d.key()
	if k == nil {
		return nil
	}
	var lines []string
	add := func(s ...string) { lines = append(lines, s...) }
	row := func(label, value string) {
		add(st.Label.Render(fmt.Sprintf("%-13s", label)) + value)
	}

	text, kind := common.KeyStatusText(k, now)
	add(st.Title.Render(common.Sanitize(k.Name)+m.roleTag(k)) + "  " + st.Status(kind).Render("● "+text))
	if k.Description != "" {
		add(st.Muted.Render(common.Sanitize(k.Description)))
	}
	add("")
	row("Key ID", common.Sanitize(k.KeyID))
	row("Masked key", common.Sanitize(k.MaskedKey))
	row("Environment", common.Sanitize(k.Environment))
	row("Rate limit", fmt.Sprintf("%d requests/min", k.RateLimit))
	created := k.CreatedAt.Local().Format(longDate)
	if k.CreatedBy != "" {
		created += " by " + common.Sanitize(k.CreatedBy)
	}
	row("Created", created)
	used := common.Ago(k.LastUsed, now)
	if k.LastUsedIP != "" {
		used += " from " + common.Sanitize(k.LastUsedIP)
	}
	row("Last used", used)
	switch {
	case k.RevokedAt != nil && k.Status == models.KeyRevoked:
		row("Revoked", k.RevokedAt.Local().Format(longDate))
	case k.ExpiresAt == nil:
		row("Expires", "Never")
	default:
		exp := k.ExpiresAt.Local().Format(longDate)
		left := k.ExpiresAt.Sub(now)
		switch {
		case left <= 0:
			row("Expires", st.Muted.Render(exp+" (expired)"))
		case left <= 7*24*time.Hour:
			row("Expires", st.Warning.Render(exp+" — ⚠ expires in "+common.ShortDur(left)))
		default:
			row("Expires", exp)
		}
	}
	if k.ReplacedBy != "" {
		rotated := "→ " + m.successor(k)
		if k.ExpiresAt != nil && k.ExpiresAt.After(now) {
			rotated += ", this key expires in " + common.Countdown(k.ExpiresAt.Sub(now))
		}
		row("Rotated", rotated)
	}
	if old, ok := m.byID[m.pairs[k.KeyID]]; ok {
		o := &m.all[old]
		row("Replaces", common.Sanitize(o.MaskedKey)+" (old), working until "+untilText(o.ExpiresAt, now))
	}
	if len(k.AllowedIPs) == 0 {
		row("Allowed IPs", "All IPs")
	} else {
		row("Allowed IPs", common.Sanitize(strings.Join(k.AllowedIPs, ", ")))
	}
	if len(k.Recommendations) > 0 {
		// The Security section below says what and how; this says that.
		word := "recommendation"
		if len(k.Recommendations) > 1 {
			word += "s"
		}
		mark, kind := attentionMark(k)
		if mark == "" {
			mark = "·"
		}
		// What to do, with its key, so a short screen can act at once.
		var acts []string
		for _, r := range k.Recommendations {
			if b, _, short := m.actionKey(r.Action); short != "" {
				acts = append(acts, st.Key.Render(b.Help().Key)+" "+short)
			}
		}
		row("Hygiene", st.Status(kind).Render(strings.TrimSpace(mark))+fmt.Sprintf(" %d %s (under Security): ", len(k.Recommendations), word)+
			strings.Join(acts, st.Muted.Render(" · ")))
	}
	if d.data != nil && d.data.KeyID == d.keyID && d.data.Rotation != nil {
		add(m.cockpitLines(d.keyID, d.data.Rotation, d.data.RotationTraffic, width)...)
	}

	add("", st.Heading.Render("Permissions"))
	for _, g := range perms.Groups(k.Permissions) {
		add("  " + st.Label.Render(fmt.Sprintf("%-11s", g[0])) + common.Sanitize(g[1]))
	}

	add("", st.Heading.Render("Usage"))
	rate := 0.0
	if k.RequestCount > 0 {
		rate = float64(k.ErrorCount) / float64(k.RequestCount) * 100
	}
	add(fmt.Sprintf("  Since created: requests %s · errors %s · error rate %.2f%%", common.Thousands(k.RequestCount), common.Thousands(k.ErrorCount), rate))
	switch {
	case d.data != nil:
		add(m.chartLines(d.data.UsageByDay, width)...)
		if len(d.data.TopEndpoints) > 0 {
			add("", st.Heading.Render("Top endpoints")+st.Muted.Render(" · last 30 days (UTC)"))
			for _, e := range d.data.TopEndpoints {
				add(fmt.Sprintf("  %-40s %10s req  %6.0f ms avg", common.Truncate(common.Sanitize(e.Endpoint), 40), common.Thousands(e.Count), e.AvgResponseTimeMS))
			}
		}
	case d.err != nil:
		add("  " + st.Danger.Render(common.ErrorText(d.err, m.ctx.Me.Role)))
	default:
		add("  " + st.Muted.Render("Loading usage…"))
	}

	add("", st.Heading.Render("Security"))
	add(m.recommendationLines(k, width)...)
	switch {
	case d.sec != nil:
		add("  " + st.Label.Render("Recent client IPs (last 10)"))
		if len(d.sec.RecentIPs) == 0 {
			add("    " + st.Muted.Render("none yet"))
		}
		for _, ip := range d.sec.RecentIPs {
			t := ip.LastSeen
			add(fmt.Sprintf("    %-40s %-16s %s req", common.Truncate(common.Sanitize(ip.IP), 40), common.Ago(&t, now), common.Thousands(ip.Requests)))
		}
		add("  " + st.Label.Render("Audit log (last 50 events)"))
		if len(d.sec.AuditEvents) == 0 {
			add("    " + st.Muted.Render("no events"))
		}
		for _, e := range d.sec.AuditEvents {
			action := common.Sanitize(e.Action)
			style := st.Base
			switch e.Action {
			case "revoked", "ip_violation":
				style = st.Danger
			case "rotated", "expired", "grace_extended", "grace_ended":
				style = st.Warning
			}
			actor := common.Sanitize(e.Actor)
			if e.ActorKeyFingerprint != "" {
				actor += " (ssh " + common.Sanitize(e.ActorKeyFingerprint) + ")"
			}
			extra := common.Sanitize(strings.TrimSpace(e.IP + " " + e.Detail))
			add(fmt.Sprintf("    %s  %s  %s  %s", e.Time.Local().Format("Jan 02 15:04"), style.Render(fmt.Sprintf("%-12s", action)), actor, st.Muted.Render(extra)))
		}
	case d.secErr != nil:
		add("  " + st.Danger.Render(common.ErrorText(d.secErr, m.ctx.Me.Role)))
	default:
		add("  " + st.Muted.Render("Loading security events…"))
	}

	return lines
}

// chartLines renders 30 days of requests and errors: whole-number
// labels, dates under their ticks, today (still filling) dotted.
func (m *Model) chartLines(days []models.DayUsage, width int) []string {
	st := m.ctx.Styles
	if len(days) == 0 {
		return []string{"  " + st.Muted.Render("No usage in the last 30 days.")}
	}
	reqs := make([]float64, len(days))
	errs := make([]float64, len(days))
	at := make([]time.Time, len(days))
	var total int64
	for i, d := range days {
		reqs[i], errs[i] = float64(d.Requests), float64(d.Errors)
		total += d.Requests
		at[i], _ = time.Parse(time.DateOnly, d.Date)
	}
	out := []string{"", "  " + st.Label.Render("Requests per day, last 30 days (UTC)")}
	if total == 0 {
		return append(out, "  "+st.Muted.Render("No requests in the last 30 days."))
	}
	pal := st.Palette.Series
	ser := []chart.Series{{Name: "requests", Values: reqs, Color: pal[0]}, {Name: "errors", Values: errs, Color: pal[2], Marker: "x"}}
	today := m.ctx.Now().UTC().Format(time.DateOnly)
	p := chart.New(ser, chart.Options{Width: max(20, min(len(days)*2+8, width-4)), Height: 6,
		Partial: days[len(days)-1].Date == today, NoColor: m.ctx.NoColor})
	if p.Cols == 0 {
		return out
	}
	axis, labels := p.XAxis(func(i int) time.Time { return at[i] }, -1, st.Cursor)
	out = append(out, "  "+chart.Legend(ser, p, m.ctx.NoColor))
	for _, l := range append(p.Lines, axis, labels) {
		out = append(out, "  "+l)
	}
	return out
}

// modalText is the text width of a dialog in a pane w cells wide.
func modalText(w int) int { return max(30, min(66, w-8)) }

// modal centres a dialog's box in the pane.
func modal(box string, width, height int) string {
	return lipgloss.Place(width, height, lipgloss.Center, lipgloss.Center, box)
}
