package tui

import (
	"os"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/penguinmails/pmdev/tui/common"
	"github.com/penguinmails/pmdev/tui/common/commontest"
	"github.com/penguinmails/pmdev/tui/docs"
	"github.com/penguinmails/pmdev/tui/usage"
)

// ascii is what a NO_COLOR terminal shows: colours dropped, bold and
// reverse video kept (the program runs with the Ascii profile).
func ascii(s string) string {
	var b strings.Builder
	w := &colorprofile.Writer{Forward: &b, Profile: colorprofile.Ascii}
	_, _ = w.WriteString(s)
	return b.String()
}

// lineWith is the first line of frame containing text.
func lineWith(frame, text string) string {
	for _, l := range strings.Split(frame, "\n") {
		if strings.Contains(commontest.Plain(l), text) {
			return l
		}
	}
	return ""
}

// Without colour every selection still shows: the docs sidebar cursor (▸,
// reverse video) and the open page (•), the focused page's title (▸), the
// Usage range chip ([24h], reverse video).
func TestSelectionsShowWithoutColour(t *testing.T) {
	ctx := commontest.Context(80, 20, nil)
	ctx.NoColor = true
	ctx.Assets = os.DirFS("../api")
	ctx.CacheDir = t.TempDir()
	_, panes := fakePanes()
	d := docs.New(ctx)
	panes[common.PaneDocs], panes[common.PaneUsage] = d, usage.New(ctx)
	m := New(ctx, Options{Panes: panes, NoTick: true})
	send(m, tea.WindowSizeMsg{Width: 80, Height: 24})
	commontest.Drain(t, func(msg tea.Msg) tea.Cmd { return send(m, msg) }, d.Init())
	send(m, commontest.Key("3"))
	send(m, commontest.Key("j")) // the cursor leaves the open page
	frame := ascii(m.render())
	if strings.Contains(frame, "\x1b[38") || strings.Contains(frame, "\x1b[48") {
		t.Fatal("colour codes under NO_COLOR")
	}
	cur, open := lineWith(frame, "▸ Rate limiting"), lineWith(frame, "• Authentication")
	if cur == "" || open == "" || !strings.Contains(cur, "\x1b[7") && !strings.Contains(cur, ";7m") {
		t.Fatalf("sidebar cursor %q / open page %q:\n%s", cur, open, commontest.Plain(frame))
	}
	// (No golden here: the docs header carries the embedded copy's date.)
	for _, want := range []string{"GETTING STARTED      │", "• Authentication     │", "▸ Rate limiting      │", "  Error handling     │"} {
		if !strings.Contains(commontest.Plain(frame), want) {
			t.Errorf("sidebar lacks %q:\n%s", want, commontest.Plain(frame))
		}
	}
	send(m, commontest.Key("right"))
	if frame := commontest.Plain(m.render()); !strings.Contains(frame, "│ ▸ Authentication") {
		t.Fatalf("the focused page is not marked:\n%s", frame)
	}

	send(m, commontest.Key("4"))
	frame = ascii(m.render())
	chips := lineWith(frame, "[24h]")
	if chips == "" || !strings.Contains(chips, "7m[24h]") && !strings.Contains(chips, ";7m[24h]") {
		t.Fatalf("the range chip is not marked: %q", chips)
	}
	t.Run("usage_header", func(t *testing.T) {
		commontest.Golden(t, strings.Join(strings.Split(commontest.Plain(frame), "\n")[:4], "\n"))
	})
}
