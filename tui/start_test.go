package tui

import (
	"bytes"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/penguinmails/pmdev/client"
	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
	"github.com/penguinmails/pmdev/tui/common/commontest"
	"github.com/penguinmails/pmdev/tui/overview"
	"github.com/penguinmails/pmdev/tui/usage"
)

// countingPane is a fake pane that counts its Init calls.
type countingPane struct {
	fakePane
	inits int
}

func (p *countingPane) Init() tea.Cmd { p.inits++; return nil }

func countingPanes() ([]*countingPane, []common.Pane) {
	fakes := make([]*countingPane, common.NumPanes)
	panes := make([]common.Pane, common.NumPanes)
	for i := range fakes {
		fakes[i] = &countingPane{fakePane: fakePane{id: common.PaneID(i), ready: true}}
		panes[i] = fakes[i]
	}
	return fakes, panes
}

// connecting is a root whose API is not reachable yet: Connect blocks until
// release is closed, then answers conn.
func connecting(t *testing.T, panes []common.Pane, conn Conn) (m *Model, release chan struct{}, progress chan Starting) {
	t.Helper()
	ctx := commontest.Context(80, 20, nil)
	ctx.Me, ctx.APIURL = models.Me{}, ""
	release, progress = make(chan struct{}), make(chan Starting, 1)
	m = New(ctx, Options{Panes: panes, NoTick: true, Progress: progress, Connect: func() (Conn, error) {
		<-release
		return conn, nil
	}})
	return m, release, progress
}

func TestGoldenSplashCreatingSandbox(t *testing.T) {
	_, panes := fakePanes()
	m, _, _ := connecting(t, panes, Conn{})
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	if got := commontest.Plain(m.render()); !strings.Contains(got, "starting the sandbox…") || strings.Contains(got, "Overview") {
		t.Fatalf("before any progress the splash should say the sandbox is starting, and nothing else:\n%s", got)
	}
	m.Update(startingMsg{s: Starting{Text: "creating the sandbox with demo data", Done: 3, Total: 8}, ok: true})
	commontest.Golden(t, m.render())
}

// The console's first frame does not wait for the sandbox: the program
// draws the splash while Connect is still blocked, and the data once it
// answers.
func TestFirstFrameBeforeSandboxIsReady(t *testing.T) {
	c := fixtureClient(t, fixtureKeys())
	_, panes := fakePanes()
	ctx := commontest.Context(120, 36, nil)
	ctx.Me, ctx.APIURL = models.Me{}, ""
	panes[common.PaneOverview] = overview.New(ctx)
	release := make(chan struct{})
	m := New(ctx, Options{Panes: panes, NoTick: true, Connect: func() (Conn, error) {
		<-release
		return Conn{Client: c, APIURL: c.BaseURL()}, nil
	}})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(120, 40))
	var seen bytes.Buffer
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		seen.Write(b)
		return bytes.Contains(seen.Bytes(), []byte("starting the sandbox"))
	}, teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
	if bytes.Contains(seen.Bytes(), []byte("pm_")) {
		t.Fatal("data on screen before the sandbox answered")
	}
	close(release)
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		seen.Write(b)
		return bytes.Contains(seen.Bytes(), []byte("Production App"))
	}, teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
	tm.Send(tea.KeyPressMsg{Code: 'q', Text: "q"})
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(*Model)
	if final.Context().Client != c || final.Context().Me.Email != "admin@acme.test" || final.Err() != nil {
		t.Fatalf("after connecting: client %v, me %q, err %v", final.Context().Client, final.Context().Me.Email, final.Err())
	}
}

func TestConnectFailureEndsTheProgramWithItsError(t *testing.T) {
	_, panes := fakePanes()
	ctx := commontest.Context(80, 20, nil)
	m := New(ctx, Options{Panes: panes, NoTick: true, Connect: func() (Conn, error) {
		return Conn{}, errSandbox
	}})
	msgs := commontest.Drain(t, func(msg tea.Msg) tea.Cmd { return send(m, msg) }, m.Init())
	if m.Err() != errSandbox || !hasQuit(msgs) {
		t.Fatalf("err %v, quit %v", m.Err(), hasQuit(msgs))
	}
}

var errSandbox = &client.Error{Kind: client.KindNetwork, Message: "sandbox: database is locked"}

func hasQuit(msgs []tea.Msg) bool {
	for _, msg := range msgs {
		if _, ok := msg.(tea.QuitMsg); ok {
			return true
		}
	}
	return false
}

// Only the visible pane starts with the console; the others start on the
// first tick after the first full frame, the Docs pane only when shown.
func TestPanesStartVisibleFirstOthersAfterFirstFrameDocsWhenShown(t *testing.T) {
	fakes, panes := countingPanes()
	m, release, _ := connecting(t, panes, Conn{Client: client.New(client.Options{BaseURL: "http://127.0.0.1:1"})})
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	m.Init()
	send(m, tea.KeyPressMsg{Code: '2', Text: "2"}) // a switch while connecting starts nothing
	if fakes[common.PaneKeys].inits != 0 {
		t.Fatal("a pane started before the API was reachable")
	}
	close(release)
	send(m, connectedMsg{conn: Conn{Client: client.New(client.Options{BaseURL: "http://127.0.0.1:1"})}})
	inits := func() []int {
		out := make([]int, len(fakes))
		for i, f := range fakes {
			out[i] = f.inits
		}
		return out
	}
	if got := inits(); got[common.PaneKeys] != 1 || got[common.PaneOverview]+got[common.PaneDocs]+got[common.PaneUsage]+got[common.PaneWebhooks] != 0 {
		t.Fatalf("after connecting, inits %v: want only the visible pane (Keys)", got)
	}
	m.meLoaded = true
	send(m, common.TickMsg{Now: commontest.Now})
	if got := inits(); got[common.PaneOverview] != 1 || got[common.PaneUsage] != 1 || got[common.PaneWebhooks] != 1 || got[common.PaneDocs] != 0 {
		t.Fatalf("after the first frame and a tick, inits %v: want all once but Docs", got)
	}
	send(m, tea.KeyPressMsg{Code: '3', Text: "3"})
	send(m, tea.KeyPressMsg{Code: '3', Text: "3"})
	if got := inits(); got[common.PaneDocs] != 1 || got[common.PaneKeys] != 1 {
		t.Fatalf("after showing Docs twice, inits %v: want Docs once", got)
	}
}

// A tab switch fetches the pane's data at once: with no tick ever sent
// (NoTick), pressing 4 shows one loading frame, then the usage as soon as
// the answer is in.
func TestTabSwitchFetchesWithoutWaitingForATick(t *testing.T) {
	now := commontest.Now
	u := models.APIUsage{Range: models.Range24h, From: now.Add(-time.Hour), To: now, BucketSeconds: 900, GeneratedAt: now,
		Totals: models.UsageTotals{Requests: 1234, Success: 1200}, RateLimit: models.RateLimitSeries{Limit: 300}}
	for i := range 4 {
		u.Series = append(u.Series, models.UsageBucket{T: u.From.Add(time.Duration(i) * 15 * time.Minute), Total: 300 + int64(i), Success: 300})
		u.RateLimit.Series = append(u.RateLimit.Series, models.RateLimitPoint{T: u.Series[i].T})
	}
	c := commontest.FixtureClient(t, map[string]any{"GET /api/v1/tenant/analytics/api-usage": u})
	ctx := commontest.Context(120, 36, c)
	_, panes := fakePanes()
	panes[common.PaneUsage] = usage.New(ctx)
	m := New(ctx, Options{Panes: panes, NoTick: true})
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	m.ready, m.meLoaded = true, true
	cmd := send(m, tea.KeyPressMsg{Code: '4', Text: "4"})
	if cmd == nil {
		t.Fatal("the switch to Usage started no request")
	}
	loading := commontest.Plain(m.render())
	if !strings.Contains(loading, "loading") {
		t.Fatalf("the frame before the answer should say loading:\n%s", loading)
	}
	commontest.Drain(t, func(msg tea.Msg) tea.Cmd { return send(m, msg) }, cmd)
	frame := commontest.Plain(m.render())
	if !strings.Contains(frame, "1,234") || strings.Contains(frame, "loading") {
		t.Fatalf("the usage should be on screen once the answer is in:\n%s", frame)
	}
	// Data younger than its refresh interval is not asked for again.
	send(m, tea.KeyPressMsg{Code: '1', Text: "1"})
	if cmd := send(m, tea.KeyPressMsg{Code: '4', Text: "4"}); cmd != nil {
		if msgs := commontest.Drain(t, func(msg tea.Msg) tea.Cmd { return send(m, msg) }, cmd); len(msgs) > 0 {
			t.Fatalf("a second switch within the interval fetched again: %v", msgs)
		}
	}
}
