package tui

import (
	"os"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/penguinmails/pmdev/tui/common"
	"github.com/penguinmails/pmdev/tui/common/commontest"
	"github.com/penguinmails/pmdev/tui/docs"
	"github.com/penguinmails/pmdev/tui/usage"
)

// guardPane is a pane showing a secret once: it guards ctrl+c.
type guardPane struct {
	fakePane
	guard bool
}

func (g *guardPane) GuardsQuit() bool { return g.guard }

// ctrl+c quits at once, except over a pane that guards it (a key shown
// once): the pane gets it, to ask first.
func TestCtrlCGoesToAGuardingPane(t *testing.T) {
	_, panes := fakePanes()
	g := &guardPane{fakePane: fakePane{id: common.PaneKeys, ready: true}, guard: true}
	panes[common.PaneKeys] = g
	m := New(commontest.Context(80, 20, nil), Options{Panes: panes, NoTick: true})
	send(m, tea.WindowSizeMsg{Width: 80, Height: 24})
	send(m, commontest.Key("2"))
	if isQuit(send(m, commontest.Key("ctrl+c"))) || len(g.got) == 0 {
		t.Fatal("ctrl+c over a guarding pane must reach the pane, not quit")
	}
	g.guard = false
	if !isQuit(send(m, commontest.Key("ctrl+c"))) {
		t.Fatal("ctrl+c must quit once nothing is guarded")
	}
}

// ? then q closes the help (an overlay) instead of quitting; q on the
// plain screen quits.
func TestQClosesHelpThenQuits(t *testing.T) {
	m, _ := newRoot(t, nil)
	send(m, commontest.Key("?"))
	if !m.fullHelp {
		t.Fatal("? did not open the help")
	}
	if isQuit(send(m, commontest.Key("q"))) || m.fullHelp {
		t.Fatal("q over the help must close it, not quit")
	}
	send(m, commontest.Key("?"))
	send(m, commontest.Key("esc"))
	if m.fullHelp {
		t.Fatal("esc did not close the help")
	}
	if !isQuit(send(m, commontest.Key("q"))) {
		t.Fatal("q on a plain screen must quit")
	}
}

// The real Docs pane with its page focused: 5 and tab switch tabs; o then
// a digit follows a link. The real Usage pane: j/k scroll, f filters keys.
func TestDigitsTabAndJKMeanOneThingEverywhere(t *testing.T) {
	ctx := commontest.Context(120, 36, nil)
	ctx.Assets = os.DirFS("../api")
	ctx.CacheDir = t.TempDir()
	_, panes := fakePanes()
	d := docs.New(ctx)
	u := usage.New(ctx)
	panes[common.PaneDocs], panes[common.PaneUsage] = d, u
	m := New(ctx, Options{Panes: panes, NoTick: true})
	send(m, tea.WindowSizeMsg{Width: 120, Height: 40})
	commontest.Drain(t, func(msg tea.Msg) tea.Cmd { return send(m, msg) }, d.Init())
	send(m, commontest.Key("3"))
	send(m, commontest.Key("right")) // focus the page
	frame := commontest.Plain(m.render())
	if !strings.Contains(frame, "o+n 1 ") || !strings.Contains(frame, "o 1-9 follow link") {
		t.Fatalf("docs page does not offer o for links:\n%s", frame)
	}
	send(m, commontest.Key("5"))
	if m.Active() != common.PaneWebhooks {
		t.Fatalf("5 on the docs page went to %s, want Webhooks", m.Active())
	}
	send(m, commontest.Key("3"))
	send(m, commontest.Key("tab"))
	if m.Active() != common.PaneUsage {
		t.Fatalf("tab on the docs page went to %s, want Usage", m.Active())
	}
	help := commontest.Plain(m.helpLine())
	for _, want := range []string{"f key filter"} {
		if !strings.Contains(help, want) {
			t.Errorf("usage help %q lacks %q", help, want)
		}
	}
	send(m, commontest.Key("f"))
	if !u.Captures(commontest.Key("q")) {
		t.Fatal("f did not open the key filter")
	}
	send(m, commontest.Key("esc"))
}
