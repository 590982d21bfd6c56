// Package tui is the console's root model: the tab bar, the status and help
// lines, the single 1 s timer, the rate-limit poll that feeds the status bar,
// and the routing of messages to the five panes.
package tui

import (
	"context"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/penguinmails/pmdev/client"
	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/styles"
	"github.com/penguinmails/pmdev/tui/common"
	"github.com/penguinmails/pmdev/tui/docs"
	"github.com/penguinmails/pmdev/tui/keys"
	"github.com/penguinmails/pmdev/tui/overview"
	"github.com/penguinmails/pmdev/tui/usage"
	"github.com/penguinmails/pmdev/tui/webhooks"
)

// MinWidth and MinHeight are the smallest terminal the console lays out in.
const (
	MinWidth  = 80
	MinHeight = 24
)

// chrome is the number of lines around the pane area: tab bar, notice line,
// status bar and help line.
const chrome = 4

// Options configure the root model.
type Options struct {
	// Mouse turns on cell-motion mouse reporting (clicks on tabs). Off by
	// default so the terminal's own text selection works.
	Mouse bool
	// Panes replaces the five panes (tests); nil builds the real ones.
	Panes []common.Pane
	// NoTick disables the 1 s timer (golden and table tests drive ticks).
	NoTick bool
	// Connect, when set and the context has no client yet, is how the root
	// reaches the API: it runs in a command (the sandbox starting in the
	// background) while the splash is shown. Its error ends the program
	// and is returned by Err.
	Connect func() (Conn, error)
	// Progress reports what Connect waits for; closed when it is done.
	Progress <-chan Starting
}

// Ready is implemented by panes that can tell when their first data arrived;
// the root holds the first full frame until the Overview is ready.
type Ready interface{ Ready() bool }

// Model is the root model. It owns ctx and is the only writer of it.
type Model struct {
	ctx   *common.Context
	panes []common.Pane
	opts  Options

	width, height int
	help          help.Model
	fullHelp      bool

	started time.Time
	ready   bool

	// connecting: Connect has not answered yet (the splash says what it waits for).
	connecting bool
	starting   Starting
	startErr   error
	// inited: panes whose Init ran. The visible pane starts first; the
	// others on the first tick after the first full frame (warmed), or
	// when first shown, whichever comes first.
	inited [common.NumPanes]bool
	warmed bool

	me       common.Poller
	meLoaded bool
	rl       common.Poller
	rlData   *models.RateLimits
	rlAt     time.Time // when rlData arrived (the countdown's origin)
	rlErr    error
	// rlForbidden: the role may not use developer routes (a member's 403s
	// from the rate-limit poll or a pane); a notice, not a fault.
	rlForbidden bool

	offline bool
	// unauthorized: the API rejected the token (401); nothing will load
	// until it is replaced, so the status bar says so instead of "live".
	unauthorized bool
	lastOK       time.Time // last successful answer from the API
	lastRefresh  time.Time // last fresh data shown anywhere
	errLine      string    // malformed/unexpected response, until the next success

	status      string
	statusLevel common.Level
	statusUntil time.Time
}

// New builds the root model around ctx (which it then owns).
func New(ctx *common.Context, opts Options) *Model {
	if ctx.Now == nil {
		ctx.Now = time.Now
	}
	if ctx.Styles == nil {
		ctx.Styles = styles.New(true)
	}
	if ctx.NoColor {
		ctx.Styles = ctx.Styles.Monochrome()
	}
	if ctx.Keys == nil {
		ctx.Keys = common.DefaultKeyMap()
	}
	if ctx.Clipboard == nil && ctx.Files != nil && !ctx.Remote {
		// On the user's own machine copies reach the system clipboard too.
		ctx.Clipboard = common.SystemClipboard
	}
	m := &Model{ctx: ctx, opts: opts, panes: opts.Panes, started: ctx.Now()}
	if m.panes == nil {
		m.panes = []common.Pane{overview.New(ctx), keys.New(ctx), docs.New(ctx), usage.New(ctx), webhooks.New(ctx)}
	}
	m.me.Interval = 2 * time.Second
	m.rl.Interval = ctx.Refresh.RateLimits
	m.help = help.New()
	m.applyStyles()
	if ctx.Me.Email != "" {
		m.meLoaded = true
	}
	m.connecting = opts.Connect != nil && ctx.Client == nil
	return m
}

// Context is the shared context (tests read it).
func (m *Model) Context() *common.Context { return m.ctx }

// Active is the visible pane.
func (m *Model) Active() common.PaneID { return m.ctx.Active }

func (m *Model) applyStyles() {
	s := m.ctx.Styles
	m.help.Styles.ShortKey = s.HelpKey
	m.help.Styles.ShortDesc = s.HelpDesc
	m.help.Styles.ShortSeparator = s.Subtle
	m.help.Styles.FullKey = s.HelpKey
	m.help.Styles.FullDesc = s.HelpDesc
	m.help.Styles.FullSeparator = s.Subtle
	m.help.Styles.Ellipsis = s.Subtle
}

// Messages private to the root.
type (
	meMsg struct {
		id  uint64
		me  models.Me
		err error
	}
	rlMsg struct {
		id   uint64
		data models.RateLimits
		err  error
	}
)

func tick() tea.Cmd {
	return tea.Every(time.Second, func(t time.Time) tea.Msg { return common.TickMsg{Now: t} })
}

func (m *Model) fetchMe(id uint64) tea.Cmd {
	c := m.ctx.Client
	return func() tea.Msg {
		me, err := c.Me(context.Background())
		return meMsg{id: id, me: me, err: err}
	}
}

func (m *Model) fetchRateLimits(id uint64) tea.Cmd {
	c := m.ctx.Client
	return func() tea.Msg {
		// The gauge shows the tenant line and the busiest key: one key is enough.
		rl, err := c.RateLimitsPage(client.WithCacheScope(context.Background(), "root"), models.RateLimitParams{Limit: 1})
		return rlMsg{id: id, data: rl, err: err}
	}
}

// Update routes msg as tui/common/pane.go documents.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		w, h := m.resizePanes()
		// Sizes first, then the message: a pane reacting to it sees every pane resized.
		return m, m.broadcast(common.ResizedMsg{Width: w, Height: h})

	case tea.BackgroundColorMsg:
		m.ctx.Styles = styles.New(msg.IsDark())
		if m.ctx.NoColor {
			m.ctx.Styles = m.ctx.Styles.Monochrome()
		}
		m.applyStyles()
		return m, m.broadcast(msg)

	case tea.KeyPressMsg:
		return m, m.handleKey(msg)

	case tea.MouseClickMsg:
		return m, m.handleClick(msg)

	case tea.MouseMsg:
		if m.tooSmallNow() {
			return m, nil
		}
		return m, m.toActive(msg)

	case common.TickMsg:
		return m, m.handleTick(msg)

	case meMsg:
		return m, m.handleMe(msg)

	case rlMsg:
		return m, m.handleRateLimits(msg)

	case common.StatusMsg:
		m.setStatus(msg.Text, msg.Level, msg.TTL)
		return m, nil

	case common.CopiedMsg:
		m.setStatus(msg.Text(), msg.Level(), 6*time.Second)
		if t := msg.Target(); t >= 0 && int(t) < len(m.panes) {
			return m, m.panes[t].Update(msg)
		}
		return m, nil

	case common.DataAgeMsg:
		return m, m.handleDataAge(msg)

	case common.NavigateMsg:
		if msg.To < 0 || int(msg.To) >= len(m.panes) {
			return m, nil
		}
		return m, tea.Batch(m.switchTo(msg.To), m.panes[msg.To].Update(msg))

	case connectedMsg:
		return m, m.handleConnected(msg)

	case startingMsg:
		if !msg.ok {
			return m, nil
		}
		m.starting = msg.s
		return m, listen(m.opts.Progress)

	case common.Targeted:
		t := msg.Target()
		if t < 0 || int(t) >= len(m.panes) {
			return m, nil
		}
		return m, m.panes[t].Update(msg)
	}
	return m, m.broadcast(msg)
}

func (m *Model) broadcast(msg tea.Msg) tea.Cmd {
	cmds := make([]tea.Cmd, 0, len(m.panes))
	for _, p := range m.panes {
		cmds = append(cmds, p.Update(msg))
	}
	return tea.Batch(cmds...)
}

func (m *Model) toActive(msg tea.Msg) tea.Cmd { return m.panes[m.ctx.Active].Update(msg) }

// GuardsQuit implements common.QuitGuard for the whole console: a pane
// shows something a quit would lose (the SSH service audits a session that
// ends so).
func (m *Model) GuardsQuit() bool {
	for _, p := range m.panes {
		if g, ok := p.(common.QuitGuard); ok && g.GuardsQuit() {
			return true
		}
	}
	return false
}

func (m *Model) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	active := m.panes[m.ctx.Active]
	if common.IsQuit(msg) {
		// Always the way out, even from a pane that has the keyboard (the
		// help line promises it there) — but a pane showing a key once
		// asks first, and quits on a second ctrl+c.
		if g, ok := active.(common.QuitGuard); ok && g.GuardsQuit() {
			return active.Update(msg)
		}
		return tea.Quit
	}
	if m.tooSmallNow() {
		// Nothing is shown: a key would act on a dialog the user cannot
		// see (a shown-once key closed unread).
		return nil
	}
	g := &m.ctx.Keys.Global
	if m.fullHelp {
		// The help is an overlay: ? esc and q close it, as in less. It
		// keeps the pane's keys, which would act unseen behind it; the tab
		// keys still switch tabs (closing it).
		if key.Matches(msg, g.Help) || common.Closes(msg, m.ctx.Keys) {
			m.fullHelp = false
			return nil
		}
		if !key.Matches(msg, g.Tab1, g.Tab2, g.Tab3, g.Tab4, g.Tab5, g.NextTab, g.PrevTab) {
			return nil
		}
	}
	if active.Captures(msg) {
		return active.Update(msg)
	}
	switch {
	case key.Matches(msg, g.Quit):
		return tea.Quit
	case key.Matches(msg, g.Help):
		m.fullHelp = true
		return nil
	case key.Matches(msg, g.Tab1):
		return m.switchTo(common.PaneOverview)
	case key.Matches(msg, g.Tab2):
		return m.switchTo(common.PaneKeys)
	case key.Matches(msg, g.Tab3):
		return m.switchTo(common.PaneDocs)
	case key.Matches(msg, g.Tab4):
		return m.switchTo(common.PaneUsage)
	case key.Matches(msg, g.Tab5):
		return m.switchTo(common.PaneWebhooks)
	case key.Matches(msg, g.NextTab):
		return m.switchTo((m.ctx.Active + 1) % common.PaneID(len(m.panes)))
	case key.Matches(msg, g.PrevTab):
		n := common.PaneID(len(m.panes))
		return m.switchTo((m.ctx.Active + n - 1) % n)
	case key.Matches(msg, g.Refresh):
		var cmd tea.Cmd
		if id := m.rl.Force(); id != 0 && m.ctx.Client != nil {
			cmd = m.fetchRateLimits(id)
		}
		return tea.Batch(cmd, active.Update(common.RefreshMsg{}))
	case key.Matches(msg, g.Pause):
		m.ctx.Paused = !m.ctx.Paused
		if m.ctx.Paused {
			m.setStatus("live updates paused — p resumes, r refreshes once", common.LevelWarning, 4*time.Second)
		} else {
			m.setStatus("live updates resumed", common.LevelInfo, 2*time.Second)
		}
		return nil
	}
	// esc and every pane key go to the active pane.
	return active.Update(msg)
}

func (m *Model) handleClick(msg tea.MouseClickMsg) tea.Cmd {
	if m.tooSmallNow() {
		return nil
	}
	mo := msg.Mouse()
	if mo.Y == 0 && mo.Button == tea.MouseLeft {
		for i, r := range m.tabRanges() {
			if mo.X >= r[0] && mo.X < r[1] {
				return m.switchTo(common.PaneID(i))
			}
		}
		return nil
	}
	// Pane coordinates start below the tab bar and notice line.
	msg.Y -= 2
	return m.toActive(msg)
}

func (m *Model) handleTick(msg common.TickMsg) tea.Cmd {
	now := msg.Now
	if !m.statusUntil.IsZero() && now.After(m.statusUntil) {
		m.status, m.statusUntil = "", time.Time{}
	}
	if !m.ready && !m.connecting && now.Sub(m.started) >= readyWait {
		m.ready = true
	}
	var cmds []tea.Cmd
	if !m.opts.NoTick {
		cmds = append(cmds, tick())
	}
	cmds = append(cmds, m.warm())
	if m.ctx.Client != nil {
		if !m.meLoaded && m.me.Due(now, true) {
			cmds = append(cmds, m.fetchMe(m.me.Start()))
		}
		if m.rl.Due(now, !m.ctx.Paused) {
			cmds = append(cmds, m.fetchRateLimits(m.rl.Start()))
		}
	}
	cmds = append(cmds, m.broadcast(msg))
	return tea.Batch(cmds...)
}

func (m *Model) handleMe(msg meMsg) tea.Cmd {
	now := m.ctx.Now()
	if !m.me.Done(msg.id, now, msg.err) {
		return nil
	}
	if msg.err != nil {
		m.ready = true // show why instead of a blank screen
		return m.noteError(msg.err, now)
	}
	m.ctx.Me = msg.me
	m.meLoaded = true
	return m.noteOK(now)
}

func (m *Model) setStatus(text string, level common.Level, ttl time.Duration) {
	if ttl <= 0 {
		ttl = 4 * time.Second
	}
	m.status = common.Sanitize(text)
	m.statusLevel = level
	m.statusUntil = m.ctx.Now().Add(ttl)
}

func (m *Model) resizePanes() (int, int) {
	w, h := m.paneSize()
	m.ctx.Width, m.ctx.Height = w, h
	m.help.SetWidth(w)
	for _, p := range m.panes {
		p.SetSize(w, h)
	}
	return w, h
}

func (m *Model) paneSize() (int, int) {
	return max(m.width, MinWidth), max(m.height, MinHeight) - chrome
}

func (m *Model) apiHost() string { return common.APIHost(m.ctx) }

// isReady reports whether the first full frame may be drawn.
func (m *Model) isReady() bool {
	if m.connecting {
		return false
	}
	if m.ready {
		return true
	}
	if !m.meLoaded {
		return false
	}
	if r, ok := m.panes[common.PaneOverview].(Ready); ok && !r.Ready() {
		return false
	}
	m.ready = true
	return true
}
