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

// rotation is what the rotate question is about: the key, the grace period
// chosen for the old one and the request that answers it.
type rotation struct {
	keyID, name, masked string
	choice              int
	reqID               uint64
}

// rotateModal confirms a rotation (enter or y) and picks the old key's
// grace period (↑/↓).
type rotateModal = dialog.Confirm[rotation]

func (m *Model) openRotate(k *models.APIKey) tea.Cmd {
	if cmd, ok := m.canAct(k, "rotated"); !ok {
		return cmd
	}
	if k.ReplacedBy != "" {
		// The server refuses a second rotation; say so before the user picks a grace period.
		m.setNotice("Already rotated: rotate its replacement instead.", true)
		return common.Status("key already rotated; rotate its replacement", common.LevelWarning)
	}
	dk := &m.ctx.Keys.Dialog
	m.dialogs.Push(&rotateModal{
		Data: rotation{keyID: k.KeyID, name: common.Sanitize(k.Name), masked: common.Sanitize(k.MaskedKey), choice: defaultGrace},
		Keys: dk, EnterIsYes: true, YesHelp: "rotate", NoHelp: "cancel",
		// The choice moves with ↑/↓ (also tab, j/k); say it the way the text does.
		Extra: []key.Binding{common.Joined("grace period", dk.Up, dk.Down)},
		OnKey: func(r *rotateModal, km tea.KeyPressMsg) tea.Cmd {
			switch n := len(graceChoices); {
			case key.Matches(km, dk.Up, dk.Left, dk.PrevField):
				r.Data.choice = (r.Data.choice + n - 1) % n
			case key.Matches(km, dk.Down, dk.Right, dk.NextField):
				r.Data.choice = (r.Data.choice + 1) % n
			}
			return nil
		},
		OnYes: func(r *rotateModal) (bool, tea.Cmd) {
			id, cmd, ok := m.startAction(&r.Err)
			if !ok {
				return true, cmd
			}
			r.Busy, r.Data.reqID = true, id
			return true, rotateKey(m.ctx.Client, id, r.Data.keyID, graceChoices[r.Data.choice].hours)
		},
		Body: m.rotateView,
	})
	return nil
}

func (m *Model) rotateView(r *rotateModal, width, height int) string {
	st := m.ctx.Styles
	var b strings.Builder
	b.WriteString(st.Warning.Render("⚠ Rotate API key?") + "\n\n")
	b.WriteString("A new key with the same permissions replaces this one. Apps using\n")
	b.WriteString("the old key keep working during the grace period, then it stops.\n\n")
	b.WriteString(st.Label.Render("Key          ") + r.Data.name + "\n")
	b.WriteString(st.Label.Render("Current key  ") + r.Data.masked + "\n\n")
	b.WriteString(st.Heading.Render("Grace period for the old key") + "\n")
	for i, g := range graceChoices {
		label := g.label
		if i == defaultGrace {
			label += " (default)"
		}
		if i == r.Data.choice {
			b.WriteString(st.Cursor.Render("▸ ") + st.Accent.Render("◉ "+label) + "\n")
		} else {
			b.WriteString("  ○ " + label + "\n")
		}
	}
	b.WriteString("\n")
	switch {
	case r.Busy:
		b.WriteString(st.Muted.Render("Rotating…"))
	case r.Err != "":
		b.WriteString(st.Danger.Render(common.Wrap(r.Err, modalText(width))) + "\n" + st.Muted.Render("enter: try again · esc: cancel"))
	default:
		b.WriteString(st.Muted.Render("↑/↓ choose · enter: rotate · esc: cancel"))
	}
	// No vertical padding: with an error the dialog must still fit 80×24.
	return modal(st.Modal.Padding(0, 2).Render(b.String()), width, height)
}
