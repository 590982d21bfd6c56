package keys

import (
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
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
	keyID, name, masked string
	choice              int
	submitting          bool
	reqID               uint64
	err                 string
}

func (m *Model) openRotate(k *models.APIKey) tea.Cmd {
	if cmd, ok := m.guard(); !ok {
		return cmd
	}
	if effectiveStatus(k, m.ctx.Now()) != models.KeyActive {
		m.setNotice("Only active keys can be rotated.", true)
		return common.Status("only active keys can be rotated", common.LevelWarning)
	}
	if k.ReplacedBy != "" {
		// The server refuses a second rotation; say so before the user picks a grace period.
		m.setNotice("Already rotated: rotate its replacement instead.", true)
		return common.Status("key already rotated; rotate its replacement", common.LevelWarning)
	}
	m.rotate = &rotateModal{keyID: k.KeyID, name: common.Sanitize(k.Name), masked: common.Sanitize(k.MaskedKey), choice: defaultGrace}
	return nil
}

func (m *Model) keyRotate(msg tea.KeyPressMsg) tea.Cmd {
	r := m.rotate
	if r.submitting {
		return nil
	}
	switch msg.String() {
	case "esc", "n":
		m.rotate = nil
	case "up", "left", "k", "shift+tab":
		r.choice = (r.choice + len(graceChoices) - 1) % len(graceChoices)
	case "down", "right", "j", "tab":
		r.choice = (r.choice + 1) % len(graceChoices)
	case "enter", "y":
		if cmd, ok := m.guard(); !ok {
			r.err = m.notice
			return cmd
		}
		if m.ctx.Client == nil {
			return nil
		}
		r.submitting, r.err = true, ""
		r.reqID = m.nextID()
		return rotateKey(m.ctx.Client, r.reqID, r.keyID, graceChoices[r.choice].hours)
	}
	return nil
}

func (m *Model) viewRotate() string {
	r := m.rotate
	st := m.ctx.Styles
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
		b.WriteString(st.Danger.Render(wrapText(r.err, modalText(m.width))) + "\n" + st.Muted.Render("enter: try again · esc: cancel"))
	default:
		b.WriteString(st.Muted.Render("↑/↓ choose · enter: rotate · esc: cancel"))
	}
	// No vertical padding: with an error the dialog must still fit 80×24.
	return st.Modal.Padding(0, 2).Render(b.String())
}
