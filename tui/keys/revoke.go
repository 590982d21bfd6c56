package keys

import (
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/penguinmails/pmdev/client"
	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
	"github.com/penguinmails/pmdev/tui/component/dialog"
)

// revokeModal asks the user to type the key's name: the terminal's stand-in
// for re-authenticating before an irreversible action.
type revokeModal struct {
	m                   *Model
	keyID, name, masked string
	already             bool
	typed               dialog.Typed // the key's name, to type
	// confirmBy is the end of the masked key, typed instead of the name
	// when another working key has the same name.
	confirmBy  string
	submitting bool
	reqID      uint64

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
		if o.ReplacedBy == k.KeyID && o.KeyID != k.KeyID && common.EffectiveKeyStatus(o, now) == models.KeyActive {
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
	r := &revokeModal{m: m, keyID: k.KeyID, name: common.Sanitize(k.Name), masked: common.Sanitize(k.MaskedKey)}
	if k.Status == models.KeyRevoked {
		r.already = true
		m.dialogs.Push(r)
		return nil
	}
	if cmd, ok := m.guard(); !ok {
		return cmd
	}
	r.name += m.roleTag(k)
	if m.namesakes(k) {
		// Two working keys share the name (a rotation): the name cannot say
		// which one, the end of the key can.
		r.confirmBy = lastFour(r.masked)
		r.typed = dialog.NewTyped("last four characters", 4, r.confirmBy, "Those are not this key's last four characters.")
	} else {
		r.typed = dialog.NewTyped("type the key name", 80, common.Sanitize(k.Name), "The name does not match.")
	}
	r.SetSize(m.width, m.height)
	if r.prev = m.previousKey(k); r.prev != nil {
		// Revoking a replacement usually means it leaked: the key it
		// replaced should not outlive it, so both is the default.
		r.alsoPrev = true
	}
	m.dialogs.Push(r)
	return r.typed.Input.Focus()
}

// SetSize implements dialog.Resizer.
func (r *revokeModal) SetSize(width, _ int) { r.typed.Input.SetWidth(max(20, min(50, width-20))) }

// Update implements dialog.Dialog.
func (r *revokeModal) Update(msg tea.Msg) (dialog.Dialog, tea.Cmd) {
	m := r.m
	k := &m.ctx.Keys.Dialog
	if r.submitting {
		return r, nil // wait for the answer so the row is updated and the result shown
	}
	if km, ok := msg.(tea.KeyPressMsg); ok {
		switch {
		case key.Matches(km, k.Cancel), r.already && key.Matches(km, k.Accept):
			return nil, nil
		case r.already:
			return r, nil
		case r.prev != nil && key.Matches(km, k.NextField):
			r.alsoPrev = !r.alsoPrev
			return r, nil
		}
	} else if r.already {
		return r, nil
	}
	ok, cmd := r.typed.Update(k, msg)
	if !ok {
		return r, cmd
	}
	id, cmd, ok := m.startAction(&r.typed.Err)
	if !ok {
		return r, cmd
	}
	r.submitting, r.reqID = true, id
	r.typed.Input.Blur()
	return r, revokeKey(m.ctx.Client, r.reqID, r.keyID)
}

func (m *Model) onRevoked(msg revokedMsg) tea.Cmd {
	r, ok := dialog.Find[*revokeModal](&m.dialogs)
	if !ok || msg.ReqID != r.reqID {
		return nil
	}
	if r.onPrev {
		return m.onPrevRevoked(r, msg)
	}
	if msg.err != nil {
		r.submitting = false
		if e, ok := asAlreadyRevoked(msg.err); ok {
			r.already = true
			r.typed.Err = e
		} else {
			r.typed.Err = m.actionError(msg.err)
		}
		return r.typed.Input.Focus()
	}
	m.markRevoked(msg)
	if r.prev != nil && r.alsoPrev && m.ctx.Client != nil {
		// Second DELETE, for the key this one replaced; the dialog stays
		// up until it is answered.
		r.onPrev = true
		r.reqID = m.nextID()
		return revokeKey(m.ctx.Client, r.reqID, r.prev.keyID)
	}
	m.dialogs.Remove(r)
	m.setNotice("Revoked "+r.name+".", false)
	return tea.Batch(common.Status("API key revoked successfully", common.LevelSuccess), m.refreshDetails())
}

// onPrevRevoked ends a revoke-both: the first key is revoked already, so
// the dialog closes either way and a failure is said in the footer.
func (m *Model) onPrevRevoked(r *revokeModal, msg revokedMsg) tea.Cmd {
	m.dialogs.Remove(r)
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

// View implements dialog.Dialog.
func (r *revokeModal) View(width, height int) string {
	m := r.m
	st := m.ctx.Styles
	var b strings.Builder
	if r.already {
		b.WriteString(st.Title.Render("Key already revoked") + "\n\n")
		b.WriteString("This key has already been revoked and cannot be used.\n\n")
		b.WriteString(st.Label.Render("Key          ") + r.name + "\n")
		b.WriteString(st.Label.Render("Current key  ") + r.masked + "\n\n")
		b.WriteString(st.Muted.Render("enter/esc: close"))
		return modal(st.Modal.Render(b.String()), width, height)
	}
	b.WriteString(st.Danger.Render("⚠ Revoke API key?") + "\n\n")
	b.WriteString("This action cannot be undone. The key is revoked at once and every\n")
	b.WriteString("application using it stops working immediately.\n\n")
	b.WriteString(st.Label.Render("Key          ") + r.name + "\n")
	b.WriteString(st.Label.Render("Current key  ") + r.masked + "\n\n")
	if p := r.prev; p != nil {
		note := "The previous key " + p.masked + " stays valid until " + untilText(p.until, m.ctx.Now()) + " (rotation grace); revoke it too?"
		b.WriteString(st.Warning.Render(common.Wrap(note, modalText(width))) + "\n")
		box := "☐ No, keep the previous key until its grace period ends"
		if r.alsoPrev {
			box = "☑ Yes, revoke both keys"
		}
		b.WriteString(st.Accent.Render(box) + st.Muted.Render("  (tab toggles)") + "\n\n")
	}
	if r.confirmBy != "" {
		b.WriteString(common.Wrap("Two working keys have this name: type this one's last four characters ("+r.confirmBy+") to confirm:", modalText(width)) + "\n")
	} else {
		b.WriteString("Type the key name to confirm:\n")
	}
	b.WriteString(st.InputFocused.Render(r.typed.Input.View()) + "\n")
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
	case r.typed.Err != "":
		b.WriteString(st.Danger.Render(common.Wrap(r.typed.Err, modalText(width))) + "\n" + st.Muted.Render(keys))
	default:
		b.WriteString(st.Muted.Render(keys))
	}
	return modal(st.Modal.Render(b.String()), width, height)
}

// ShortHelp implements help.KeyMap.
func (r *revokeModal) ShortHelp() []key.Binding {
	k := &r.m.ctx.Keys.Dialog
	switch {
	case r.already:
		return []key.Binding{common.Joined("close", k.Accept, k.Cancel)}
	case r.prev != nil:
		enter := "revoke this key only"
		if r.alsoPrev {
			enter = "revoke both"
		}
		return []key.Binding{common.WithHelp(k.Accept, enter), common.WithHelp(k.NextField, "also revoke previous key"), common.WithHelp(k.Cancel, "cancel")}
	}
	return []key.Binding{common.WithHelp(k.Accept, "revoke"), common.WithHelp(k.Cancel, "cancel")}
}

// FullHelp implements help.KeyMap.
func (r *revokeModal) FullHelp() [][]key.Binding { return [][]key.Binding{r.ShortHelp()} }

// asAlreadyRevoked recognises the server's already_revoked problem.
func asAlreadyRevoked(err error) (string, bool) {
	if e, ok := client.AsError(err); ok && (e.Code() == "already_revoked" || e.Status == 409 || e.Status == 410) {
		return "This key has already been revoked and cannot be used.", true
	}
	return "", false
}
