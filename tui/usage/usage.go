// Package usage is the Usage pane: API usage analytics with a request volume
// chart, endpoint and error tables, rate-limit monitoring, usage by key and a
// CSV export of errors. It polls only while visible and redraws only when the
// data or the view state changed.
package usage

import (
	"context"
	"errors"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/penguinmails/pmdev/client"
	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
	"github.com/penguinmails/pmdev/tui/component/chart"
	"github.com/penguinmails/pmdev/tui/component/dialog"
	"github.com/penguinmails/pmdev/tui/usage/livelog"
)

// ranges are the presets `t` cycles through.
var ranges = [...]string{models.Range1h, models.Range24h, models.Range7d, models.Range30d}

// Model is the Usage pane.
type Model struct {
	ctx           *common.Context
	width, height int

	// What is asked for.
	rng      string
	from, to time.Time // custom range only
	keyID    string
	keyName  string

	poll common.Poller
	data *models.APIUsage
	// live is the root's rate-limit poll (the bucket now), liveVer counts it.
	live    *models.RateLimits
	liveVer uint64
	params  models.UsageParams // of data
	version uint64             // bumped whenever data changes
	err     error
	unauth  bool // the API rejects the token (the root's AuthMsg)

	cursor int  // bucket index of the volume chart cursor
	follow bool // the cursor tracks the newest bucket while data grows

	epSort int
	tables [numTables]table
	focus  section
	scroll int

	// dialogs holds the key picker or the custom-range form; the top one
	// has the keyboard and the help line.
	dialogs dialog.Stack

	exported   *export
	exporting  bool       // an export command is running
	exports    int        // bumped per export start and end: the errors section shows both
	pageErrors errorPager // nil: ctx.Client (tests set a fake)
	keysReq    uint64

	// The live request log, shown instead of the analytics while showLive;
	// filtering is set while its filter is being typed.
	reqLog    *livelog.Model
	showLive  bool
	filtering bool
	filterIn  string

	vol, rl common.Memo[chartKey, chart.Plot]
	blocks  [numSections]common.Memo[blockKey, block]
	doc     common.Memo[docKey, *doc]
	frame   common.Memo[frameKey, string]
}

// New returns the Usage pane showing the last 24 hours for all keys.
func New(ctx *common.Context) *Model {
	m := &Model{ctx: ctx, width: ctx.Width, height: ctx.Height, rng: models.Range24h, follow: true, reqLog: livelog.New()}
	m.poll.Interval = ctx.Refresh.Usage
	return m
}

// usageMsg is the answer to one APIUsage request.
type usageMsg struct {
	common.Result
	params models.UsageParams
	data   models.APIUsage
	err    error
}

// keysMsg is the answer to the key picker's ListKeys request.
type keysMsg struct {
	common.Result
	keys []models.APIKey
	err  error
}

// Init implements common.Pane. The first request goes out on the first tick
// the pane is visible.
func (m *Model) Init() tea.Cmd { return nil }

// Params is what the pane currently asks the API for.
func (m *Model) Params() models.UsageParams {
	p := models.UsageParams{Range: m.rng, KeyID: m.keyID}
	if m.rng == models.RangeCustom {
		p.From, p.To = m.from, m.to
	}
	return p
}

func (m *Model) now() time.Time {
	if m.ctx.Now != nil {
		return m.ctx.Now()
	}
	return time.Now()
}

func (m *Model) visible() bool { return m.ctx.Active == common.PaneUsage && !m.ctx.Paused }

// Update implements common.Pane.
func (m *Model) Update(msg tea.Msg) tea.Cmd {
	if cmd, ok := m.dialogs.Input(msg); ok {
		return cmd
	}
	switch msg := msg.(type) {
	case common.TickMsg:
		m.poll.Interval = m.ctx.Refresh.Usage
		if m.poll.Due(msg.Now, m.visible()) {
			return m.fetch(m.poll.Start())
		}
	case common.RefreshMsg:
		if m.ctx.Active == common.PaneUsage {
			if id := m.poll.Force(); id != 0 {
				return m.fetch(id)
			}
		}
	case common.NavigateMsg:
		if msg.To != common.PaneUsage {
			return nil
		}
		if msg.KeyID != "" {
			// Arriving from another pane: start at the top, on the cards.
			m.scroll, m.focus = 0, secCards
			return m.setKey(msg.KeyID, msg.Name)
		}
		if m.data == nil && !m.poll.InFlight() {
			return m.fetch(m.poll.Start())
		}
	case common.RateLimitsMsg:
		d := msg.Data
		m.live = &d
		m.liveVer++
	case common.AuthMsg:
		m.unauth = msg.Rejected
	case usageMsg:
		return m.onUsage(msg)
	case keysMsg:
		if p, ok := dialog.Find[*picker](&m.dialogs); ok && msg.ReqID == m.keysReq {
			p.setKeys(msg.keys, msg.err, m.ctx.Me.Role)
		}
	case exportMsg:
		return m.onExport(msg)
	case common.StreamEventMsg, common.StreamStateMsg:
		return m.reqLog.Update(msg)
	case tea.KeyPressMsg:
		if m.showLive {
			return m.onLiveKey(msg)
		}
		return m.onKey(msg)
	}
	return nil
}

func (m *Model) onUsage(msg usageMsg) tea.Cmd {
	now := m.now()
	if !m.poll.Done(msg.ReqID, now, msg.err) {
		return nil // superseded by a newer request
	}
	if errors.Is(msg.err, client.ErrNotModified) {
		return nil // unchanged: no state change, so no redraw
	}
	if msg.err != nil {
		m.err = msg.err
		err, at := msg.err, m.poll.Last()
		return common.DataAge(at, err)
	}
	d := msg.data
	m.err = nil
	m.data = &d
	m.params = msg.params
	m.version++
	m.clampState()
	m.scroll = min(m.scroll, m.maxScroll()) // the new document may be shorter
	return common.DataAge(now, nil)
}

// clampState keeps cursor and selections inside the new data.
func (m *Model) clampState() {
	n := len(m.data.Series)
	if m.follow || m.cursor >= n {
		m.cursor = max(0, n-1)
	}
	for t := range m.tables {
		m.tables[t].clamp(m.rows(tableID(t)), m.tableCap())
	}
}

// fetch starts request id for the current parameters. A 304 for parameters
// we hold no data for (another pane warmed the ETag) is retried without ETags.
func (m *Model) fetch(id uint64) tea.Cmd {
	c := m.ctx.Client
	if c == nil {
		m.poll.Done(id, m.now(), nil)
		return nil
	}
	p := m.Params()
	have := m.data != nil && sameParams(m.params, p)
	return func() tea.Msg {
		ctx := context.Background()
		d, err := c.APIUsage(ctx, p)
		if errors.Is(err, client.ErrNotModified) && !have {
			c.ForgetETags()
			d, err = c.APIUsage(ctx, p)
		}
		return usageMsg{Result: common.Result{Pane: common.PaneUsage, ReqID: id}, params: p, data: d, err: err}
	}
}

func sameParams(a, b models.UsageParams) bool {
	return a.Range == b.Range && a.KeyID == b.KeyID && a.From.Equal(b.From) && a.To.Equal(b.To)
}

// refetch supersedes any request in flight after the parameters changed.
func (m *Model) refetch() tea.Cmd {
	m.follow = true
	m.tables = [numTables]table{}
	return m.fetch(m.poll.Start())
}

func (m *Model) setKey(id, name string) tea.Cmd {
	m.keyID, m.keyName = id, common.Sanitize(name)
	return m.refetch()
}

func (m *Model) onKey(msg tea.KeyPressMsg) tea.Cmd {
	k := &m.ctx.Keys.Usage
	switch {
	case key.Matches(msg, k.Range):
		i := 0
		for j, r := range ranges {
			if r == m.rng {
				i = (j + 1) % len(ranges)
			}
		}
		m.rng = ranges[i]
		return m.refetch()
	case key.Matches(msg, k.Custom):
		m.openForm()
	case key.Matches(msg, k.KeyFilter):
		return m.openPicker()
	case key.Matches(msg, k.Left):
		m.moveCursor(-1)
	case key.Matches(msg, k.Right):
		m.moveCursor(1)
	case key.Matches(msg, k.Sort):
		m.epSort = (m.epSort + 1) % len(endpointSorts)
	case key.Matches(msg, k.Open):
		return m.open()
	case key.Matches(msg, k.Export):
		return m.export()
	case key.Matches(msg, k.Copy):
		return m.copyExport()
	case key.Matches(msg, k.Down):
		m.move(1)
	case key.Matches(msg, k.Up):
		m.move(-1)
	case key.Matches(msg, k.Top):
		m.edge(false)
	case key.Matches(msg, k.Bottom):
		m.edge(true)
	case key.Matches(msg, k.NextSection):
		m.jump(1)
	case key.Matches(msg, k.PrevSection):
		m.jump(-1)
	case key.Matches(msg, k.Live):
		return m.toggleLive()
	}
	return nil
}

// edge jumps to the top (first section) or the bottom (last section) of the
// page, like g/G in the other panes.
func (m *Model) edge(bottom bool) {
	if m.data == nil {
		return
	}
	o := m.order()
	if bottom {
		m.focus = o[len(o)-1]
		m.scroll = m.maxScroll()
		return
	}
	m.focus, m.scroll = o[0], 0
}

func (m *Model) moveCursor(d int) {
	if m.data == nil || len(m.data.Series) == 0 {
		return
	}
	n := len(m.data.Series)
	m.cursor = min(max(m.cursor+d, 0), n-1)
	m.follow = m.cursor == n-1
}

// open applies the selected by-key row as the key filter.
func (m *Model) open() tea.Cmd {
	if m.focus != secByKey || m.data == nil {
		return nil
	}
	rows := m.data.ByKey
	sel := m.tables[tblByKey].sel
	if sel < 0 || sel >= len(rows) {
		return nil
	}
	return m.setKey(rows[sel].KeyID, rows[sel].Name)
}

// SetSize implements common.Pane.
func (m *Model) SetSize(width, height int) {
	m.width, m.height = width, height
	m.scroll = min(m.scroll, m.maxScroll())
}

// KeyMap implements common.Pane.
func (m *Model) KeyMap() help.KeyMap { return keyMap{k: &m.ctx.Keys.Usage, m: m} }

// Title implements common.Pane.
func (m *Model) Title() string { return "Usage" }

// Captures implements common.Pane: the custom-range form and the key picker
// take every key (esc closes them, digits and q are typed).
func (m *Model) Captures(tea.KeyPressMsg) bool { return !m.dialogs.Empty() || m.filtering }

type keyMap struct {
	k *common.UsageKeys
	m *Model
}

func (k keyMap) ShortHelp() []key.Binding {
	if !k.m.dialogs.Empty() {
		return k.m.dialogs.ShortHelp()
	}
	if k.m.showLive {
		return []key.Binding{k.k.Up, k.k.Down, k.k.LiveFilter, k.k.LiveFollow, k.openLive(), k.k.Live}
	}
	b := []key.Binding{k.k.Range, k.k.KeyFilter, k.k.Left, k.k.Right, k.k.NextSection, k.export()}
	if k.m.exported != nil && k.m.exported.small() {
		b = append(b, k.k.Copy)
	}
	return b
}

func (k keyMap) FullHelp() [][]key.Binding {
	if !k.m.dialogs.Empty() {
		return k.m.dialogs.FullHelp()
	}
	return [][]key.Binding{
		{k.k.Up, k.k.Down, k.k.Top, k.k.Bottom, k.k.PrevSection, k.k.NextSection},
		{k.k.Range, k.k.Custom, k.k.KeyFilter, k.k.Open},
		{k.k.Left, k.k.Right, k.k.Sort, k.export(), k.k.Copy},
		{k.k.Live, k.k.LiveFilter, k.k.LiveFollow},
	}
}

// openLive is enter, described for the live log.
func (k keyMap) openLive() key.Binding {
	b := k.k.Open
	b.SetHelp(b.Help().Key, "request details")
	return b
}

// export is the E binding, described as a copy when the console has no
// disk (over SSH the CSV goes to the clipboard, never to the server's disk).
func (k keyMap) export() key.Binding {
	b := k.k.Export
	if k.m.ctx.Files == nil {
		b.SetHelp(b.Help().Key, "copy errors CSV (OSC 52)")
	}
	return b
}

var _ common.Pane = (*Model)(nil)
