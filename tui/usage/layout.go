package usage

import (
	"strings"
	"time"

	"github.com/penguinmails/pmdev/styles"
	"github.com/penguinmails/pmdev/tui/common"
)

// section is one block of the pane, in reading order.
type section int

const (
	secCards section = iota
	secVolume
	secEndpoints
	secErrors
	secRateLimit
	secByKey
	numSections
)

// tableID names the pane's scrollable tables.
type tableID int

const (
	tblEndpoints tableID = iota
	tblRecent
	tblByKey
	numTables
)

// tableOf is the table that ↑/↓ drive while s has the focus.
func tableOf(s section) (tableID, bool) {
	switch s {
	case secEndpoints:
		return tblEndpoints, true
	case secErrors:
		return tblRecent, true
	case secByKey:
		return tblByKey, true
	}
	return 0, false
}

// table is a selection and scroll offset within a table's rows.
type table struct{ sel, off int }

func (t *table) clamp(rows, capacity int) {
	t.sel = min(max(t.sel, 0), max(rows-1, 0))
	if t.sel < t.off {
		t.off = t.sel
	}
	if t.sel >= t.off+capacity {
		t.off = t.sel - capacity + 1
	}
	t.off = min(max(t.off, 0), max(rows-capacity, 0))
}

// WideWidth is the width from which sections sit side by side.
const WideWidth = 160

// headerHeight is the fixed header above the scrolling sections.
const headerHeight = 2

func (m *Model) wide() bool { return m.width >= WideWidth }

func (m *Model) viewHeight() int { return max(1, m.height-headerHeight) }

// tableCap is how many rows a table shows before it scrolls.
func (m *Model) tableCap() int {
	if m.wide() && m.height >= 40 {
		return 10
	}
	return 8
}

func (m *Model) rows(t tableID) int {
	if m.data == nil {
		return 0
	}
	switch t {
	case tblEndpoints:
		return len(m.data.Endpoints)
	case tblRecent:
		return len(m.data.RecentErrors)
	case tblByKey:
		return len(m.data.ByKey)
	}
	return 0
}

// block is one rendered section: its lines and, for tables, the line of the
// first visible row.
type block struct {
	lines  []string
	rowTop int
}

// doc is the laid-out scrolling area.
type doc struct {
	lines []string
	start [numSections]int // first line of each section
	end   [numSections]int // one past its last line
	rowAt [numSections]int // line of the first visible table row, -1 if none
}

// docKey is everything the laid-out document depends on.
type docKey struct {
	version       uint64
	width, height int
	cursor        int
	epSort        int
	tables        [numTables]table
	focus         section
	noColor       bool
	minute        int64 // "last used 2 minutes ago" moves with the clock
	exports       int
	live          uint64
	styles        *styles.Styles
}

// blockKey is what one section's render depends on: the data, its size and
// a few section-specific values (cursor, selection, sort, focus).
type blockKey struct {
	version       uint64
	width, height int
	noColor       bool
	minute        int64
	extra         [5]int
	styles        *styles.Styles
}

// cached returns the section's block, rendering it only when its inputs
// changed (a cursor move re-renders the volume section alone).
func (m *Model) cached(s section, w, h int, extra [5]int, render func() block) block {
	k := blockKey{version: m.version, width: w, height: h, noColor: m.ctx.NoColor, minute: m.now().Unix() / 60, extra: extra, styles: m.ctx.Styles}
	return m.blocks[s].Get(k, render)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// block renders section s at width w through the cache.
func (m *Model) block(s section, w int) block {
	focused := b2i(m.focus == s)
	switch s {
	case secCards:
		return m.cached(s, w, 0, [5]int{b2i(m.wide())}, func() block { return m.cards(w) })
	case secVolume:
		h := m.volumeHeight()
		return m.cached(s, w, h, [5]int{m.cursor, focused}, func() block { return m.volume(w, h) })
	case secEndpoints:
		t := m.tables[tblEndpoints]
		return m.cached(s, w, m.tableCap(), [5]int{focused, m.epSort, t.sel, t.off}, func() block { return m.endpoints(w) })
	case secErrors:
		t := m.tables[tblRecent]
		return m.cached(s, w, m.tableCap(), [5]int{focused, t.sel, t.off, m.exports}, func() block { return m.errorsBlock(w) })
	case secRateLimit:
		h := m.rateHeight()
		return m.cached(s, w, h, [5]int{focused, int(m.liveVer)}, func() block { return m.rateLimit(w, h) })
	case secByKey:
		t := m.tables[tblByKey]
		// The key filter changes the "●" marker and the hint.
		return m.cached(s, w, m.tableCap(), [5]int{focused, t.sel, t.off, len(m.keyID), int(hash(m.keyID))}, func() block { return m.byKey(w) })
	}
	return block{rowTop: -1}
}

// hash is a cheap FNV-1a for cache keys.
func hash(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return h
}

// chartKey caches a chart body: it depends on data and size only; the cursor
// is drawn outside the body.
type chartKey struct {
	version       uint64
	width, height int
	noColor       bool
	styles        *styles.Styles // replaced when the background is detected
}

// docKey is what the whole document depends on.
func (m *Model) docKey() docKey {
	return docKey{version: m.version, width: m.width, height: m.height, cursor: m.cursor, epSort: m.epSort,
		tables: m.tables, focus: m.focus, noColor: m.ctx.NoColor, minute: m.now().Unix() / 60, exports: m.exports, live: m.liveVer, styles: m.ctx.Styles}
}

// layout is the document, built only when its key changed.
func (m *Model) layout() *doc { return m.doc.Get(m.docKey(), m.build) }

// build renders every section and stacks them (narrow) or places them in two
// columns under the cards (wide).
func (m *Model) build() *doc {
	d := &doc{}
	for i := range d.rowAt {
		d.rowAt[i] = -1
	}
	if m.data == nil {
		return d
	}
	w := m.width
	add := func(lines *[]string, s section, b block) {
		if len(*lines) > 0 {
			*lines = append(*lines, "")
		}
		d.start[s] = len(*lines)
		if b.rowTop >= 0 {
			d.rowAt[s] = len(*lines) + b.rowTop
		}
		*lines = append(*lines, b.lines...)
		d.end[s] = len(*lines)
	}
	if !m.wide() {
		var lines []string
		for sec := secCards; sec < numSections; sec++ {
			add(&lines, sec, m.block(sec, w))
		}
		d.lines = lines
		return d
	}
	// Wide: cards, then rows of two columns, then errors across the width.
	var lines []string
	add(&lines, secCards, m.block(secCards, w))
	gap := 3
	lw := (w - gap) * 3 / 5
	rw := w - gap - lw
	pair := func(ls section, lb block, rs section, rb block) {
		lines = append(lines, "")
		base := len(lines)
		for _, x := range []struct {
			s section
			b block
		}{{ls, lb}, {rs, rb}} {
			d.start[x.s] = base
			d.end[x.s] = base + len(x.b.lines)
			if x.b.rowTop >= 0 {
				d.rowAt[x.s] = base + x.b.rowTop
			}
		}
		pad := strings.Repeat(" ", gap)
		for i := 0; i < max(len(lb.lines), len(rb.lines)); i++ {
			var l, r string
			if i < len(lb.lines) {
				l = lb.lines[i]
			}
			if i < len(rb.lines) {
				r = rb.lines[i]
			}
			lines = append(lines, common.PadClip(l, lw)+pad+r)
		}
	}
	pair(secVolume, m.block(secVolume, lw), secRateLimit, m.block(secRateLimit, rw))
	pair(secEndpoints, m.block(secEndpoints, lw), secByKey, m.block(secByKey, rw))
	add(&lines, secErrors, m.block(secErrors, w))
	d.lines = lines
	return d
}

// volumeHeight and rateHeight size the chart bodies to the pane.
func (m *Model) volumeHeight() int {
	if m.wide() {
		return min(max((m.height-14)/2, 6), 24)
	}
	// Cards and the whole chart fit the first screen at 80×24.
	return min(max(m.viewHeight()-10, 5), 16)
}

func (m *Model) rateHeight() int {
	if m.wide() {
		return min(max((m.height-14)/2-4, 5), 20)
	}
	return min(max(m.viewHeight()-12, 5), 10)
}

func (m *Model) maxScroll() int {
	if m.data == nil {
		return 0
	}
	return max(0, len(m.layout().lines)-m.viewHeight())
}

// order is the reading order of the sections in the current layout.
func (m *Model) order() []section {
	if m.wide() {
		return []section{secCards, secVolume, secRateLimit, secEndpoints, secByKey, secErrors}
	}
	return []section{secCards, secVolume, secEndpoints, secErrors, secRateLimit, secByKey}
}

// neighbour is the section delta steps from the focused one in reading
// order, and whether there is one.
func (m *Model) neighbour(delta int) (section, bool) {
	o := m.order()
	for i, s := range o {
		if s == m.focus {
			if j := i + delta; j >= 0 && j < len(o) {
				return o[j], true
			}
			return m.focus, false
		}
	}
	return m.focus, false
}

// sectionAt is the section holding line i (narrow layout).
func (d *doc) sectionAt(i int) section {
	s := secCards
	for c := secCards; c < numSections; c++ {
		if d.start[c] <= i {
			s = c
		}
	}
	return s
}

// move handles ↑/↓: inside a focused table it moves the selection; past the
// table's ends, and elsewhere, it scrolls and the focus follows the view.
func (m *Model) move(delta int) {
	if m.data == nil {
		return
	}
	if t, ok := tableOf(m.focus); ok && m.rows(t) > 0 {
		tb := &m.tables[t]
		if ns := tb.sel + delta; ns >= 0 && ns < m.rows(t) {
			tb.sel = ns
			tb.clamp(m.rows(t), m.tableCap())
			m.reveal()
			return
		}
	}
	d := m.layout()
	if m.wide() {
		if next, ok := m.neighbour(delta); ok {
			m.focus = next
			m.scrollTo(d.start[next])
		}
		return
	}
	before := m.scroll
	m.scroll = min(max(m.scroll+delta, 0), m.maxScroll())
	if m.scroll == before {
		// At an end of the document: hand the focus to the next section in
		// view so its table becomes reachable.
		if next, ok := m.neighbour(delta); ok {
			m.focus = next
		}
		return
	}
	m.focus = d.sectionAt(m.scroll)
}

// jump moves the focus to the next or previous section and scrolls to it.
func (m *Model) jump(delta int) {
	next, ok := m.neighbour(delta)
	if !ok || m.data == nil {
		return
	}
	m.focus = next
	m.scrollTo(m.layout().start[next])
}

func (m *Model) scrollTo(line int) {
	m.scroll = min(max(line, 0), m.maxScroll())
}

// reveal scrolls so the selected row of the focused table is in view.
func (m *Model) reveal() {
	t, ok := tableOf(m.focus)
	if !ok {
		return
	}
	d := m.layout()
	if d.rowAt[m.focus] < 0 {
		return
	}
	line := d.rowAt[m.focus] + m.tables[t].sel - m.tables[t].off
	vh := m.viewHeight()
	if line < m.scroll {
		m.scroll = max(line-1, 0)
	} else if line >= m.scroll+vh {
		m.scroll = min(line-vh+1, m.maxScroll())
	}
}

// frameKey is everything a frame depends on besides the laid-out document.
type frameKey struct {
	doc               docKey
	scroll            int
	rng, keyID, keyNm string
	from, to          int64
	loading           bool
	errText           string
	paused, unauth    bool
	refresh           int64
	quarter           int64 // "as of … (2 minutes ago)" moves with the clock
	hasData           bool
}

// View implements common.Pane: the header and the visible slice of the
// cached document, or the open form or picker. An unchanged state returns
// the previous frame without rendering anything.
func (m *Model) View() string {
	if m.width <= 0 || m.height <= 0 {
		return ""
	}
	if !m.dialogs.Empty() || m.showLive {
		return m.frameOf(nil, 0) // dialogs and the live log are not cached
	}
	var d *doc
	scroll := m.scroll
	if m.data != nil {
		d = m.layout()
		scroll = min(scroll, max(0, len(d.lines)-m.viewHeight())) // a guard; Update keeps it in range
	}
	k := frameKey{doc: m.docKey(), scroll: scroll, rng: m.rng, keyID: m.keyID, keyNm: m.keyName,
		from: m.from.Unix(), to: m.to.Unix(), loading: m.data != nil && !sameParams(m.params, m.Params()),
		paused: m.ctx.Paused, unauth: m.unauth, refresh: int64(m.ctx.Refresh.Usage), quarter: m.now().Unix() / 15, hasData: m.data != nil}
	if m.err != nil {
		k.errText = m.errText()
	}
	return m.frame.Get(k, func() string { return m.frameOf(d, scroll) })
}

func (m *Model) frameOf(d *doc, scroll int) string {
	var b strings.Builder
	b.WriteString(m.header())
	vh := m.viewHeight()
	var body []string
	switch {
	case !m.dialogs.Empty():
		body = strings.Split(m.dialogs.View(m.width, vh), "\n")
	case m.showLive:
		body = m.liveLines(vh)
	case d == nil:
		body = m.emptyView()
	default:
		end := min(scroll+vh, len(d.lines))
		body = d.lines[scroll:end]
	}
	for i, l := range body {
		if i >= vh {
			break
		}
		b.WriteByte('\n')
		b.WriteString(common.Clip(l, m.width))
	}
	return b.String()
}

func (m *Model) emptyView() []string {
	s := m.ctx.Styles
	if m.err != nil {
		if common.IsRoleError(m.err) {
			// Retrying cannot change a role: say how to get access instead.
			return []string{"", s.Danger.Render("  " + m.errText()), "",
				s.Muted.Render("  Usage analytics need the admin or developer role."),
				s.Muted.Render("  To get access, " + common.AccessHint(m.ctx.Sandbox) + ".")}
		}
		return []string{"", s.Danger.Render("  " + m.errText()), "", s.Muted.Render("  press r to retry")}
	}
	return []string{"", s.Muted.Render("  loading usage…")}
}

// ageText is "14:30:05 (2 minutes ago)" for the data's generation time.
func (m *Model) ageText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	now := m.now()
	return t.In(now.Location()).Format("15:04:05") + " (" + common.Ago(&t, now) + ")"
}
