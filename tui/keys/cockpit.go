package keys

import (
	"context"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/penguinmails/pmdev/client"
	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
	"github.com/penguinmails/pmdev/tui/component/chart"
	"github.com/penguinmails/pmdev/tui/component/dialog"
)

// The rotation cockpit, on either key of a rotation in its grace period:
// both keys' traffic since the rotation, where the old key is still used
// from, the countdown, whether it is safe to cut the old key off, and the
// grace's two actions. The server's picture is read again every
// rotationPoll while it shows.

// graceMsg answers an extend or an end of a grace period.
type graceMsg struct {
	common.Result
	old   models.APIKey
	ended bool
	err   error
}

// changeGrace extends the grace of keyID's rotation by hours, or ends it
// when hours is 0.
func changeGrace(c *client.Client, id uint64, keyID string, hours int) tea.Cmd {
	return common.Call(ioTimeout, func(ctx context.Context) tea.Msg {
		var k models.APIKey
		var err error
		if hours == 0 {
			k, err = c.EndGrace(ctx, keyID)
		} else {
			k, err = c.ExtendGrace(ctx, keyID, hours)
		}
		return graceMsg{Result: res(id), old: k, ended: hours == 0, err: err}
	})
}

// rotationShown is the rotation of the open details, or nil.
func (m *Model) rotationShown() (*details, *models.KeyRotation) {
	d, ok := dialog.Find[*details](&m.dialogs)
	if !ok || d.data == nil || d.data.KeyID != d.keyID {
		return nil, nil
	}
	return d, d.data.Rotation
}

// maskedOf names a key of the rotation by its masked value when listed.
func (m *Model) maskedOf(id string) string {
	if i, ok := m.byID[id]; ok {
		return common.Sanitize(m.all[i].MaskedKey)
	}
	return common.Sanitize(id)
}

// cockpitLines is the rotation section of the details of key this.
func (m *Model) cockpitLines(this string, r *models.KeyRotation, t *models.RotationTraffic, width int) []string {
	st := m.ctx.Styles
	now := m.ctx.Now()
	role := "new"
	if this == r.OldKeyID {
		role = "old"
	}
	lines := []string{"", st.Heading.Render("Rotation in progress") + st.Muted.Render(" · this is the "+role+" key")}
	row := func(label, value string) {
		lines = append(lines, "  "+st.Label.Render(fmt.Sprintf("%-15s", label))+value)
	}
	row("Rotated", common.Ago(&r.RotatedAt, now)+": old "+m.maskedOf(r.OldKeyID)+" → new "+m.maskedOf(r.NewKeyID))
	left := r.OldKeyExpiresAt.Sub(now)
	ends := r.OldKeyExpiresAt.Local().Format("Jan 2 15:04")
	switch {
	case left <= 0:
		row("Grace", st.Muted.Render("ended "+ends+": the old key no longer works"))
	default:
		row("Grace ends in", st.Warning.Render(countdown(left))+st.Muted.Render(" ("+ends+"; can run until "+r.GraceMaxExpiresAt.Local().Format("Jan 2 15:04")+")"))
	}
	row("Since rotation", fmt.Sprintf("old key %s · new key %s", common.Thousands(r.OldRequestsSinceRotation), reqWord(r.NewRequestsSinceRotation)))
	row("Old key used", common.Ago(r.OldLastUsedAt, now)+" · "+reqWord(r.OldRequestsLastHour)+" in the last hour")
	if len(r.OldRecentIPs) == 0 {
		row("Old key from", st.Muted.Render("no address since the rotation"))
	}
	for i, ip := range r.OldRecentIPs {
		if i == 3 {
			row("", st.Muted.Render(fmt.Sprintf("… and %d more", len(r.OldRecentIPs)-3)))
			break
		}
		label := ""
		if i == 0 {
			label = "Old key from"
		}
		seen := ip.LastSeen
		row(label, fmt.Sprintf("%-40s %s", common.Truncate(common.Sanitize(ip.IP), 40), common.Ago(&seen, now)))
	}
	quiet := time.Duration(r.QuietPeriodSeconds) * time.Second
	quietFor := quietSinceRotation(r, now)
	switch {
	case left <= 0:
	case r.SafeToEndGrace && quietFor >= quiet:
		lines = append(lines, "  "+st.Success.Render("✓ safe to end grace: the old key served nothing for "+common.ShortDur(quiet)))
	case r.OldRequestsLastHour > 0:
		lines = append(lines, "  "+st.Warning.Render(fmt.Sprintf("⚠ not safe to end grace: the old key served %s in the last hour", reqWord(r.OldRequestsLastHour))))
	default:
		lines = append(lines, "  "+st.Warning.Render("⚠ not safe to end grace yet: old key quiet "+common.ShortDur(quietFor)+
			" of the "+common.ShortDur(quiet)+" needed"))
	}
	if t != nil {
		lines = append(lines, m.trafficLines(t, width)...)
	}
	k := &m.ctx.Keys.Keys
	if left > 0 {
		lines = append(lines, "  "+st.Key.Render(k.ExtendGrace.Help().Key)+st.Muted.Render(" extend grace · ")+
			st.Key.Render(k.EndGrace.Help().Key)+st.Muted.Render(" end grace now"))
	}
	return lines
}

// quietSinceRotation is how long the old key has served nothing since the
// rotation: only time after it shows the clients moved to the new key. The
// reference server counts safe_to_end_grace so; an API that calls a key
// idle before the rotation safe at once is checked here too.
func quietSinceRotation(r *models.KeyRotation, now time.Time) time.Duration {
	from := r.RotatedAt
	if r.OldLastUsedAt != nil && r.OldLastUsedAt.After(from) {
		from = *r.OldLastUsedAt
	}
	return max(0, now.Sub(from))
}

// countdown is "47 h 12 min" under two days, else shortDur; it ticks with the clock.
func countdown(d time.Duration) string {
	if d >= 48*time.Hour {
		return common.Countdown(d)
	}
	d = d.Round(time.Minute)
	if h := int(d / time.Hour); h > 0 {
		return fmt.Sprintf("%d h %02d min", h, int(d%time.Hour/time.Minute))
	}
	return fmt.Sprintf("%d min", max(1, int(d/time.Minute)))
}

func reqWord(n int64) string {
	if n == 1 {
		return "1 request"
	}
	return common.Thousands(n) + " requests"
}

// trafficLines draws old vs new requests per bucket since the rotation.
func (m *Model) trafficLines(t *models.RotationTraffic, width int) []string {
	st := m.ctx.Styles
	n := len(t.Buckets)
	if n == 0 {
		return nil
	}
	oldV, newV := make([]float64, n), make([]float64, n)
	var total int64
	for i, b := range t.Buckets {
		oldV[i], newV[i] = float64(b.Old), float64(b.New)
		total += b.Old + b.New
	}
	out := []string{"", "  " + st.Label.Render(fmt.Sprintf("Requests per %s since the rotation", bucketWord(t.BucketSeconds)))}
	switch {
	case total == 0:
		return append(out, "  "+st.Muted.Render("No requests with either key yet."))
	case n < 2:
		return append(out, "  "+st.Muted.Render("The chart starts after its first bucket ("+bucketWord(t.BucketSeconds)+")."))
	}
	pal := st.Palette.Series
	ser := []chart.Series{{Name: "new key", Values: newV, Color: pal[0]}, {Name: "old key", Values: oldV, Color: pal[2], Marker: "o"}}
	p := chart.New(ser, chart.Options{Width: max(20, min(n*2+8, width-4)), Height: 5, Partial: true, NoColor: m.ctx.NoColor})
	if p.Cols == 0 {
		return out
	}
	axis, labels := p.XAxis(func(i int) time.Time { return t.Buckets[i].T }, -1, st.Cursor)
	out = append(out, "  "+chart.Legend(ser, p, m.ctx.NoColor))
	for _, l := range append(p.Lines, axis, labels) {
		out = append(out, "  "+l)
	}
	return out
}

func bucketWord(sec int) string {
	switch sec {
	case 60:
		return "minute"
	case 900:
		return "15 minutes"
	case 3600:
		return "hour"
	}
	return fmt.Sprintf("%d hours", sec/3600)
}

// graceChoice is one extension offered.
type graceChoice struct {
	hours int
	label string
}

// grace is what an extend or end question is about.
type grace struct {
	keyID string // the key whose details asked (either of the rotation)
	r     models.KeyRotation
	opts  []graceChoice
	pick  int
	reqID uint64
}

type graceModal = dialog.Confirm[grace]

// extensions are the choices that fit before the grace's maximum.
func extensions(r models.KeyRotation) []graceChoice {
	room := int(r.GraceMaxExpiresAt.Sub(r.OldKeyExpiresAt) / time.Hour)
	var out []graceChoice
	for _, h := range []int{1, 24, 72} {
		if h <= room {
			out = append(out, graceChoice{h, fmt.Sprintf("%d more %s", h, map[bool]string{true: "hour", false: "hours"}[h == 1])})
		}
	}
	if room >= 1 && (len(out) == 0 || out[len(out)-1].hours < room) {
		out = append(out, graceChoice{room, fmt.Sprintf("as long as allowed: %d more hours, until %s", room,
			r.OldKeyExpiresAt.Add(time.Duration(room)*time.Hour).Local().Format("Jan 2 15:04"))})
	}
	return out
}

// openGrace opens the extend (end false) or end question of the shown rotation.
func (m *Model) openGrace(end bool) tea.Cmd {
	d, r := m.rotationShown()
	if r == nil || !r.OldKeyExpiresAt.After(m.ctx.Now()) {
		m.setNotice("No grace period to change: open a key being rotated (its details show the rotation).", true)
		return common.Status("no rotation in its grace period here", common.LevelWarning)
	}
	if cmd, ok := m.guard(); !ok {
		return cmd
	}
	g := grace{keyID: d.keyID, r: *r}
	dk := &m.ctx.Keys.Dialog
	c := &graceModal{Data: g, Keys: dk, NoHelp: "cancel", Body: m.graceView}
	if end {
		c.YesHelp = "end grace now"
		c.OnYes = func(c *graceModal) (bool, tea.Cmd) {
			id, cmd, ok := m.startAction(&c.Err)
			if !ok {
				return true, cmd
			}
			c.Busy, c.Data.reqID = true, id
			return true, changeGrace(m.ctx.Client, id, c.Data.keyID, 0)
		}
		m.dialogs.Push(c)
		return nil
	}
	c.Data.opts = extensions(*r)
	if len(c.Data.opts) == 0 {
		m.setNotice("The grace already runs as long as allowed (168 hours after the rotation).", true)
		return common.Status("grace already at its maximum", common.LevelWarning)
	}
	c.EnterIsYes, c.YesHelp = true, "extend"
	c.Extra = []key.Binding{common.Joined("how long", dk.Up, dk.Down)}
	c.OnKey = func(c *graceModal, km tea.KeyPressMsg) tea.Cmd {
		n := len(c.Data.opts)
		switch {
		case key.Matches(km, dk.Up, dk.Left, dk.PrevField):
			c.Data.pick = (c.Data.pick + n - 1) % n
		case key.Matches(km, dk.Down, dk.Right, dk.NextField):
			c.Data.pick = (c.Data.pick + 1) % n
		}
		return nil
	}
	c.OnYes = func(c *graceModal) (bool, tea.Cmd) {
		id, cmd, ok := m.startAction(&c.Err)
		if !ok {
			return true, cmd
		}
		c.Busy, c.Data.reqID = true, id
		return true, changeGrace(m.ctx.Client, id, c.Data.keyID, c.Data.opts[c.Data.pick].hours)
	}
	m.dialogs.Push(c)
	return nil
}

func (m *Model) graceView(c *graceModal, width, height int) string {
	st := m.ctx.Styles
	g := &c.Data
	now := m.ctx.Now()
	tw := modalText(width)
	var b strings.Builder
	old := m.maskedOf(g.r.OldKeyID)
	if g.opts == nil {
		b.WriteString(st.Warning.Render("⚠ End the grace period now?") + "\n\n")
		b.WriteString(common.Wrap("The old key "+old+" stops working at once: every request still made with it gets 401 key_expired.", tw) + "\n\n")
		used := ""
		if g.r.OldLastUsedAt != nil {
			used = ", last " + common.Ago(g.r.OldLastUsedAt, now)
			if len(g.r.OldRecentIPs) > 0 {
				used += " from " + common.Sanitize(g.r.OldRecentIPs[0].IP)
			}
		}
		quiet, quietFor := time.Duration(g.r.QuietPeriodSeconds)*time.Second, quietSinceRotation(&g.r, now)
		switch {
		case g.r.OldRequestsLastHour > 0:
			b.WriteString(st.Danger.Render(common.Wrap(fmt.Sprintf("In the last hour the old key served %s%s.", reqWord(g.r.OldRequestsLastHour), used), tw)) + "\n")
		case quietFor < quiet:
			// Quiet since a moment ago proves nothing yet (the cockpit says the same).
			b.WriteString(st.Warning.Render(common.Wrap("The old key has been quiet for "+common.ShortDur(quietFor)+used+
				", less than the "+common.ShortDur(quiet)+" that shows every client has moved to the new key.", tw)) + "\n")
		default:
			b.WriteString(st.Success.Render(common.Wrap("The old key served no request in the last hour"+used+".", tw)) + "\n")
		}
		b.WriteString(st.Muted.Render("Grace would otherwise end in "+countdown(g.r.OldKeyExpiresAt.Sub(now))+".") + "\n\n")
	} else {
		b.WriteString(st.Heading.Render("Extend the grace period") + "\n\n")
		b.WriteString(common.Wrap("The old key "+old+" works until "+g.r.OldKeyExpiresAt.Local().Format("Jan 2 15:04")+
			" (in "+countdown(g.r.OldKeyExpiresAt.Sub(now))+"). Keep it working for:", tw) + "\n\n")
		for i, o := range g.opts {
			if i == g.pick {
				b.WriteString(st.Cursor.Render("▸ ") + st.Accent.Render("◉ "+o.label) + "\n")
			} else {
				b.WriteString("  ○ " + o.label + "\n")
			}
		}
		b.WriteString("\n")
	}
	switch {
	case c.Busy:
		b.WriteString(st.Muted.Render("Saving…"))
	case c.Err != "":
		b.WriteString(st.Danger.Render(common.Wrap(c.Err, tw)) + "\n" + st.Muted.Render("esc: cancel"))
	case g.opts == nil:
		b.WriteString(st.Muted.Render("y: end grace now · n/esc: keep it"))
	default:
		b.WriteString(st.Muted.Render("↑/↓ choose · enter: extend · esc: cancel"))
	}
	return modal(st.Modal.Padding(0, 2).Render(b.String()), width, height)
}

func (m *Model) onGrace(msg graceMsg) tea.Cmd {
	c, ok := dialog.Find[*graceModal](&m.dialogs)
	if !ok || c.Data.reqID != msg.ReqID {
		return nil
	}
	c.Busy = false
	if msg.err != nil {
		c.Err = m.actionError(msg.err)
		return nil
	}
	m.dialogs.Remove(c)
	m.applyKey(msg.old)
	text := "Grace extended: the old key works until " + msg.old.ExpiresAt.Local().Format("Jan 2 15:04") + "."
	if msg.ended {
		text = "Grace ended: the old key " + m.maskedOf(msg.old.KeyID) + " no longer works."
	}
	m.setNotice(text, false)
	return tea.Batch(common.Status(text, common.LevelSuccess), m.refreshDetails(), m.load(true))
}
