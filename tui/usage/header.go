package usage

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/penguinmails/pmdev/client"
	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/styles"
	"github.com/penguinmails/pmdev/tui/common"
)

// rangeWords names each range preset: as a title, and in a sentence.
var rangeWords = map[string]struct{ title, period string }{
	models.Range1h:  {"Last hour", "in the last hour"},
	models.Range24h: {"Last 24 hours", "in the last 24 hours"},
	models.Range7d:  {"Last 7 days", "in the last 7 days"},
	models.Range30d: {"Last 30 days", "in the last 30 days"},
}

// rangeLabel is the title of a range preset.
func rangeLabel(r string) string {
	if w, ok := rangeWords[r]; ok {
		return w.title
	}
	return "Custom range"
}

// periodWords is how the events line names the range: "in the last 24 hours".
func (m *Model) periodWords() string {
	if w, ok := rangeWords[m.rng]; ok {
		return w.period
	}
	return "in this range"
}

func (m *Model) errText() string {
	return common.ErrorTextFor(m.err, string(m.ctx.Me.Role), "view API usage")
}

// header is two lines: the range buttons and key filter, then what is shown
// and how fresh it is (or why it is stale).
func (m *Model) header() string {
	s := m.ctx.Styles
	var b strings.Builder
	for _, r := range append(ranges[:], models.RangeCustom) {
		if r == m.rng {
			b.WriteString(s.Badge.Render(r))
		} else {
			b.WriteString(s.BadgeMuted.Render(r))
		}
		b.WriteByte(' ')
	}
	keyLabel := "All keys"
	if m.keyID != "" {
		keyLabel = m.keyName
		if keyLabel == "" {
			keyLabel = common.Sanitize(m.keyID)
		}
	}
	b.WriteString(" " + s.Label.Render("key ") + s.Value.Render(keyLabel))
	live := s.Success.Render("● live")
	switch {
	case m.ctx.Paused:
		live = s.Warning.Render("❚❚ paused")
	case m.ctx.Refresh.Usage <= 0:
		live = s.Muted.Render("○ manual")
	}
	line1 := b.String()
	if gap := m.width - lipgloss.Width(line1) - lipgloss.Width(live); gap >= 2 {
		line1 += strings.Repeat(" ", gap) + live
	}

	var info string
	switch {
	case m.data == nil && m.err == nil:
		info = s.Muted.Render(rangeLabel(m.rng) + " · loading…")
	case m.data == nil:
		info = s.Danger.Render("⚠ " + m.errText())
	default:
		info = m.infoLine()
	}
	return common.Clip(line1, m.width) + "\n" + common.Clip(info, m.width)
}

// infoLine says what is shown and how fresh it is, dropping the least
// important parts until it fits.
func (m *Model) infoLine() string {
	s := m.ctx.Styles
	d := m.data
	loc := m.now().Location()
	what := s.Heading.Render(rangeLabel(d.Range))
	if !sameParams(m.params, m.Params()) {
		what = s.Heading.Render(rangeLabel(m.rng)) + s.Muted.Render(" · loading…")
	}
	var fresh string
	if m.err != nil {
		fresh = s.Danger.Render("⚠ "+m.errText()) + s.Muted.Render(" · showing data from "+d.GeneratedAt.In(loc).Format("15:04:05"))
	} else {
		fresh = s.Muted.Render("as of " + m.ageText(d.GeneratedAt))
	}
	long := "Mon 02 Jan 15:04"
	short := "02 Jan 15:04"
	from, to := d.From.In(loc), shownEnd(d).In(loc)
	// The bucket size says what one bar of the chart is: it outlasts the
	// dates and the age of the data when the line is short of room.
	brief := fresh
	if m.err == nil && !d.GeneratedAt.IsZero() {
		brief = s.Muted.Render("as of " + d.GeneratedAt.In(loc).Format("15:04:05"))
	}
	bucket := bucketName(d.BucketSeconds)
	candidates := [][]string{
		{what, from.Format(long) + " – " + to.Format(long), bucket + " buckets", fresh},
		{what, from.Format(short) + "–" + to.Format(short), bucket + " buckets", fresh},
		{what, from.Format(short) + "–" + to.Format(short), bucket + " buckets", brief},
		{what, from.Format(short) + "–" + to.Format(short), bucket, fresh},
		{what, from.Format(short) + "–" + to.Format(short), bucket, brief},
		{what, bucket + " buckets", brief},
		{what, bucket, brief},
	}
	sep := s.Muted.Render(" · ")
	var line string
	for _, c := range candidates {
		for i := 1; i < len(c)-1; i++ {
			c[i] = s.Muted.Render(c[i])
		}
		line = strings.Join(c, sep)
		if lipgloss.Width(line) <= m.width {
			break
		}
	}
	return line
}

// shownEnd is the end of the range as the header states it: the API ends a
// preset at the close of the current bucket, which can be hours ahead (30d
// uses 6-hour buckets); nothing after the generation time has happened yet.
func shownEnd(d *models.APIUsage) time.Time {
	if !d.GeneratedAt.IsZero() && d.GeneratedAt.Before(d.To) {
		return d.GeneratedAt
	}
	return d.To
}

// picker is the key filter overlay: All keys, then every key by name.
type picker struct {
	items   []pickItem
	filter  string
	sel     int
	current string // the key filtered by now ("" for all keys)
	moved   bool   // the user chose a row: keep it when the list loads
	loading bool
	err     string
}

// selectCurrent puts the selection on the key being shown, so enter keeps
// it and the list opens where the user is.
func (p *picker) selectCurrent() {
	if p.moved || p.filter != "" {
		return
	}
	for i, it := range p.visible() {
		if it.id == p.current {
			p.sel = i
			return
		}
	}
}

type pickItem struct{ id, name, detail string }

func (m *Model) openPicker() tea.Cmd {
	p := &picker{loading: true, current: m.keyID}
	if m.data != nil {
		// Keys with traffic are known already; the full list follows.
		for _, k := range m.data.ByKey {
			p.items = append(p.items, pickItem{id: k.KeyID, name: common.Sanitize(k.Name)})
		}
	}
	p.selectCurrent()
	m.picker = p
	c := m.ctx.Client
	if c == nil {
		p.loading = false
		return nil
	}
	m.keysReq++
	id := m.keysReq
	return func() tea.Msg {
		list, err := c.ListKeys(context.Background(), models.KeyListParams{Sort: "name", PerPage: 1000})
		return keysMsg{Result: common.Result{Pane: common.PaneUsage, ReqID: id}, keys: list.APIKeys, err: err}
	}
}

func (p *picker) setKeys(keys []models.APIKey, err error, role string) {
	p.loading = false
	if err != nil {
		if !errors.Is(err, client.ErrNotModified) {
			p.err = common.ErrorText(err, role)
		}
		return
	}
	items := make([]pickItem, 0, len(keys))
	for _, k := range keys {
		items = append(items, pickItem{id: k.KeyID, name: common.Sanitize(k.Name),
			detail: common.Sanitize(k.MaskedKey) + " · " + common.Sanitize(k.Status)})
	}
	sort.SliceStable(items, func(i, j int) bool { return strings.ToLower(items[i].name) < strings.ToLower(items[j].name) })
	p.items = items
	p.selectCurrent()
	p.sel = min(p.sel, len(p.visible())-1)
}

// visible is All keys plus the items matching the typed filter.
func (p *picker) visible() []pickItem {
	out := []pickItem{{name: "All keys"}}
	f := strings.ToLower(p.filter)
	for _, it := range p.items {
		if f == "" || strings.Contains(strings.ToLower(it.name), f) || strings.Contains(strings.ToLower(it.id), f) {
			out = append(out, it)
		}
	}
	return out
}

func (m *Model) pickerKey(msg tea.KeyPressMsg) tea.Cmd {
	p := m.picker
	items := p.visible()
	switch msg.String() {
	case "esc":
		m.picker = nil
	case "enter":
		if p.sel < len(items) {
			it := items[p.sel]
			m.picker = nil
			if it.id == m.keyID {
				return nil
			}
			return m.setKey(it.id, it.name)
		}
	case "up", "shift+tab":
		p.sel, p.moved = max(p.sel-1, 0), true
	case "down", "tab":
		p.sel, p.moved = min(p.sel+1, len(items)-1), true
	case "backspace":
		if p.filter != "" {
			r := []rune(p.filter)
			p.filter = string(r[:len(r)-1])
			p.sel = 0
		}
	default:
		if t := msg.Text; t != "" && printable(t) {
			p.filter += t
			p.sel = 0
		}
	}
	return nil
}

func printable(s string) bool { return common.Sanitize(s) == s && !strings.ContainsAny(s, "\n\t") }

func (p *picker) view(s *styles.Styles, w, h int) []string {
	items := p.visible()
	bw := min(max(w-4, 20), 64)
	inner := bw - 6
	lines := []string{s.Heading.Render("Filter by API key"), s.Label.Render("type to search: ") + s.Value.Render(p.filter) + s.Cursor.Render("▏"), ""}
	capacity := max(h-10, 3)
	off := max(0, p.sel-capacity+1)
	for i := off; i < len(items) && i < off+capacity; i++ {
		it := items[i]
		row := common.Fit(it.name, inner/2) + " " + s.Muted.Render(common.Fit(it.detail, inner-inner/2-1))
		if i == p.sel {
			row = s.Selected.Render(common.Fit("▸ "+it.name, inner/2+2)) + " " + s.Muted.Render(common.Fit(it.detail, inner-inner/2-3))
		} else {
			row = "  " + row
		}
		lines = append(lines, common.Clip(row, inner))
	}
	if hidden := len(items) - len(lines) + 3; hidden > 0 {
		lines = append(lines, s.Muted.Render(fmt.Sprintf("  … %d more · ↑/↓ or type to find", hidden)))
	}
	if p.loading {
		lines = append(lines, s.Muted.Render("loading keys…"))
	}
	if p.err != "" {
		lines = append(lines, s.Danger.Render(common.Clip(p.err, inner)))
	}
	lines = append(lines, "", s.Help.Render("↑/↓ choose · enter apply · esc cancel"))
	box := s.Modal.Padding(0, 2).Width(bw).Render(strings.Join(lines, "\n"))
	return center(box, w)
}

// center indents a block so it sits in the middle of w columns.
func center(block string, w int) []string {
	lines := strings.Split(block, "\n")
	pad := strings.Repeat(" ", max(0, (w-lipgloss.Width(block))/2))
	out := make([]string, 0, len(lines)+1)
	out = append(out, "")
	for _, l := range lines {
		out = append(out, pad+l)
	}
	return out
}

// customForm asks for a from–to range.
type customForm struct {
	fields [2]string
	focus  int
	err    string
}

// inputLayout is how custom range times are typed.
const inputLayout = "2006-01-02 15:04"

func (m *Model) openForm() {
	now := m.now()
	from, to := now.Add(-24*time.Hour), now
	if m.data != nil {
		from, to = m.data.From, m.data.To
	}
	loc := now.Location()
	m.form = &customForm{fields: [2]string{from.In(loc).Format(inputLayout), to.In(loc).Format(inputLayout)}}
}

func (m *Model) formKey(msg tea.KeyPressMsg) tea.Cmd {
	f := m.form
	switch msg.String() {
	case "esc":
		m.form = nil
	case "tab", "down", "shift+tab", "up":
		f.focus = 1 - f.focus
	case "enter":
		if f.focus == 0 {
			f.focus = 1
			return nil
		}
		from, to, err := parseRange(f.fields[0], f.fields[1], m.now())
		if err != nil {
			f.err = err.Error()
			return nil
		}
		m.form = nil
		m.rng, m.from, m.to = models.RangeCustom, from, to
		return m.refetch()
	case "backspace":
		r := []rune(f.fields[f.focus])
		if len(r) > 0 {
			f.fields[f.focus] = string(r[:len(r)-1])
		}
		f.err = ""
	case "ctrl+u":
		f.fields[f.focus] = ""
	default:
		if t := msg.Text; t != "" && printable(t) && len([]rune(f.fields[f.focus])) < 32 {
			f.fields[f.focus] += t
			f.err = ""
		}
	}
	return nil
}

// MaxCustomSpan is the longest custom range the pane asks for.
const MaxCustomSpan = 90 * 24 * time.Hour

// parseRange validates a typed custom range in now's location. It accepts
// "YYYY-MM-DD HH:MM", "YYYY-MM-DD" (midnight), RFC 3339 and "now".
func parseRange(fromS, toS string, now time.Time) (time.Time, time.Time, error) {
	from, err := parseWhen(fromS, now)
	if err != nil {
		return time.Time{}, time.Time{}, fmt.Errorf("from: %w", err)
	}
	to, err := parseWhen(toS, now)
	if err != nil {
		return time.Time{}, time.Time{}, fmt.Errorf("to: %w", err)
	}
	switch {
	case !from.Before(to):
		return time.Time{}, time.Time{}, errors.New("from must be before to")
	case to.Sub(from) < 5*time.Minute:
		return time.Time{}, time.Time{}, errors.New("the range must be at least 5 minutes")
	case to.Sub(from) > MaxCustomSpan:
		return time.Time{}, time.Time{}, errors.New("the range can be at most 90 days")
	case to.After(now.Add(time.Minute)):
		return time.Time{}, time.Time{}, errors.New("to is in the future")
	}
	return from, to, nil
}

func parseWhen(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, errors.New("empty; use YYYY-MM-DD HH:MM")
	}
	if strings.EqualFold(s, "now") {
		return now, nil
	}
	for _, l := range []string{inputLayout, "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(l, s, now.Location()); err == nil {
			return t, nil
		}
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%q is not a time; use YYYY-MM-DD HH:MM", s)
}

func (m *Model) formView() []string {
	s := m.ctx.Styles
	f := m.form
	field := func(i int, label string) string {
		st := s.Input
		v := f.fields[i]
		if f.focus == i {
			st = s.InputFocused
			v += s.Cursor.Render("▏")
		}
		return lipgloss.JoinHorizontal(lipgloss.Center, s.Label.Render(common.Fit(label, 6)), st.Width(24).Render(v))
	}
	lines := []string{
		s.Heading.Render("Custom range"),
		s.Muted.Render("YYYY-MM-DD HH:MM, YYYY-MM-DD or now · " + m.now().Location().String()),
		field(0, "From"),
		field(1, "To"),
	}
	if f.err != "" {
		lines = append(lines, s.InputError.Render("✗ "+f.err))
	}
	lines = append(lines, s.Help.Render("tab switch · enter apply · esc cancel"))
	box := s.Modal.Padding(0, 2).Render(strings.Join(lines, "\n"))
	return center(box, m.width)
}
