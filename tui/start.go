package tui

import (
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/penguinmails/pmdev/client"
	"github.com/penguinmails/pmdev/tui/common"
)

// Conn is the API the console talks to, once Options.Connect has it.
type Conn struct {
	Client *client.Client
	APIURL string
}

// Starting is what the console waits for before it can ask the API
// anything, for the splash: the sandbox opening, or creating its demo data.
type Starting struct {
	Text        string // e.g. "creating the sandbox with demo data"
	Done, Total int    // progress, when Total > 0
}

type (
	connectedMsg struct {
		conn Conn
		err  error
	}
	startingMsg struct {
		s  Starting
		ok bool // false: the channel is closed
	}
)

// Init starts the clock, asks the terminal for its background colour and,
// when the API is reachable, fires the first requests at once (the first
// frame should carry data); otherwise it waits for Connect.
func (m *Model) Init() tea.Cmd {
	cmds := []tea.Cmd{tea.RequestBackgroundColor}
	if !m.opts.NoTick {
		cmds = append(cmds, tick())
	}
	if m.connecting {
		return tea.Batch(append(cmds, connect(m.opts.Connect), listen(m.opts.Progress))...)
	}
	return tea.Batch(append(cmds, m.start())...)
}

func connect(f func() (Conn, error)) tea.Cmd {
	return func() tea.Msg {
		c, err := f()
		return connectedMsg{conn: c, err: err}
	}
}

func listen(ch <-chan Starting) tea.Cmd {
	if ch == nil {
		return nil
	}
	return func() tea.Msg {
		s, ok := <-ch
		return startingMsg{s: s, ok: ok}
	}
}

// start fires what the first frame needs: the visible pane's requests (the
// Overview's key list) first, then the identity and the rate limits. The
// other panes start after the first frame (warm) or when first shown.
func (m *Model) start() tea.Cmd {
	cmds := []tea.Cmd{m.initPane(m.ctx.Active)}
	if m.ctx.Client == nil {
		return tea.Batch(cmds...)
	}
	if !m.meLoaded {
		cmds = append(cmds, m.fetchMe(m.me.Start()))
	}
	if m.rl.Interval > 0 {
		cmds = append(cmds, m.fetchRateLimits(m.rl.Start()))
	}
	return tea.Batch(cmds...)
}

func (m *Model) handleConnected(msg connectedMsg) tea.Cmd {
	m.connecting = false
	if msg.err != nil {
		m.startErr = msg.err
		return tea.Quit
	}
	m.ctx.Client, m.ctx.APIURL = msg.conn.Client, msg.conn.APIURL
	m.started = m.ctx.Now() // the wait for data starts now
	return m.start()
}

// Err is why the console could not start (Connect failed), after Run.
func (m *Model) Err() error { return m.startErr }

// initPane runs pane id's Init once.
func (m *Model) initPane(id common.PaneID) tea.Cmd {
	if m.inited[id] {
		return nil
	}
	m.inited[id] = true
	return m.panes[id].Init()
}

// warm starts the panes not yet shown, once the first full frame is up, so
// their first opening finds data. Docs stays lazy: its library and the
// Markdown renderer load when the tab is first opened.
func (m *Model) warm() tea.Cmd {
	if m.warmed || m.connecting || !m.isReady() {
		return nil
	}
	m.warmed = true
	var cmds []tea.Cmd
	for i := range m.panes {
		if common.PaneID(i) != common.PaneDocs {
			cmds = append(cmds, m.initPane(common.PaneID(i)))
		}
	}
	return tea.Batch(cmds...)
}

// switchTo shows pane id. A pane shown for the first time starts now, and
// every pane gets a tick of its own at once, so a source whose data is older
// than its refresh interval is fetched now rather than at the next tick.
func (m *Model) switchTo(id common.PaneID) tea.Cmd {
	if id < 0 || int(id) >= len(m.panes) {
		return nil
	}
	m.ctx.Active = id
	m.fullHelp = false
	if m.connecting {
		return nil // start() inits the visible pane once connected
	}
	return tea.Batch(m.initPane(id), m.panes[id].Update(common.TickMsg{Now: m.ctx.Now()}))
}

// readyWait bounds how long the first frame waits for the Overview's data
// once the API is reachable.
const readyWait = 1500 * time.Millisecond
