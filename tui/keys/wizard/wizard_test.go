package wizard

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common/commontest"
	"github.com/penguinmails/pmdev/tui/keys/perms"
)

// fakeHost records the requests the wizard starts.
type fakeHost struct {
	id      uint64
	created []models.CreateAPIKeyRequest
	updated []models.UpdateAPIKeyRequest
	blocked string
}

func (h *fakeHost) Guard() (tea.Cmd, string) { return nil, h.blocked }
func (h *fakeHost) NextID() uint64           { h.id++; return h.id }
func (h *fakeHost) Create(id uint64, req models.CreateAPIKeyRequest) tea.Cmd {
	h.created = append(h.created, req)
	return func() tea.Msg { return nil }
}
func (h *fakeHost) Update(id uint64, keyID string, req models.UpdateAPIKeyRequest) tea.Cmd {
	h.updated = append(h.updated, req)
	return func() tea.Msg { return nil }
}

// update is the wizard's Update as the test helpers take it.
func update(f *Model) func(tea.Msg) tea.Cmd {
	return func(msg tea.Msg) tea.Cmd { _, cmd := f.Update(msg); return cmd }
}

func press(f *Model, keys ...string) { commontest.Press(update(f), keys...) }

func typeText(f *Model, s string) { commontest.Type(update(f), s) }

// key is an active key with the email-sending preset.
var testKey = models.APIKey{KeyID: "key_1", Name: "Production", Environment: models.EnvLive, Status: models.KeyActive,
	Permissions: []string{"send_email", "send_bulk_email", "read_analytics"}, CreatedAt: commontest.Now}

func TestDefaultsCreate(t *testing.T) {
	h := &fakeHost{}
	f := New(commontest.Context(80, 24, nil), h)
	f.Focus()
	typeText(f, "My key")
	press(f, "enter", "enter", "enter", "enter")
	if !f.Submitting() || len(h.created) != 1 || f.ReqID() != h.id {
		t.Fatalf("name + enter×4 did not submit: %+v", h.created)
	}
	req := h.created[0]
	if req.Name != "My key" || req.Environment != models.EnvLive || !sameSet(req.Permissions, models.PresetEmailSending) || req.ExpiresAt != nil || req.AllowedIPs != nil {
		t.Fatalf("request %+v", req)
	}
}

func TestBlockedSubmitKeepsTheForm(t *testing.T) {
	h := &fakeHost{blocked: "rate limited"}
	f := New(commontest.Context(80, 24, nil), h)
	f.Focus()
	typeText(f, "My key")
	press(f, "enter", "enter", "enter", "enter")
	if f.Submitting() || len(h.created) != 0 || f.Err() != "rate limited" || f.Name() != "My key" {
		t.Fatalf("blocked submit: submitting %v err %q", f.Submitting(), f.Err())
	}
}

func TestEditSendsOnlyChanges(t *testing.T) {
	h := &fakeHost{}
	f := NewEdit(commontest.Context(80, 24, nil), h, &testKey)
	f.Focus()
	press(f, "end")
	typeText(f, "X")
	press(f, "enter", "enter", "enter", "enter")
	if !f.Confirming() || !strings.Contains(commontest.Plain(f.View(80, 24)), "ProductionX") {
		t.Fatalf("diff not shown:\n%s", commontest.Plain(f.View(80, 24)))
	}
	press(f, "y")
	if !f.Submitting() || len(h.updated) != 1 {
		t.Fatal("save did not start")
	}
	req := h.updated[0]
	if req.Name == nil || *req.Name != "ProductionX" || req.Permissions != nil || req.AllowedIPs != nil || req.ExpiresAt != nil || req.ClearExpiry {
		t.Fatalf("req %+v", req)
	}
}

func TestEditDiffEscReturnsToTheForm(t *testing.T) {
	f := NewEdit(commontest.Context(80, 24, nil), &fakeHost{}, &testKey)
	f.Focus()
	typeText(f, "X")
	press(f, "enter", "enter", "enter", "enter")
	if !f.Confirming() {
		t.Fatal("no diff")
	}
	if d, _ := f.Update(commontest.Key("esc")); d != f || f.Confirming() || f.Step() != stepIPs {
		t.Fatalf("esc left the form: confirming %v step %d", f.Confirming(), f.Step())
	}
}

func TestEditDiffShowsNewPermissionSet(t *testing.T) {
	f := NewEdit(commontest.Context(100, 30, nil), &fakeHost{}, &testKey)
	press(f, "enter", "down", "down", "space") // add read_campaigns
	var perm *change
	for _, c := range f.diff(f.ctx.Now()) {
		if c.field == "Permissions" {
			perm = &c
		}
	}
	if perm == nil {
		t.Fatal("no permissions change")
	}
	if perm.to != perms.Badges(f.selected()) || !strings.Contains(perm.to, "camp:r") || perm.note != "added camp:r" {
		t.Fatalf("change %+v", *perm)
	}
	if strings.Contains(perm.to, "+") {
		t.Fatalf("new set carries diff markers: %q", perm.to)
	}
}

func TestWizardValidation(t *testing.T) {
	cases := []struct {
		name, field, want string
		setup             func(f *Model)
	}{
		{"empty name", "name", "Name is required", func(f *Model) { f.name.SetValue("  ") }},
		{"long name", "name", "Name must be 50 characters or less", func(f *Model) { f.name.SetValue(strings.Repeat("a", 51)) }},
		{"bad char", "name", "no other punctuation", func(f *Model) { f.name.SetValue("a/b") }},
		{"invisible char", "name", "invisible", func(f *Model) { f.name.SetValue("zero\u200bwidth") }},
		{"no perms", "permissions", "Select at least one permission", func(f *Model) { f.perms = map[string]bool{} }},
		{"bad ip", "allowed_ips", `"10.0.0.300" is not a valid IP address`, func(f *Model) { f.ipMode = 1; f.ips.SetValue("10.0.0.1, 10.0.0.300") }},
		{"bad cidr", "allowed_ips", "not a valid CIDR", func(f *Model) { f.ipMode = 1; f.ips.SetValue("10.0.0.0/33") }},
		{"past date", "expires_at", "Expiry must be in the future", func(f *Model) { f.expiry = expCustom; f.custom.SetValue("2020-01-01") }},
		{"bad date", "expires_at", "YYYY-MM-DD", func(f *Model) { f.expiry = expCustom; f.custom.SetValue("soon") }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := New(commontest.Context(80, 24, nil), &fakeHost{})
			f.name.SetValue("ok")
			tc.setup(f)
			f.validate()
			if !strings.Contains(f.errs[tc.field], tc.want) {
				t.Fatalf("errs %v", f.errs)
			}
		})
	}
}

// q (where no text field takes it) and esc at the first step close the
// form: at once when it holds nothing of the user's, else after asking.
func TestClosingAsksBeforeDroppingWhatWasTyped(t *testing.T) {
	closes := func(f *Model, k string) bool { d, _ := f.Update(commontest.Key(k)); return d == nil }

	f := New(commontest.Context(80, 24, nil), &fakeHost{})
	f.Focus()
	if !closes(f, "esc") {
		t.Fatal("an untouched form did not close on esc")
	}

	f = New(commontest.Context(80, 24, nil), &fakeHost{})
	f.Focus()
	typeText(f, "My q")
	if f.Name() != "My q" {
		t.Fatalf("q was not typed into the name: %q", f.Name())
	}
	if closes(f, "esc") || !strings.Contains(commontest.Plain(f.View(80, 24)), "Discard this new key?") {
		t.Fatalf("esc dropped a typed name without asking:\n%s", commontest.Plain(f.View(80, 24)))
	}
	press(f, "n")
	if f.Name() != "My q" || strings.Contains(commontest.Plain(f.View(80, 24)), "Discard") {
		t.Fatal("keep editing lost the form")
	}
	press(f, "enter") // the permissions step: q is no text there
	if closes(f, "q") {
		t.Fatal("q dropped the form without asking")
	}
	if !closes(f, "y") {
		t.Fatal("y did not discard")
	}

	// An edit with nothing changed closes at once.
	f = NewEdit(commontest.Context(80, 24, nil), &fakeHost{}, &testKey)
	f.Focus()
	press(f, "enter")
	if !closes(f, "q") {
		t.Fatal("an unchanged edit asked before closing")
	}
}
