package keys

import (
	"strings"
	"time"

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

	// prev is the key this one replaced, still working in its rotation
	// grace period; alsoPrev revokes it with a second DELETE.
	prev     *prevKey
	alsoPrev bool
	onPrev   bool // the request in flight is the one for prev
}

type prevKey struct {
	keyID, masked string
	until         *time.Time
}

// previousKey finds the key rotated into k that still works: its ReplacedBy
// points at k. Only the list has this link, so a key outside it is not found.
func (m *Model) previousKey(k *models.APIKey) *prevKey {
	now := m.ctx.Now()
	for i := range m.all {
		o := &m.all[i]
		if o.ReplacedBy == k.KeyID && o.KeyID != k.KeyID && effectiveStatus(o, now) == models.KeyActive {
			return &prevKey{keyID: o.KeyID, masked: common.Sanitize(o.MaskedKey), until: o.ExpiresAt}
		}
	}
	return nil
}

// untilText is when a grace period ends: a time today, else a date too.
func untilText(t *time.Time, now time.Time) string {
	if t == nil {
		return "its grace period ends"
	}
	l, n := t.Local(), now.Local()
	if l.YearDay() == n.YearDay() && l.Year() == n.Year() {
		return l.Format("15:04")
	}
	return l.Format("Jan 2 15:04")
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
	if r.prev = m.previousKey(k); r.prev != nil {
		// Revoking a replacement usually means it leaked: the key it
		// replaced should not outlive it, so both is the default.
		r.alsoPrev = true
	}
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
	if msg.String() == "tab" && r.prev != nil {
		r.alsoPrev = !r.alsoPrev
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
	if r.onPrev {
		return m.onPrevRevoked(msg)
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
	m.markRevoked(msg)
	if r.prev != nil && r.alsoPrev && m.ctx.Client != nil {
		// Second DELETE, for the key this one replaced; the dialog stays
		// up until it is answered.
		r.onPrev = true
		r.reqID = m.nextID()
		return revokeKey(m.ctx.Client, r.reqID, r.prev.keyID)
	}
	m.revoke = nil
	m.setNotice("Revoked "+r.name+".", false)
	return tea.Batch(common.Status("API key revoked successfully", common.LevelSuccess), m.refreshDetails())
}

// onPrevRevoked ends a revoke-both: the first key is revoked already, so
// the dialog closes either way and a failure is said in the footer.
func (m *Model) onPrevRevoked(msg revokedMsg) tea.Cmd {
	r := m.revoke
	m.revoke = nil
	if msg.err != nil {
		if _, ok := asAlreadyRevoked(msg.err); !ok {
			text := "Revoked " + r.name + ", but the previous key " + r.prev.masked + " is still valid: " + m.actionError(msg.err)
			m.setNotice(text, true)
			return tea.Batch(common.Status("previous key not revoked", common.LevelError), m.refreshDetails())
		}
	} else {
		m.markRevoked(msg)
	}
	m.setNotice("Revoked "+r.name+" and the previous key "+r.prev.masked+".", false)
	return tea.Batch(common.Status("API key and its previous key revoked", common.LevelSuccess), m.refreshDetails())
}

// markRevoked turns a row revoked in place; the next poll confirms it.
func (m *Model) markRevoked(msg revokedMsg) {
	i, ok := m.byID[msg.keyID]
	if !ok {
		return
	}
	k := m.all[i]
	k.Status = models.KeyRevoked
	t := msg.res.RevokedAt
	if t.IsZero() {
		t = m.ctx.Now()
	}
	k.RevokedAt = &t
	m.applyKey(k)
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
	if p := r.prev; p != nil {
		note := "The previous key " + p.masked + " stays valid until " + untilText(p.until, m.ctx.Now()) + " (rotation grace); revoke it too?"
		b.WriteString(st.Warning.Render(wrapText(note, modalText(m.width))) + "\n")
		box := "☐ No, keep the previous key until its grace period ends"
		if r.alsoPrev {
			box = "☑ Yes, revoke both keys"
		}
		b.WriteString(st.Accent.Render(box) + st.Muted.Render("  (tab toggles)") + "\n\n")
	}
	b.WriteString("Type the key name to confirm:\n")
	b.WriteString(st.InputFocused.Render(r.input.View()) + "\n")
	keys := "enter: revoke · esc: cancel"
	if r.prev != nil && r.alsoPrev {
		keys = "enter: revoke both · tab: only this one · esc: cancel"
	} else if r.prev != nil {
		keys = "enter: revoke this key · tab: both · esc: cancel"
	}
	switch {
	case r.submitting && r.onPrev:
		b.WriteString(st.Muted.Render("Revoking the previous key…"))
	case r.submitting:
		b.WriteString(st.Muted.Render("Revoking…"))
	case r.err != "":
		b.WriteString(st.Danger.Render(wrapText(r.err, modalText(m.width))) + "\n" + st.Muted.Render(keys))
	default:
		b.WriteString(st.Muted.Render(keys))
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
