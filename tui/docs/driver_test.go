package docs

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"github.com/penguinmails/pmdev/tui/common/commontest"
)

// Drive runs cmd and every command it leads to, feeding each message back
// into m, until done reports true (then it returns) or nothing is left to
// run. Spinner ticks and cursor blinks are dropped: they only animate. Clipboard writes are
// recorded in *clip when clip is not nil. It is exported for the external
// tests in this directory.
func Drive(t testing.TB, m *Model, cmd tea.Cmd, done func() bool, clip *string) {
	defer func() {
		if t.Failed() {
			t.Log(m.View())
		}
	}()
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	queue := []tea.Cmd{cmd}
	for len(queue) > 0 {
		if done != nil && done() {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("Drive: timed out")
		}
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		switch msg := c().(type) {
		case nil:
		case tea.BatchMsg:
			queue = append(queue, msg...)
		case spinner.TickMsg:
		default:
			if reflect.TypeOf(msg).PkgPath() == "charm.land/bubbles/v2/cursor" {
				continue // cursor blinks chain forever and only animate
			}
			if v := reflect.ValueOf(msg); v.Kind() == reflect.String && fmt.Sprintf("%T", msg) == "tea.setClipboardMsg" {
				if clip != nil {
					*clip = v.String()
				}
				continue
			}
			queue = append(queue, m.Update(msg))
		}
	}
	if done != nil && !done() {
		t.Fatal("Drive: ran out of commands before the condition held")
	}
}

// Key is a key press as the root would deliver it.
func Key(s string) tea.KeyPressMsg { return commontest.Key(s) }

// Type sends each rune of s as a key press.
func Type(t testing.TB, m *Model, s string) {
	for _, r := range s {
		Drive(t, m, m.Update(Key(string(r))), nil, nil)
	}
}

// Loaded reports whether the pane shows a rendered page.
func (m *Model) Loaded() bool { return m.cur != nil && m.curKey.slug == m.slug && m.lib != nil }

// Source is where the copy on screen came from.
func (m *Model) Source() string {
	if m.lib == nil {
		return ""
	}
	return m.lib.Source
}

// Slug is the open page.
func (m *Model) Slug() string { return m.slug }

// TempKey is the session's temporary Try it key, for the external tests.
func (m *Model) TempKey() string { return m.tempKey }
