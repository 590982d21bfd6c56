package docs

import (
	"strings"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// searchState is `/` search: typing lists matching pages (titles first),
// and the query stays highlighted in the page until esc.
type searchState struct {
	input  textinput.Model
	typing bool
	query  string
	hits   []Hit
	sel    int

	matches     []match // in the page on screen
	cur         int     // index into matches; -1 before the first jump
	jumpPending bool    // jump once the page being opened is rendered
	jumpDir     int
}

// match is one occurrence in the rendered page, in cell columns.
type match struct{ line, start, end int }

func (s *searchState) clear() {
	s.query, s.hits, s.matches, s.cur, s.sel = "", nil, nil, -1, 0
	s.jumpPending = false
}

// computeMatches finds the query in a render's plain lines.
func (s *searchState) computeMatches(r *rendered) {
	s.matches, s.cur = nil, -1
	q := strings.ToLower(s.query)
	if q == "" || r == nil {
		return
	}
	for i, p := range r.plain {
		lower := strings.ToLower(p)
		if len(lower) != len(p) {
			continue // case folding moved bytes; skip rather than misplace
		}
		for off := 0; ; {
			at := strings.Index(lower[off:], q)
			if at < 0 {
				break
			}
			at += off
			start := ansi.StringWidth(p[:at])
			s.matches = append(s.matches, match{line: i, start: start, end: start + ansi.StringWidth(p[at:at+len(q)])})
			off = at + len(q)
		}
	}
}

func (m *Model) runSearch() {
	m.search.query = strings.TrimSpace(m.search.input.Value())
	m.search.hits = m.lib.Search(m.search.query)
	m.search.sel = min(m.search.sel, max(0, len(m.search.hits)-1))
	m.search.computeMatches(m.cur)
}

func (m *Model) searchKey(msg tea.KeyPressMsg) tea.Cmd {
	s := &m.search
	switch msg.String() {
	case "esc":
		s.typing = false
		s.input.Blur()
		s.clear()
		return nil
	case "enter":
		s.typing = false
		s.input.Blur()
		if len(s.hits) == 0 {
			if s.query == "" {
				s.clear()
			}
			return nil
		}
		hit := s.hits[s.sel]
		s.cur = -1
		if hit.Slug == m.slug && m.cur != nil {
			m.focus = focusPage
			return m.jumpMatch(+1)
		}
		s.jumpPending, s.jumpDir = true, +1
		return m.open(hit.Slug, "", true)
	case "up", "ctrl+p":
		s.sel = max(0, s.sel-1)
		return nil
	case "down", "ctrl+n":
		s.sel = min(len(s.hits)-1, s.sel+1)
		s.sel = max(s.sel, 0)
		return nil
	}
	var cmd tea.Cmd
	s.input, cmd = s.input.Update(msg)
	m.runSearch()
	return cmd
}

// jumpMatch scrolls to the next (dir=+1) or previous match; past the last
// match of a page it continues on the next page that has one.
func (m *Model) jumpMatch(dir int) tea.Cmd {
	s := &m.search
	if s.query == "" {
		return nil
	}
	n := len(s.matches)
	next := s.cur + dir
	if s.cur < 0 && dir < 0 {
		next = n - 1
	}
	if n > 0 && next >= 0 && next < n {
		s.cur = next
		m.scroll = s.matches[next].line - m.viewHeight()/3
		m.clampScroll()
		return nil
	}
	// Leave this page for the next one with matches, in hit order.
	if len(s.hits) == 0 {
		s.hits = m.lib.Search(s.query)
	}
	idx := -1
	for i, h := range s.hits {
		if h.Slug == m.slug {
			idx = i
		}
	}
	for step := 1; step <= len(s.hits); step++ {
		h := s.hits[((idx+dir*step)%len(s.hits)+len(s.hits))%len(s.hits)]
		if h.Count == 0 {
			continue
		}
		if h.Slug == m.slug {
			// The only page with matches: wrap around within it.
			if n == 0 {
				return nil
			}
			s.cur = map[bool]int{true: 0, false: n - 1}[dir > 0]
			m.scroll = s.matches[s.cur].line - m.viewHeight()/3
			m.clampScroll()
			return nil
		}
		s.jumpPending, s.jumpDir, s.cur = true, dir, -1
		return m.open(h.Slug, "", true)
	}
	return nil
}
