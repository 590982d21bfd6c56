package wizard

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/textinput"
	"charm.land/lipgloss/v2"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
	"github.com/penguinmails/pmdev/tui/keys/perms"
)

// View implements dialog.Dialog: the form, or the diff over it. The pane
// keeps the wizard's size current through SetSize.
func (f *Model) View(width, height int) string {
	if !f.over.Empty() {
		return f.over.View(width, height)
	}
	return common.ClipBlock(f.form(), width, height)
}

func (f *Model) form() string {
	st := f.ctx.Styles
	var b strings.Builder
	title := "Create API Key"
	if f.edit {
		title = "Edit API Key · " + common.Sanitize(f.orig.Name)
	}
	b.WriteString(st.Title.Render(title) + "\n")
	// Step indicator.
	var steps []string
	for i, n := range stepNames {
		label := fmt.Sprintf("%d %s", i+1, n)
		switch {
		case i == f.step:
			steps = append(steps, st.Accent.Bold(true).Render("● "+label))
		case i < f.step:
			steps = append(steps, st.Success.Render("✓ "+label))
		default:
			steps = append(steps, st.Muted.Render("○ "+label))
		}
	}
	b.WriteString(strings.Join(steps, st.Subtle.Render("  ›  ")) + "\n\n")

	foot := f.footer()
	switch f.step {
	case stepBasic:
		f.viewBasic(&b)
	case stepPerms:
		// The rows left between the step line and the footer.
		f.viewPerms(&b, f.height-strings.Count(b.String(), "\n")-1-lipgloss.Height(foot))
	case stepExpiry:
		f.viewExpiry(&b)
	case stepIPs:
		f.viewIPs(&b)
	}
	return b.String() + "\n" + foot
}

// footer is the form's last lines: progress, a failed submit, or the keys.
func (f *Model) footer() string {
	st := f.ctx.Styles
	switch {
	case f.submitting && f.edit:
		return st.Muted.Render("Saving…")
	case f.submitting:
		return st.Muted.Render("Generating API key…")
	case f.submitErr != "" && f.retryable:
		return st.Danger.Render(common.Wrap(f.submitErr, f.width-2)) + "\n" + st.Muted.Render("Nothing you typed is lost · enter: try again · esc: back")
	case f.submitErr != "":
		return st.Danger.Render(common.Wrap(f.submitErr, f.width-2))
	case f.step == stepIPs && f.edit:
		return st.Muted.Render("enter: review changes · esc: back")
	case f.step == stepIPs:
		return st.Muted.Render("enter: Generate API key · esc: back")
	}
	return st.Muted.Render("enter: next step · esc: back")
}

func (f *Model) fieldLine(b *strings.Builder, label string, focused bool, in textinput.Model, field, hint string) {
	st := f.ctx.Styles
	mark := "  "
	if focused {
		mark = st.Cursor.Render("▸ ")
	}
	b.WriteString(mark + st.Label.Render(label) + "\n")
	box := st.Input
	if focused {
		box = st.InputFocused
	}
	b.WriteString(indent(box.Render(in.View()), "  ") + "\n")
	if e := f.fieldErr(field); e != "" {
		b.WriteString(f.errLine("  ", e))
	} else if hint != "" {
		b.WriteString("  " + st.Muted.Render(hint) + "\n")
	}
}

func (f *Model) viewBasic(b *strings.Builder) {
	st := f.ctx.Styles
	f.fieldLine(b, "Key name *", f.focus == 0, f.name, "name", "Choose a descriptive name to identify this key.")
	f.fieldLine(b, "Description (optional)", f.focus == 1, f.desc, "description", "")
	mark := "  "
	if f.focus == 2 {
		mark = st.Cursor.Render("▸ ")
	}
	radio := func(on bool, s string) string {
		if on {
			return st.Accent.Render("◉ " + s)
		}
		return "○ " + s
	}
	if f.edit {
		b.WriteString("  " + st.Label.Render("Environment") + "  " + common.Sanitize(f.orig.Environment) + st.Muted.Render(" (cannot change; create a new key instead)") + "\n")
		return
	}
	b.WriteString(mark + st.Label.Render("Environment") + "  " + radio(f.env == 0, "Production (pm_live_…)") + "   " + radio(f.env == 1, "Test (pm_test_…)") + "\n")
	if f.focus == 2 {
		b.WriteString("  " + st.Muted.Render("space or ←/→ switches") + "\n")
	}
	if e := f.fieldErr("environment"); e != "" {
		b.WriteString(f.errLine("  ", e))
	}
}

// permLine is one line of the permissions step: a category heading or an entry.
type permLine struct {
	text    string
	heading bool
	cat     string
	pinned  bool // an admin entry a developer cannot grant: always on screen
}

// viewPerms draws the permissions step in rows lines.
func (f *Model) viewPerms(b *strings.Builder, rows int) {
	st := f.ctx.Styles
	cat := models.PermissionCatalogue()
	b.WriteString(st.Muted.Render("Presets: r Read only · e Email sending · a Full access    space toggles") + "\n")
	var lines []permLine
	cur := -1
	last := ""
	for i, p := range cat {
		disabled := p.Admin && !f.canAdmin
		if p.Category != last {
			h := p.Category
			if p.Admin {
				h += " (dangerous)"
			}
			lines = append(lines, permLine{text: st.Heading.Render(h), heading: true, cat: p.Category, pinned: disabled})
			last = p.Category
		}
		box := "☐"
		if f.perms[p.Name] {
			box = "☑"
		}
		text := fmt.Sprintf("%s %s", box, p.Label)
		style := st.Base
		if disabled {
			style = st.Subtle
			text += " — admin only"
		}
		mark := "  "
		if i == f.permCur {
			mark = "▸ "
			style = style.Inherit(st.Selected)
			cur = len(lines)
		}
		lines = append(lines, permLine{text: mark + style.Render(text) + st.Muted.Render(" ("+p.Name+")"), cat: p.Category, pinned: disabled})
	}
	// What follows the list is drawn first: the list gets the rows it leaves.
	var after string
	if !f.canAdmin {
		after = st.Warning.Render(common.Wrap("Admin permissions are disabled: "+f.adminReason, f.width-2)) + "\n"
	}
	if e := f.fieldErr("permissions"); e != "" {
		after += f.errLine("", e)
	} else {
		after += st.Muted.Render(fmt.Sprintf("%d selected: %s", len(f.selected()), perms.Badges(f.selected()))) + "\n"
	}
	avail := max(4, rows-1-strings.Count(after, "\n"))
	if f.width >= 110 && len(lines) > avail {
		// Two columns when the pane is wide enough.
		half := columnBreak(lines)
		b.WriteString(lipgloss.JoinHorizontal(lipgloss.Top, lipgloss.NewStyle().Width(f.width/2).Render(permText(lines[:half])), permText(lines[half:])) + "\n")
	} else {
		b.WriteString(permWindow(lines, cur, avail, st.Muted) + "\n")
	}
	b.WriteString(after)
}

// columnBreak is where the second column starts: at the category heading
// that evens the columns best, so a category is never split between them.
func columnBreak(lines []permLine) int {
	best := len(lines)
	for i, l := range lines {
		if i > 0 && l.heading && max(i, len(lines)-i) < max(best, len(lines)-best) {
			best = i
		}
	}
	return best
}

// entries counts the permissions (not headings) among lines.
func entries(lines []permLine) int {
	n := 0
	for _, l := range lines {
		if !l.heading {
			n++
		}
	}
	return n
}

func permText(lines []permLine) string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = l.text
	}
	return strings.Join(out, "\n")
}

// permWindow fits the permission lines into avail rows: the disabled admin
// entries stay at the bottom (a developer must see what they cannot grant,
// and why), the rest scrolls with the cursor, the first row shown is
// always its category's heading, and a marker above and below the window
// says what is scrolled away on that side.
func permWindow(lines []permLine, cur, avail int, muted lipgloss.Style) string {
	if len(lines) <= avail {
		return permText(lines)
	}
	var scroll, pinned []permLine
	for _, l := range lines {
		if l.pinned {
			pinned = append(pinned, l)
		} else {
			scroll = append(scroll, l)
		}
	}
	if cur >= len(scroll) {
		cur = len(scroll) - 1 // the cursor is on a pinned entry: show the end of the rest
	}
	// Each marker takes a row from the window: try the fewest first, so
	// no row stays blank.
	var win, above, below []permLine
	for marks := 0; marks <= 2; marks++ {
		win, above, below = scrollWindow(scroll, cur, max(2, avail-len(pinned)-marks))
		if n := min(1, entries(above)) + min(1, entries(below)); n <= marks {
			break
		}
	}
	var out []permLine
	const keysHint = " (↑/↓ or j/k)"
	if n := entries(above); n > 0 {
		hint := keysHint
		if entries(below) > 0 {
			hint = "" // said once, under the list
		}
		out = append(out, permLine{text: muted.Render(fmt.Sprintf("  ⋮ %d more above%s", n, hint))})
	}
	out = append(out, win...)
	if n := entries(below); n > 0 {
		out = append(out, permLine{text: muted.Render(fmt.Sprintf("  ⋮ %d more below%s", n, keysHint))})
	}
	return permText(append(out, pinned...))
}

// scrollWindow is the room rows of scroll shown with the cursor at cur,
// opening on a category heading, and the lines hidden above and below.
func scrollWindow(scroll []permLine, cur, room int) (win, above, below []permLine) {
	start := 0
	if cur >= room {
		start = cur - room + 1
	}
	if start > 0 && start+1 < len(scroll) && !scroll[start].heading && scroll[start+1].heading {
		start++ // the window would open on a category's last entry: start at the next heading
	}
	end := min(len(scroll), start+room)
	win = slices.Clone(scroll[start:end])
	above = scroll[:start]
	if len(win) > 1 && !win[0].heading {
		above = scroll[:start+1]
		// Swap the top entry for its heading; the cursor sits at the bottom
		// of a scrolled window, so it is never the entry swapped out.
		for i := start; i >= 0; i-- {
			if scroll[i].heading {
				win[0] = scroll[i]
				break
			}
		}
	}
	below = scroll[end:]
	if n := len(win); n > 1 && win[n-1].heading {
		// A heading cut off from its entries says nothing; keep the height.
		below = scroll[end-1:]
		win[n-1] = permLine{}
	}
	return win, above, below
}

// choice is radio option i of a step: the cursor mark when focused, and
// a filled circle when chosen.
func (f *Model) choice(i int, chosen bool, label string) string {
	st := f.ctx.Styles
	mark := "  "
	if i == f.focus {
		mark = st.Cursor.Render("▸ ")
	}
	if chosen {
		return mark + st.Accent.Render("◉ "+label)
	}
	return mark + "○ " + label
}

func (f *Model) viewExpiry(b *strings.Builder) {
	st := f.ctx.Styles
	for i, n := range expNames {
		r := f.choice(i, i == f.expiry, n)
		if i != expNever && i != expCustom {
			if t, _ := (&Model{expiry: i}).expiryDate(f.ctx.Now()); t != nil {
				r += st.Muted.Render("  until " + t.Local().Format("Jan 2, 2006"))
			}
		}
		b.WriteString(r + "\n")
		if i == expCustom && f.expiry == expCustom {
			b.WriteString(indent(st.InputFocused.Render(f.custom.View()), "    ") + "\n")
		}
	}
	if f.edit && f.orig.ExpiresAt != nil {
		b.WriteString(st.Muted.Render("Currently expires "+f.orig.ExpiresAt.Local().Format("Jan 2, 2006 15:04")) + "\n")
	}
	if e := f.fieldErr("expires_at"); e != "" {
		b.WriteString(f.errLine("    ", e))
	} else if e := f.fieldErr("clear_expiry"); e != "" {
		b.WriteString(f.errLine("    ", e))
	}
}

func (f *Model) viewIPs(b *strings.Builder) {
	st := f.ctx.Styles
	for i, n := range []string{"Allow all IPs", "Restrict to IPs"} {
		b.WriteString(f.choice(i, i == f.ipMode, n) + "\n")
	}
	if f.ipMode == 1 {
		b.WriteString(indent(st.InputFocused.Render(f.ips.View()), "    ") + "\n")
		if e := f.fieldErr("allowed_ips"); e != "" {
			b.WriteString(f.errLine("    ", e))
		} else if ips, _ := parseIPs(f.ips.Value()); len(ips) > 0 {
			b.WriteString("    " + st.Success.Render(fmt.Sprintf("✓ %d valid", len(ips))) + "\n")
		}
		b.WriteString("    " + st.Muted.Render("Comma-separated IP addresses or CIDR ranges") + "\n")
	}
	if !f.edit {
		req := f.createRequest(f.ctx.Now())
		b.WriteString("\n" + st.Heading.Render("Summary") + "\n")
		env := "Production"
		if req.Environment == models.EnvTest {
			env = "Test"
		}
		exp := "never expires"
		if req.ExpiresAt != nil {
			exp = "expires " + req.ExpiresAt.Local().Format("Jan 2, 2006")
		}
		b.WriteString(st.Muted.Render(fmt.Sprintf("%s · %s · %s", common.Sanitize(req.Name), env, exp)) + "\n")
		b.WriteString(st.Muted.Render(fmt.Sprintf("%d permissions: %s · rate limit %d/min (plan)", len(req.Permissions), perms.Badges(req.Permissions), f.ctx.Me.Tenant.Plan.LimitPerMinute)) + "\n")
	}
}

// errLine renders a field's error, wrapped to the pane and indented by pad.
func (f *Model) errLine(pad, msg string) string {
	text := common.Wrap("✗ "+common.Sanitize(msg), f.width-len(pad))
	return indent(f.ctx.Styles.InputError.Render(text), pad) + "\n"
}

func indent(s, pad string) string {
	lines := strings.Split(s, "\n")
	for i := range lines {
		lines[i] = pad + lines[i]
	}
	return strings.Join(lines, "\n")
}
