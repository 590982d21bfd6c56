package sshconsole

import (
	"io/fs"
	"log/slog"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/penguinmails/pmdev/client"
	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/styles"
	"github.com/penguinmails/pmdev/tui"
	"github.com/penguinmails/pmdev/tui/common"
)

// ConsoleParams is what one SSH session hands to the console.
type ConsoleParams struct {
	Client  *client.Client
	Me      models.Me
	APIURL  string   // the API as the user reaches it (examples, status bar)
	Env     []string // the SSH client's environment (TERM, COLORTERM, NO_COLOR, …)
	Logger  *slog.Logger
	Assets  fs.FS
	Refresh common.Refresh
}

// ConsoleFactory builds the model of one session.
type ConsoleFactory func(p ConsoleParams) (tea.Model, error)

// newSSHConsole is the real console for a remote user, and the one place
// the SSH console's common.Context is built (the local console's is built in
// internal/cli/console.go). Colours follow the client's TERM/COLORTERM/NO_COLOR
// (the Bubble Tea options set the profile); the background is asked of the
// client's terminal by the console.
func newSSHConsole(p ConsoleParams) (tea.Model, error) {
	ctx := &common.Context{
		Styles:  styles.New(true),
		Keys:    common.DefaultKeyMap(),
		Client:  p.Client,
		Logger:  p.Logger,
		Refresh: p.Refresh,
		Me:      p.Me,
		APIURL:  p.APIURL,
		NoColor: envValue(p.Env, "NO_COLOR") != "",
		Assets:  p.Assets,
		Now:     time.Now,
		// The console runs on the server: a .env or CSV written here would
		// put a remote user's secrets on the server's disk. Panes offer no
		// file writes when Remote; copying (OSC 52) reaches the client.
		Remote: true,
	}
	return tui.New(ctx, tui.Options{}), nil
}

// envValue returns the last value of key in env (later entries win, as in a shell).
func envValue(env []string, key string) string {
	v := ""
	for _, kv := range env {
		if k, val, ok := strings.Cut(kv, "="); ok && k == key {
			v = val
		}
	}
	return v
}
