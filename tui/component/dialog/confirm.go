package dialog

import (
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/penguinmails/pmdev/tui/common"
)

// Confirm is a yes/no question: Yes answers it (Accept too, where the
// question says "enter: …"), No or Cancel dismisses it. While Busy — the
// answer is on its way — keys are ignored, so a request goes out once.
// Data is the question's own state; its type tells one question from
// another on a stack (Find[*Confirm[rotation]]).
type Confirm[T any] struct {
	Data T
	Keys *common.DialogKeys
	// EnterIsYes lets Accept answer yes; the help then names enter and esc
	// rather than y and n.
	EnterIsYes bool
	// YesHelp and NoHelp describe the answers in the help line.
	YesHelp, NoHelp string
	// Extra are help entries shown before the answers.
	Extra []key.Binding
	// OnYes answers the question. It may set Busy or Err; stay keeps the
	// question open (waiting for the reply, or showing Err).
	OnYes func(c *Confirm[T]) (stay bool, cmd tea.Cmd)
	// OnNo runs when the question is dismissed; nil closes it quietly.
	OnNo func(c *Confirm[T]) tea.Cmd
	// OnKey gets the other keys (a choice within the question); may be nil.
	OnKey func(c *Confirm[T], msg tea.KeyPressMsg) tea.Cmd
	// Body renders the question. It must not change state.
	Body func(c *Confirm[T], width, height int) string
	Busy bool
	Err  string
}

// Update implements Dialog.
func (c *Confirm[T]) Update(msg tea.Msg) (Dialog, tea.Cmd) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok || c.Busy {
		return c, nil
	}
	switch {
	case key.Matches(k, c.Keys.Yes) || (c.EnterIsYes && key.Matches(k, c.Keys.Accept)):
		stay, cmd := c.OnYes(c)
		if !stay {
			return nil, cmd
		}
		return c, cmd
	case key.Matches(k, c.Keys.No, c.Keys.Cancel, c.Keys.Close):
		if c.OnNo != nil {
			return nil, c.OnNo(c)
		}
		return nil, nil
	case c.OnKey != nil:
		return c, c.OnKey(c, k)
	}
	return c, nil
}

// View implements Dialog.
func (c *Confirm[T]) View(width, height int) string { return c.Body(c, width, height) }

// ShortHelp implements help.KeyMap.
func (c *Confirm[T]) ShortHelp() []key.Binding {
	yes, no := c.Keys.Yes, c.Keys.No
	if c.EnterIsYes {
		yes, no = c.Keys.Accept, c.Keys.Cancel
	}
	return append(append([]key.Binding{}, c.Extra...), common.WithHelp(yes, c.YesHelp), common.WithHelp(no, c.NoHelp))
}

// FullHelp implements help.KeyMap.
func (c *Confirm[T]) FullHelp() [][]key.Binding { return [][]key.Binding{c.ShortHelp()} }

// Typed is the "type the name to confirm" field of an irreversible action
// (revoking a key, deleting an endpoint): Accept counts only when what was
// typed is Want. The dialog around it handles Cancel and its request.
type Typed struct {
	Input textinput.Model
	Want  string
	// Mismatch is the error Accept on other text sets.
	Mismatch string
	Err      string
}

// NewTyped is a focused field waiting for want.
func NewTyped(placeholder string, limit int, want, mismatch string) Typed {
	in := common.NewInput(placeholder, limit)
	in.Focus()
	return Typed{Input: in, Want: want, Mismatch: mismatch}
}

// Matches reports that the text typed is Want (surrounding spaces aside).
func (t *Typed) Matches() bool { return strings.TrimSpace(t.Input.Value()) == t.Want }

// Update types a key or a paste into the field; on Accept it reports
// whether the text matches, setting Err when it does not.
func (t *Typed) Update(keys *common.DialogKeys, msg tea.Msg) (accepted bool, cmd tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		if !common.TypesText(msg) && key.Matches(msg, keys.Accept) {
			if !t.Matches() {
				t.Err = t.Mismatch
				return false, nil
			}
			t.Err = ""
			return true, nil
		}
		t.Err = ""
		t.Input, cmd = t.Input.Update(msg)
	case tea.PasteMsg:
		t.Input, cmd = t.Input.Update(msg)
	}
	return false, cmd
}
