package wizard

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/penguinmails/pmdev/models"
)

// validate runs the local rules (the same as the server's) as the user types.
func (f *Model) validate() {
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
	var out []string
	for _, p := range models.PermissionCatalogue() {
		if f.perms[p.Name] {
			out = append(out, p.Name)
		}
	}
	return out
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
	if field == "name" && !f.nameShown {
		// A fresh wizard should not greet the user with an error.
		return ""
	}
	return f.errs[field]
}

// stepValid reports the first error of the current step.
func (f *Model) stepError() string {
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

// sameSet compares two permission lists ignoring order.
func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
