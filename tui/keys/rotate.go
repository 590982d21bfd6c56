package keys

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
	"github.com/penguinmails/pmdev/tui/component/dialog"
)

// Grace periods offered when rotating; 24 h is the default.
var graceChoices = [...]struct {
	hours int
	label string
}{
	{0, "None — the old key stops immediately"},
	{1, "1 hour"},
	{24, "24 hours"},
	{168, "7 days"},
}

const defaultGrace = 2

// rotateModal confirms a rotation and picks the old key's grace period.
type rotateModal struct {
	m                   *Model
	keyID, name, masked string
	choice              int
	submitting          bool
	reqID               uint64
	err                 string
}

func (m *Model) openRotate(k *models.APIKey) tea.Cmd {
	if cmd, ok := m.canAct(k, "rotated"); !ok {
		return cmd
	}
	if k.ReplacedBy != "" {
		// The server refuses a second rotation; say so before the user picks a grace period.
		m.setNotice("Already rotated: rotate its replacement instead.", true)
		return common.Status("key already rotated; rotate its replacement", common.LevelWarning)
	}
	m.dialogs.Push(&rotateModal{m: m, keyID: k.KeyID, name: common.Sanitize(k.Name), masked: common.Sanitize(k.MaskedKey), choice: defaultGrace})
	return nil
}

// Update implements dialog.Dialog.
func (r *rotateModal) Update(msg tea.Msg) (dialog.Dialog, tea.Cmd) {
	m := r.m
	km, ok := msg.(tea.KeyPressMsg)
	if !ok || r.submitting {
		return r, nil
	}
	switch km.String() {
	case "esc", "n":
		return nil, nil
	case "up", "left", "k", "shift+tab":
		r.choice = (r.choice + len(graceChoices) - 1) % len(graceChoices)
	case "down", "right", "j", "tab":
		r.choice = (r.choice + 1) % len(graceChoices)
	case "enter", "y":
		id, cmd, ok := m.startAction(&r.err)
		if !ok {
			return r, cmd
		}
		r.submitting, r.reqID = true, id
		return r, rotateKey(m.ctx.Client, r.reqID, r.keyID, graceChoices[r.choice].hours)
	}
	return r, nil
}

// View implements dialog.Dialog.
func (r *rotateModal) View(width, height int) string {
	st := r.m.ctx.Styles
	var b strings.Builder
	b.WriteString(st.Warning.Render("⚠ Rotate API key?") + "\n\n")
	b.WriteString("A new key with the same permissions replaces this one. Apps using\n")
	b.WriteString("the old key keep working during the grace period, then it stops.\n\n")
	b.WriteString(st.Label.Render("Key          ") + r.name + "\n")
	b.WriteString(st.Label.Render("Current key  ") + r.masked + "\n\n")
	b.WriteString(st.Heading.Render("Grace period for the old key") + "\n")
	for i, g := range graceChoices {
		label := g.label
		if i == defaultGrace {
			label += " (default)"
		}
		if i == r.choice {
			b.WriteString(st.Cursor.Render("▸ ") + st.Accent.Render("◉ "+label) + "\n")
		} else {
			b.WriteString("  ○ " + label + "\n")
		}
	}
	b.WriteString("\n")
	switch {
	case r.submitting:
		b.WriteString(st.Muted.Render("Rotating…"))
	case r.err != "":
		b.WriteString(st.Danger.Render(common.Wrap(r.err, modalText(width))) + "\n" + st.Muted.Render("enter: try again · esc: cancel"))
	default:
		b.WriteString(st.Muted.Render("↑/↓ choose · enter: rotate · esc: cancel"))
	}
	// No vertical padding: with an error the dialog must still fit 80×24.
	return modal(st.Modal.Padding(0, 2).Render(b.String()), width, height)
}

// ShortHelp implements help.KeyMap. The dialog moves its choice with ↑/↓
// (also tab, j/k); say it the way its text does.
func (r *rotateModal) ShortHelp() []key.Binding {
	return []key.Binding{withHelp(keyScroll, "grace period"), withHelp(keyEnter, "rotate"), withHelp(keyEsc, "cancel")}
}

// FullHelp implements help.KeyMap.
func (r *rotateModal) FullHelp() [][]key.Binding { return [][]key.Binding{r.ShortHelp()} }
