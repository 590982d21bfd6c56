package keys

import (
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/penguinmails/pmdev/models"
)

// The list is read a page at a time: the first page, then the next as the
// cursor nears the end of what is loaded; search, filter and sort run on
// the server (and locally over the loaded rows meanwhile).

// listQuery is the query of the search, filter and sort shown. While the
// whole list is loaded the search stays here (no request per keystroke);
// the server's search matches the row as shown too (name, masked key,
// environment, permissions, status), for lists too long to load.
func (m *Model) listQuery() models.KeyListParams {
	q := models.KeyListParams{Q: strings.TrimSpace(m.search.Value()), Sort: sortParams[m.sort], PerPage: perPage}
	switch {
	case m.filter == filterAttention:
		q.Attention = true
	case m.filter > 0:
		q.Status = strings.ToLower(filterNames[m.filter])
	}
	if m.localSearch() {
		q.Q = ""
	}
	return q
}

// localSearch reports that every key of the unsearched list is loaded.
func (m *Model) localSearch() bool {
	return m.loaded && m.query.Q == "" && (len(m.next) == 0 || m.next[len(m.next)-1] == "")
}

// requery asks the server for the search, filter or sort just changed;
// the rows loaded meanwhile are filtered and sorted locally.
func (m *Model) requery() tea.Cmd {
	q := m.listQuery()
	if m.ctx.Client == nil || q == m.query {
		return nil
	}
	return fetchKeys(m.ctx.Client, m.poller.Start(), q, nil, nil, 0, 1)
}

// cursorPage is the page holding the key under the cursor.
func (m *Model) cursorPage() int {
	if c := m.list.Cursor(); c < len(m.rows) {
		return min(m.rows[c]/perPage, max(0, len(m.pages)-1))
	}
	return 0
}

// more fetches the next page once the cursor is within a screen of the
// end of what is loaded.
func (m *Model) more() tea.Cmd {
	if m.ctx.Client == nil || len(m.next) == 0 {
		return nil
	}
	after := m.next[len(m.next)-1]
	if after == "" || after == m.moreFor || m.list.Cursor() < len(m.rows)-2*m.listHeight() {
		return nil
	}
	m.moreFor = after
	return fetchMore(m.ctx.Client, m.query, after)
}

func (m *Model) onMore(msg keysMoreMsg) tea.Cmd {
	if msg.after == m.moreFor {
		m.moreFor = ""
	}
	if msg.query != m.query || len(m.next) == 0 || m.next[len(m.next)-1] != msg.after {
		return nil // the list changed meanwhile
	}
	if msg.err != nil {
		m.setNotice("more keys: "+msg.err.Error(), true)
		return nil
	}
	pages := append(m.pages[:len(m.pages):len(m.pages)], msg.rows)
	next := append(m.next[:len(m.next):len(m.next)], msg.next)
	m.next = next
	m.setPages(pages)
	return m.more()
}
