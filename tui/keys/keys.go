// Package keys is the API keys pane: a virtualised list, details, the
// creation wizard, the show-once modal, edit, rotate and revoke.
package keys

import (
	"fmt"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/penguinmails/pmdev/client"
	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
)

// Model is the Keys pane.
type Model struct {
	ctx           *common.Context
	width, height int
	cols          []column

	// Data. pages is what the server sent (read by the next fetch for 304s);
	// all is the private, locally edited copy; rows indexes all after search,
	// filter and sort.
	pages   [][]models.APIKey
	all     []models.APIKey
	meta    []rowMeta
	byID    map[string]int
	rows    []int
	loaded  bool
	listErr error
	poller  common.Poller

	cursor, offset int
	search         textinput.Model
	searching      bool
	filter, sort   int
	// selectID is a key the cursor should land on once it is in the list.
	selectID string

	// Action gating (point 9): a 403 disables actions with its reason, a 429
	// until Retry-After. The 403 is kept as an error and put into words when
	// shown, because the identity (the role in the words) may arrive later.
	forbidden     error
	listForbidden bool // forbidden came from the list, so a good list clears it
	limitedUntil  time.Time
	seq           uint64

	notice    string
	noticeErr bool

	details *details
	form    *form
	once    *showOnce
	rotate  *rotateModal
	revoke  *revokeModal

	local localKeys
	pc    paints
}

// localKeys are the bindings inside dialogs; they are not rebindable because
// a dialog captures every key.
type localKeys struct {
	Enter, Esc, Next, Prev, Toggle, Copy, Write, Yes, No, Scroll key.Binding
	Presets                                                      key.Binding
}

func newLocalKeys() localKeys {
	b := func(h, d string, k ...string) key.Binding {
		return key.NewBinding(key.WithKeys(k...), key.WithHelp(h, d))
	}
	return localKeys{
		Enter:   b("enter", "next", "enter"),
		Esc:     b("esc", "back", "esc"),
		Next:    b("tab/↓", "next field", "tab", "down"),
		Prev:    b("shift+tab/↑", "prev field", "shift+tab", "up"),
		Toggle:  b("space", "toggle", "space"),
		Copy:    b("c", "copy key", "c"),
		Write:   b("w", "write .env", "w"),
		Yes:     b("y", "yes", "y"),
		No:      b("n", "no", "n"),
		Scroll:  b("↑/↓", "scroll", "up", "down"),
		Presets: b("r/e/a", "presets", "r", "e", "a"),
	}
}

// New returns the Keys pane.
func New(ctx *common.Context) *Model {
	m := &Model{ctx: ctx, byID: map[string]int{}, local: newLocalKeys()}
	m.search = newInput("search name or key id", 64)
	m.search.Prompt = "/ "
	m.poller.Interval = ctx.Refresh.Keys
	m.SetSize(ctx.Width, ctx.Height)
	return m
}

// newInput builds a text input with a steady cursor (a blinking one would
// redraw twice a second over SSH).
func newInput(placeholder string, limit int) textinput.Model {
	ti := textinput.New()
	ti.Placeholder = placeholder
	ti.CharLimit = limit
	ti.Prompt = ""
	s := ti.Styles()
	s.Cursor.Blink = false
	ti.SetStyles(s)
	return ti
}

// Init starts the first load so the list is ready when the tab opens.
func (m *Model) Init() tea.Cmd { return m.load(true) }

// load starts a list fetch when forced or when the poller says so.
func (m *Model) load(force bool) tea.Cmd {
	if m.ctx.Client == nil {
		return nil
	}
	var id uint64
	if force {
		id = m.poller.Force()
	} else {
		m.poller.Interval = m.ctx.Refresh.Keys
		if !m.poller.Due(m.ctx.Now(), m.ctx.Active == common.PaneKeys && !m.ctx.Paused) {
			return nil
		}
		id = m.poller.Start()
	}
	if id == 0 {
		return nil
	}
	return fetchKeys(m.ctx.Client, id, m.pages)
}

func (m *Model) nextID() uint64 {
	m.seq++
	return m.seq
}

// Update implements common.Pane.
func (m *Model) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case common.TickMsg:
		cmd := m.load(false)
		if cmd != nil {
			// Open details follow the keys poll, so their counters do not lag the list's.
			cmd = tea.Batch(cmd, m.refreshDetails())
		}
		return cmd
	case common.RefreshMsg:
		return tea.Batch(m.load(true), m.refreshDetails())
	case common.NavigateMsg:
		if msg.Action == "create" {
			return m.openWizard()
		}
		if msg.KeyID != "" {
			m.selectID = msg.KeyID
			m.rebuild()
		}
		return nil
	case keysLoadedMsg:
		return m.onLoaded(msg)
	case detailsMsg, securityMsg:
		return m.onDetails(msg)
	case createdMsg:
		return m.onCreated(msg)
	case updatedMsg:
		return m.onUpdated(msg)
	case revokedMsg:
		return m.onRevoked(msg)
	case envWrittenMsg:
		return m.onEnvWritten(msg)
	case tea.PasteMsg:
		if in := m.focusedInput(); in != nil {
			var cmd tea.Cmd
			*in, cmd = in.Update(msg)
			m.afterInput()
			return cmd
		}
		return nil
	case tea.KeyPressMsg:
		return m.onKey(msg)
	}
	return nil
}

func (m *Model) onLoaded(msg keysLoadedMsg) tea.Cmd {
	now := m.ctx.Now()
	if !m.poller.Done(msg.ReqID, now, msg.err) {
		return nil // superseded
	}
	if msg.err != nil {
		m.listErr = msg.err
		if client.StatusOf(msg.err) == 403 {
			m.forbidden, m.listForbidden = msg.err, true
		}
		return func() tea.Msg { return common.DataAgeMsg{At: now, Offline: client.IsOffline(msg.err), Err: msg.err} }
	}
	m.listErr = nil
	if m.listForbidden {
		// The list works again (the role changed): so may the actions.
		m.forbidden, m.listForbidden = nil, false
	}
	if !msg.notModified || !m.loaded {
		m.loaded = true
		m.setPages(msg.pages)
	}
	return func() tea.Msg { return common.DataAgeMsg{At: now} }
}

// blocked is why actions are disabled right now, or "".
func (m *Model) blocked(now time.Time) string {
	if m.forbidden != nil {
		return common.ErrorText(m.forbidden, m.ctx.Me.Role)
	}
	if now.Before(m.limitedUntil) {
		return "rate limited — actions resume in " + common.FormatWait(m.limitedUntil.Sub(now))
	}
	if me := m.ctx.Me; me.Role != "" && !me.CanManageKeys {
		return fmt.Sprintf("your role (%s) cannot manage API keys", me.Role)
	}
	return ""
}

// actionError records what an error means for later actions and returns its words.
func (m *Model) actionError(err error) string {
	text := common.ErrorText(err, m.ctx.Me.Role)
	if e, ok := client.AsError(err); ok {
		switch {
		case e.Status == 403 && e.Problem != nil && e.Problem.Permission != "":
			// A refused grant concerns one permission, not every action.
		case e.Status == 403:
			m.forbidden = err
		case e.Status == 429:
			m.limitedUntil = m.ctx.Now().Add(max(e.RetryAfter, time.Second))
		}
	}
	return text
}

func (m *Model) setNotice(text string, isErr bool) {
	m.notice, m.noticeErr = text, isErr
}

// guard returns a status command when actions are disabled.
func (m *Model) guard() (tea.Cmd, bool) {
	if r := m.blocked(m.ctx.Now()); r != "" {
		m.setNotice(r, true)
		return common.Status(r, common.LevelWarning), false
	}
	return nil, true
}

// focusedInput is the text input that receives typing, if any.
func (m *Model) focusedInput() *textinput.Model {
	switch {
	case m.once != nil:
		return nil
	case m.revoke != nil:
		return &m.revoke.input
	case m.rotate != nil:
		return nil
	case m.form != nil:
		return m.form.focusedInput()
	case m.details != nil:
		return nil
	case m.searching:
		return &m.search
	}
	return nil
}

// afterInput reacts to a changed input value (incremental search, live validation).
func (m *Model) afterInput() {
	switch {
	case m.form != nil:
		if m.form.focusedInput() == &m.form.name {
			m.form.nameShown = true
		}
		m.form.validate()
	case m.searching:
		m.rebuild()
	}
}

func (m *Model) onKey(msg tea.KeyPressMsg) tea.Cmd {
	switch {
	case m.once != nil:
		return m.keyOnce(msg)
	case m.rotate != nil:
		return m.keyRotate(msg)
	case m.revoke != nil:
		return m.keyRevoke(msg)
	case m.form != nil:
		return m.keyForm(msg)
	case m.details != nil:
		return m.keyDetails(msg)
	case m.searching:
		return m.keySearch(msg)
	}
	return m.keyList(msg)
}

func (m *Model) keySearch(msg tea.KeyPressMsg) tea.Cmd {
	switch msg.String() {
	case "esc":
		m.searching = false
		m.search.Blur()
		m.search.SetValue("")
		m.rebuild()
		return nil
	case "enter", "down", "up":
		m.searching = false
		m.search.Blur()
		return nil
	}
	var cmd tea.Cmd
	m.search, cmd = m.search.Update(msg)
	m.rebuild()
	return cmd
}

func (m *Model) keyList(msg tea.KeyPressMsg) tea.Cmd {
	k := &m.ctx.Keys.Keys
	m.notice = ""
	switch {
	case msg.String() == "esc" && m.search.Value() != "":
		m.search.SetValue("")
		m.rebuild()
	case key.Matches(msg, k.Up):
		m.move(-1)
	case key.Matches(msg, k.Down):
		m.move(1)
	case key.Matches(msg, k.PageUp):
		m.move(-m.listHeight())
	case key.Matches(msg, k.PageDown):
		m.move(m.listHeight())
	case key.Matches(msg, k.Top):
		m.move(-len(m.rows))
	case key.Matches(msg, k.Bottom):
		m.move(len(m.rows))
	case key.Matches(msg, k.Search):
		m.searching = true
		return m.search.Focus()
	case key.Matches(msg, k.Filter):
		m.filter = (m.filter + 1) % len(filterNames)
		m.rebuild()
	case key.Matches(msg, k.Sort):
		m.sort = (m.sort + 1) % len(sortNames)
		m.rebuild()
	case key.Matches(msg, k.Create):
		return m.openWizard()
	case key.Matches(msg, k.Open):
		return m.openDetails()
	default:
		return m.keyAction(msg)
	}
	return nil
}

// keyAction handles the per-key actions shared by the list and the details view.
func (m *Model) keyAction(msg tea.KeyPressMsg) tea.Cmd {
	k := &m.ctx.Keys.Keys
	cur := m.current()
	if m.details != nil {
		cur = m.detailsKey()
	}
	if cur == nil {
		return nil
	}
	switch {
	case key.Matches(msg, k.CopyID):
		id := cur.KeyID
		return tea.Batch(tea.SetClipboard(id), common.Status("key id copied to clipboard", common.LevelSuccess))
	case key.Matches(msg, k.Usage):
		return func() tea.Msg {
			return common.NavigateMsg{To: common.PaneUsage, KeyID: cur.KeyID, Name: common.Sanitize(cur.Name)}
		}
	case key.Matches(msg, k.Edit):
		return m.openEdit(cur)
	case key.Matches(msg, k.Rotate):
		return m.openRotate(cur)
	case key.Matches(msg, k.Revoke):
		return m.openRevoke(cur)
	}
	return nil
}

// View implements common.Pane.
func (m *Model) View() string {
	if m.width <= 0 || m.height <= 0 {
		return ""
	}
	var base string
	switch {
	case m.form != nil:
		base = m.viewForm()
	case m.details != nil:
		base = m.viewDetails()
	default:
		base = m.viewList()
	}
	var modal string
	switch {
	case m.once != nil:
		modal = m.viewOnce()
	case m.rotate != nil:
		modal = m.viewRotate()
	case m.revoke != nil:
		modal = m.viewRevoke()
	case m.form != nil && m.form.confirm:
		modal = m.viewDiff()
	}
	if modal != "" {
		return lipgloss.Place(m.width, m.height, lipgloss.Center, lipgloss.Center, modal)
	}
	if m.form == nil && m.details == nil {
		return base // the list sizes itself exactly
	}
	return clip(base, m.width, m.height)
}

// SetSize implements common.Pane.
func (m *Model) SetSize(width, height int) {
	m.width, m.height = width, height
	m.cols = layoutColumns(width)
	m.search.SetWidth(max(10, min(40, width/3)))
	if m.form != nil {
		m.form.setWidth(width)
	}
	m.clamp()
}

// KeyMap implements common.Pane.
func (m *Model) KeyMap() help.KeyMap { return keyHelp{m} }

// Title implements common.Pane.
func (m *Model) Title() string { return "Keys" }

// Captures implements common.Pane: dialogs own the whole keyboard (q must not
// quit while a key is shown once), text inputs take every key, and esc is
// ours whenever there is something to close.
func (m *Model) Captures(msg tea.KeyPressMsg) bool {
	if msg.String() == "ctrl+c" {
		return false
	}
	if m.CapturingAll() {
		return true
	}
	if msg.String() == "esc" {
		return m.details != nil || m.search.Value() != ""
	}
	return false
}

// CapturingAll implements common.KeyCapturer: a dialog, the wizard or the
// search field has the keyboard.
func (m *Model) CapturingAll() bool {
	return m.once != nil || m.rotate != nil || m.revoke != nil || m.form != nil || m.searching
}

type keyHelp struct{ m *Model }

func (h keyHelp) ShortHelp() []key.Binding {
	m := h.m
	k := m.ctx.Keys.Keys
	l := m.local
	switch {
	case m.once != nil && m.once.askClose:
		return []key.Binding{withHelp(l.Yes, "close"), withHelp(l.No, "keep open")}
	case m.once != nil && m.once.askOverwrite:
		return []key.Binding{withHelp(l.Yes, "update .env"), withHelp(l.No, "cancel")}
	case m.once != nil && m.ctx.Remote:
		return []key.Binding{l.Copy, withHelp(l.Enter, "done")}
	case m.once != nil:
		return []key.Binding{l.Copy, l.Write, withHelp(l.Enter, "done")}
	case m.rotate != nil:
		// The dialog moves its choice with ↑/↓ (also tab, j/k); say it the way its text does.
		return []key.Binding{withHelp(l.Scroll, "grace period"), withHelp(l.Enter, "rotate"), withHelp(l.Esc, "cancel")}
	case m.revoke != nil && m.revoke.already:
		return []key.Binding{key.NewBinding(key.WithKeys("enter", "esc"), key.WithHelp("enter/esc", "close"))}
	case m.revoke != nil && m.revoke.prev != nil:
		enter := "revoke this key only"
		if m.revoke.alsoPrev {
			enter = "revoke both"
		}
		tab := key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "also revoke previous key"))
		return []key.Binding{withHelp(l.Enter, enter), tab, withHelp(l.Esc, "cancel")}
	case m.revoke != nil:
		return []key.Binding{withHelp(l.Enter, "revoke"), withHelp(l.Esc, "cancel")}
	case m.form != nil:
		if m.form.confirm {
			return []key.Binding{withHelp(l.Enter, "save"), withHelp(l.Esc, "back")}
		}
		bs := []key.Binding{l.Enter, l.Next, l.Esc}
		if m.form.step == stepPerms {
			bs = append(bs, l.Toggle, l.Presets)
		}
		return bs
	case m.details != nil:
		if m.blocked(m.ctx.Now()) != "" {
			return []key.Binding{l.Scroll, k.CopyID, k.Usage, withHelp(l.Esc, "back")}
		}
		return []key.Binding{l.Scroll, k.Edit, k.Rotate, k.Revoke, k.CopyID, k.Usage, withHelp(l.Esc, "back")}
	case m.searching:
		return []key.Binding{withHelp(l.Enter, "keep"), withHelp(l.Esc, "clear")}
	}
	if m.noList() {
		return nil // nothing to move over or act on; the pane says why
	}
	if m.blocked(m.ctx.Now()) != "" {
		// The footer says why; do not advertise actions that cannot run.
		return []key.Binding{k.Up, k.Down, k.Open, k.Search, k.Filter, k.Sort, k.CopyID, k.Usage}
	}
	return []key.Binding{k.Up, k.Down, k.Open, k.Search, k.Filter, k.Sort, k.Create, k.Edit, k.Rotate, k.Revoke, k.CopyID, k.Usage}
}

// noList reports that the list itself was refused (a member's 403, a
// rejected token) and nothing was loaded before: no list key can do anything.
func (m *Model) noList() bool {
	return !m.loaded && (m.listForbidden || client.StatusOf(m.listErr) == 401)
}

func (h keyHelp) FullHelp() [][]key.Binding {
	m := h.m
	k := m.ctx.Keys.Keys
	if m.once != nil || m.rotate != nil || m.revoke != nil || m.form != nil || m.details != nil {
		return [][]key.Binding{h.ShortHelp()}
	}
	if m.noList() {
		return nil
	}
	groups := [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom},
		{k.Open, k.Search, k.Filter, k.Sort},
	}
	if m.blocked(m.ctx.Now()) == "" {
		groups = append(groups, []key.Binding{k.Create, k.Edit, k.Rotate, k.Revoke})
	}
	return append(groups, []key.Binding{k.CopyID, k.Usage})
}

func withHelp(b key.Binding, desc string) key.Binding {
	b.SetHelp(b.Help().Key, desc)
	return b
}

// clip cuts a rendered block to w×h so a pane never overflows its area.
func clip(s string, w, h int) string {
	lines := splitLines(s)
	if len(lines) > h {
		lines = lines[:h]
	}
	for i, l := range lines {
		if lipgloss.Width(l) > w {
			lines[i] = truncate(l, w)
		}
	}
	return joinLines(lines)
}

var _ common.Pane = (*Model)(nil)
