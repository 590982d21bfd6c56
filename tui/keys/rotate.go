package keys

import (
	"fmt"
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
	{0, "Immediately"},
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
	b.WriteString("A new key with the same permissions replaces this one. Applications\n")
	b.WriteString("using the old key keep working during the grace period you pick,\n")
	b.WriteString("then the old key stops working.\n\n")
	b.WriteString(st.Label.Render("Key          ") + r.name + "\n")
	b.WriteString(st.Label.Render("Current key  ") + r.masked + "\n\n")
	b.WriteString(st.Heading.Render("Old key keeps working") + "\n")
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
		b.WriteString(st.Danger.Render(r.err) + "\n" + st.Muted.Render("enter: try again · esc: cancel"))
	default:
		b.WriteString(st.Muted.Render(fmt.Sprintf("↑/↓ choose · enter: rotate (%s) · esc: cancel", strings.ToLower(graceChoices[r.choice].label))))
	}
	return st.Modal.Render(b.String())
}
