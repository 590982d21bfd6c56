package keys

import (
	"fmt"
	"slices"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
)

// openEdit opens the form prefilled with the key.
func (m *Model) openEdit(k *models.APIKey) tea.Cmd {
	if cmd, ok := m.guard(); !ok {
		return cmd
	}
	if effectiveStatus(k, m.ctx.Now()) != models.KeyActive {
		m.setNotice("Only active keys can be edited.", true)
		return common.Status("only active keys can be edited", common.LevelWarning)
	}
	f := newForm(m.ctx)
	f.edit = true
	f.orig = *k
	f.orig.Permissions = slices.Clone(k.Permissions)
	f.orig.AllowedIPs = slices.Clone(k.AllowedIPs)
	f.name.SetValue(k.Name)
	f.desc.SetValue(k.Description)
	if k.Environment == models.EnvTest {
		f.env = 1
	}
	f.perms = map[string]bool{}
	for _, p := range k.Permissions {
		f.perms[p] = true
	}
	if k.ExpiresAt != nil {
		f.expiry = expCustom
		f.custom.SetValue(k.ExpiresAt.Local().Format("2006-01-02"))
	}
	if len(k.AllowedIPs) > 0 {
		f.ipMode = 1
		f.ips.SetValue(strings.Join(k.AllowedIPs, ", "))
	}
	f.validate()
	m.form = f
	return f.refocus()
}

// change is one entry of the edit diff; note says what moved in a list.
type change struct{ field, from, to, note string }

// diff compares the form with the original key.
func (f *form) diff(now time.Time) []change {
	var out []change
	o := f.orig
	if n := strings.TrimSpace(f.name.Value()); n != o.Name {
		out = append(out, change{"Name", o.Name, n, ""})
	}
	if d := strings.TrimSpace(f.desc.Value()); d != o.Description {
		out = append(out, change{"Description", orNone(o.Description), orNone(d), ""})
	}
	if sel := f.selected(); !sameSet(sel, o.Permissions) {
		var add, del []string
		for _, p := range sel {
			if !slices.Contains(o.Permissions, p) {
				add = append(add, shortPerm(p))
			}
		}
		for _, p := range permOrder(o.Permissions) {
			if !slices.Contains(sel, p) {
				del = append(del, shortPerm(p))
			}
		}
		var note []string
		if len(add) > 0 {
			note = append(note, "added "+strings.Join(add, " "))
		}
		if len(del) > 0 {
			note = append(note, "removed "+strings.Join(del, " "))
		}
		out = append(out, change{"Permissions", shortPerms(o.Permissions), shortPerms(sel), strings.Join(note, " · ")})
	}
	if exp, _ := f.expiryDate(now); !sameExpiry(exp, o.ExpiresAt) {
		out = append(out, change{"Expires", fmtExpiry(o.ExpiresAt), fmtExpiry(exp), ""})
	}
	var ips []string
	if f.ipMode == 1 {
		ips, _ = parseIPs(f.ips.Value())
	}
	if !sameSet(ips, o.AllowedIPs) {
		out = append(out, change{"Allowed IPs", ipList(o.AllowedIPs), ipList(ips), ""})
	}
	return out
}

// sameExpiry compares at day precision when the form shows a date, since the
// custom field has no time of day.
func sameExpiry(a, b *time.Time) bool {
	switch {
	case a == nil || b == nil:
		return a == nil && b == nil
	}
	return a.Local().Format("2006-01-02") == b.Local().Format("2006-01-02")
}

func fmtExpiry(t *time.Time) string {
	if t == nil {
		return "never"
	}
	return t.Local().Format("Jan 2, 2006")
}

func ipList(ips []string) string {
	if len(ips) == 0 {
		return "all IPs"
	}
	return strings.Join(ips, ", ")
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// updateRequest sends only what changed.
func (f *form) updateRequest(now time.Time) models.UpdateAPIKeyRequest {
	var req models.UpdateAPIKeyRequest
	o := f.orig
	if n := strings.TrimSpace(f.name.Value()); n != o.Name {
		req.Name = &n
	}
	if d := strings.TrimSpace(f.desc.Value()); d != o.Description {
		req.Description = &d
	}
	if sel := f.selected(); !sameSet(sel, o.Permissions) {
		req.Permissions = sel
	}
	if exp, _ := f.expiryDate(now); !sameExpiry(exp, o.ExpiresAt) {
		if exp == nil {
			req.ClearExpiry = true
		} else {
			req.ExpiresAt = exp
		}
	}
	ips := []string{}
	if f.ipMode == 1 {
		ips, _ = parseIPs(f.ips.Value())
	}
	if !sameSet(ips, o.AllowedIPs) {
		req.AllowedIPs = &ips
	}
	return req
}

func (m *Model) keyDiff(msg tea.KeyPressMsg) tea.Cmd {
	f := m.form
	if f.submitting {
		return nil
	}
	switch msg.String() {
	case "esc", "n":
		f.confirm = false
		return f.refocus()
	case "enter", "y":
		if cmd, ok := m.guard(); !ok {
			f.confirm = false
			f.submitErr = m.notice
			return cmd
		}
		if m.ctx.Client == nil {
			return nil
		}
		f.submitting = true
		f.reqID = m.nextID()
		return updateKey(m.ctx.Client, f.reqID, f.orig.KeyID, f.updateRequest(m.ctx.Now()))
	}
	return nil
}

func (m *Model) viewDiff() string {
	f := m.form
	st := m.ctx.Styles
	var b strings.Builder
	b.WriteString(st.Title.Render("Save changes to "+common.Sanitize(f.orig.Name)+"?") + "\n\n")
	w := max(30, min(m.width-12, 90))
	for _, c := range f.diff(m.ctx.Now()) {
		b.WriteString(st.Label.Render(fmt.Sprintf("%-12s", c.field)) + "\n")
		b.WriteString(indent(st.Danger.Render(ansi.Wrap("- "+common.Sanitize(c.from), w, " ,")), "  ") + "\n")
		b.WriteString(indent(st.Success.Render(ansi.Wrap("+ "+common.Sanitize(c.to), w, " ,")), "  ") + "\n")
		if c.note != "" {
			b.WriteString(indent(st.Muted.Render(ansi.Wrap(c.note, w, " ")), "  ") + "\n")
		}
	}
	b.WriteString("\n")
	if f.submitting {
		b.WriteString(st.Muted.Render("Saving…"))
	} else {
		b.WriteString(st.Muted.Render("enter/y: save · esc/n: back to the form"))
	}
	return st.Modal.Render(b.String())
}

func (m *Model) onUpdated(msg updatedMsg) tea.Cmd {
	f := m.form
	if f == nil || !f.edit || msg.ReqID != f.reqID {
		return nil
	}
	if msg.err != nil {
		return m.formFailed(msg.err)
	}
	m.form = nil
	m.applyKey(msg.key)
	m.setNotice("Saved "+common.Sanitize(msg.key.Name)+".", false)
	return tea.Batch(common.Status("API key updated", common.LevelSuccess), m.refreshDetails())
}

// applyKey replaces (or inserts) one key locally, without a reload.
func (m *Model) applyKey(k models.APIKey) {
	if k.KeyID == "" {
		return
	}
	if i, ok := m.byID[k.KeyID]; ok {
		m.all[i] = k
		m.meta[i] = newMeta(&m.all[i])
	} else {
		m.all = append(m.all, k)
		m.meta = append(m.meta, newMeta(&m.all[len(m.all)-1]))
		m.byID[k.KeyID] = len(m.all) - 1
	}
	m.rebuild()
}
