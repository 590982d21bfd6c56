// Package common is the contract shared by the console's root model and its
// panes: the context every pane gets, the pane interface, the messages that
// cross between them, and the key map.
package common

import (
	"context"
	"io/fs"
	"log/slog"
	"time"

	"charm.land/bubbles/v2/help"
	tea "charm.land/bubbletea/v2"

	"github.com/penguinmails/pmdev/client"
	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/styles"
)

// PaneID names a tab.
type PaneID int

const (
	PaneOverview PaneID = iota
	PaneKeys
	PaneDocs
	PaneUsage
	PaneWebhooks
	NumPanes
)

func (p PaneID) String() string {
	switch p {
	case PaneOverview:
		return "Overview"
	case PaneKeys:
		return "Keys"
	case PaneDocs:
		return "Docs"
	case PaneUsage:
		return "Usage"
	case PaneWebhooks:
		return "Webhooks"
	}
	return "?"
}

// Refresh holds the polling interval of each live source; 0 turns a source off.
type Refresh struct {
	RateLimits time.Duration
	Usage      time.Duration
	Keys       time.Duration
	Webhooks   time.Duration
}

// DefaultRefresh is the polling schedule: rate limits every 2 s, usage
// and webhooks every 15 s, keys every 30 s.
func DefaultRefresh() Refresh {
	return Refresh{RateLimits: 2 * time.Second, Usage: 15 * time.Second, Keys: 30 * time.Second, Webhooks: 15 * time.Second}
}

// Context is shared by the root and every pane (one pointer, owned by the
// root). Panes read it; only the root writes it.
type Context struct {
	Styles  *styles.Styles
	Keys    *KeyMap
	Client  *client.Client
	Logger  *slog.Logger
	Refresh Refresh

	// Width and Height are the size of the pane area (without tab and status bars).
	Width, Height int

	Me     models.Me
	APIURL string // origin of the API, for code examples and display
	// TokenFrom names where the token came from ("--token",
	// "PENGUINMAILS_TOKEN", "profile work"), for the advice when the API
	// rejects it; "" when not known.
	TokenFrom string
	// Sandbox is set only for the in-process sandbox server (not for any
	// loopback API): it shows the SANDBOX badge and enables sandbox helpers.
	Sandbox bool
	// Active is the visible pane; hidden panes do not poll.
	Active PaneID
	// Paused stops live polling (the `p` key); explicit refreshes still run.
	Paused bool
	// NoColor is set under NO_COLOR / --no-color (charts switch to markers).
	NoColor bool
	// Remote is set when the console runs for a remote user (over SSH).
	Remote bool
	// Files writes to the user's disk (.env, CSV exports, the docs cache).
	// It is nil over SSH, where the disk is the server's: panes then offer
	// the clipboard (OSC 52) instead, and write nothing.
	Files Files
	// Clipboard writes the system clipboard; nil over SSH, where only the
	// terminal (OSC 52) can reach the user. Tests set a fake.
	Clipboard func(text string) error

	// Assets is the embedded api/ directory (openapi.yaml, docs/).
	Assets fs.FS
	// CacheDir is $XDG_CACHE_HOME/pmdev; DataDir is where exports are written (cwd by default).
	CacheDir string
	WorkDir  string

	// Now is the clock; tests fix it.
	Now func() time.Time
}

// Pane is the contract of one tab. Implementations use pointer receivers.
type Pane interface {
	Init() tea.Cmd
	Update(msg tea.Msg) tea.Cmd
	// View renders the pane area only, exactly Width×Height or smaller.
	View() string
	SetSize(width, height int)
	KeyMap() help.KeyMap
	Title() string
	// Captures reports whether the pane wants this key before the global
	// bindings see it: true for every key while a text input is focused, and
	// for pane keys that deliberately shadow a global one.
	Captures(msg tea.KeyPressMsg) bool
}

// Targeted messages are delivered only to the pane that asked.
type Targeted interface {
	Target() PaneID
}

// Result is embedded in every I/O result message. ReqID lets the pane drop
// results that a newer request has superseded.
type Result struct {
	Pane  PaneID
	ReqID uint64
}

// Target implements Targeted.
func (r Result) Target() PaneID { return r.Pane }

// TickMsg is broadcast by the root once a second; it drives every Poller and
// every countdown, so there is exactly one timer in the program. The root
// also sends one to a pane alone the moment it is shown, so a source whose
// data is older than its refresh interval is fetched then.
type TickMsg struct{ Now time.Time }

// RefreshMsg asks the receiving panes to refresh now (the `r` key).
type RefreshMsg struct{}

// ResizedMsg is delivered through Update to every pane right after the root
// called SetSize on all of them, so a pane can start a Cmd on resize (SetSize
// cannot return one). Width and Height are the pane area, as in SetSize.
type ResizedMsg struct{ Width, Height int }

// NavigateMsg switches to another tab and is then delivered to that pane.
// KeyID is set by "show this key's usage" (Keys → Usage).
type NavigateMsg struct {
	To    PaneID
	KeyID string
	Name  string
	// Slug opens a docs page (Overview → Docs).
	Slug string
	// Action asks the target to start something, e.g. "create" (Overview → Keys wizard).
	Action string
}

// Target implements Targeted so the root forwards it after switching.
func (n NavigateMsg) Target() PaneID { return n.To }

// Level of a status-line message.
type Level int

const (
	LevelInfo Level = iota
	LevelSuccess
	LevelWarning
	LevelError
)

// StatusMsg shows a short-lived message in the status line.
type StatusMsg struct {
	Text  string
	Level Level
	TTL   time.Duration
}

// Status returns a command that shows text in the status line for 4 s.
func Status(text string, level Level) tea.Cmd {
	return func() tea.Msg { return StatusMsg{Text: text, Level: level, TTL: 4 * time.Second} }
}

// Call is an I/O call as a command: f runs off the update loop with a
// context that ends after timeout, and its result is the message.
func Call(timeout time.Duration, f func(ctx context.Context) tea.Msg) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		return f(ctx)
	}
}

// DataAge reports a poll's outcome to the root: fresh data at at, or err
// (offline when the API could not be reached).
func DataAge(at time.Time, err error) tea.Cmd {
	msg := DataAgeMsg{At: at, Err: err, Offline: err != nil && client.IsOffline(err)}
	return func() tea.Msg { return msg }
}

// DataAgeMsg tells the root that a pane received fresh data (for the
// "updated 3s ago" indicator and the offline banner).
type DataAgeMsg struct {
	At      time.Time
	Offline bool
	Err     error
}
