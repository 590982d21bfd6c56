package keys

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
	"github.com/penguinmails/pmdev/tui/keys/perms"
)

// Status filter and sort cycles.
var (
	filterNames = [...]string{"All", "Active", "Revoked", "Expired", "Needs attention"}
	sortNames   = [...]string{"Created", "Last used", "Requests", "Name", "Attention"}
	// sortParams is the list route's sort of each.
	sortParams = [...]string{"created", "last_used", "requests", "name", "attention"}
)

// filterAttention is the filter of keys that need attention.
const filterAttention = len(filterNames) - 1

// rowMeta is what the list needs per key, computed once per load so a frame
// does no sanitising, lower-casing or permission sorting.
type rowMeta struct {
	name  string // sanitised
	hay   string // lower-case text of the row as shown (and the id), for search
	perms string // short badges
	reqs  string // formatted request count
	limit string
}

func newMeta(k *models.APIKey, now time.Time) rowMeta {
	name := common.Sanitize(k.Name)
	limit := "—"
	if k.RateLimit > 0 {
		limit = strconv.Itoa(k.RateLimit) + "/m"
	}
	badges := common.Sanitize(perms.Badges(k.Permissions))
	status, _ := common.KeyStatusText(k, now)
	// Search finds what the row shows: a typed "PEu" (the visible key
	// prefix), "send", "test" or "revoked" matches as the eye reads it.
	hay := strings.Join([]string{name, common.Sanitize(k.MaskedKey), common.Sanitize(k.Environment), badges,
		strings.Join(k.Permissions, " "), common.EffectiveKeyStatus(k, now), status, common.Sanitize(k.KeyID)}, " ")
	return rowMeta{
		name:  name,
		hay:   strings.ToLower(hay),
		perms: badges,
		reqs:  common.Thousands(k.RequestCount),
		limit: limit,
	}
}

// setPages replaces the data and rebuilds the visible rows, keeping the cursor
// on the same key.
func (m *Model) setPages(pages [][]models.APIKey) {
	keep := m.keepID()
	m.rows = m.rows[:0] // indexes into the old m.all
	m.pages = pages
	n := 0
	for _, p := range pages {
		n += len(p)
	}
	// m.all is a private copy: the next fetch reads m.pages from another
	// goroutine, and local edits (revoke, edit) write m.all.
	all := make([]models.APIKey, 0, n)
	for _, p := range pages {
		all = append(all, p...)
	}
	m.all = all
	m.meta = make([]rowMeta, len(all))
	m.byID = make(map[string]int, len(all))
	now := m.ctx.Now()
	for i := range all {
		m.meta[i] = newMeta(&all[i], now)
		m.byID[all[i].KeyID] = i
	}
	m.rebuildKeeping(keep)
}

// keepID is the key the cursor stays on across a rebuild.
func (m *Model) keepID() string {
	if m.selectID != "" {
		return m.selectID
	}
	if k := m.current(); k != nil {
		return k.KeyID
	}
	return ""
}

// endSearch leaves the search box; its words still filter the list.
func (m *Model) endSearch() {
	m.searching = false
	m.search.Blur()
}

// rebuild applies search, filter and sort.
func (m *Model) rebuild() { m.rebuildKeeping(m.keepID()) }

// rebuildKeeping is rebuild with the cursor kept on key keep.
func (m *Model) rebuildKeeping(keep string) {
	now := m.ctx.Now()
	words := strings.Fields(strings.ToLower(m.search.Value()))
	want := ""
	if m.filter > 0 && m.filter != filterAttention {
		want = strings.ToLower(filterNames[m.filter])
	}
	rows := m.rows[:0]
	for i := range m.all {
		if !matchesWords(m.meta[i].hay, words) {
			continue
		}
		if want != "" && common.EffectiveKeyStatus(&m.all[i], now) != want {
			continue
		}
		if m.filter == filterAttention && !m.all[i].NeedsAttention {
			continue
		}
		rows = append(rows, i)
	}
	all := m.all
	switch m.sort {
	case 1: // last used, most recent first, never-used last
		slices.SortStableFunc(rows, func(a, b int) int {
			ta, tb := all[a].LastUsed, all[b].LastUsed
			switch {
			case ta == nil && tb == nil:
				return cmpCreated(&all[a], &all[b])
			case ta == nil:
				return 1
			case tb == nil:
				return -1
			}
			if c := tb.Compare(*ta); c != 0 {
				return c
			}
			return cmpCreated(&all[a], &all[b])
		})
	case 2: // requests, most first
		slices.SortStableFunc(rows, func(a, b int) int {
			if c := cmp.Compare(all[b].RequestCount, all[a].RequestCount); c != 0 {
				return c
			}
			return cmpCreated(&all[a], &all[b])
		})
	case 4: // attention: high first, then medium, then the rest
		slices.SortStableFunc(rows, func(a, b int) int {
			if c := cmp.Compare(attentionRank(&all[b]), attentionRank(&all[a])); c != 0 {
				return c
			}
			return cmpCreated(&all[a], &all[b])
		})
	case 3:
		meta := m.meta
		slices.SortStableFunc(rows, func(a, b int) int {
			if c := cmp.Compare(strings.ToLower(meta[a].name), strings.ToLower(meta[b].name)); c != 0 {
				return c
			}
			return cmpCreated(&all[a], &all[b])
		})
	default:
		slices.SortStableFunc(rows, func(a, b int) int { return cmpCreated(&all[a], &all[b]) })
	}
	m.rows = rows
	m.pairs = rotationPairs(m.all, now)
	m.list.SetLen(len(rows))
	cur := 0
	if keep != "" {
		for i, r := range rows {
			if all[r].KeyID == keep {
				cur = i
				break
			}
		}
		if m.selectID != "" && cur < len(rows) && all[rows[cur]].KeyID == m.selectID {
			m.selectID = ""
		}
	}
	m.list.Select(cur, m.listHeight())
}

// cmpCreated orders newest first, then by id for a stable order.
func cmpCreated(a, b *models.APIKey) int {
	if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
		return c
	}
	return strings.Compare(a.KeyID, b.KeyID)
}

// current is the key under the cursor, or nil.
func (m *Model) current() *models.APIKey {
	if m.list.Cursor() >= len(m.rows) {
		return nil
	}
	return &m.all[m.rows[m.list.Cursor()]]
}

func (m *Model) listHeight() int { return max(1, m.height-3) }

// column layout -------------------------------------------------------------

type colKind int

const (
	colAttn colKind = iota // the attention marker
	colName
	colKey
	colEnv
	colPerms
	colLimit
	colStatus
	colUsed
	colReqs
)

type column struct {
	kind  colKind
	title string
	width int
	right bool
}

// layout picks the columns that fit the width: name, key, status and last
// used always; requests, permissions, environment and limit as room allows.
func layoutColumns(width int) []column {
	base := []column{
		{colAttn, "", 2, false},
		{colName, "NAME", 14, false},
		{colKey, "KEY", 17, false},
		{colStatus, "STATUS", 15, false},
		{colUsed, "LAST USED", 14, false},
	}
	optional := []column{
		{colReqs, "REQUESTS", 10, true},
		{colPerms, "PERMISSIONS", 16, false},
		{colEnv, "ENV", 4, false},
		{colLimit, "LIMIT", 6, true},
	}
	used := 2 // cursor marker
	for _, c := range base {
		used += c.width + 1
	}
	cols := base
	for _, c := range optional {
		if used+c.width+1 <= width {
			cols = append(cols, c)
			used += c.width + 1
		}
	}
	order := map[colKind]int{colAttn: 0, colName: 1, colKey: 2, colEnv: 3, colPerms: 4, colLimit: 5, colStatus: 6, colUsed: 7, colReqs: 8}
	slices.SortFunc(cols, func(a, b column) int { return order[a.kind] - order[b.kind] })
	// Spare room: name grows to 32, then permissions take the rest.
	spare := max(0, width-used)
	for i := range cols {
		if cols[i].kind == colName {
			g := min(spare, 18)
			cols[i].width += g
			spare -= g
		}
	}
	for i := range cols {
		if cols[i].kind == colPerms {
			cols[i].width += spare
			spare = 0
		}
	}
	if spare > 0 {
		for i := range cols {
			if cols[i].kind == colName {
				cols[i].width += spare
			}
		}
	}
	return cols
}

// fitCol fits s to column c, right-aligned where c is.
func fitCol(s string, c column) string {
	if c.right {
		return common.FitRight(s, c.width)
	}
	return common.Fit(s, c.width)
}

// views ---------------------------------------------------------------------

func (m *Model) viewList() string {
	st := m.ctx.Styles
	now := m.ctx.Now()
	var b strings.Builder
	b.Grow(m.width * (m.height + 1) * 2)

	// Title line: counts, filter, sort, search.
	title := st.Title.Render("API Keys")
	// The server's count of the query: more pages load as the cursor nears the end.
	count := max(m.total, len(m.all))
	sortName := sortNames[m.sort]
	info := fmt.Sprintf("  %s · status %s · sort %s", keyCount(count), filterNames[m.filter], sortName)
	if len(m.rows) != count {
		info = fmt.Sprintf("  %s of %s · status %s · sort %s", common.Thousands(int64(len(m.rows))), keyCount(count), filterNames[m.filter], sortName)
	}
	if !m.loaded {
		info = "" // no count before the first list arrives (or when it is refused)
	}
	line := title + st.Muted.Render(info)
	if m.searching || m.search.Value() != "" {
		line += "  " + m.search.View()
	}
	b.WriteString(ansi.Truncate(line, m.width, "…"))
	b.WriteByte('\n')

	switch {
	case !m.loaded && m.listErr != nil:
		b.WriteString(st.Danger.Render(ansi.Truncate(common.ErrorText(m.listErr, m.ctx.Me.Role), m.width, "…")))
		if common.IsRoleError(m.listErr) {
			// Retrying cannot help a role refusal; say how to get access.
			b.WriteString("\n" + st.Muted.Render(ansi.Truncate("To get access, "+common.AccessHint(m.ctx.Sandbox)+".", m.width, "…")))
		}
		return b.String()
	case !m.loaded:
		b.WriteString(st.Muted.Render("Loading keys…"))
		return b.String()
	case len(m.all) == 0:
		b.WriteString(m.viewEmpty())
		return b.String()
	}

	// Header.
	b.WriteString("  ")
	for i, c := range m.cols {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(m.paints().hdr.wrap(fitCol(c.title, c)))
	}
	b.WriteByte('\n')

	h := m.listHeight()
	if len(m.rows) == 0 {
		// Wrapped, not cut: the second sentence says how to get out.
		km := m.ctx.Keys
		msg := common.Wrap(fmt.Sprintf("No keys match this search and filter. Press %s to clear the search, %s to change the filter.",
			km.Global.Back.Help().Key, km.Keys.Filter.Help().Key), m.width-2)
		for _, l := range strings.Split(msg, "\n") {
			b.WriteString(st.Muted.Render("  "+l) + "\n")
			h--
		}
	}
	start, end := m.list.Window(h)
	for i := start; i < end; i++ {
		b.WriteString(m.renderRow(i, i == m.list.Cursor(), now))
		b.WriteByte('\n')
	}
	for i := end - start; i < h; i++ {
		b.WriteByte('\n')
	}
	b.WriteString(m.footer(now))
	return b.String()
}

func (m *Model) renderRow(i int, selected bool, now time.Time) string {
	p := m.paints()
	k := &m.all[m.rows[i]]
	meta := &m.meta[m.rows[i]]
	var b strings.Builder
	if selected {
		b.WriteString("▸ ")
	} else {
		b.WriteString("  ")
	}
	for ci, c := range m.cols {
		if ci > 0 {
			b.WriteByte(' ')
		}
		switch c.kind {
		case colAttn:
			mark, kind := attentionMark(k)
			s := common.Fit(mark, c.width)
			if !selected {
				s = p.status(kind).wrap(s)
			}
			b.WriteString(s)
		case colName:
			// The name gives way to the role: a cut "(new)" or "(old)"
			// would leave the two keys of a rotation looking the same.
			tag := m.roleTag(k)
			b.WriteString(common.Fit(common.Truncate(meta.name, c.width-common.Width(tag))+tag, c.width))
		case colKey:
			b.WriteString(common.Fit(k.MaskedKey, c.width))
		case colEnv:
			b.WriteString(common.Fit(k.Environment, c.width))
		case colPerms:
			s := common.Fit(meta.perms, c.width)
			if !selected {
				s = p.accent.wrap(s)
			}
			b.WriteString(s)
		case colLimit:
			b.WriteString(common.FitRight(meta.limit, c.width))
		case colStatus:
			text, kind := statusCell(k, now, c.width)
			s := common.Fit(text, c.width)
			if !selected {
				s = p.status(kind).wrap(s)
			}
			b.WriteString(s)
		case colUsed:
			b.WriteString(common.Fit(common.Ago(k.LastUsed, now), c.width))
		case colReqs:
			b.WriteString(common.FitRight(meta.reqs, c.width))
		}
	}
	if selected {
		return p.selected.wrap(b.String())
	}
	return b.String()
}

func (m *Model) footer(now time.Time) string {
	st := m.ctx.Styles
	pos := "0 of 0"
	if len(m.rows) > 0 {
		start, end := m.list.Window(m.listHeight())
		pos = fmt.Sprintf("%s–%s of %s", common.Thousands(int64(start+1)), common.Thousands(int64(end)), common.Thousands(int64(len(m.rows))))
	}
	parts := []string{st.Muted.Render(pos)}
	if r := m.blocked(now); r != "" {
		parts = append(parts, st.Warning.Render(r))
	}
	if m.listErr != nil {
		parts = append(parts, st.Danger.Render("refresh failed: "+common.ErrorText(m.listErr, m.ctx.Me.Role)))
	}
	if m.notice != "" {
		parts = append(parts, m.noticeStyle().Render(m.notice))
	}
	return ansi.Truncate(strings.Join(parts, "  "), m.width, "…")
}

func (m *Model) noticeStyle() lipgloss.Style {
	if m.noticeErr {
		return m.ctx.Styles.Danger
	}
	return m.ctx.Styles.Success
}

func (m *Model) viewEmpty() string {
	st := m.ctx.Styles
	body := strings.Join([]string{
		st.Accent.Render("⚷"),
		"",
		st.Heading.Render("No API keys yet"),
		"",
		st.Muted.Render("Create your first API key to start using the PenguinMails API programmatically."),
		"",
		st.Key.Render("n") + st.Muted.Render("  Create API key"),
	}, "\n")
	box := st.Box.Width(min(m.width-2, 60)).Align(lipgloss.Center).Render(body)
	return lipgloss.Place(m.width, max(1, m.height-1), lipgloss.Center, lipgloss.Center, box)
}
