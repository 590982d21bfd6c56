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

	"github.com/penguinmails/pmdev/client"
	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
	"github.com/penguinmails/pmdev/tui/component/dialog"
	"github.com/penguinmails/pmdev/tui/component/rowlist"
	"github.com/penguinmails/pmdev/tui/keys/wizard"
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
	next    []string             // each page's next cursor ("" after the last)
	query   models.KeyListParams // what pages answer: search, filter and sort run on the server
	total   int                  // keys matching query
	moreFor string               // the cursor of the page being fetched
	all     []models.APIKey
	meta    []rowMeta
	byID    map[string]int
	rows    []int
	// pairs links a rotation's two keys while both work: new id → old id.
	pairs map[string]string
	// fastUntil: after a rotation the list polls every rotationPoll.
	fastUntil time.Time
	// reread is when the list was last reloaded for stale use.
	reread  time.Time
	loaded  bool
	listErr error
	poller  common.Poller

	list         rowlist.Model
	search       textinput.Model
	searching    bool
	filter, sort int
	// selectID is a key the cursor should land on once it is in the list.
	selectID string

	// Action gating: a 403 disables actions with its reason, a 429
	// until Retry-After. The 403 is kept as an error and put into words when
	// shown, because the identity (the role in the words) may arrive later.
	forbidden     error
	listForbidden bool // forbidden came from the list, so a good list clears it
	limitedUntil  time.Time
	seq           uint64

	notice    string
	noticeErr bool

	// dialogs holds details, the wizard and the modals; its top has the
	// keyboard and the help line.
	dialogs dialog.Stack

	pc paints
}

// New returns the Keys pane.
func New(ctx *common.Context) *Model {
	m := &Model{ctx: ctx, byID: map[string]int{}}
	m.search = common.NewInput("search name, key, env, permission, status", 64)
	m.search.Prompt = "/ "
	m.poller.Interval = ctx.Refresh.Keys
	m.SetSize(ctx.Width, ctx.Height)
	return m
}

// Init starts the first load so the list is ready when the tab opens.
func (m *Model) Init() tea.Cmd { return m.load(true) }

// load starts a list fetch when forced or when the poller says so.
func (m *Model) load(force bool) tea.Cmd {
	if m.ctx.Client == nil {
		return nil
	}
	visible := m.ctx.Active == common.PaneKeys && !m.ctx.Paused
	interval, now := m.ctx.Refresh.Keys, m.ctx.Now()
	if now.Before(m.fastUntil) && (interval <= 0 || interval > rotationPoll) {
		// Just rotated: apps move to the new key now, and its usage (and
		// the old one's) should show as it happens, not on the next r.
		interval = rotationPoll
	}
	if id := m.poller.Begin(force, interval, now, visible); id != 0 {
		q := m.listQuery()
		if q != m.query {
			return fetchKeys(m.ctx.Client, id, q, nil, nil, 0, 1)
		}
		// A refresh reads the pages up to the one under the cursor.
		return fetchKeys(m.ctx.Client, id, q, m.pages, m.next, m.total, m.cursorPage()+1)
	}
	return nil
}

// startAction gates a dialog's request: when actions are blocked it puts
// why into *why and returns the status command; ok is false then, and
// without an API. Otherwise it clears *why and numbers the request.
func (m *Model) startAction(why *string) (id uint64, cmd tea.Cmd, ok bool) {
	if cmd, ok := m.guard(); !ok {
		*why = m.notice
		return 0, cmd, false
	}
	if m.ctx.Client == nil {
		return 0, nil, false
	}
	*why = ""
	return m.nextID(), nil, true
}

func (m *Model) nextID() uint64 {
	m.seq++
	return m.seq
}

// Update implements common.Pane.
func (m *Model) Update(msg tea.Msg) tea.Cmd {
	if cmd, ok := m.dialogs.Input(msg); ok {
		return cmd
	}
	switch msg := msg.(type) {
	case common.TickMsg:
		cmd := m.load(false)
		if cmd != nil || m.cockpitDue() {
			// Open details follow the keys poll, so their counters do not
			// lag the list's; a rotation's cockpit is read every rotationPoll.
			cmd = tea.Batch(cmd, m.refreshDetails())
		}
		return cmd
	case common.RefreshMsg:
		return tea.Batch(m.load(true), m.refreshDetails())
	case common.NavigateMsg:
		switch msg.Action {
		case "create":
			return m.openWizard()
		case "attention":
			// The Overview's "N keys need attention": those keys, worst first.
			m.dialogs.Clear()
			m.filter, m.sort = filterAttention, len(sortNames)-1
			m.rebuild()
			return m.requery()
		}
		if msg.KeyID != "" {
			m.selectID = msg.KeyID
			m.rebuild()
		}
		return nil
	case keysLoadedMsg:
		return m.onLoaded(msg)
	case keysMoreMsg:
		return m.onMore(msg)
	case detailsMsg, securityMsg:
		return m.onDetails(msg)
	case createdMsg:
		return m.onCreated(msg)
	case updatedMsg:
		return m.onUpdated(msg)
	case revokedMsg:
		return m.onRevoked(msg)
	case graceMsg:
		return m.onGrace(msg)
	case envWrittenMsg:
		return m.onEnvWritten(msg)
	case common.RateLimitsMsg:
		return m.rereadStaleKeys(msg.Data)
	case common.CopiedMsg:
		if o, ok := m.dialogs.Top().(*showOnce); ok && o.copied {
			o.copy = &msg
		}
		return nil
	case tea.PasteMsg:
		if m.searching {
			var cmd tea.Cmd
			m.search, cmd = m.search.Update(msg)
			m.rebuild()
			return tea.Batch(cmd, m.requery())
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
		return common.DataAge(now, msg.err)
	}
	m.listErr = nil
	if m.listForbidden {
		// The list works again (the role changed): so may the actions.
		m.forbidden, m.listForbidden = nil, false
	}
	if !msg.notModified || !m.loaded || msg.query != m.query {
		m.loaded = true
		m.query, m.next, m.total = msg.query, msg.next, msg.total
		m.setPages(msg.pages)
	}
	return common.DataAge(now, nil)
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

// canAct gates an action on one key: actions must be enabled and the key
// active ("Only active keys can be <done>.").
func (m *Model) canAct(k *models.APIKey, done string) (tea.Cmd, bool) {
	if cmd, ok := m.guard(); !ok {
		return cmd, false
	}
	if common.EffectiveKeyStatus(k, m.ctx.Now()) != models.KeyActive {
		m.setNotice("Only active keys can be "+done+".", true)
		return common.Status("only active keys can be "+done, common.LevelWarning), false
	}
	return nil, true
}

// guard returns a status command when actions are disabled.
func (m *Model) guard() (tea.Cmd, bool) {
	if r := m.blocked(m.ctx.Now()); r != "" {
		m.setNotice(r, true)
		return common.Status(r, common.LevelWarning), false
	}
	return nil, true
}

func (m *Model) onKey(msg tea.KeyPressMsg) tea.Cmd {
	if m.searching {
		return m.keySearch(msg)
	}
	return m.keyList(msg)
}

func (m *Model) keySearch(msg tea.KeyPressMsg) tea.Cmd {
	k := &m.ctx.Keys.Dialog
	switch {
	case common.TypesText(msg):
		// typed below
	case key.Matches(msg, k.Cancel):
		m.endSearch()
		m.search.SetValue("")
		m.rebuild()
		return m.requery()
	case key.Matches(msg, k.Accept, k.Down, k.Up):
		m.endSearch()
		return nil
	}
	var cmd tea.Cmd
	m.search, cmd = m.search.Update(msg)
	m.rebuild()
	return tea.Batch(cmd, m.requery())
}

func (m *Model) keyList(msg tea.KeyPressMsg) tea.Cmd {
	k := &m.ctx.Keys.Keys
	m.notice = ""
	switch {
	case key.Matches(msg, m.ctx.Keys.Global.Back) && m.search.Value() != "":
		m.search.SetValue("")
		m.rebuild()
		return m.requery()
	case key.Matches(msg, k.Up):
		m.list.Move(-1, m.listHeight())
	case key.Matches(msg, k.Down):
		m.list.Move(1, m.listHeight())
		return m.more()
	case key.Matches(msg, k.PageUp):
		m.list.Move(-m.listHeight(), m.listHeight())
	case key.Matches(msg, k.PageDown):
		m.list.Move(m.listHeight(), m.listHeight())
		return m.more()
	case key.Matches(msg, k.Top):
		m.list.Move(-len(m.rows), m.listHeight())
	case key.Matches(msg, k.Bottom):
		m.list.Move(len(m.rows), m.listHeight())
		return m.more()
	case key.Matches(msg, k.Search):
		m.searching = true
		return m.search.Focus()
	case key.Matches(msg, k.Filter):
		m.filter = (m.filter + 1) % len(filterNames)
		m.rebuild()
		return m.requery()
	case key.Matches(msg, k.Sort):
		m.sort = (m.sort + 1) % len(sortNames)
		m.rebuild()
		return m.requery()
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
	if d, ok := dialog.Find[*details](&m.dialogs); ok {
		cur = d.key()
	}
	if cur == nil {
		return nil
	}
	switch {
	case key.Matches(msg, k.CopyID):
		return common.Copy(m.ctx, common.PaneKeys, cur.KeyID, "key id")
	case key.Matches(msg, k.Usage):
		return func() tea.Msg {
			return common.NavigateMsg{To: common.PaneUsage, KeyID: cur.KeyID, Name: common.Sanitize(cur.Name)}
		}
	case key.Matches(msg, k.Edit):
		return m.openEdit(cur, nil)
	case key.Matches(msg, k.Rotate):
		return m.openRotate(cur)
	case key.Matches(msg, k.Revoke):
		return m.openRevoke(cur)
	case key.Matches(msg, k.AllowList):
		return m.openEdit(cur, (*wizard.Model).OpenAllowList)
	case key.Matches(msg, k.Expiry):
		return m.openEdit(cur, (*wizard.Model).OpenExpiry)
	case key.Matches(msg, k.ExtendGrace):
		return m.openGrace(false)
	case key.Matches(msg, k.EndGrace):
		return m.openGrace(true)
	case key.Matches(msg, k.Create):
		return m.openWizard() // from the details: a live key for a test key's traffic
	}
	return nil
}

// View implements common.Pane: the top dialog, else the list.
func (m *Model) View() string {
	if m.width <= 0 || m.height <= 0 {
		return ""
	}
	if !m.dialogs.Empty() {
		return m.dialogs.View(m.width, m.height)
	}
	return m.viewList() // the list sizes itself exactly
}

// SetSize implements common.Pane.
func (m *Model) SetSize(width, height int) {
	m.width, m.height = width, height
	m.cols = layoutColumns(width)
	m.search.SetWidth(max(10, min(40, width/3)))
	m.dialogs.SetSize(width, height)
	m.list.Scroll(m.listHeight())
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
	if common.Closes(msg, m.ctx.Keys) && !m.dialogs.Empty() {
		return true // esc and q close the details screen
	}
	if key.Matches(msg, m.ctx.Keys.Global.Back) {
		return m.search.Value() != ""
	}
	return false
}

// GuardsQuit implements common.QuitGuard: a key shown once is on screen.
func (m *Model) GuardsQuit() bool {
	_, ok := m.dialogs.Top().(*showOnce)
	return ok
}

// CapturingAll implements common.KeyCapturer: a dialog, the wizard or the
// search field has the keyboard.
func (m *Model) CapturingAll() bool {
	return m.dialogs.CapturingAll() || m.searching
}

var _ common.Pane = (*Model)(nil)
