package keys

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/penguinmails/pmdev/client"
	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
)

// Wizard steps (shared with the edit form).
const (
	stepBasic = iota
	stepPerms
	stepExpiry
	stepIPs
	numSteps
)

var stepNames = [numSteps]string{"Basics", "Permissions", "Expiration", "IP restrictions"}

// Expiry choices.
const (
	expNever = iota
	exp30
	exp90
	exp1y
	expCustom
	numExp
)

var expNames = [numExp]string{"Never expire", "30 days", "90 days", "1 year", "Custom date (YYYY-MM-DD)"}

const (
	maxNameLen = 50
	maxDescLen = 500
	maxIPs     = 100
)

// form is the creation wizard, and with edit set the edit form: the same
// fields, prefilled, ending in a diff instead of a create.
type form struct {
	edit bool
	orig models.APIKey

	step  int
	focus int // field within the step

	name, desc textinput.Model
	env        int // 0 live, 1 test
	perms      map[string]bool
	permCur    int
	expiry     int
	custom     textinput.Model
	ipMode     int // 0 all, 1 restricted
	ips        textinput.Model

	canAdmin    bool
	adminReason string
	now         func() time.Time

	errs       map[string]string // live validation
	nameShown  bool              // the name was edited or submitted: show its error
	serverErrs map[string]string // from the last submit
	submitErr  string
	retryable  bool // submitErr is a network or server failure: enter retries
	submitting bool
	reqID      uint64
	confirm    bool // edit: the diff is shown
}

func newForm(ctx *common.Context) *form {
	f := &form{
		name:   newInput("e.g. Production Server, Staging Environment", maxNameLen+10),
		desc:   newInput("optional notes", maxDescLen),
		custom: newInput(ctx.Now().AddDate(0, 6, 0).Format("2006-01-02"), 10),
		ips:    newInput("203.0.113.0/24, 198.51.100.5", 4000),
		perms:  map[string]bool{},
		errs:   map[string]string{},
		now:    ctx.Now,
	}
	for _, p := range models.PresetEmailSending {
		f.perms[p] = true
	}
	f.canAdmin = ctx.Me.CanGrantAdmin
	if !f.canAdmin {
		role := ctx.Me.Role
		if role == "" {
			role = "current"
		}
		f.adminReason = fmt.Sprintf("admin permissions can only be granted by an admin (your role: %s)", role)
	}
	f.setWidth(ctx.Width)
	return f
}

func (f *form) setWidth(w int) {
	iw := max(20, min(60, w-20))
	f.name.SetWidth(iw)
	f.desc.SetWidth(iw)
	f.custom.SetWidth(12)
	f.ips.SetWidth(iw)
}

// openWizard starts the creation wizard.
func (m *Model) openWizard() tea.Cmd {
	if cmd, ok := m.guard(); !ok {
		return cmd
	}
	m.details = nil
	m.form = newForm(m.ctx)
	m.form.validate()
	return m.form.refocus()
}

// fields per step, for focus movement.
func (f *form) numFields() int {
	switch f.step {
	case stepBasic:
		if f.edit {
			return 2
		}
		return 3
	case stepPerms:
		return len(models.PermissionCatalogue())
	case stepExpiry:
		return numExp
	case stepIPs:
		return 2
	}
	return 1
}

// refocus focuses the text input under the focus, blurring the others.
func (f *form) refocus() tea.Cmd {
	for _, in := range []*textinput.Model{&f.name, &f.desc, &f.custom, &f.ips} {
		in.Blur()
	}
	switch f.step {
	case stepPerms:
		f.permCur = f.focus
	case stepExpiry:
		f.expiry = f.focus
	case stepIPs:
		f.ipMode = f.focus
	}
	f.validate()
	if in := f.focusedInput(); in != nil {
		return in.Focus()
	}
	return nil
}

func (f *form) focusedInput() *textinput.Model {
	if f.confirm || f.submitting {
		return nil
	}
	switch {
	case f.step == stepBasic && f.focus == 0:
		return &f.name
	case f.step == stepBasic && f.focus == 1:
		return &f.desc
	case f.step == stepExpiry && f.focus == expCustom:
		return &f.custom
	case f.step == stepIPs && f.focus == 1:
		return &f.ips
	}
	return nil
}

// validate runs the local rules (the same as the server's) as the user types.
func (f *form) validate() {
	f.errs = map[string]string{}
	if msg := nameError(f.name.Value()); msg != "" {
		f.errs["name"] = msg
	}
	if utf8.RuneCountInString(f.desc.Value()) > maxDescLen {
		f.errs["description"] = "Description must be 500 characters or less"
	}
	if len(f.selected()) == 0 {
		f.errs["permissions"] = "Select at least one permission"
	}
	if f.expiry == expCustom {
		if _, err := f.expiryDate(f.now()); err != "" {
			f.errs["expires_at"] = err
		}
	}
	if f.ipMode == 1 {
		if _, msg := parseIPs(f.ips.Value()); msg != "" {
			f.errs["allowed_ips"] = msg
		}
	}
}

func nameError(name string) string {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return "Name is required"
	case utf8.RuneCountInString(name) > maxNameLen:
		return "Name must be 50 characters or less"
	}
	for _, r := range name {
		if !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == ' ' || r == '-' || r == '_' || r == '.') {
			return "Name may contain only letters, digits, spaces, hyphens, underscores and periods"
		}
	}
	return ""
}

// parseIPs splits a comma-separated list and checks each entry.
func parseIPs(s string) ([]string, string) {
	var out []string
	for _, raw := range strings.Split(s, ",") {
		v := strings.TrimSpace(raw)
		if v == "" {
			continue
		}
		if strings.Contains(v, "/") {
			if _, err := netip.ParsePrefix(v); err != nil {
				return nil, fmt.Sprintf("%q is not a valid CIDR range (e.g. 203.0.113.0/24)", v)
			}
		} else if a, err := netip.ParseAddr(v); err != nil || a.Zone() != "" {
			return nil, fmt.Sprintf("%q is not a valid IP address", v)
		}
		out = append(out, v)
	}
	if len(out) == 0 {
		return nil, "Enter at least one IP address or CIDR range, or allow all IPs"
	}
	if len(out) > maxIPs {
		return nil, fmt.Sprintf("At most %d IP addresses or ranges", maxIPs)
	}
	return out, ""
}

// expiryDate is the chosen expiry (nil = never) or a message.
func (f *form) expiryDate(now time.Time) (*time.Time, string) {
	var t time.Time
	switch f.expiry {
	case expNever:
		return nil, ""
	case exp30:
		t = now.AddDate(0, 0, 30)
	case exp90:
		t = now.AddDate(0, 0, 90)
	case exp1y:
		t = now.AddDate(1, 0, 0)
	case expCustom:
		d, err := time.ParseInLocation("2006-01-02", strings.TrimSpace(f.custom.Value()), time.Local)
		if err != nil {
			return nil, "Enter a date as YYYY-MM-DD"
		}
		// The key works through the whole chosen day.
		t = d.AddDate(0, 0, 1).Add(-time.Second)
		if !t.After(now) {
			return nil, "Expiry must be in the future"
		}
	}
	t = t.UTC().Truncate(time.Second)
	return &t, ""
}

func (f *form) selected() []string {
	var out []string
	for _, p := range models.PermissionCatalogue() {
		if f.perms[p.Name] {
			out = append(out, p.Name)
		}
	}
	return out
}

func (f *form) applyPreset(names []string) {
	f.perms = map[string]bool{}
	for _, n := range names {
		if p, ok := models.LookupPermission(n); ok && (!p.Admin || f.canAdmin) {
			f.perms[n] = true
		}
	}
}

// stepOf maps a server field name to the step that shows it.
func stepOf(field string) int {
	switch {
	case strings.HasPrefix(field, "permissions"):
		return stepPerms
	case strings.HasPrefix(field, "expires_at"), field == "clear_expiry":
		return stepExpiry
	case strings.HasPrefix(field, "allowed_ips"):
		return stepIPs
	}
	return stepBasic
}

// fieldErr returns the server error for a field (any index), else the local one.
func (f *form) fieldErr(field string) string {
	for k, v := range f.serverErrs {
		if k == field || strings.HasPrefix(k, field+"[") {
			return v
		}
	}
	if field == "name" && !f.nameShown {
		// A fresh wizard should not greet the user with an error.
		return ""
	}
	return f.errs[field]
}

// stepValid reports the first error of the current step.
func (f *form) stepError() string {
	switch f.step {
	case stepBasic:
		for _, k := range []string{"name", "description"} {
			if e := f.errs[k]; e != "" {
				return e
			}
		}
	case stepPerms:
		return f.errs["permissions"]
	case stepExpiry:
		return f.errs["expires_at"]
	case stepIPs:
		return f.errs["allowed_ips"]
	}
	return ""
}

func (m *Model) keyForm(msg tea.KeyPressMsg) tea.Cmd {
	f := m.form
	if f.confirm {
		return m.keyDiff(msg)
	}
	if f.submitting {
		// No cancel: the server may already have made the key, and its
		// plaintext must reach the show-once modal. The request times out.
		return nil
	}
	s := msg.String()
	if f.focusedInput() == nil {
		// Vim keys move like the arrows wherever no text input takes them.
		switch s {
		case "j":
			s = "down"
		case "k":
			s = "up"
		}
	}
	switch s {
	case "esc":
		if f.step == stepBasic {
			m.form = nil
			return nil
		}
		f.submitErr = ""
		f.step--
		f.focus = f.focusFor(f.step)
		return f.refocus()
	case "enter":
		f.validate()
		if f.step == stepBasic {
			f.nameShown = true
		}
		if e := f.stepError(); e != "" {
			f.submitErr = ""
			return nil
		}
		f.submitErr = ""
		if f.step < stepIPs {
			f.step++
			f.focus = f.focusFor(f.step)
			return f.refocus()
		}
		for s := stepBasic; s < numSteps; s++ {
			f.step = s
			if f.stepError() != "" {
				f.focus = f.focusFor(s)
				return f.refocus()
			}
		}
		f.step = stepIPs
		if f.edit {
			if len(f.diff(m.ctx.Now())) == 0 {
				f.submitErr = "Nothing changed."
				return nil
			}
			f.confirm = true
			f.refocus()
			return nil
		}
		return m.submitCreate()
	case "tab", "down":
		f.focus = (f.focus + 1) % f.numFields()
		return f.refocus()
	case "shift+tab", "up":
		f.focus = (f.focus + f.numFields() - 1) % f.numFields()
		return f.refocus()
	}
	if in := f.focusedInput(); in != nil {
		var cmd tea.Cmd
		*in, cmd = in.Update(msg)
		if in == &f.name {
			f.nameShown = true
		}
		f.serverErrs = nil
		f.validate()
		return cmd
	}
	switch f.step {
	case stepBasic:
		if f.focus == 2 && (msg.String() == "space" || msg.String() == "left" || msg.String() == "right") {
			f.env = 1 - f.env
		}
	case stepPerms:
		switch msg.String() {
		case "space", "x":
			p := models.PermissionCatalogue()[f.permCur]
			// Removing is always allowed (a developer may narrow a key an
			// admin made); only granting an admin permission is not.
			if p.Admin && !f.canAdmin && !f.perms[p.Name] {
				f.submitErr = f.adminReason
				return nil
			}
			f.perms[p.Name] = !f.perms[p.Name]
			f.submitErr = ""
		case "r":
			f.applyPreset(models.PresetReadOnly)
		case "e":
			f.applyPreset(models.PresetEmailSending)
		case "a":
			f.applyPreset(models.PresetFullAccess(f.canAdmin))
		}
		f.serverErrs = nil
		f.validate()
	}
	return nil
}

// focusFor is where focus lands when a step opens: on its current choice.
func (f *form) focusFor(step int) int {
	switch step {
	case stepExpiry:
		return f.expiry
	case stepIPs:
		return f.ipMode
	case stepPerms:
		return f.permCur
	}
	return 0
}

func (f *form) createRequest(now time.Time) models.CreateAPIKeyRequest {
	req := models.CreateAPIKeyRequest{
		Name:        strings.TrimSpace(f.name.Value()),
		Description: strings.TrimSpace(f.desc.Value()),
		Environment: models.EnvLive,
		Permissions: f.selected(),
	}
	if f.env == 1 {
		req.Environment = models.EnvTest
	}
	req.ExpiresAt, _ = f.expiryDate(now)
	if f.ipMode == 1 {
		req.AllowedIPs, _ = parseIPs(f.ips.Value())
	}
	return req
}

func (m *Model) submitCreate() tea.Cmd {
	if cmd, ok := m.guard(); !ok {
		m.form.submitErr = m.notice
		return cmd
	}
	if m.ctx.Client == nil {
		return nil
	}
	f := m.form
	f.submitting, f.submitErr, f.serverErrs = true, "", nil
	f.reqID = m.nextID()
	f.refocus()
	return createKey(m.ctx.Client, f.reqID, f.createRequest(m.ctx.Now()))
}

// formFailed puts a failed submit back into the form: field errors next to
// their fields (jumping to the first one's step), anything else as a line;
// the typed values are kept.
func (m *Model) formFailed(err error) tea.Cmd {
	f := m.form
	f.submitting = false
	f.confirm = false
	text := m.actionError(err)
	if e, ok := client.AsError(err); ok {
		if e.Status == 403 && e.Problem != nil && e.Problem.Permission != "" {
			// The server refused to grant one permission: say so next to the list.
			f.serverErrs = map[string]string{"permissions": text}
			f.canAdmin = false
			f.step, f.focus = stepPerms, f.permCur
			f.submitErr = ""
			return f.refocus()
		}
		if fe := e.FieldErrors(); len(fe) > 0 {
			f.serverErrs = fe
			first := numSteps
			for k := range fe {
				first = min(first, stepOf(k))
			}
			f.step = first
			f.focus = f.focusFor(first)
			f.submitErr = "The server rejected some fields; see the messages below them."
			return f.refocus()
		}
	}
	f.submitErr = text
	f.retryable = client.IsOffline(err) || client.StatusOf(err) >= 500
	return f.refocus()
}

// views ---------------------------------------------------------------------

func (m *Model) viewForm() string {
	f := m.form
	st := m.ctx.Styles
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

	switch f.step {
	case stepBasic:
		m.viewBasic(&b)
	case stepPerms:
		m.viewPerms(&b)
	case stepExpiry:
		m.viewExpiry(&b)
	case stepIPs:
		m.viewIPs(&b)
	}

	b.WriteString("\n")
	switch {
	case f.submitting && f.edit:
		b.WriteString(st.Muted.Render("Saving…"))
	case f.submitting:
		b.WriteString(st.Muted.Render("Generating API key…"))
	case f.submitErr != "" && f.retryable:
		b.WriteString(st.Danger.Render(wrapText(f.submitErr, m.width-2)) + "\n" + st.Muted.Render("Nothing you typed is lost · enter: try again · esc: back"))
	case f.submitErr != "":
		b.WriteString(st.Danger.Render(wrapText(f.submitErr, m.width-2)))
	case f.step == stepIPs && f.edit:
		b.WriteString(st.Muted.Render("enter: review changes · esc: back"))
	case f.step == stepIPs:
		b.WriteString(st.Muted.Render("enter: Generate API key · esc: back"))
	default:
		b.WriteString(st.Muted.Render("enter: next step · esc: back"))
	}
	return b.String()
}

func (m *Model) fieldLine(b *strings.Builder, label string, focused bool, in textinput.Model, field, hint string) {
	st := m.ctx.Styles
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
	if e := m.form.fieldErr(field); e != "" {
		b.WriteString(m.errLine("  ", e))
	} else if hint != "" {
		b.WriteString("  " + st.Muted.Render(hint) + "\n")
	}
}

func (m *Model) viewBasic(b *strings.Builder) {
	f := m.form
	st := m.ctx.Styles
	m.fieldLine(b, "Key name *", f.focus == 0, f.name, "name", "Choose a descriptive name to identify this key.")
	m.fieldLine(b, "Description (optional)", f.focus == 1, f.desc, "description", "")
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
		b.WriteString(m.errLine("  ", e))
	}
}

// permLine is one line of the permissions step: a category heading or an entry.
type permLine struct {
	text    string
	heading bool
	cat     string
	pinned  bool // an admin entry a developer cannot grant: always on screen
}

func (m *Model) viewPerms(b *strings.Builder) {
	f := m.form
	st := m.ctx.Styles
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
	avail := max(4, m.height-10)
	if m.width >= 110 && len(lines) > avail {
		// Two columns when the pane is wide enough.
		half := (len(lines) + 1) / 2
		// Do not split a heading from its first entry.
		for half < len(lines) && half > 0 && !lines[half].heading && lines[half-1].heading {
			half++
		}
		b.WriteString(lipgloss.JoinHorizontal(lipgloss.Top, lipgloss.NewStyle().Width(m.width/2).Render(permText(lines[:half])), permText(lines[half:])) + "\n")
	} else {
		b.WriteString(permWindow(lines, cur, avail, st.Muted) + "\n")
	}
	if !f.canAdmin {
		b.WriteString(st.Warning.Render(wrapText("Admin permissions are disabled: "+f.adminReason, m.width-2)) + "\n")
	}
	if e := f.fieldErr("permissions"); e != "" {
		b.WriteString(m.errLine("", e))
	} else {
		b.WriteString(st.Muted.Render(fmt.Sprintf("%d selected: %s", len(f.selected()), shortPerms(f.selected()))) + "\n")
	}
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
// and why), the rest scrolls with the cursor, and the first row shown is
// always its category's heading.
func permWindow(lines []permLine, cur, avail int, muted lipgloss.Style) string {
	var scroll, pinned []permLine
	for _, l := range lines {
		if l.pinned {
			pinned = append(pinned, l)
		} else {
			scroll = append(scroll, l)
		}
	}
	if len(lines) <= avail {
		return permText(lines)
	}
	room := max(2, avail-len(pinned)-1) // one line says what is scrolled away
	if cur >= len(scroll) {
		cur = len(scroll) - 1 // the cursor is on a pinned entry: show the end of the rest
	}
	start := 0
	if cur >= room {
		start = cur - room + 1
	}
	if start > 0 && start+1 < len(scroll) && !scroll[start].heading && scroll[start+1].heading {
		start++ // the window would open on a category's last entry: start at the next heading
	}
	end := min(len(scroll), start+room)
	win := slices.Clone(scroll[start:end])
	hidden := scroll[:start]
	if len(win) > 1 && !win[0].heading {
		hidden = scroll[:start+1]
		// Swap the top entry for its heading; the cursor sits at the bottom
		// of a scrolled window, so it is never the entry swapped out.
		for i := start; i >= 0; i-- {
			if scroll[i].heading {
				win[0] = scroll[i]
				break
			}
		}
	}
	below := scroll[end:]
	if n := len(win); n > 1 && win[n-1].heading {
		// A heading cut off from its entries says nothing; keep the height.
		below = scroll[end-1:]
		win[n-1] = permLine{}
	}
	var parts []string
	if n := entries(hidden); n > 0 {
		parts = append(parts, fmt.Sprintf("%d more above", n))
	}
	if n := entries(below); n > 0 {
		parts = append(parts, fmt.Sprintf("%d more below", n))
	}
	more := muted.Render("  ⋮ " + strings.Join(parts, " · ") + " (↑/↓ or j/k)")
	return permText(append(append(win, permLine{text: more}), pinned...))
}

func (m *Model) viewExpiry(b *strings.Builder) {
	f := m.form
	st := m.ctx.Styles
	for i, n := range expNames {
		mark := "  "
		if i == f.focus {
			mark = st.Cursor.Render("▸ ")
		}
		r := "○ " + n
		if i == f.expiry {
			r = st.Accent.Render("◉ " + n)
		}
		if i != expNever && i != expCustom {
			if t, _ := (&form{expiry: i}).expiryDate(m.ctx.Now()); t != nil {
				r += st.Muted.Render("  until " + t.Local().Format("Jan 2, 2006"))
			}
		}
		b.WriteString(mark + r + "\n")
		if i == expCustom && f.expiry == expCustom {
			b.WriteString(indent(st.InputFocused.Render(f.custom.View()), "    ") + "\n")
		}
	}
	if f.edit && f.orig.ExpiresAt != nil {
		b.WriteString(st.Muted.Render("Currently expires "+f.orig.ExpiresAt.Local().Format("Jan 2, 2006 15:04")) + "\n")
	}
	if e := f.fieldErr("expires_at"); e != "" {
		b.WriteString(m.errLine("    ", e))
	} else if e := f.fieldErr("clear_expiry"); e != "" {
		b.WriteString(m.errLine("    ", e))
	}
}

func (m *Model) viewIPs(b *strings.Builder) {
	f := m.form
	st := m.ctx.Styles
	opts := []string{"Allow all IPs", "Restrict to IPs"}
	for i, n := range opts {
		mark := "  "
		if i == f.focus {
			mark = st.Cursor.Render("▸ ")
		}
		r := "○ " + n
		if i == f.ipMode {
			r = st.Accent.Render("◉ " + n)
		}
		b.WriteString(mark + r + "\n")
	}
	if f.ipMode == 1 {
		b.WriteString(indent(st.InputFocused.Render(f.ips.View()), "    ") + "\n")
		if e := f.fieldErr("allowed_ips"); e != "" {
			b.WriteString(m.errLine("    ", e))
		} else if ips, _ := parseIPs(f.ips.Value()); len(ips) > 0 {
			b.WriteString("    " + st.Success.Render(fmt.Sprintf("✓ %d valid", len(ips))) + "\n")
		}
		b.WriteString("    " + st.Muted.Render("Comma-separated IP addresses or CIDR ranges") + "\n")
	}
	if !f.edit {
		req := f.createRequest(m.ctx.Now())
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
		b.WriteString(st.Muted.Render(fmt.Sprintf("%d permissions: %s · rate limit %d/min (plan)", len(req.Permissions), shortPerms(req.Permissions), m.ctx.Me.Tenant.Plan.LimitPerMinute)) + "\n")
	}
}

// errLine renders a field's error, wrapped to the pane and indented by pad.
func (m *Model) errLine(pad, msg string) string {
	text := wrapText("✗ "+common.Sanitize(msg), m.width-len(pad))
	return indent(m.ctx.Styles.InputError.Render(text), pad) + "\n"
}

func indent(s, pad string) string {
	lines := strings.Split(s, "\n")
	for i := range lines {
		lines[i] = pad + lines[i]
	}
	return strings.Join(lines, "\n")
}

// sameSet compares two permission lists ignoring order.
func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
