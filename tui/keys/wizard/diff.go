package wizard

import (
	"fmt"
	"slices"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
	"github.com/penguinmails/pmdev/tui/component/dialog"
	"github.com/penguinmails/pmdev/tui/keys/perms"
)

// change is one entry of the edit diff; note says what moved in a list.
type change struct{ field, from, to, note string }

// diff compares the form with the original key.
func (f *Model) diff(now time.Time) []change {
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
				add = append(add, perms.Badge(p))
			}
		}
		for _, p := range perms.Order(o.Permissions) {
			if !slices.Contains(sel, p) {
				del = append(del, perms.Badge(p))
			}
		}
		var note []string
		if len(add) > 0 {
			note = append(note, "added "+strings.Join(add, " "))
		}
		if len(del) > 0 {
			note = append(note, "removed "+strings.Join(del, " "))
		}
		out = append(out, change{"Permissions", perms.Badges(o.Permissions), perms.Badges(sel), strings.Join(note, " · ")})
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
func (f *Model) updateRequest(now time.Time) models.UpdateAPIKeyRequest {
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

// editDiff asks to save an edit (enter or y), showing what changes; esc
// or n goes back to the form.
type editDiff = dialog.Confirm[*Model]

func (f *Model) openDiff() {
	f.over.Push(&editDiff{
		Data: f, Keys: &f.ctx.Keys.Dialog, EnterIsYes: true, YesHelp: "save", NoHelp: "back",
		OnYes: func(d *editDiff) (bool, tea.Cmd) {
			cmd := f.submit(func(id uint64) tea.Cmd {
				return f.host.Update(id, f.orig.KeyID, f.updateRequest(f.ctx.Now()))
			})
			d.Busy = f.submitting
			return true, cmd
		},
		OnNo: func(*editDiff) tea.Cmd {
			f.over.Clear()
			return f.refocus()
		},
		Body: diffView,
	})
}

func diffView(d *editDiff, width, height int) string {
	f := d.Data
	st := f.ctx.Styles
	var b strings.Builder
	b.WriteString(st.Title.Render("Save changes to "+common.Sanitize(f.orig.Name)+"?") + "\n\n")
	w := max(30, min(width-12, 90))
	for _, c := range f.diff(f.ctx.Now()) {
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
	return lipgloss.Place(width, height, lipgloss.Center, lipgloss.Center, st.Modal.Render(b.String()))
}
