package tui

import (
	"net/http"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/penguinmails/pmdev/client"
	"github.com/penguinmails/pmdev/tui/common"
)

// The root's view of the connection: the rate-limit poll's answers, and
// the offline, rejected-token and error states every answer updates.

func (m *Model) handleRateLimits(msg rlMsg) tea.Cmd {
	now := m.ctx.Now()
	if !m.rl.Done(msg.id, now, msg.err) {
		return nil // stale
	}
	switch {
	case msg.err == client.ErrNotModified:
		m.lastRefresh = now // confirmed current
		return m.noteOK(now)
	case client.StatusOf(msg.err) == http.StatusForbidden:
		// A role limit, not an error of the API: say it once, calmly, and
		// stop asking (r still retries).
		m.rlErr, m.rlForbidden = msg.err, true
		m.rl.Interval = 0
		return tea.Batch(m.noteOK(now), m.broadcast(common.RateLimitsErrMsg{Err: msg.err}))
	case msg.err != nil:
		m.rlErr = msg.err
		return tea.Batch(m.noteError(msg.err, now), m.broadcast(common.RateLimitsErrMsg{Err: msg.err}))
	}
	m.rlErr, m.rlForbidden = nil, false
	d := msg.data
	m.rlData, m.rlAt = &d, now
	m.lastRefresh = now
	return tea.Batch(m.noteOK(now), m.broadcast(common.RateLimitsMsg{Data: d, At: now}))
}

// noteOK records a successful answer and leaves the offline state.
func (m *Model) noteOK(now time.Time) tea.Cmd {
	m.lastOK = now
	m.errLine = ""
	var auth tea.Cmd
	if m.unauthorized {
		m.unauthorized = false
		auth = m.broadcast(common.AuthMsg{Rejected: false})
	}
	if !m.offline {
		return auth
	}
	m.offline = false
	m.setStatus("back online", common.LevelSuccess, 3*time.Second)
	m.ctx.Logger.Info("api reachable again")
	return tea.Batch(auth, m.broadcast(common.OfflineMsg{Offline: false, Since: now}))
}

// noteError turns a failed root request into the offline banner (network) or
// the error line (anything else).
func (m *Model) noteError(err error, now time.Time) tea.Cmd {
	if client.IsOffline(err) {
		m.ready = true
		if m.offline {
			return nil
		}
		m.offline = true
		m.ctx.Logger.Warn("api unreachable", "err", err)
		return m.broadcast(common.OfflineMsg{Offline: true, Since: m.lastOK})
	}
	m.ctx.Logger.Warn("api error", "err", err)
	m.errLine = common.ErrorText(err, m.ctx.Me.Role)
	if client.StatusOf(err) == http.StatusUnauthorized {
		m.errLine = common.TokenRejected(m.ctx.TokenFrom)
	}
	if client.StatusOf(err) == http.StatusUnauthorized && !m.unauthorized {
		m.ready = true // explain instead of waiting for data that cannot come
		m.unauthorized = true
		return m.broadcast(common.AuthMsg{Rejected: true})
	}
	return nil
}

func (m *Model) handleDataAge(msg common.DataAgeMsg) tea.Cmd {
	if msg.Offline {
		return m.noteError(&client.Error{Kind: client.KindNetwork, URL: m.apiHost(), Message: "unreachable"}, msg.At)
	}
	if client.StatusOf(msg.Err) == http.StatusForbidden {
		// The pane explains its own 403; the root shows the calm role notice.
		m.rlForbidden = true
		return nil
	}
	if msg.Err != nil {
		return m.noteError(msg.Err, msg.At)
	}
	if msg.At.After(m.lastRefresh) {
		m.lastRefresh = msg.At
	}
	if msg.At.After(m.lastOK) {
		m.lastOK = msg.At
	}
	return nil
}
