package sshconsole

import (
	"context"
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
)

// stubConsole is a tiny console for protocol tests: it shows who is signed
// in, the window size and colour profile, polls rate limits like the real
// console, copies with "c", creates a key with "n" and quits with "q".
type stubConsole struct {
	p       ConsoleParams
	w, h    int
	profile string
	note    string
	secret  bool // "S": a secret is on screen until "s"
}

// GuardsQuit implements common.QuitGuard, as the real console does while
// a new key is shown once.
func (m *stubConsole) GuardsQuit() bool { return m.secret }

type (
	stubPollMsg    struct{}
	stubCreatedMsg struct {
		id  string
		err error
	}
)

func newStubConsole(p ConsoleParams) (tea.Model, error) { return &stubConsole{p: p}, nil }

func (m *stubConsole) Init() tea.Cmd { return m.poll() }

func (m *stubConsole) poll() tea.Cmd {
	c, every := m.p.Client, m.p.Refresh.RateLimits
	return func() tea.Msg {
		_, _ = c.RateLimits(context.Background())
		time.Sleep(every)
		return stubPollMsg{}
	}
}

func (m *stubConsole) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.w, m.h = msg.Width, msg.Height
		return m, tea.ClearScreen
	case tea.ColorProfileMsg:
		m.profile = msg.Profile.String()
		return m, tea.ClearScreen
	case stubPollMsg:
		return m, m.poll()
	case stubCreatedMsg:
		m.note = "created=" + msg.id
		if msg.err != nil {
			m.note = "error=" + msg.err.Error()
		}
		return m, tea.ClearScreen
	case tea.KeyPressMsg:
		switch msg.String() {
		case "q":
			return m, tea.Quit
		case "c":
			return m, tea.SetClipboard("pmdev-clip")
		case "t":
			m.note = "toggled"
			return m, tea.ClearScreen
		case "S", "s":
			m.secret = msg.String() == "S"
			m.note = fmt.Sprintf("secret=%v", m.secret)
			return m, tea.ClearScreen
		case "P":
			panic("stub console: panic in Update")
		case "G":
			return m, func() tea.Msg { panic("stub console: panic in a command") }
		case "n":
			c := m.p.Client
			return m, func() tea.Msg {
				k, err := c.CreateKey(context.Background(), models.CreateAPIKeyRequest{Name: "from-ssh", Permissions: []string{"send_email"}})
				return stubCreatedMsg{id: k.KeyID, err: err}
			}
		}
	}
	return m, nil
}

func (m *stubConsole) View() tea.View {
	v := tea.NewView(fmt.Sprintf("stub-console\nuser=%s\nrole=%s\nsize=%dx%d\nprofile=%s\nnocolor=%v\napi=%s\n%s",
		m.p.Me.Email, m.p.Me.Role, m.w, m.h, m.profile, envValue(m.p.Env, "NO_COLOR") != "", m.p.APIURL, m.note))
	v.AltScreen = true
	return v
}

func fastRefresh(o *Options) {
	o.Refresh = common.Refresh{RateLimits: 100 * time.Millisecond, Usage: time.Second, Keys: time.Second, Webhooks: time.Second}
}
