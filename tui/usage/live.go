package usage

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/penguinmails/pmdev/tui/common"
	"github.com/penguinmails/pmdev/tui/usage/livelog"
)

// toggleLive shows the live request log (opening its stream) or goes back
// to the analytics (closing it).
func (m *Model) toggleLive() tea.Cmd {
	m.showLive = !m.showLive
	m.filtering = false
	if !m.showLive {
		m.reqLog.Stop()
		return nil
	}
	m.reqLog.Loc = m.now().Location()
	return m.reqLog.Start(m.ctx.Client)
}

// onLiveKey handles keys while the live log shows: the filter being typed
// takes every key; otherwise move, filter, follow, open a request.
func (m *Model) onLiveKey(msg tea.KeyPressMsg) tea.Cmd {
	k := &m.ctx.Keys.Usage
	if m.filtering {
		switch msg.String() {
		case "enter":
			m.reqLog.SetFilter(m.filterIn)
			m.filtering = false
		case "esc":
			m.filtering = false
		case "backspace":
			if r := []rune(m.filterIn); len(r) > 0 {
				m.filterIn = string(r[:len(r)-1])
			}
		default:
			if t := msg.Text; t != "" && len(m.filterIn) < 100 {
				m.filterIn += common.Sanitize(t)
			}
		}
		return nil
	}
	switch {
	case key.Matches(msg, k.Live):
		return m.toggleLive()
	case key.Matches(msg, k.Up):
		m.reqLog.Move(-1)
	case key.Matches(msg, k.Down):
		m.reqLog.Move(1)
	case key.Matches(msg, k.Top):
		m.reqLog.Move(-1 << 30)
	case key.Matches(msg, k.Bottom):
		m.reqLog.Move(1 << 30)
	case key.Matches(msg, k.LiveFollow):
		m.reqLog.ToggleFollow()
	case key.Matches(msg, k.LiveFilter):
		m.filtering, m.filterIn = true, m.reqLog.Filter()
	case key.Matches(msg, k.Open):
		e, ok := m.reqLog.Selected()
		if !ok {
			return nil
		}
		base := ""
		if m.ctx.Client != nil {
			base = m.ctx.Client.BaseURL()
		}
		d := livelog.NewDetail(e, base, m.ctx.Styles, m.ctx.Keys.Global.Back, k.Copy, func(text string) tea.Cmd {
			return common.Copy(m.ctx, common.PaneUsage, text, "curl command")
		})
		d.Loc = m.now().Location()
		m.dialogs.Push(d)
	}
	return nil
}

// liveLines is the live log's part of the frame.
func (m *Model) liveLines(height int) []string {
	h := height
	var prompt string
	if m.filtering {
		prompt = m.ctx.Styles.Title.Render("/") + m.filterIn + "▏" + m.ctx.Styles.Muted.Render("  enter apply · esc cancel · 2xx 4xx 5xx 429, key, route")
		h--
	}
	lines := strings.Split(m.reqLog.View(m.ctx.Styles, m.width, h), "\n")
	if prompt != "" {
		lines = append(lines, prompt)
	}
	return lines
}
