package keys

import (
	"strings"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
)

// revokeModal asks the user to type the key's name: the terminal's stand-in
// for re-authenticating before an irreversible action.
type revokeModal struct {
	keyID, name, masked string
	rawName             string // exact name to type
	already             bool
	input               textinput.Model
	submitting          bool
	reqID               uint64
	err                 string
}

func (m *Model) openRevoke(k *models.APIKey) tea.Cmd {
	r := &revokeModal{keyID: k.KeyID, name: common.Sanitize(k.Name), masked: common.Sanitize(k.MaskedKey), rawName: common.Sanitize(k.Name)}
	if k.Status == models.KeyRevoked {
		r.already = true
		m.revoke = r
		return nil
	}
	if cmd, ok := m.guard(); !ok {
		return cmd
	}
	r.input = newInput("type the key name", 80)
	r.input.SetWidth(max(20, min(50, m.width-20)))
	m.revoke = r
	return r.input.Focus()
}

func (m *Model) keyRevoke(msg tea.KeyPressMsg) tea.Cmd {
	r := m.revoke
	if r.submitting {
		return nil // wait for the answer so the row is updated and the result shown
	}
	if msg.String() == "esc" {
		m.revoke = nil
		return nil
	}
	if r.already {
		if msg.String() == "enter" {
			m.revoke = nil
		}
		return nil
	}
	if msg.String() == "enter" {
		if r.input.Value() != r.rawName {
			r.err = "The name does not match."
			return nil
		}
		if cmd, ok := m.guard(); !ok {
			r.err = m.notice
			return cmd
		}
		if m.ctx.Client == nil {
			return nil
		}
		r.submitting, r.err = true, ""
		r.reqID = m.nextID()
		r.input.Blur()
		return revokeKey(m.ctx.Client, r.reqID, r.keyID)
	}
	var cmd tea.Cmd
	r.input, cmd = r.input.Update(msg)
	r.err = ""
	return cmd
}

func (m *Model) onRevoked(msg revokedMsg) tea.Cmd {
	r := m.revoke
	if r == nil || msg.ReqID != r.reqID {
		return nil
	}
	if msg.err != nil {
		r.submitting = false
		if e, ok := asAlreadyRevoked(msg.err); ok {
			r.already = true
			r.err = e
		} else {
			r.err = m.actionError(msg.err)
		}
		return r.input.Focus()
	}
	m.revoke = nil
	// Turn the row revoked in place; the next poll confirms it.
	if i, ok := m.byID[msg.keyID]; ok {
		k := m.all[i]
		k.Status = models.KeyRevoked
		t := msg.res.RevokedAt
		if t.IsZero() {
			t = m.ctx.Now()
		}
		k.RevokedAt = &t
		m.applyKey(k)
	}
	m.setNotice("Revoked "+r.name+".", false)
	return tea.Batch(common.Status("API key revoked successfully", common.LevelSuccess), m.refreshDetails())
}

func (m *Model) viewRevoke() string {
	r := m.revoke
	st := m.ctx.Styles
	var b strings.Builder
	if r.already {
		b.WriteString(st.Title.Render("Key already revoked") + "\n\n")
		b.WriteString("This key has already been revoked and cannot be used.\n\n")
		b.WriteString(st.Label.Render("Key          ") + r.name + "\n")
		b.WriteString(st.Label.Render("Current key  ") + r.masked + "\n\n")
		b.WriteString(st.Muted.Render("enter/esc: close"))
		return st.Modal.Render(b.String())
	}
	b.WriteString(st.Danger.Render("⚠ Revoke API key?") + "\n\n")
	b.WriteString("This action cannot be undone. The key is revoked at once and every\n")
	b.WriteString("application using it stops working immediately.\n\n")
	b.WriteString(st.Label.Render("Key          ") + r.name + "\n")
	b.WriteString(st.Label.Render("Current key  ") + r.masked + "\n\n")
	b.WriteString("Type the key name to confirm:\n")
	b.WriteString(st.InputFocused.Render(r.input.View()) + "\n")
	switch {
	case r.submitting:
		b.WriteString(st.Muted.Render("Revoking…"))
	case r.err != "":
		b.WriteString(st.Danger.Render(wrapText(r.err, modalText(m.width))) + "\n" + st.Muted.Render("enter: revoke · esc: cancel"))
	default:
		b.WriteString(st.Muted.Render("enter: revoke · esc: cancel"))
	}
	return st.Modal.Render(b.String())
}

// asAlreadyRevoked recognises the server's already_revoked problem.
func asAlreadyRevoked(err error) (string, bool) {
	if e, ok := clientError(err); ok && (e.Code() == "already_revoked" || e.Status == 409 || e.Status == 410) {
		return "This key has already been revoked and cannot be used.", true
	}
	return "", false
}
