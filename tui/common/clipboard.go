package common

import (
	"context"
	"errors"
	"os"
	"runtime"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/atotto/clipboard"
)

// CopiedMsg reports a copy: the text went to the terminal as OSC 52, which
// cannot confirm anything (tmux's default drops it), and, on the user's
// own machine, to the system clipboard, which can. The root shows it in
// the status line and hands it to the pane that copied.
type CopiedMsg struct {
	Result
	What   string // "API key", "endpoint URL"
	System bool   // a system clipboard was tried (never over SSH)
	Err    error  // why it failed
}

// Text is what the status line says, truthfully.
func (c CopiedMsg) Text() string {
	switch {
	case c.System && c.Err == nil:
		return c.What + " copied to the system clipboard (and sent to the terminal, OSC 52)"
	case c.System:
		return c.What + " sent to the terminal clipboard (OSC 52, unconfirmed); system clipboard: " + ClipboardError(c.Err)
	}
	return c.What + " sent to the terminal clipboard (OSC 52, unconfirmed)"
}

// Level is success only when the system clipboard confirmed the copy.
func (c CopiedMsg) Level() Level {
	if c.System && c.Err == nil {
		return LevelSuccess
	}
	return LevelInfo
}

// Copy sends text to the terminal clipboard (OSC 52) and, where the console
// runs on the user's machine (ctx.Clipboard set), to the system clipboard
// too; the CopiedMsg it ends with says which arrived, for pane.
func Copy(ctx *Context, pane PaneID, text, what string) tea.Cmd {
	sys := ctx.Clipboard
	return tea.Batch(tea.SetClipboard(text), func() tea.Msg {
		msg := CopiedMsg{Result: Result{Pane: pane}, What: what}
		if sys != nil {
			msg.System, msg.Err = true, writeWithin(sys, text, 2*time.Second)
		}
		return msg
	})
}

// writeWithin runs write with a deadline: a clipboard tool that hangs (an X
// server that never answers) must not hold the command forever.
func writeWithin(write func(string) error, text string, d time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- write(text) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return errors.New("no answer from the clipboard tool")
	}
}

// errNoDisplay: on X11/Wayland systems the clipboard belongs to a
// graphical session; without one xclip and xsel can only fail.
var errNoDisplay = errors.New("no graphical session (DISPLAY and WAYLAND_DISPLAY are unset)")

// errNoTool: none of the clipboard tools atotto/clipboard drives is installed.
var errNoTool = errors.New("no clipboard utilities (xclip, xsel, wl-copy) installed")

// SystemClipboard writes to the desktop clipboard through xclip, xsel or
// wl-copy (pbcopy on macOS, the Windows API there), as atotto/clipboard
// finds them.
func SystemClipboard(text string) error {
	if needsDisplay() && os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" && os.Getenv("TERMUX_VERSION") == "" {
		return errNoDisplay
	}
	if clipboard.Unsupported {
		return errNoTool
	}
	return clipboard.WriteAll(text)
}

func needsDisplay() bool { return runtime.GOOS != "darwin" && runtime.GOOS != "windows" }

// NoSystemClipboard reports a failure that means there is none to use
// here (no display, no tool), rather than one that broke.
func NoSystemClipboard(err error) bool {
	// Judged by the error alone, so a tool that broke reads as broken.
	return errors.Is(err, errNoDisplay) || errors.Is(err, errNoTool) || (err != nil && strings.Contains(err.Error(), "No clipboard utilities"))
}

// ClipboardError puts a system clipboard failure in a few words.
func ClipboardError(err error) string {
	if err == nil {
		return ""
	}
	switch {
	case errors.Is(err, errNoDisplay):
		return "none here: " + err.Error()
	case NoSystemClipboard(err):
		return "none found (install xclip, xsel or wl-clipboard)"
	}
	return "failed (" + Truncate(Sanitize(err.Error()), 60) + ")"
}
