package docs

import (
	"cmp"
	"slices"
	"strings"
	"unicode"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/penguinmails/pmdev/internal/apidocs"
	"github.com/penguinmails/pmdev/tui/common"
)

// searchState is `/` search: typing lists matching pages (titles first),
// and the query stays highlighted in the page until esc.
type searchState struct {
	input  textinput.Model
	typing bool
	query  string
	hits   []apidocs.Hit
	sel    int

	matches     []match // in the page on screen
	cur         int     // index into matches; -1 before the first jump
	jumpPending bool    // jump once the page being opened is rendered
	jumpDir     int
}

// match is one occurrence in the rendered page, in cell columns; rest
// holds its parts on the following lines when it wraps.
type match struct {
	line, start, end int
	rest             []match
}

func (s *searchState) clear() {
	s.query, s.hits, s.matches, s.cur, s.sel = "", nil, nil, -1, 0
	s.jumpPending = false
}

// searchTerms splits a query into the terms a page must all contain, in
// any order: its words, and "quoted phrases" kept whole.
func searchTerms(query string) []string {
	var terms []string
	for i, part := range strings.Split(query, `"`) {
		if i%2 == 1 {
			if p := apidocs.Collapse(part); p != "" {
				terms = append(terms, p)
			}
			continue
		}
		terms = append(terms, strings.Fields(part)...)
	}
	return terms
}

// searchHits are the pages holding every term of the query: titles
// matching every term first, then by number of matches.
func searchHits(lib *apidocs.Library, query string, lang apidocs.Lang, baseURL string) []apidocs.Hit {
	terms := searchTerms(query)
	if len(terms) == 0 || lib == nil {
		return nil
	}
	hits := lib.SearchAs(terms[0], lang, baseURL)
	for _, t := range terms[1:] {
		by := map[string]apidocs.Hit{}
		for _, h := range lib.SearchAs(t, lang, baseURL) {
			by[h.Slug] = h
		}
		kept := hits[:0]
		for _, h := range hits {
			if o, ok := by[h.Slug]; ok {
				h.Count += o.Count
				h.TitleMatch = h.TitleMatch && o.TitleMatch
				kept = append(kept, h)
			}
		}
		hits = kept
	}
	if len(terms) > 1 {
		slices.SortStableFunc(hits, func(a, b apidocs.Hit) int {
			if a.TitleMatch != b.TitleMatch {
				if a.TitleMatch {
					return -1
				}
				return 1
			}
			return cmp.Compare(b.Count, a.Count)
		})
	}
	return hits
}

// computeMatches finds each term of the query in a render the way SearchAs
// counts it in the source: over the visible words, so a phrase wrapped
// across two lines is found and the counter agrees with the results list.
// Matches are in reading order; one overlapping an earlier one is dropped.
func (s *searchState) computeMatches(r *rendered) {
	s.matches, s.cur = nil, -1
	terms := searchTerms(strings.ToLower(s.query))
	if len(terms) == 0 || r == nil {
		return
	}
	text, at := r.flatten()
	type found struct{ from, to int }
	var all []found
	for _, term := range terms {
		q, n := []rune(term), len(all)
		for i := 0; i+len(q) <= len(text); {
			if !runesEqual(text[i:i+len(q)], q) {
				i++
				continue
			}
			all = append(all, found{i, i + len(q)})
			i += len(q)
		}
		if len(all) == n {
			return // a page lacking a term is no hit
		}
	}
	slices.SortStableFunc(all, func(a, b found) int { return cmp.Compare(a.from, b.from) })
	end := 0
	for _, f := range all {
		if f.from < end {
			continue
		}
		end = f.to
		var parts []match
		for j := f.from; j < f.to; j++ {
			p := at[j]
			if p.line < 0 {
				continue // a space standing for a line break
			}
			if n := len(parts); n > 0 && parts[n-1].line == p.line {
				parts[n-1].end = p.end
			} else {
				parts = append(parts, match{line: p.line, start: p.start, end: p.end})
			}
		}
		if len(parts) > 0 {
			mt := parts[0]
			mt.rest = parts[1:]
			s.matches = append(s.matches, mt)
		}
	}
}

func runesEqual(a, b []rune) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// cell is where a rune of the flattened text is on screen; line -1 for the
// spaces that join lines.
type cell struct{ line, start, end int }

// flatten is the render's visible text, lowercased, with one space between
// words (table borders, bullets and heading markers removed), and where
// each rune is.
func (r *rendered) flatten() ([]rune, []cell) {
	head := map[int]bool{}
	for _, h := range r.heads {
		head[h.Line] = true
	}
	var text []rune
	var at []cell
	space := func(c cell) {
		if len(text) > 0 && text[len(text)-1] != ' ' {
			text, at = append(text, ' '), append(at, c)
		}
	}
	for i, p := range r.plain {
		t := strings.TrimSpace(p)
		if t == "" || strings.Trim(t, "-─┼│|+: ") == "" {
			continue // blank or a table/rule line
		}
		col := ansi.StringWidth(p[:strings.Index(p, t)])
		skip := 0
		if strings.HasPrefix(t, "• ") {
			skip = len("• ")
		} else if head[i] && strings.HasPrefix(t, "#") {
			skip = len(t) - len(strings.TrimLeft(t, "#")) + 1
		}
		col += ansi.StringWidth(t[:min(skip, len(t))])
		// A word broken at its hyphen joins without a space.
		if n := len(text); n >= 2 && text[n-1] == '-' && text[n-2] != ' ' {
		} else {
			space(cell{line: -1})
		}
		for _, c := range strings.ToLower(t[min(skip, len(t)):]) {
			w := ansi.StringWidth(string(c))
			if c == '│' || c == '|' || unicode.IsSpace(c) {
				space(cell{line: i, start: col, end: col + w})
			} else {
				text, at = append(text, c), append(at, cell{line: i, start: col, end: col + w})
			}
			col += w
		}
	}
	if n := len(text); n > 0 && text[n-1] == ' ' {
		text, at = text[:n-1], at[:n-1]
	}
	return text, at
}

func (m *Model) runSearch() {
	m.search.query = strings.TrimSpace(m.search.input.Value())
	m.search.hits = searchHits(m.lib, m.search.query, m.lang, m.apiURL())
	m.search.sel = min(m.search.sel, max(0, len(m.search.hits)-1))
	m.search.computeMatches(m.cur)
	m.syncHitCount()
}

// syncHitCount makes the open page's entry in the results list show the
// count of the in-page counter, should the two ever differ.
func (m *Model) syncHitCount() {
	if m.cur == nil || m.curKey.slug != m.slug {
		return
	}
	for i := range m.search.hits {
		if m.search.hits[i].Slug == m.slug {
			m.search.hits[i].Count = len(m.search.matches)
		}
	}
}

// stopTyping leaves the search box; the hits stay until cleared.
func (s *searchState) stopTyping() {
	s.typing = false
	s.input.Blur()
}

func (m *Model) searchKey(msg tea.KeyPressMsg) tea.Cmd {
	s := &m.search
	k := &m.ctx.Keys.Dialog
	switch {
	case common.TypesText(msg):
		// typed below
	case key.Matches(msg, k.Cancel):
		s.stopTyping()
		s.clear()
		return nil
	case key.Matches(msg, k.Accept):
		s.stopTyping()
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
	case key.Matches(msg, k.Up), msg.String() == "ctrl+p":
		s.sel = max(0, s.sel-1)
		return nil
	case key.Matches(msg, k.Down), msg.String() == "ctrl+n":
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
		s.hits = searchHits(m.lib, s.query, m.lang, m.apiURL())
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
