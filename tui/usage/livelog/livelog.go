// Package livelog is the Usage pane's live request log: the organisation's
// product requests as they are answered, read from the request-log stream
// in a goroutine that feeds messages to the pane (reconnecting with
// Last-Event-ID and backoff), with follow mode, a filter and a detail view.
package livelog

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/penguinmails/pmdev/client"
	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/styles"
	"github.com/penguinmails/pmdev/tui/common"
)

// keep is how many requests the log holds.
const keep = 500

// Model is the live request log.
type Model struct {
	entries []models.RequestLogEntry // oldest first
	filter  string
	cursor  int  // index into the filtered rows
	follow  bool // the cursor stays on the newest row
	state   string
	feed    common.Feed
	// Loc is where times are shown (nil: local time).
	Loc *time.Location
}

// New is an empty log in follow mode, not yet connected.
func New() *Model {
	return &Model{follow: true, state: "not connected", feed: common.Feed{Name: "usage.requests"}}
}

// Running reports whether a stream is open.
func (m *Model) Running() bool { return m.feed.Running() }

// Start opens the stream with cl; the returned command delivers its first
// message. A running stream is replaced.
func (m *Model) Start(cl *client.Client) tea.Cmd {
	if cl != nil {
		m.state = "connecting…"
	}
	return m.feed.Start(cl, models.StreamRequestsPath, url.Values{})
}

// Stop closes the stream.
func (m *Model) Stop() {
	m.feed.Stop()
	m.state = "not connected"
}

// Update takes a stream message; it returns the command reading the next.
func (m *Model) Update(msg tea.Msg) tea.Cmd {
	return common.Receive(&m.feed, msg, models.StreamEventRequest, m.Add, &m.state)
}

// Add appends one request (the stream's; tests feed it directly).
func (m *Model) Add(e models.RequestLogEntry) {
	var over int
	m.entries, over = common.KeepLast(append(m.entries, e), keep)
	m.cursor = max(0, m.cursor-over)
	if m.follow {
		m.cursor = max(0, len(m.rows())-1)
	}
}

// SetFilter keeps the rows matching text: a status class (2xx, 4xx, 5xx,
// 429), or words found in the key id, route, method, request id or error.
func (m *Model) SetFilter(text string) {
	m.filter = strings.TrimSpace(text)
	m.cursor = max(0, len(m.rows())-1)
	m.follow = true
}

// Filter is the current filter.
func (m *Model) Filter() string { return m.filter }

// Follow reports whether the cursor follows the newest request.
func (m *Model) Follow() bool { return m.follow }

// ToggleFollow turns follow mode on (jumping to the newest) or off.
func (m *Model) ToggleFollow() {
	m.follow = !m.follow
	if m.follow {
		m.cursor = max(0, len(m.rows())-1)
	}
}

// Move moves the cursor; moving off the newest row leaves follow mode.
func (m *Model) Move(d int) {
	n := len(m.rows())
	if n == 0 {
		return
	}
	m.cursor = min(max(m.cursor+d, 0), n-1)
	m.follow = m.cursor == n-1
}

// Selected is the request under the cursor.
func (m *Model) Selected() (models.RequestLogEntry, bool) {
	rows := m.rows()
	if m.cursor < 0 || m.cursor >= len(rows) {
		return models.RequestLogEntry{}, false
	}
	return rows[m.cursor], true
}

func (m *Model) rows() []models.RequestLogEntry {
	if m.filter == "" {
		return m.entries
	}
	var out []models.RequestLogEntry
	for _, e := range m.entries {
		if matches(e, m.filter) {
			out = append(out, e)
		}
	}
	return out
}

func matches(e models.RequestLogEntry, filter string) bool {
	for _, w := range strings.Fields(strings.ToLower(filter)) {
		switch w {
		case "2xx", "4xx", "5xx", "429":
			if !models.StatusMatches(w, e.Status) {
				return false
			}
			continue
		}
		hay := strings.ToLower(strings.Join([]string{e.KeyID, e.Route, e.Method, e.RequestID, e.ErrorCode, strconv.Itoa(e.Status)}, " "))
		if !strings.Contains(hay, w) {
			return false
		}
	}
	return true
}

// View draws the log into width×height: a status line and the rows that
// fit, the cursor's row highlighted.
func (m *Model) View(st *styles.Styles, width, height int) string {
	if height <= 0 {
		return ""
	}
	rows := m.rows()
	mode := "follow"
	if !m.follow {
		mode = "paused"
	}
	head := fmt.Sprintf("Live requests · %s · %s · %d shown", m.state, mode, len(rows))
	if m.filter != "" {
		head += " · filter: " + common.Sanitize(m.filter)
	}
	lines := []string{st.Heading.Render(common.Truncate(head, width))}
	vh := height - 1
	if len(rows) == 0 {
		lines = append(lines, st.Muted.Render("  no requests yet: they appear here as they are answered"))
		return strings.Join(lines, "\n")
	}
	start := max(0, min(m.cursor-vh+1, len(rows)-vh))
	start = max(0, min(start, m.cursor))
	for i := start; i < len(rows) && i < start+vh; i++ {
		l := common.Fit(Row(st, rows[i], m.Loc), width)
		if i == m.cursor {
			l = st.Selected.Render(common.Fit(RowPlain(rows[i], m.Loc), width))
		}
		lines = append(lines, l)
	}
	return strings.Join(lines, "\n")
}

// RowPlain is one request on a line, without colour.
func RowPlain(e models.RequestLogEntry, loc *time.Location) string {
	return rowText(e, strconv.Itoa(e.Status), loc)
}

// Row is one request on a line, its status coloured by class.
func Row(st *styles.Styles, e models.RequestLogEntry, loc *time.Location) string {
	return rowText(e, st.HTTPStatus(e.Status).Render(strconv.Itoa(e.Status)), loc)
}

// In is t in loc (nil: local time).
func In(t time.Time, loc *time.Location) time.Time {
	if loc == nil {
		return t.Local()
	}
	return t.In(loc)
}

func rowText(e models.RequestLogEntry, status string, loc *time.Location) string {
	key := common.Sanitize(e.KeyID)
	if len(key) > 8 {
		key = key[:8] + "…"
	}
	s := fmt.Sprintf("%s  %-6s %-34s %s %7.1fms  %-9s", In(e.Time, loc).Format("15:04:05"), common.Sanitize(e.Method),
		common.Sanitize(e.Route), status, e.LatencyMS, key)
	if e.ErrorCode != "" {
		s += "  " + common.Sanitize(e.ErrorCode)
	}
	return s
}
