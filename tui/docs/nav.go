package docs

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/penguinmails/pmdev/internal/apidocs"
	"github.com/penguinmails/pmdev/tui/common"
)

type itemKind int

const (
	itemHeader itemKind = iota
	itemPage
	itemOp
)

// item is one row of the sidebar tree.
type item struct {
	kind   itemKind
	label  string
	slug   string
	anchor string
	indent int
}

// rebuildItems lays out the sidebar: sections with their pages, and the
// operations of the open endpoint page under it.
func (m *Model) rebuildItems() {
	m.items = m.items[:0]
	if m.lib == nil {
		return
	}
	pages := m.lib.Index.Pages
	for i := 0; i < len(pages); {
		sec := pages[i].Section
		j := i
		for j < len(pages) && pages[j].Section == sec {
			j++
		}
		group := pages[i:j]
		indent := 1
		if len(group) == 1 && strings.EqualFold(strings.SplitN(group[0].Title, " ", 2)[0], strings.SplitN(sec, " ", 2)[0]) {
			indent = 0 // a one-page section is its page
		} else {
			m.items = append(m.items, item{kind: itemHeader, label: sec})
		}
		for _, p := range group {
			m.items = append(m.items, item{kind: itemPage, label: p.Title, slug: p.Slug, indent: indent})
			if p.Slug != m.slug {
				continue
			}
			for _, op := range apidocs.Operations(m.lib.Pages[p.Slug]) {
				label := op.Method + " " + strings.TrimPrefix(op.Path, "/api/v1")
				m.items = append(m.items, item{kind: itemOp, label: label, slug: p.Slug, anchor: apidocs.SlugText(op.Summary), indent: indent + 1})
			}
		}
		i = j
	}
	m.cursor = min(m.cursor, max(0, len(m.items)-1))
}

// selectCurrent moves the sidebar cursor to the open page unless it is
// already on one of that page's rows.
func (m *Model) selectCurrent() {
	if m.cursor < len(m.items) && m.items[m.cursor].slug == m.slug && m.slug != "" {
		return
	}
	for i, it := range m.items {
		if it.kind == itemPage && it.slug == m.slug {
			m.cursor = i
			return
		}
	}
}

func (m *Model) moveCursor(delta int) {
	if len(m.items) == 0 {
		return
	}
	i := m.cursor
	for {
		i += delta
		if i < 0 || i >= len(m.items) {
			return
		}
		if m.items[i].kind != itemHeader {
			m.cursor = i
			return
		}
	}
}

func (m *Model) cursorTo(i, dir int) {
	m.cursor = max(0, min(i, len(m.items)-1))
	if m.cursor < len(m.items) && m.items[m.cursor].kind == itemHeader {
		m.moveCursor(dir)
	}
}

func (m *Model) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	if cmd, ok := m.dialogs.Input(msg); ok {
		return cmd
	}
	if m.search.typing {
		return m.searchKey(msg)
	}
	k := &m.ctx.Keys.Docs
	if m.linkPending {
		// o was pressed: this key picks the link (esc or any other key
		// gives up, and a non-digit then does what it always does).
		m.linkPending = false
		if s := msg.String(); len(s) == 1 && s[0] >= '1' && s[0] <= '9' {
			return m.follow(int(s[0] - '0'))
		}
		if key.Matches(msg, m.ctx.Keys.Global.Back) {
			return nil
		}
	}
	switch {
	case key.Matches(msg, k.Sidebar):
		if m.focus == focusPage {
			m.focus = focusSidebar
			m.selectCurrent()
		}
		return nil
	case key.Matches(msg, k.Page):
		m.focus = focusPage
		return nil
	case key.Matches(msg, k.FollowLink):
		if m.cur == nil || len(m.cur.links) == 0 {
			return common.Status("this page has no links", common.LevelWarning)
		}
		m.linkPending = true
		return common.Status(fmt.Sprintf("follow link: press 1–%d (esc cancels)", min(len(m.cur.links), 9)), common.LevelInfo)
	case key.Matches(msg, k.Search):
		m.search.typing = true
		m.search.input.SetValue(m.search.query)
		m.search.input.CursorEnd()
		m.runSearch()
		return m.search.input.Focus()
	case key.Matches(msg, m.ctx.Keys.Global.Back):
		switch {
		case m.search.query != "":
			m.search.clear()
		case m.focus == focusPage && len(m.back) > 0:
			return m.goBack()
		case m.focus == focusPage:
			m.focus = focusSidebar
			m.selectCurrent()
		}
		return nil
	case key.Matches(msg, k.NextMatch):
		return m.jumpMatch(+1)
	case key.Matches(msg, k.PrevMatch):
		return m.jumpMatch(-1)
	case key.Matches(msg, k.Language):
		m.lang = m.lang.Next()
		cmd := m.ensureRender()
		return tea.Batch(cmd, common.Status("code examples in "+m.lang.Name(), common.LevelInfo))
	case key.Matches(msg, k.CopySnippet):
		return m.copySnippet()
	case key.Matches(msg, k.TryIt):
		return m.openTry()
	}
	if m.focus == focusSidebar {
		return m.sidebarKey(msg)
	}
	return m.pageKey(msg)
}

func (m *Model) sidebarKey(msg tea.KeyPressMsg) tea.Cmd {
	k := &m.ctx.Keys.Docs
	switch {
	case key.Matches(msg, k.Up):
		m.moveCursor(-1)
	case key.Matches(msg, k.Down):
		m.moveCursor(+1)
	case key.Matches(msg, k.PageUp):
		m.cursorTo(m.cursor-m.viewHeight(), -1)
	case key.Matches(msg, k.PageDown):
		m.cursorTo(m.cursor+m.viewHeight(), +1)
	case key.Matches(msg, k.Top):
		m.cursorTo(0, +1)
	case key.Matches(msg, k.Bottom):
		m.cursorTo(len(m.items)-1, -1)
	case key.Matches(msg, k.Open):
		if m.cursor < len(m.items) {
			it := m.items[m.cursor]
			if it.kind == itemOp && it.slug == m.slug && m.cur != nil {
				m.focus = focusPage
				if l := m.cur.heading(it.anchor); l >= 0 {
					m.scroll = l
					m.clampScroll()
				}
				return nil
			}
			return m.open(it.slug, it.anchor, true)
		}
	}
	return nil
}

func (m *Model) pageKey(msg tea.KeyPressMsg) tea.Cmd {
	k := &m.ctx.Keys.Docs
	page := m.viewHeight()
	switch {
	case key.Matches(msg, k.Up):
		m.scroll--
	case key.Matches(msg, k.Down):
		m.scroll++
	case key.Matches(msg, k.PageUp):
		m.scroll -= page - 1
	case key.Matches(msg, k.PageDown):
		m.scroll += page - 1
	case key.Matches(msg, k.Top):
		m.scroll = 0
	case key.Matches(msg, k.Bottom):
		if m.cur != nil {
			m.scroll = len(m.cur.lines)
		}
	default:
		return nil
	}
	m.clampScroll()
	return nil
}

// follow opens link n of the page: docs pages and anchors in the pane,
// other URLs to the clipboard (a terminal cannot open a browser over SSH).
func (m *Model) follow(n int) tea.Cmd {
	if m.cur == nil || n > len(m.cur.links) {
		return common.Status(fmt.Sprintf("this page has no link %d", n), common.LevelWarning)
	}
	l := m.cur.links[n-1]
	slug, anchor := l.Slug()
	if slug == "" && anchor == "" {
		return common.Copy(m.ctx, common.PaneDocs, l.Target, "link "+common.Sanitize(l.Target))
	}
	if slug == "" || slug == "." || slug == "/" {
		slug = m.slug
	}
	if _, ok := m.lib.Pages[slug]; !ok {
		return common.Copy(m.ctx, common.PaneDocs, l.Target, "not a docs page: link "+common.Sanitize(l.Target))
	}
	m.back = append(m.back[max(0, len(m.back)-maxBack+1):], place{m.slug, m.scroll})
	return m.open(slug, anchor, true)
}

// place is a page and the line read at, to come back to.
type place struct {
	slug   string
	scroll int
}

// maxBack bounds the places esc can return to.
const maxBack = 50

// goBack returns to where the last followed link was taken from.
func (m *Model) goBack() tea.Cmd {
	p := m.back[len(m.back)-1]
	m.back = m.back[:len(m.back)-1]
	cmd := m.open(p.slug, "", true)
	if m.cur != nil && m.curKey.slug == p.slug {
		m.scroll = p.scroll
		m.clampScroll()
	} else {
		m.restore = &p // once the page is rendered
	}
	return cmd
}

// currentOp is the operation the reader is looking at.
func (m *Model) currentOp() (opAnchor, bool) {
	if m.cur == nil {
		return opAnchor{}, false
	}
	op, ok := m.cur.opAt(m.scroll + 2)
	return opAnchor{op: op}, ok
}

func (m *Model) copySnippet() tea.Cmd {
	a, ok := m.currentOp()
	if !ok {
		return common.Status("no code example on this page — open an endpoint page", common.LevelWarning)
	}
	snip := apidocs.Snippet(m.lang, a.op, m.apiURL())
	return common.Copy(m.ctx, common.PaneDocs, snip, fmt.Sprintf("%s example for %s %s", m.lang.Name(), a.op.Method, a.op.Path))
}
