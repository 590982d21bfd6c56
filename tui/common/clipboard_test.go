package common

import (
	"errors"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
)

// run executes Copy's batch and returns the CopiedMsg and whether OSC 52
// was sent with the text.
func runCopy(t *testing.T, ctx *Context, text string) (CopiedMsg, bool) {
	t.Helper()
	batch, ok := Copy(ctx, PaneKeys, text, "API key")().(tea.BatchMsg)
	if !ok || len(batch) != 2 {
		t.Fatalf("Copy is not a batch of two: %#v", batch)
	}
	osc := batch[0]() == tea.SetClipboard(text)()
	cm, ok := batch[1]().(CopiedMsg)
	if !ok {
		t.Fatal("no CopiedMsg")
	}
	return cm, osc
}

// OSC 52 is always sent and never claimed as delivered; the system
// clipboard is tried only where the console runs locally, and what it
// answered is said as it is.
func TestCopySaysWhatArrived(t *testing.T) {
	var got string
	cases := []struct {
		name      string
		clip      func(string) error
		want      string
		level     Level
		triedSys  bool
		wantFound string
	}{
		{"over SSH: OSC 52 only", nil, "API key sent to the terminal clipboard (OSC 52, unconfirmed)", LevelInfo, false, ""},
		{"locally, system clipboard works", func(s string) error { got = s; return nil },
			"API key copied to the system clipboard (and sent to the terminal, OSC 52)", LevelSuccess, true, "pm_live_x"},
		{"locally, no clipboard tool", func(string) error {
			return errors.New("No clipboard utilities available. Please install xsel, xclip, wl-clipboard or Termux:API add-on for termux-clipboard-get/set.")
		}, "API key sent to the terminal clipboard (OSC 52, unconfirmed); system clipboard: none found (install xclip, xsel or wl-clipboard)", LevelInfo, true, ""},
		{"locally, the tool fails", func(string) error { return errors.New("exit status 1") },
			"API key sent to the terminal clipboard (OSC 52, unconfirmed); system clipboard: failed (exit status 1)", LevelInfo, true, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got = ""
			cm, osc := runCopy(t, &Context{Clipboard: tc.clip}, "pm_live_x")
			if !osc {
				t.Error("OSC 52 not sent")
			}
			if cm.Text() != tc.want || cm.Level() != tc.level || cm.System != tc.triedSys || cm.Target() != PaneKeys {
				t.Errorf("copied %+v: %q level %v", cm, cm.Text(), cm.Level())
			}
			if got != tc.wantFound {
				t.Errorf("system clipboard got %q", got)
			}
			if strings.Contains(cm.Text(), "✓ copied") {
				t.Error("claims a copy")
			}
		})
	}
}

// A clipboard tool that never answers does not hold the copy forever.
func TestCopyGivesUpOnAHangingTool(t *testing.T) {
	block := make(chan struct{})
	defer close(block)
	err := writeWithin(func(string) error { <-block; return nil }, "x", 10e6)
	if err == nil || !strings.Contains(err.Error(), "no answer") {
		t.Fatalf("err = %v", err)
	}
}

// Without a graphical session the system clipboard is not even tried, and
// the words say why (this is the headless CI machine's case).
func TestSystemClipboardWithoutDisplay(t *testing.T) {
	if !needsDisplay() {
		t.Skip("the clipboard needs no display here")
	}
	t.Setenv("DISPLAY", "")
	t.Setenv("WAYLAND_DISPLAY", "")
	t.Setenv("TERMUX_VERSION", "")
	err := SystemClipboard("x")
	if !errors.Is(err, errNoDisplay) || !strings.Contains(ClipboardError(err), "DISPLAY and WAYLAND_DISPLAY are unset") {
		t.Fatalf("err %v: %q", err, ClipboardError(err))
	}
}
