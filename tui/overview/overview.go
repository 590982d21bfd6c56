// Package overview is the first tab: getting-started steps ticked from live
// data, a compact keys table, the rate-limit card, popular endpoints and the
// SDK install lines.
package overview

import (
	"context"
	"io/fs"
	"net/http"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/penguinmails/pmdev/client"
	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
	"github.com/penguinmails/pmdev/tui/component/rowlist"
)

// maxKeys is how many keys the compact table can show at most.
const maxKeys = 20

// Endpoint is one popular-endpoint card.
type Endpoint struct {
	Title, Method, Path, Slug string
	keyword                   string // to find the docs page in the assets
}

func popularEndpoints() []Endpoint {
	return []Endpoint{
		{Title: "Send email", Method: "POST", Path: "/api/v1/emails/send", Slug: "emails", keyword: "email"},
		{Title: "Manage contacts", Method: "POST", Path: "/api/v1/contacts", Slug: "contacts", keyword: "contact"},
		{Title: "Campaign analytics", Method: "GET", Path: "/api/v1/analytics/campaigns/{id}", Slug: "analytics", keyword: "analytics"},
	}
}

// hooksMsg is the result of the Overview's webhook check.
type hooksMsg struct {
	common.Result
	exists bool
	err    error
}

// keysMsg is the result of the Overview's key list poll.
type keysMsg struct {
	common.Result
	list models.APIKeyList
	err  error
}

// attentionMsg is how many keys need attention, read with the key list
// (ReqID is the list's); err on a 304 or a failure keeps the last count.
type attentionMsg struct {
	common.Result
	n   int
	err error
}

// Model is the Overview pane.
type Model struct {
	ctx           *common.Context
	width, height int

	keysPoll   common.Poller
	hooksPoll  common.Poller
	keys       []models.APIKey
	keysTotal  int
	keysLoaded bool
	keysErr    error
	// attention is how many keys need attention (the server's rules); -1 unknown.
	attention int
	// attentionReq is the key list read whose attention count is awaited.
	attentionReq uint64

	rl   *models.RateLimits
	rlAt time.Time // when rl arrived: the countdown's origin
	// reread is when the key list was last read again for stale use.
	reread time.Time
	rlErr  error // the last rate-limit poll failure, until data arrives

	// webhooks is nil while unknown (no client method, or not loaded yet).
	webhooks *bool

	endpoints []Endpoint
	rows      rowlist.Model // the cursor over key rows then endpoint cards
	offline   bool
	// unauth: the API rejects the token; the rate card says what to do.
	unauth bool

	version uint64 // bumped on every data change
	frame   common.Memo[frameKey, string]
}

// New returns the Overview pane.
func New(ctx *common.Context) *Model {
	m := &Model{ctx: ctx, width: ctx.Width, height: ctx.Height, endpoints: popularEndpoints(), attention: -1}
	m.keysPoll.Interval = ctx.Refresh.Keys
	if m.keysPoll.Interval <= 0 {
		// Keys polling off: still load once so the page has content.
		m.keysPoll.Interval = 0
	}
	m.hooksPoll.Interval = ctx.Refresh.Webhooks
	m.resolveSlugs()
	return m
}

// resolveSlugs points endpoint cards at the docs pages that exist in the
// embedded api/docs, by file name; the defaults stay when nothing matches.
func (m *Model) resolveSlugs() {
	if m.ctx.Assets == nil {
		return
	}
	entries, err := fs.ReadDir(m.ctx.Assets, "docs/endpoints")
	if err != nil {
		return
	}
	for i := range m.endpoints {
		for _, e := range entries {
			name := e.Name()
			if !e.IsDir() && strings.HasSuffix(name, ".md") && strings.Contains(name, m.endpoints[i].keyword) {
				m.endpoints[i].Slug = strings.TrimSuffix(name, ".md") // docs slugs are base names
				break
			}
		}
	}
}

// Ready reports whether the first data arrived (keys and rate limits, or an error).
func (m *Model) Ready() bool {
	return (m.keysLoaded || m.keysErr != nil) && (m.rl != nil || m.ctx.Refresh.RateLimits <= 0 || m.keysErr != nil)
}

// Init loads the keys at once.
func (m *Model) Init() tea.Cmd {
	if m.ctx.Client == nil {
		return nil
	}
	return tea.Batch(m.fetchKeys(m.keysPoll.Start()), m.fetchHooks(m.hooksPoll.Start()))
}

// fetchHooks asks whether any webhook endpoint exists (getting-started step 4).
func (m *Model) fetchHooks(id uint64) tea.Cmd {
	c := m.ctx.Client
	return func() tea.Msg {
		l, err := c.ListWebhooks(client.WithCacheScope(context.Background(), "overview"))
		return hooksMsg{Result: common.Result{Pane: common.PaneOverview, ReqID: id}, exists: len(l.Data) > 0, err: err}
	}
}

func (m *Model) handleHooks(msg hooksMsg) {
	if !m.hooksPoll.Done(msg.ReqID, m.ctx.Now(), msg.err) || msg.err != nil {
		return // stale, unchanged (304) or unknown (e.g. a member's 403)
	}
	v := msg.exists
	m.webhooks = &v
	m.version++
}

// fetchKeys reads the key list and, at the same time, the attention count
// (the total of a one-key page): the list is drawn as soon as it arrives,
// the count joins it when it does.
func (m *Model) fetchKeys(id uint64) tea.Cmd {
	c := m.ctx.Client
	m.attentionReq = id
	res := common.Result{Pane: common.PaneOverview, ReqID: id}
	return tea.Batch(func() tea.Msg {
		l, err := c.ListKeys(client.WithCacheScope(context.Background(), "overview"), models.KeyListParams{Sort: "last_used", PerPage: maxKeys})
		return keysMsg{Result: res, list: l, err: err}
	}, func() tea.Msg {
		a, err := c.ListKeys(client.WithCacheScope(context.Background(), "overview"), models.KeyListParams{Attention: true, PerPage: 1})
		return attentionMsg{Result: res, n: a.Total, err: err}
	})
}

// Update implements common.Pane.
func (m *Model) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case keysMsg:
		return m.handleKeys(msg)
	case attentionMsg:
		if msg.ReqID == m.attentionReq && msg.err == nil && msg.n != m.attention {
			m.attention = msg.n
			m.version++
		}
	case hooksMsg:
		m.handleHooks(msg)
	case common.RateLimitsMsg:
		d := msg.Data
		m.rl, m.rlAt, m.rlErr = &d, msg.At, nil
		m.version++
		return m.rereadStaleKeys(d)
	case common.RateLimitsErrMsg:
		m.rlErr = msg.Err
		m.version++
	case common.OfflineMsg:
		m.offline = msg.Offline
		m.version++
	case common.AuthMsg:
		m.unauth = msg.Rejected
		m.version++
	case common.TickMsg:
		return m.poll(false, msg.Now)
	case common.RefreshMsg:
		return m.poll(true, m.ctx.Now())
	case tea.KeyPressMsg:
		return m.handleKey(msg)
	}
	return nil
}

// poll starts the fetches that are due while the pane is visible, or with
// force (the r key) every one not already running.
func (m *Model) poll(force bool, now time.Time) tea.Cmd {
	if m.ctx.Client == nil {
		return nil
	}
	visible := m.ctx.Active == common.PaneOverview && !m.ctx.Paused
	var cmds []tea.Cmd
	if id := m.keysPoll.Begin(force, m.keysPoll.Interval, now, visible); id != 0 {
		cmds = append(cmds, m.fetchKeys(id))
	}
	if id := m.hooksPoll.Begin(force, m.hooksPoll.Interval, now, visible); id != 0 {
		cmds = append(cmds, m.fetchHooks(id))
	}
	return tea.Batch(cmds...)
}

func (m *Model) handleKeys(msg keysMsg) tea.Cmd {
	now := m.ctx.Now()
	if !m.keysPoll.Done(msg.ReqID, now, msg.err) {
		return nil // stale
	}
	switch {
	case msg.err == client.ErrNotModified:
		return nil // unchanged: no redraw work
	case msg.err != nil:
		m.keysErr = msg.err
		m.version++
		return common.DataAge(now, msg.err)
	}
	m.version++
	m.keysErr = nil
	m.keysLoaded = true
	m.keys = msg.list.APIKeys
	m.keysTotal = max(msg.list.Total, len(m.keys))
	m.rows.SetLen(m.items())
	return common.DataAge(now, nil)
}

// rereadStaleKeys reads the key list again when the live buckets show a
// key in use that the list calls unused: both must read the same data.
// At most once per staleReread, so a server slow to record use is not
// asked every poll.
func (m *Model) rereadStaleKeys(rl models.RateLimits) tea.Cmd {
	now := m.ctx.Now()
	if m.ctx.Client == nil || m.ctx.Active != common.PaneOverview || now.Sub(m.reread) < staleReread {
		return nil
	}
	byID := make(map[string]*time.Time, len(m.keys))
	for _, k := range m.keys {
		byID[k.KeyID] = k.LastUsed
	}
	complete := m.keysLoaded && len(m.keys) >= m.keysTotal
	lastUsed := func(id string) (*time.Time, bool) {
		t, ok := byID[id]
		// A busy key missing from a complete list is newer than the list.
		return t, ok || complete
	}
	if !common.StaleUse(rl, lastUsed) {
		return nil
	}
	if id := m.keysPoll.Force(); id != 0 {
		m.reread = now
		return m.fetchKeys(id)
	}
	return nil
}

// staleReread spaces the key list's re-reads for stale use.
const staleReread = 5 * time.Second

// items counts the selectable rows: visible key rows then endpoint cards.
func (m *Model) items() int { return m.visibleKeys() + len(m.endpoints) }

func (m *Model) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	k := &m.ctx.Keys.Overview
	switch {
	case key.Matches(msg, k.Up), key.Matches(msg, k.Down):
		delta := 1
		if key.Matches(msg, k.Up) {
			delta = -1
		}
		m.rows.SetLen(m.items())
		m.rows.Move(delta, m.items()) // every row is on screen: no window to scroll
	case key.Matches(msg, k.Create) && m.canCreate():
		return navigate(common.NavigateMsg{To: common.PaneKeys, Action: "create"})
	case key.Matches(msg, k.Attention) && m.attention > 0:
		return navigate(common.NavigateMsg{To: common.PaneKeys, Action: "attention"})
	case key.Matches(msg, k.Docs):
		if ep, ok := m.selectedEndpoint(); ok {
			return navigate(common.NavigateMsg{To: common.PaneDocs, Slug: ep.Slug})
		}
		return navigate(common.NavigateMsg{To: common.PaneDocs})
	case key.Matches(msg, k.Open):
		if ep, ok := m.selectedEndpoint(); ok {
			return navigate(common.NavigateMsg{To: common.PaneDocs, Slug: ep.Slug})
		}
		if c := m.rows.Cursor(); c < m.visibleKeys() {
			kk := m.keys[c]
			return navigate(common.NavigateMsg{To: common.PaneKeys, KeyID: kk.KeyID, Name: kk.Name})
		}
	}
	return nil
}

func (m *Model) selectedEndpoint() (Endpoint, bool) {
	i := m.rows.Cursor() - m.visibleKeys()
	if i < 0 || i >= len(m.endpoints) {
		return Endpoint{}, false
	}
	return m.endpoints[i], true
}

func navigate(n common.NavigateMsg) tea.Cmd { return func() tea.Msg { return n } }

// SetSize implements common.Pane.
func (m *Model) SetSize(width, height int) {
	m.width, m.height = width, height
	m.rows.SetLen(m.items())
}

// KeyMap implements common.Pane.
func (m *Model) KeyMap() help.KeyMap { return keyMap{k: &m.ctx.Keys.Overview, m: m} }

// Title implements common.Pane.
func (m *Model) Title() string { return "Overview" }

// Captures implements common.Pane: the Overview has no text input.
func (m *Model) Captures(tea.KeyPressMsg) bool { return false }

// canCreate reports whether "new key" can work for this user: not for a
// role that may not manage keys, nor while the key list is refused.
// rejected reports that the API refuses the token itself.
func (m *Model) rejected() bool {
	return m.unauth || client.StatusOf(m.keysErr) == http.StatusUnauthorized
}

func (m *Model) canCreate() bool {
	if me := m.ctx.Me; me.Role != "" && !me.CanManageKeys {
		return false
	}
	switch client.StatusOf(m.keysErr) {
	case http.StatusForbidden, http.StatusUnauthorized:
		return false
	}
	return !m.unauth
}

type keyMap struct {
	k *common.OverviewKeys
	m *Model
}

func (k keyMap) ShortHelp() []key.Binding {
	out := []key.Binding{k.k.Up, k.k.Down, k.k.Open}
	if k.m.canCreate() {
		out = append(out, k.k.Create)
	}
	if k.m.attention > 0 {
		out = append(out, k.k.Attention)
	}
	return append(out, k.k.Docs)
}

func (k keyMap) FullHelp() [][]key.Binding {
	second := []key.Binding{k.k.Docs}
	if k.m.canCreate() {
		second = []key.Binding{k.k.Create, k.k.Docs}
	}
	if k.m.attention > 0 {
		second = append(second, k.k.Attention)
	}
	return [][]key.Binding{{k.k.Up, k.k.Down, k.k.Open}, second}
}

var _ common.Pane = (*Model)(nil)
