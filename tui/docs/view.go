package docs

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/lipgloss/v2"

	"github.com/penguinmails/pmdev/internal/apidocs"
	"github.com/penguinmails/pmdev/tui/common"
)

// View implements common.Pane.
func (m *Model) View() string {
	if m.width < 20 || m.height < 4 {
		return ""
	}
	if !m.dialogs.Empty() {
		return m.dialogs.View(m.width, m.height)
	}
	sw := m.sidebarWidth()
	pw := m.width - sw - 3
	side := m.sidebarLines(sw, m.height)
	page := m.pageLines(pw, m.height)
	sep := m.ctx.Styles.Subtle.Render("│")
	var b strings.Builder
	b.Grow(m.width * m.height * 2)
	for i := 0; i < m.height; i++ {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(side[i])
		b.WriteByte(' ')
		b.WriteString(sep)
		b.WriteByte(' ')
		b.WriteString(page[i])
	}
	return b.String()
}

func (m *Model) sidebarLines(w, h int) []string {
	st := m.ctx.Styles
	out := make([]string, 0, h)
	if m.search.typing {
		match := fmt.Sprintf("%d pages match", len(m.search.hits))
		if len(m.search.hits) == 1 {
			match = "1 page matches"
		}
		out = append(out, common.Fit(st.Title.Render(match), w))
		for i, hit := range m.search.hits {
			if len(out) >= h {
				break
			}
			label := hit.Title
			if !hit.TitleMatch {
				label = fmt.Sprintf("%s (%d)", hit.Title, hit.Count)
			}
			line := common.Fit("  "+label, w)
			if i == m.search.sel {
				line = st.Selected.Render(common.Fit("▸ "+label, w))
			}
			out = append(out, line)
		}
		for len(out) < h {
			out = append(out, strings.Repeat(" ", w))
		}
		return out
	}
	// Keep the cursor in view.
	if m.cursor < m.sideOff {
		m.sideOff = m.cursor
	}
	if m.cursor >= m.sideOff+h {
		m.sideOff = m.cursor - h + 1
	}
	m.sideOff = max(0, min(m.sideOff, len(m.items)-h))
	reading := ""
	if a, ok := m.currentOp(); ok {
		reading = apidocs.SlugText(a.op.Summary)
	}
	for i := m.sideOff; i < len(m.items) && len(out) < h; i++ {
		it := m.items[i]
		var line string
		switch it.kind {
		case itemHeader:
			line = common.Fit(st.Muted.Bold(true).Render(strings.ToUpper(it.label)), w)
		default:
			// The open page, and the operation being read on it.
			open := it.slug == m.slug && (it.kind == itemPage || it.anchor == reading)
			// Marks that need no colour: ▸ the cursor, • what is open.
			mark := ""
			switch {
			case i == m.cursor && m.focus == focusSidebar:
				mark = "▸"
			case open:
				mark = "•"
			}
			label := marked(mark, it.indent, common.Sanitize(it.label))
			switch {
			case i == m.cursor && m.focus == focusSidebar:
				line = st.Selected.Render(common.Fit(label, w))
			case i == m.cursor:
				line = st.Accent.Render(common.Fit(label, w))
			case open:
				line = st.Bold.Render(common.Fit(label, w))
			case it.kind == itemOp:
				line = st.Muted.Render(common.Fit(label, w))
			default:
				line = common.Fit(label, w)
			}
		}
		out = append(out, line)
	}
	for len(out) < h {
		out = append(out, strings.Repeat(" ", w))
	}
	return out
}

// marked indents a sidebar label and puts mark in the two cells before it
// (in front of a label that has none).
func marked(mark string, indent int, label string) string {
	pad := strings.Repeat("  ", indent)
	switch {
	case mark == "":
		return pad + label
	case indent == 0:
		return mark + " " + label
	}
	return pad[:len(pad)-2] + mark + " " + label
}

func (m *Model) pageLines(w, h int) []string {
	st := m.ctx.Styles
	out := make([]string, 0, h)
	out = append(out, m.headerLine(w))
	vh := h - 3
	switch {
	case m.lib == nil && m.loadErr != "":
		out = append(out, common.Fit(st.Danger.Render("docs unavailable: "+common.Sanitize(m.loadErr)), w))
	case m.cur == nil || m.curKey.slug != m.slug:
		out = append(out, common.Fit(m.spin.View()+" rendering…", w))
	default:
		var ranges map[int][]lipgloss.Range
		if len(m.search.matches) > 0 {
			ranges = map[int][]lipgloss.Range{}
			for i, mt := range m.search.matches {
				style := st.Match
				if i == m.search.cur {
					style = st.Selected.Reverse(true)
				}
				for _, p := range append([]match{mt}, mt.rest...) {
					if p.line >= m.scroll && p.line < m.scroll+vh {
						ranges[p.line] = append(ranges[p.line], lipgloss.NewRange(p.start, p.end, style))
					}
				}
			}
		}
		for i := m.scroll; i < len(m.cur.lines) && len(out) < vh+1; i++ {
			line := m.cur.lines[i]
			if r := ranges[i]; len(r) > 0 {
				line = lipgloss.StyleRanges(line, r...)
			}
			out = append(out, common.Fit(line, w))
		}
		if len(m.flight) > 0 && m.resizeNeeded {
			out[len(out)-1] = common.Fit(m.spin.View()+" re-rendering…", w)
		}
	}
	for len(out) < vh+1 {
		out = append(out, strings.Repeat(" ", w))
	}
	out = append(out, m.linksLine(w), m.statusLine(w))
	return out
}

func (m *Model) headerLine(w int) string {
	st := m.ctx.Styles
	title := "Docs"
	if m.lib != nil {
		if r, ok := m.lib.Ref(m.slug); ok {
			title = r.Title
		}
	}
	left := st.Title.Render(common.Sanitize(title))
	if m.focus == focusPage {
		left = st.Cursor.Render("▸ ") + st.Title.Underline(true).Render(common.Sanitize(title))
	}
	if m.lib != nil && strings.Contains(m.lib.Pages[m.slug], "<!-- pmdev:op ") {
		left += " " + st.BadgeMuted.Render(m.lang.Name())
	}
	// The longest label that fits two spaces after the title (one reads as
	// part of it): a short one keeps the version and date visible where a
	// cut one would lose them.
	right := ""
	if m.lib != nil {
		for _, l := range m.lib.Labels() {
			right = st.Muted.Render(common.Sanitize(l))
			if common.Fits(left+" ", right, w) {
				break
			}
		}
	}
	// Where even the shortest does not fit, the title gives way first.
	return common.Spread(left, common.Truncate(right, w-2), w)
}

// linksLine lists the page's links with the number that follows each.
func (m *Model) linksLine(w int) string {
	st := m.ctx.Styles
	if m.cur == nil || len(m.cur.links) == 0 {
		return strings.Repeat(" ", w)
	}
	var b strings.Builder
	b.WriteString(st.Muted.Render("links ") + st.Key.Render(m.ctx.Keys.Docs.FollowLink.Help().Key) + st.Muted.Render("+n "))
	for i, l := range m.cur.links {
		if i >= 9 {
			b.WriteString(st.Muted.Render(fmt.Sprintf(" +%d", len(m.cur.links)-9)))
			break
		}
		if i > 0 {
			b.WriteString(st.Subtle.Render(" · "))
		}
		b.WriteString(st.Key.Render(fmt.Sprint(l.N)) + " " + common.Sanitize(l.Text))
	}
	return common.Fit(b.String(), w)
}

func (m *Model) statusLine(w int) string {
	st := m.ctx.Styles
	if m.search.typing {
		m.search.input.SetWidth(max(10, w-2))
		return common.Fit(m.search.input.View(), w)
	}
	var parts []string
	if m.search.query != "" {
		pos := "no matches on this page"
		if n := len(m.search.matches); n > 0 {
			pos = fmt.Sprintf("%d/%d", m.search.cur+1, n)
			if m.search.cur < 0 {
				pos = fmt.Sprintf("%d matches", n)
			}
		}
		parts = append(parts, st.Accent.Render(fmt.Sprintf("“%s” %s", common.Sanitize(m.search.query), pos))+st.Muted.Render(" · n/N next/prev · esc clear"))
	}
	if m.cur != nil && len(m.cur.lines) > m.viewHeight() {
		pct := 100
		if den := len(m.cur.lines) - m.viewHeight(); den > 0 {
			pct = m.scroll * 100 / den
		}
		parts = append(parts, st.Muted.Render(fmt.Sprintf("%d%%", pct)))
	}
	if m.liveErr != "" {
		parts = append(parts, st.Warning.Render(m.liveErr))
	}
	if m.cur != nil && m.cur.errMsg != "" {
		parts = append(parts, st.Danger.Render("render: "+common.Sanitize(m.cur.errMsg)))
	}
	return common.Fit(strings.Join(parts, st.Subtle.Render(" · ")), w)
}

// KeyMap implements common.Pane; the help follows the focus.
func (m *Model) KeyMap() help.KeyMap { return keyMap{m: m} }

type keyMap struct{ m *Model }

// helpLink is the help entry for following a link: o, then its number.
func helpLink(d *common.DocsKeys) key.Binding {
	return key.NewBinding(key.WithKeys(d.FollowLink.Keys()...), key.WithHelp(d.FollowLink.Help().Key+" 1-9", "follow link"))
}

func (k keyMap) ShortHelp() []key.Binding {
	d := &k.m.ctx.Keys.Docs
	if !k.m.dialogs.Empty() {
		return k.m.dialogs.ShortHelp()
	}
	if k.m.search.typing {
		dk := &k.m.ctx.Keys.Dialog
		return []key.Binding{common.WithHelp(dk.Accept, "open"), common.Joined("choose", dk.Up, dk.Down), common.WithHelp(dk.Cancel, "cancel")}
	}
	if k.m.linkPending {
		n := 0
		if k.m.cur != nil {
			n = min(len(k.m.cur.links), 9)
		}
		return []key.Binding{key.NewBinding(key.WithKeys("1"), key.WithHelp(fmt.Sprintf("1-%d", n), "follow that link")), common.WithHelp(k.m.ctx.Keys.Global.Back, "cancel")}
	}
	if k.m.focus == focusSidebar {
		return []key.Binding{d.Up, d.Down, d.Open, d.Page, d.Search}
	}
	out := []key.Binding{d.Down, d.PageDown, helpLink(d), d.Sidebar}
	if len(k.m.back) > 0 {
		out = append(out, common.WithHelp(k.m.ctx.Keys.Global.Back, "back"))
	}
	if k.m.search.query != "" {
		out = append(out, d.NextMatch, d.PrevMatch)
	}
	if k.m.cur != nil && len(k.m.cur.ops) > 0 {
		out = append(out, d.Language, d.CopySnippet, d.TryIt)
	} else {
		out = append(out, d.Search)
	}
	return out
}

func (k keyMap) FullHelp() [][]key.Binding {
	if !k.m.dialogs.Empty() {
		return k.m.dialogs.FullHelp()
	}
	d := &k.m.ctx.Keys.Docs
	return [][]key.Binding{
		{d.Up, d.Down, d.PageUp, d.PageDown, d.Top, d.Bottom},
		{d.Sidebar, d.Page, d.Open, k.m.ctx.Keys.Global.Back, helpLink(d)},
		{d.Search, d.NextMatch, d.PrevMatch},
		{d.Language, d.CopySnippet, d.TryIt},
	}
}
