package wizard

import (
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/textinput"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
)

// validate runs the local rules (the same as the server's) as the user types.
func (f *Model) validate() {
	f.errs = map[string]string{}
	if msg := nameError(f.name.Value()); msg != "" {
		f.errs["name"] = msg
	}
	if _, fe := models.CheckKeyDescription(f.desc.Value()); fe != nil {
		f.errs["description"] = fe.Message
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

// nameError and parseIPs apply the server's own rules (models) as the user types.
func nameError(name string) string {
	if _, fe := models.CheckKeyName(name); fe != nil {
		return fe.Message
	}
	return ""
}

func parseIPs(s string) ([]string, string) {
	ips, fe := models.ParseAllowedIPList(s)
	if fe != nil {
		return nil, fe.Message
	}
	return ips, ""
}

// expiryDate is the chosen expiry (nil = never) or a message.
func (f *Model) expiryDate(now time.Time) (*time.Time, string) {
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

func (f *Model) selected() []string {
	return common.Chosen(models.PermissionCatalogue(), func(p models.Permission) string { return p.Name }, f.perms)
}

func (f *Model) applyPreset(names []string) {
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
func (f *Model) fieldErr(field string) string {
	for k, v := range f.serverErrs {
		if k == field || strings.HasPrefix(k, field+"[") {
			return v
		}
	}
	if !f.shown[field] {
		// A field not yet typed in or submitted must not greet the user
		// with an error (an empty name, an empty allow-list or date).
		return ""
	}
	return f.errs[field]
}

// inputField is the field name of a text input, as errors are keyed.
func (f *Model) inputField(in *textinput.Model) string {
	switch in {
	case &f.name:
		return "name"
	case &f.desc:
		return "description"
	case &f.custom:
		return "expires_at"
	}
	return "allowed_ips"
}

// stepFields are the fields a step shows, in order.
func stepFields(step int) []string {
	switch step {
	case stepBasic:
		return []string{"name", "description"}
	case stepPerms:
		return []string{"permissions"}
	case stepExpiry:
		return []string{"expires_at"}
	}
	return []string{"allowed_ips"}
}

// showErrors lets a step's errors show: the user tried to leave it.
func (f *Model) showErrors(step int) {
	for _, k := range stepFields(step) {
		f.shown[k] = true
	}
}

// stepError reports the first error of the current step.
func (f *Model) stepError() string {
	for _, k := range stepFields(f.step) {
		if e := f.errs[k]; e != "" {
			return e
		}
	}
	return ""
}

// sameSet compares two permission lists ignoring order.
func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
