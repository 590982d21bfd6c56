// Package webhooks is the console's Webhooks pane: endpoints with live
// health, the create wizard, the show-once secret with verification
// snippets, details with the delivery log, test events, pause/resume, secret
// rotation, retries and deletion.
package webhooks

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/penguinmails/pmdev/client"
	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
	"github.com/penguinmails/pmdev/tui/component/dialog"
	"github.com/penguinmails/pmdev/tui/component/rowlist"
	"github.com/penguinmails/pmdev/tui/component/scroll"
)

type viewID int

const (
	viewList viewID = iota
	viewDetails
	viewDelivery
)

// deliveryFilters cycle with f in the details view.
var deliveryFilters = []string{"", models.DeliverySuccess, models.DeliveryFailed, models.DeliveryPendingRetry, models.DeliveryPending}

// Model is the Webhooks pane.
type Model struct {
	ctx           *common.Context
	width, height int

	poller  common.Poller
	list    []models.Webhook
	loaded  bool
	listErr error
	// forbidden is set while the server answers 403: the role cannot use webhooks.
	forbidden bool
	rows      rowlist.Model

	view   viewID
	detail *detailState

	types    []models.EventType
	typesErr error
	typesReq bool

	// dialogs holds the wizard, the show-once secret, the test sender and
	// the confirmations; its top has the keyboard and the help line.
	dialogs dialog.Stack

	notice    string
	noticeErr bool

	live liveEvents // events arriving on the event stream while the pane shows
}

// detailState is the open endpoint with its delivery log.
type detailState struct {
	id         string
	webhook    models.Webhook
	deliveries []models.Delivery
	loaded     bool
	err        error
	poller     common.Poller
	rows       rowlist.Model
	filter     int
	// scroll is the position in the delivery view.
	scroll scroll.Model
	// busy is set while retries run, so R/A are not sent twice.
	busy bool
}

// New returns the pane bound to the shared context.
func New(ctx *common.Context) *Model {
	m := &Model{ctx: ctx}
	m.poller.Interval = ctx.Refresh.Webhooks
	m.SetSize(ctx.Width, ctx.Height)
	return m
}

var _ common.Pane = (*Model)(nil)

// Init starts the first load so the list is ready when the tab opens.
func (m *Model) Init() tea.Cmd { return m.load(true) }

func (m *Model) visible() bool { return m.ctx.Active == common.PaneWebhooks && !m.ctx.Paused }

func (m *Model) load(force bool) tea.Cmd {
	if m.ctx.Client == nil {
		return nil
	}
	if id := m.poller.Begin(force, m.ctx.Refresh.Webhooks, m.ctx.Now(), m.visible()); id != 0 {
		return fetchList(m.ctx.Client, id)
	}
	return nil
}

func (m *Model) loadDetail(force bool) tea.Cmd {
	d := m.detail
	if d == nil || m.ctx.Client == nil {
		return nil
	}
	if id := d.poller.Begin(force, m.ctx.Refresh.Webhooks, m.ctx.Now(), m.visible()); id != 0 {
		return fetchDetail(m.ctx.Client, id, d.id, deliveryFilters[d.filter])
	}
	return nil
}

func (m *Model) loadTypes() tea.Cmd {
	if m.typesReq || len(m.types) > 0 || m.ctx.Client == nil {
		return nil
	}
	m.typesReq = true
	return fetchEventTypes(m.ctx.Client)
}

// Update implements common.Pane.
func (m *Model) Update(msg tea.Msg) tea.Cmd {
	if cmd, ok := m.dialogs.Input(msg); ok {
		return cmd
	}
	switch msg := msg.(type) {
	case common.TickMsg:
		return tea.Batch(m.load(false), m.loadDetail(false), m.live.follow(m.ctx.Client, m.visible() && !m.forbidden))
	case common.StreamEventMsg, common.StreamStateMsg:
		return m.live.update(msg)
	case common.RefreshMsg:
		return tea.Batch(m.load(true), m.loadDetail(true))
	case common.NavigateMsg:
		if msg.Action == "create" && !m.forbidden {
			return m.openWizard()
		}
		return nil
	case common.CopiedMsg:
		if o, ok := m.dialogs.Top().(*showOnce); ok && o.copied && msg.What == "signing secret" {
			o.confirmed = msg.System && msg.Err == nil
		}
		return nil
	case listMsg:
		return m.onList(msg)
	case detailMsg:
		return m.onDetail(msg)
	case eventTypesMsg:
		m.typesReq = false
		if msg.err != nil {
			m.typesErr = msg.err
		} else {
			m.types, m.typesErr = msg.types, nil
		}
		if t, ok := dialog.Find[*testModal](&m.dialogs); ok {
			t.syncTypes(m.types)
		}
		return nil
	case createdMsg:
		return m.onCreated(msg)
	case rotatedMsg:
		return m.onRotated(msg)
	case updatedMsg:
		return m.onUpdated(msg)
	case editedMsg:
		return m.onEdited(msg)
	case deletedMsg:
		return m.onDeleted(msg)
	case testResultMsg:
		if t, ok := dialog.Find[*testModal](&m.dialogs); ok && t.webhookID == msg.id && t.reqID == msg.ReqID {
			t.sending = false
			t.result, t.err = &msg.result, msg.err
		}
		return m.load(true)
	case retriedMsg:
		return m.onRetried(msg)
	case tea.KeyPressMsg:
		return m.onKey(msg)
	}
	return nil
}

func (m *Model) onList(msg listMsg) tea.Cmd {
	now := m.ctx.Now()
	if !m.poller.Done(msg.ReqID, now, msg.err) {
		return nil
	}
	if msg.err != nil {
		m.listErr = msg.err
		if client.StatusOf(msg.err) == 403 {
			// Shown in the pane; not an error of the connection.
			m.forbidden = true
			return nil
		}
		return common.DataAge(now, msg.err)
	}
	m.listErr, m.forbidden = nil, false
	if !msg.notModified || !m.loaded {
		m.loaded = true
		m.list = msg.list.Data
		m.clampList()
	}
	return common.DataAge(now, nil)
}

func (m *Model) onDetail(msg detailMsg) tea.Cmd {
	d := m.detail
	if d == nil || d.id != msg.id || !d.poller.Done(msg.ReqID, m.ctx.Now(), msg.err) {
		return nil
	}
	if msg.err != nil {
		d.err = msg.err
		if client.StatusOf(msg.err) == 404 {
			m.setNotice("this endpoint no longer exists", true)
			m.closeDetail()
			return m.load(true)
		}
		return nil
	}
	if msg.filter != deliveryFilters[d.filter] {
		return nil // answer for a filter the user has left
	}
	// New deliveries arrive at the top: keep the cursor on the delivery the
	// user picked (the open one above all), unless it sat on the newest row.
	var keep string
	if c := d.rows.Cursor(); c < len(d.deliveries) && (c > 0 || m.view == viewDelivery) {
		keep = d.deliveries[c].ID
	}
	d.err = nil
	d.loaded = true
	d.webhook = msg.webhook
	d.deliveries = msg.deliveries
	d.rows.SetLen(len(d.deliveries))
	found := false
	if keep != "" {
		for i, x := range d.deliveries {
			if x.ID == keep {
				d.rows.Select(i, m.deliveryRows())
				found = true
				break
			}
		}
	}
	if keep != "" && !found && m.view == viewDelivery {
		m.view = viewDetails // it left the window of recent deliveries
		m.setNotice("that delivery is no longer among the recent ones", false)
	}
	d.rows.Scroll(m.deliveryRows())
	if m.view == viewDelivery && d.rows.Cursor() >= len(d.deliveries) {
		m.view = viewDetails
	}
	return nil
}

func (m *Model) setNotice(s string, isErr bool) { m.notice, m.noticeErr = s, isErr }

func (m *Model) errText(err error) string {
	if client.StatusOf(err) == 403 {
		role := m.ctx.Me.Role
		if role == "" {
			role = "current"
		}
		return "your role (" + common.Sanitize(role) + ") cannot manage webhooks"
	}
	return common.ErrorText(err, m.ctx.Me.Role)
}

func (m *Model) clampList() {
	m.rows.SetLen(len(m.list))
	m.rows.Scroll(m.listRows())
}

// listRows is how many endpoints the list shows: the pane less the title,
// the table header, the description line and the notice.
func (m *Model) listRows() int { return max(m.height-5-m.live.rows(), 1) }

func (m *Model) selected() (models.Webhook, bool) {
	if m.view != viewList && m.detail != nil && m.detail.loaded {
		return m.detail.webhook, true
	}
	if m.view == viewList && m.rows.Cursor() < len(m.list) {
		return m.list[m.rows.Cursor()], true
	}
	return models.Webhook{}, false
}

// SetSize implements common.Pane.
func (m *Model) SetSize(width, height int) {
	m.width, m.height = width, height
	m.dialogs.SetSize(width, height)
	m.rows.Scroll(m.listRows())
	if m.detail != nil {
		m.detail.rows.Scroll(m.deliveryRows())
	}
}

// Title implements common.Pane.
func (m *Model) Title() string { return "Webhooks" }

// Captures implements common.Pane: dialogs take every key (they hold text
// inputs or must not lose a keystroke to a global binding), and esc goes
// back from the details views.
func (m *Model) Captures(msg tea.KeyPressMsg) bool {
	if m.CapturingAll() {
		return true
	}
	return m.view != viewList && common.Closes(msg, m.ctx.Keys)
}

// GuardsQuit implements common.QuitGuard: a new signing secret is on screen.
func (m *Model) GuardsQuit() bool {
	_, ok := m.dialogs.Top().(*showOnce)
	return ok
}

// CapturingAll implements common.KeyCapturer: every dialog takes the keyboard.
func (m *Model) CapturingAll() bool { return m.dialogs.CapturingAll() }

func (m *Model) onKey(msg tea.KeyPressMsg) tea.Cmd {
	m.notice = ""
	k := m.ctx.Keys.Webhooks
	if m.forbidden && m.view == viewList {
		return nil // the permission screen has no actions
	}
	switch m.view {
	case viewDelivery:
		return m.deliveryKey(msg)
	case viewDetails:
		return m.detailsKey(msg)
	}
	switch {
	case key.Matches(msg, k.Up):
		m.rows.Move(-1, m.listRows())
	case key.Matches(msg, k.Down):
		m.rows.Move(1, m.listRows())
	case key.Matches(msg, k.Top):
		m.rows.Move(-len(m.list), m.listRows())
	case key.Matches(msg, k.Bottom):
		m.rows.Move(len(m.list), m.listRows())
	case key.Matches(msg, k.Create):
		return m.openWizard()
	case key.Matches(msg, k.Open):
		if w, ok := m.selected(); ok {
			return m.openDetail(w)
		}
	default:
		return m.actionKey(msg)
	}
	return nil
}

// actionKey handles the endpoint actions shared by the list and details views.
func (m *Model) actionKey(msg tea.KeyPressMsg) tea.Cmd {
	k := m.ctx.Keys.Webhooks
	w, ok := m.selected()
	if !ok {
		return nil
	}
	switch {
	case key.Matches(msg, k.Test):
		m.dialogs.Push(newTestModal(m, w, m.types))
		return m.loadTypes()
	case key.Matches(msg, k.Pause):
		next := models.WebhookPaused
		if w.Status != models.WebhookActive {
			next = models.WebhookActive
		}
		m.setNotice("updating…", false)
		return setStatus(m.ctx.Client, w.ID, next)
	case key.Matches(msg, k.RotateSecret):
		m.openRotate(w)
	case key.Matches(msg, k.Delete):
		m.dialogs.Push(newDeleteModal(m, w))
	case key.Matches(msg, k.Edit):
		return m.openEdit(w)
	case key.Matches(msg, k.Copy):
		return common.Copy(m.ctx, common.PaneWebhooks, w.URL, "endpoint URL")
	}
	return nil
}

func (m *Model) openDetail(w models.Webhook) tea.Cmd {
	m.detail = &detailState{id: w.ID, webhook: w, loaded: true}
	m.detail.poller.Interval = m.ctx.Refresh.Webhooks
	m.view = viewDetails
	return m.loadDetail(true)
}

func (m *Model) closeDetail() {
	m.detail = nil
	m.view = viewList
}

func (m *Model) onUpdated(msg updatedMsg) tea.Cmd {
	if msg.err != nil {
		m.setNotice(m.errText(msg.err), true)
		return nil
	}
	word := "resumed"
	if msg.webhook.Status == models.WebhookPaused {
		word = "paused: it receives no events until resumed"
	}
	m.setNotice("endpoint "+word, false)
	for i := range m.list {
		if m.list[i].ID == msg.webhook.ID {
			m.list[i] = msg.webhook
		}
	}
	if m.detail != nil && m.detail.id == msg.webhook.ID {
		m.detail.webhook = msg.webhook
	}
	return tea.Batch(m.load(true), common.Status("endpoint "+msg.webhook.Status, common.LevelSuccess))
}

func (m *Model) onDeleted(msg deletedMsg) tea.Cmd {
	d, _ := dialog.Find[*deleteModal](&m.dialogs)
	if msg.err != nil {
		if d != nil {
			d.typed.Err = m.errText(msg.err)
			d.busy = false
		}
		return nil
	}
	if d != nil {
		m.dialogs.Remove(d)
	}
	if m.detail != nil && m.detail.id == msg.id {
		m.closeDetail()
	}
	kept := m.list[:0]
	for _, w := range m.list {
		if w.ID != msg.id {
			kept = append(kept, w)
		}
	}
	m.list = kept
	m.clampList()
	m.setNotice("deleted "+common.Sanitize(msg.url), false)
	return tea.Batch(m.load(true), common.Status("webhook endpoint deleted", common.LevelSuccess))
}

func (m *Model) onRetried(msg retriedMsg) tea.Cmd {
	if m.detail != nil && m.detail.id == msg.webhookID {
		m.detail.busy = false
	}
	switch {
	case msg.total == 1 && msg.err != nil:
		m.setNotice("retry failed: "+m.errText(msg.err), true)
	case msg.total == 1:
		d := msg.last
		if d.Status == models.DeliverySuccess {
			m.setNotice("retry delivered ("+codeText(d)+")", false)
		} else {
			m.setNotice("retry failed again: "+common.Sanitize(resultText(d)), true)
		}
	default:
		m.setNotice(plural(msg.ok, "delivery", "deliveries")+" of "+itoa(msg.total)+" delivered on retry", msg.ok < msg.total)
	}
	return tea.Batch(m.loadDetail(true), m.load(true))
}
