package overview

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
)

// The keys table: the newest keys with their status, under a title that
// counts them and those needing attention.

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
	lines := []string{m.keysTitle()}
	cols := m.keyColumns()
	var hdr []string
	for _, c := range cols {
		hdr = append(hdr, common.Fit(c.title, c.width))
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
		status, word := common.EffectiveKeyStatus(&k, now), ""
		switch {
		case k.ReplacedBy != "" && status == models.KeyActive:
			status = "rotating"
		case status == models.KeyActive && k.ExpiresAt != nil && k.ExpiresAt.Sub(now) <= 7*24*time.Hour:
			// Its last days say so, as on the Keys tab (the column is narrow).
			status, word = "exp "+strings.ReplaceAll(common.Countdown(k.ExpiresAt.Sub(now)), " ", ""), "rotating"
		}
		if word == "" {
			word = status
		}
		cells := []string{
			common.Fit(common.Sanitize(k.Name), cols[0].width),
			common.Fit(common.Sanitize(k.MaskedKey), cols[1].width),
			common.Fit(k.CreatedAt.Local().Format("Jan 2, 2006"), cols[2].width),
			common.Fit(common.Ago(k.LastUsed, now), cols[3].width),
		}
		row := strings.Join(cells, " ") + " "
		st := s.Status(statusWord(word)).Render(common.Fit(status, cols[4].width))
		if i == m.rows.Cursor() {
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

// keysTitle is the keys section's title line: the count shown and, when
// the server says keys need attention, how many (a opens them), shortened
// to fit before the hint is.
func (m *Model) keysTitle() string {
	s := m.ctx.Styles
	hints := []string{"n new key", "enter details", "2 all keys"}
	if !m.canCreate() {
		hints = hints[1:]
	}
	title := func(short bool) string {
		t := s.Heading.Render("API keys")
		if m.keysLoaded {
			f := " · %d shown of %d"
			if short {
				f = " · %d of %d"
			}
			t += s.Muted.Render(fmt.Sprintf(f, m.visibleKeys(), m.keysTotal))
		}
		if m.attention > 0 {
			// The "!" reads without colour too.
			word := "keys need"
			if m.attention == 1 {
				word = "key needs"
			}
			if short {
				word = "need"
			}
			t += s.Muted.Render(" · ") + s.Warning.Render(fmt.Sprintf("! %d %s attention", m.attention, word)) +
				s.Muted.Render(" ("+m.ctx.Keys.Overview.Attention.Help().Key+")")
		}
		return t
	}
	full, hint := title(false), s.Muted.Render(strings.Join(hints, " · "))
	if m.attention > 0 && !common.Fits(full, hint, m.width) {
		// Narrow: a shorter count, and the attention before "2 all keys".
		return common.Spread(title(true), s.Muted.Render(strings.Join(hints[:len(hints)-1], " · ")), m.width)
	}
	return common.Spread(full, hint, m.width)
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
