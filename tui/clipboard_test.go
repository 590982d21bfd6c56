package tui

import (
	"errors"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/penguinmails/pmdev/tui/common"
	"github.com/penguinmails/pmdev/tui/common/commontest"
)

// Locally the root gives panes the system clipboard; over SSH (no Files,
// Remote) it does not, so copies there are OSC 52 alone.
func TestSystemClipboardOnlyLocally(t *testing.T) {
	_, panes := fakePanes()
	local := New(commontest.Context(80, 20, nil), Options{Panes: panes, NoTick: true})
	if local.ctx.Clipboard == nil {
		t.Fatal("a local console must try the system clipboard")
	}
	remote := commontest.Context(80, 20, nil)
	remote.Files, remote.Remote = nil, true
	if New(remote, Options{Panes: panes, NoTick: true}).ctx.Clipboard != nil {
		t.Fatal("an SSH console must not touch the server's clipboard")
	}
}

// The status line says what a copy reached, and the pane that copied
// hears it too.
func TestCopiedMsgReachesStatusAndPane(t *testing.T) {
	m, fakes := newRoot(t, nil)
	send(m, tea.WindowSizeMsg{Width: 120, Height: 30})
	send(m, common.CopiedMsg{Result: common.Result{Pane: common.PaneKeys}, What: "API key", System: true, Err: errors.New("exit status 1")})
	if got := commontest.Plain(m.statusBar()); !strings.Contains(got, "API key sent to the terminal clipboard (OSC 52, unconfirmed); system clipboard: failed") {
		t.Fatalf("status bar: %q", got)
	}
	if fakes[common.PaneKeys].count(func(msg tea.Msg) bool { _, ok := msg.(common.CopiedMsg); return ok }) != 1 {
		t.Fatal("the keys pane did not hear about its copy")
	}
}
