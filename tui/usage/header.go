package usage

import (
	"net/http"
	"strings"
	"time"

	"charm.land/lipgloss/v2"

	"github.com/penguinmails/pmdev/client"
	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
)

// rangeWords names each range preset: as a title, and in a sentence.
var rangeWords = map[string]struct{ title, period string }{
	models.Range1h:  {"Last hour", "in the last hour"},
	models.Range24h: {"Last 24 hours", "in the last 24 hours"},
	models.Range7d:  {"Last 7 days", "in the last 7 days"},
	models.Range30d: {"Last 30 days", "in the last 30 days"},
}

// rangeLabel is the title of a range preset.
func rangeLabel(r string) string {
	if w, ok := rangeWords[r]; ok {
		return w.title
	}
	return "Custom range"
}

// periodWords is how the events line names the range: "in the last 24 hours".
func (m *Model) periodWords() string {
	if w, ok := rangeWords[m.rng]; ok {
		return w.period
	}
	return "in this range"
}

func (m *Model) errText() string {
	return common.ErrorTextFor(m.err, string(m.ctx.Me.Role), "view API usage")
}

// header is two lines: the range buttons and key filter, then what is shown
// and how fresh it is (or why it is stale).
func (m *Model) header() string {
	s := m.ctx.Styles
	var b strings.Builder
	for _, r := range append(ranges[:], models.RangeCustom) {
		if r == m.rng {
			// Brackets mark the chip without colour; same width as the padding.
			b.WriteString(s.Badge.Padding(0).Render("[" + r + "]"))
		} else {
			b.WriteString(s.BadgeMuted.Render(r))
		}
		b.WriteByte(' ')
	}
	keyLabel := "All keys"
	if m.keyID != "" {
		keyLabel = m.keyName
		if keyLabel == "" {
			keyLabel = common.Sanitize(m.keyID)
		}
	}
	b.WriteString(" " + s.Label.Render("key ") + s.Value.Render(keyLabel))
	live := s.Success.Render("● live")
	switch {
	case m.unauth || client.StatusOf(m.err) == http.StatusUnauthorized:
		live = s.Danger.Render("✗ token rejected") // as the status bar says
	case m.ctx.Paused:
		live = s.Warning.Render("❚❚ paused")
	case m.ctx.Refresh.Usage <= 0:
		live = s.Muted.Render("○ manual")
	}
	line1 := b.String()
	if gap := m.width - lipgloss.Width(line1) - lipgloss.Width(live); gap >= 2 {
		line1 += strings.Repeat(" ", gap) + live
	}

	var info string
	switch {
	case m.data == nil && m.err == nil:
		info = s.Muted.Render(rangeLabel(m.rng) + " · loading…")
	case m.data == nil:
		info = s.Danger.Render("⚠ " + m.errText())
	default:
		info = m.infoLine()
	}
	return common.Clip(line1, m.width) + "\n" + common.Clip(info, m.width)
}

// infoLine says what is shown and how fresh it is, dropping the least
// important parts until it fits.
func (m *Model) infoLine() string {
	s := m.ctx.Styles
	d := m.data
	loc := m.now().Location()
	what := s.Heading.Render(rangeLabel(d.Range))
	if p := m.params; d.Range == models.RangeCustom && (d.From.Before(p.From) || (p.To.Before(d.GeneratedAt) && d.To.After(p.To))) {
		// The server answers in whole buckets: say the bounds below are not
		// the ones typed.
		what += s.Muted.Render(" (widened to whole buckets)")
	}
	if !sameParams(m.params, m.Params()) {
		what = s.Heading.Render(rangeLabel(m.rng)) + s.Muted.Render(" · loading…")
	}
	var fresh string
	if m.err != nil {
		fresh = s.Danger.Render("⚠ "+m.errText()) + s.Muted.Render(" · showing data from "+d.GeneratedAt.In(loc).Format("15:04:05"))
	} else {
		fresh = s.Muted.Render("as of " + m.ageText(d.GeneratedAt))
	}
	long := "Mon 02 Jan 15:04"
	short := "02 Jan 15:04"
	from, to := d.From.In(loc), shownEnd(d).In(loc)
	// The bucket size says what one bar of the chart is: it outlasts the
	// dates and the age of the data when the line is short of room.
	brief := fresh
	if m.err == nil && !d.GeneratedAt.IsZero() {
		brief = s.Muted.Render("as of " + d.GeneratedAt.In(loc).Format("15:04:05"))
	}
	bucket := bucketName(d.BucketSeconds)
	candidates := [][]string{
		{what, from.Format(long) + " – " + to.Format(long), bucket + " buckets", fresh},
		{what, from.Format(short) + "–" + to.Format(short), bucket + " buckets", fresh},
		{what, from.Format(short) + "–" + to.Format(short), bucket + " buckets", brief},
		{what, from.Format(short) + "–" + to.Format(short), bucket, fresh},
		{what, from.Format(short) + "–" + to.Format(short), bucket, brief},
		{what, bucket + " buckets", brief},
		{what, bucket, brief},
	}
	sep := s.Muted.Render(" · ")
	var line string
	for _, c := range candidates {
		for i := 1; i < len(c)-1; i++ {
			c[i] = s.Muted.Render(c[i])
		}
		line = strings.Join(c, sep)
		if lipgloss.Width(line) <= m.width {
			break
		}
	}
	return line
}

// shownEnd is the end of the range as the header states it: the API ends a
// preset at the close of the current bucket, which can be hours ahead (30d
// uses 6-hour buckets); nothing after the generation time has happened yet.
func shownEnd(d *models.APIUsage) time.Time {
	if !d.GeneratedAt.IsZero() && d.GeneratedAt.Before(d.To) {
		return d.GeneratedAt
	}
	return d.To
}
