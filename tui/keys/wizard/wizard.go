// Package wizard is the Keys pane's creation wizard and edit form: the same
// four steps (basics, permissions, expiry, IP restrictions), prefilled for
// an edit, which ends in a diff dialog instead of a create. It is a dialog
// on the pane's stack; the pane does the I/O through Host.
package wizard

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/penguinmails/pmdev/client"
	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
	"github.com/penguinmails/pmdev/tui/component/dialog"
)

// Host is what the wizard needs from its pane.
type Host interface {
	// Guard says why actions cannot run now ("" when they can), with the
	// command that says so in the status line.
	Guard() (tea.Cmd, string)
	// NextID numbers a request so the pane can match its answer.
	NextID() uint64
	// Create and Update start the request; nil when there is no API.
	Create(id uint64, req models.CreateAPIKeyRequest) tea.Cmd
	Update(id uint64, keyID string, req models.UpdateAPIKeyRequest) tea.Cmd
}

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

// Model is the creation wizard, and with edit set the edit form: the same
// fields, prefilled, ending in a diff instead of a create.
type Model struct {
	ctx           *common.Context
	host          Host
	width, height int
	// over holds the edit diff or the discard question while it asks.
	over      dialog.Stack
	discarded bool // the user chose to drop what the form holds

	edit bool
	orig models.APIKey
	// entry is the step the form opened at: esc there closes it.
	entry int

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
	shown      map[string]bool   // fields edited or submitted: their errors show
	serverErrs map[string]string // from the last submit
	submitErr  string
	retryable  bool // submitErr is a network or server failure: enter retries
	submitting bool
	reqID      uint64
}

// New opens the creation wizard.
func New(ctx *common.Context, host Host) *Model {
	f := &Model{
		ctx:    ctx,
		host:   host,
		width:  ctx.Width,
		height: ctx.Height,
		name:   common.NewInput("e.g. Production Server, Staging Environment", models.KeyNameMaxLen+10),
		desc:   common.NewInput("optional notes", models.KeyDescriptionMaxLen),
		custom: common.NewInput(ctx.Now().AddDate(0, 6, 0).Format("2006-01-02"), 10),
		ips:    common.NewInput("203.0.113.0/24, 198.51.100.5", 4000),
		perms:  map[string]bool{},
		errs:   map[string]string{},
		shown:  map[string]bool{},
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
	f.SetSize(ctx.Width, ctx.Height)
	f.validate()
	return f
}

// SetSize implements dialog.Resizer.
func (f *Model) SetSize(w, h int) {
	f.width, f.height = w, h
	iw := max(20, min(60, w-20))
	f.name.SetWidth(iw)
	f.desc.SetWidth(iw)
	f.custom.SetWidth(12)
	f.ips.SetWidth(iw)
}

// fields per step, for focus movement.
func (f *Model) numFields() int {
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
func (f *Model) refocus() tea.Cmd {
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

func (f *Model) focusedInput() *textinput.Model {
	if !f.over.Empty() || f.submitting {
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

// focusFor is where focus lands when a step opens: on its current choice.
func (f *Model) focusFor(step int) int {
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

func (f *Model) createRequest(now time.Time) models.CreateAPIKeyRequest {
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

// NewEdit opens the edit form prefilled with k.
func NewEdit(ctx *common.Context, host Host, k *models.APIKey) *Model {
	f := New(ctx, host)
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
	return f
}

// OpenAllowList opens an edit at its IP restrictions, the list field
// focused: the fix for a key that any address may use.
func (f *Model) OpenAllowList() tea.Cmd {
	f.step, f.entry, f.focus = stepIPs, stepIPs, 1
	return f.refocus()
}

// OpenExpiry opens an edit at its expiry, 90 days chosen: the fix for a
// live key that never expires.
func (f *Model) OpenExpiry() tea.Cmd {
	f.step, f.entry, f.focus = stepExpiry, stepExpiry, f.expiry
	// A test key that never expires is no risk: it keeps its choice.
	if f.expiry == expNever && f.orig.Environment == models.EnvLive {
		f.focus = exp90
	}
	return f.refocus()
}

// Focus focuses the first field; the pane returns its command on open.
func (f *Model) Focus() tea.Cmd { return f.refocus() }

// Editing reports an edit form (not the creation wizard).
func (f *Model) Editing() bool { return f.edit }

// KeyID is the key being edited.
func (f *Model) KeyID() string { return f.orig.KeyID }

// ReqID is the request in flight, matched against its answer.
func (f *Model) ReqID() uint64 { return f.reqID }

// Submitting reports a request in flight.
func (f *Model) Submitting() bool { return f.submitting }

// Step is the open step (0 basics … 3 IP restrictions).
func (f *Model) Step() int { return f.step }

// Name is the typed key name.
func (f *Model) Name() string { return f.name.Value() }

// Selected lists the chosen permissions in catalogue order.
func (f *Model) Selected() []string { return f.selected() }

// Err is the line under the form (a failed submit, a refused grant).
func (f *Model) Err() string { return f.submitErr }

// FieldErr is the error shown under a field ("name", "permissions"…).
func (f *Model) FieldErr(field string) string { return f.fieldErr(field) }

// PermCursor is the permission under the cursor on the permissions step.
func (f *Model) PermCursor() int { return f.permCur }

// Confirming reports that the edit diff is asking to save.
func (f *Model) Confirming() bool { return !f.over.Empty() }

// Update implements dialog.Dialog.
func (f *Model) Update(msg tea.Msg) (dialog.Dialog, tea.Cmd) {
	if !f.over.Empty() {
		cmd := f.over.Update(msg)
		if f.discarded {
			return nil, cmd
		}
		return f, cmd
	}
	switch msg := msg.(type) {
	case tea.PasteMsg:
		if in := f.focusedInput(); in != nil {
			var cmd tea.Cmd
			*in, cmd = in.Update(msg)
			f.shown[f.inputField(in)] = true
			f.validate()
			return f, cmd
		}
	case tea.KeyPressMsg:
		return f.onKey(msg)
	}
	return f, nil
}

func (f *Model) onKey(msg tea.KeyPressMsg) (dialog.Dialog, tea.Cmd) {
	if f.submitting {
		// No cancel: the server may already have made the key, and its
		// plaintext must reach the show-once modal. The request times out.
		return f, nil
	}
	k, fk := &f.ctx.Keys.Dialog, &f.ctx.Keys.Form
	in := f.focusedInput()
	switch {
	case in != nil && common.TypesText(msg):
		// typed below: j, k and space are text in a field
	case key.Matches(msg, k.Close):
		return f.close()
	case key.Matches(msg, k.Cancel):
		if f.step == f.entry {
			return f.close()
		}
		f.submitErr = ""
		f.step--
		f.focus = f.focusFor(f.step)
		return f, f.refocus()
	case key.Matches(msg, k.Accept):
		return f, f.next()
	case key.Matches(msg, k.NextField, k.Down):
		f.focus = (f.focus + 1) % f.numFields()
		return f, f.refocus()
	case key.Matches(msg, k.PrevField, k.Up):
		f.focus = (f.focus + f.numFields() - 1) % f.numFields()
		return f, f.refocus()
	}
	if in != nil {
		var cmd tea.Cmd
		*in, cmd = in.Update(msg)
		f.shown[f.inputField(in)] = true
		f.serverErrs = nil
		f.validate()
		return f, cmd
	}
	switch f.step {
	case stepBasic:
		if f.focus == 2 && key.Matches(msg, k.Toggle, k.Left, k.Right) {
			f.env = 1 - f.env
		}
	case stepPerms:
		switch {
		case key.Matches(msg, k.Toggle):
			p := models.PermissionCatalogue()[f.permCur]
			// Removing is always allowed (a developer may narrow a key an
			// admin made); only granting an admin permission is not.
			if p.Admin && !f.canAdmin && !f.perms[p.Name] {
				f.submitErr = f.adminReason
				return f, nil
			}
			f.perms[p.Name] = !f.perms[p.Name]
			f.submitErr = ""
		case key.Matches(msg, fk.SelectReadOnly):
			f.applyPreset(models.PresetReadOnly)
		case key.Matches(msg, fk.SelectEmail):
			f.applyPreset(models.PresetEmailSending)
		case key.Matches(msg, fk.SelectAll):
			f.applyPreset(models.PresetFullAccess(f.canAdmin))
		}
		f.shown["permissions"] = true
		f.serverErrs = nil
		f.validate()
	}
	return f, nil
}

// next is enter: the next step, or at the end the first step with an
// error, the diff (edit) or the create request.
func (f *Model) next() tea.Cmd {
	f.validate()
	f.showErrors(f.step)
	f.submitErr = ""
	if f.stepError() != "" {
		return nil
	}
	if f.step < stepIPs {
		f.step++
		f.focus = f.focusFor(f.step)
		return f.refocus()
	}
	for s := stepBasic; s < numSteps; s++ {
		f.step = s
		if f.stepError() != "" {
			f.showErrors(s)
			f.focus = f.focusFor(s)
			return f.refocus()
		}
	}
	f.step = stepIPs
	if f.edit {
		if len(f.diff(f.ctx.Now())) == 0 {
			f.submitErr = "Nothing changed."
			return nil
		}
		f.openDiff()
		f.refocus()
		return nil
	}
	return f.submit(func(id uint64) tea.Cmd { return f.host.Create(id, f.createRequest(f.ctx.Now())) })
}

// submit starts a request unless actions are blocked; the form keeps every
// value, so a failure loses nothing.
func (f *Model) submit(start func(id uint64) tea.Cmd) tea.Cmd {
	if cmd, why := f.host.Guard(); why != "" {
		f.over.Clear()
		f.submitErr = why
		return cmd
	}
	id := f.host.NextID()
	cmd := start(id)
	if cmd == nil {
		return nil
	}
	f.submitting, f.submitErr, f.serverErrs = true, "", nil
	f.reqID = id
	f.refocus()
	return cmd
}

// Failed puts a failed submit back into the form: field errors next to
// their fields (jumping to the first one's step), anything else as a line
// (text, the pane's words for err); the typed values are kept.
func (f *Model) Failed(err error, text string) tea.Cmd {
	f.submitting = false
	f.over.Clear()
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
