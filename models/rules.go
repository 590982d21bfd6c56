package models

import (
	"fmt"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// The validation rules the server enforces and the console checks as the
// user types. Each Check function returns the normalised value and, when
// the input breaks a rule, the field error the server answers with, so both
// sides say the same thing in the same words.

// Key limits.
const (
	KeyNameMaxLen        = 50
	KeyDescriptionMaxLen = 500
	KeyMaxAllowedIPs     = 100
	KeyDefaultGraceHours = 24
	KeyMaxGraceHours     = 168
)

// CheckKeyName applies the key-name rule: at most 50 characters as sent,
// of which KeyNameRune accepts every one (so "prod-eu_1.2" and "Zürich"
// work), not all spaces; the name kept has its spaces trimmed.
func CheckKeyName(name string) (string, *FieldError) {
	long := utf8.RuneCountInString(name) > KeyNameMaxLen
	name = strings.Trim(name, " ") // only the ASCII space: the pattern refuses other blanks
	if name == "" {
		return name, &FieldError{Field: "name", Message: "Name is required"}
	}
	if long {
		return name, &FieldError{Field: "name", Message: fmt.Sprintf("Name must be %d characters or less", KeyNameMaxLen)}
	}
	for _, r := range name {
		if !KeyNameRune(r) {
			return name, &FieldError{Field: "name", Message: "Name may contain letters, digits, spaces, hyphens, underscores and periods (no other punctuation, no control or invisible characters)"}
		}
	}
	return name, nil
}

// KeyNameRune reports whether r may appear in a key name. Of ASCII only
// letters, digits, space and ._- are allowed; beyond ASCII everything but
// controls, invisible formatting characters and non-ASCII spaces, so names
// that look alike are alike. The contract states the same rule as a pattern
// every regex engine reads, which \p{L} classes are not.
func KeyNameRune(r rune) bool {
	if r < 0x80 {
		return r == ' ' || r == '-' || r == '_' || r == '.' ||
			('0' <= r && r <= '9') || ('A' <= r && r <= 'Z') || ('a' <= r && r <= 'z')
	}
	switch {
	case r <= 0xA0, r == 0xAD, 0x600 <= r && r <= 0x605, r == 0x61C, r == 0x6DD, r == 0x70F,
		r == 0x180E, r == 0x1680, 0x2000 <= r && r <= 0x200F, 0x2028 <= r && r <= 0x202F,
		0x205F <= r && r <= 0x2064, 0x2066 <= r && r <= 0x206F, r == 0x3000, r == 0xFEFF,
		0xFFF9 <= r && r <= 0xFFFB, r == utf8.RuneError:
		return false
	}
	return true
}

// CheckKeyDescription bounds a key description's length as sent and
// trims it.
func CheckKeyDescription(d string) (string, *FieldError) {
	return checkDescription(d, KeyDescriptionMaxLen, fmt.Sprintf("Description must be %d characters or less", KeyDescriptionMaxLen))
}

// checkDescription trims a description and refuses it with msg when it
// was longer than maxLen characters as sent.
func checkDescription(d string, maxLen int, msg string) (string, *FieldError) {
	long := utf8.RuneCountInString(d) > maxLen
	d = strings.TrimSpace(d)
	if long {
		return d, &FieldError{Field: "description", Message: msg}
	}
	return d, nil
}

// CheckEnvironment defaults an empty environment to live.
func CheckEnvironment(env string) (string, *FieldError) {
	switch env {
	case "":
		return EnvLive, nil
	case EnvLive, EnvTest:
		return env, nil
	}
	return env, &FieldError{Field: "environment", Message: "Environment must be live or test"}
}

// CheckPermissions checks names against the catalogue and de-duplicates,
// keeping catalogue order.
func CheckPermissions(perms []string) ([]string, *FieldError) {
	if len(perms) == 0 {
		return nil, &FieldError{Field: "permissions", Message: "Select at least one permission"}
	}
	want := map[string]bool{}
	for i, p := range perms {
		if _, ok := LookupPermission(p); !ok {
			return nil, &FieldError{Field: fmt.Sprintf("permissions[%d]", i), Message: fmt.Sprintf("Unknown permission %q", p)}
		}
		want[p] = true
	}
	var out []string
	for _, p := range PermissionCatalogue() {
		if want[p.Name] {
			out = append(out, p.Name)
		}
	}
	return out, nil
}

// CheckRateLimit bounds a key's per-minute limit by the tenant's plan.
func CheckRateLimit(v int, plan Plan) *FieldError {
	if v < 1 || v > plan.LimitPerMinute {
		return &FieldError{Field: "rate_limit", Message: fmt.Sprintf("Rate limit must be between 1 and your %s plan's %d requests per minute", plan.DisplayName, plan.LimitPerMinute)}
	}
	return nil
}

// CheckExpiry wants a key's expiry after now.
func CheckExpiry(t, now time.Time) *FieldError {
	if !t.After(now) {
		return &FieldError{Field: "expires_at", Message: "Expiry must be in the future"}
	}
	return nil
}

// CheckGraceHours bounds the grace period of a rotation.
func CheckGraceHours(h int) *FieldError {
	if h < 0 || h > KeyMaxGraceHours {
		return &FieldError{Field: "grace_period_hours", Message: fmt.Sprintf("Grace period must be between 0 and %d hours", KeyMaxGraceHours)}
	}
	return nil
}

// CheckAllowedIPs parses addresses and CIDR ranges of an IP allow-list
// (IPPattern, entries as sent: no surrounding spaces), normalising ranges
// to their network and dropping repeats. An empty list allows every address.
func CheckAllowedIPs(ips []string) ([]string, *FieldError) {
	if len(ips) > KeyMaxAllowedIPs {
		return nil, &FieldError{Field: "allowed_ips", Message: fmt.Sprintf("At most %d IP addresses or ranges", KeyMaxAllowedIPs)}
	}
	out := []string{}
	seen := map[string]bool{}
	for i, raw := range ips {
		v := raw
		form := validIPForm(v)
		var norm string
		if strings.Contains(v, "/") {
			p, err := netip.ParsePrefix(v)
			if err != nil || !form {
				return nil, &FieldError{Field: fmt.Sprintf("allowed_ips[%d]", i), Message: fmt.Sprintf("%q is not a valid CIDR range (e.g. 203.0.113.0/24)", raw)}
			}
			norm = p.Masked().String()
		} else {
			a, err := netip.ParseAddr(v)
			if err != nil || a.Zone() != "" || !form {
				return nil, &FieldError{Field: fmt.Sprintf("allowed_ips[%d]", i), Message: fmt.Sprintf("%q is not a valid IP address", raw)}
			}
			norm = a.Unmap().String()
		}
		if !seen[norm] {
			seen[norm] = true
			out = append(out, norm)
		}
	}
	return out, nil
}

// ParseAllowedIPList reads a comma-separated allow-list as typed in a form:
// blank entries are skipped and at least one entry is required (an empty
// list is "allow all", which a form chooses explicitly).
func ParseAllowedIPList(s string) ([]string, *FieldError) {
	var entries []string
	for _, raw := range strings.Split(s, ",") {
		if v := strings.TrimSpace(raw); v != "" {
			entries = append(entries, v)
		}
	}
	if len(entries) == 0 {
		return nil, &FieldError{Field: "allowed_ips", Message: "Enter at least one IP address or CIDR range, or allow all IPs"}
	}
	return CheckAllowedIPs(entries)
}

// ValidRole reports whether r is a tenant role.
func ValidRole(r string) bool {
	return r == RoleAdmin || r == RoleDeveloper || r == RoleMember
}

// CanManageKeys reports whether role may use the developer routes (keys,
// usage, webhooks).
func CanManageKeys(role string) bool {
	return role == RoleAdmin || role == RoleDeveloper
}

// CanGrant reports whether role may grant permission (admin-category ones need admin).
func CanGrant(role, permission string) bool {
	p, ok := LookupPermission(permission)
	if !ok {
		return false
	}
	return !p.Admin || role == RoleAdmin
}

// AdminHeld returns the first admin-category permission among perms that
// role may not grant, or "" when role may act on a key holding perms: a
// key that holds a permission only admins can grant can only be edited,
// rotated or revoked by an admin (rotating hands out its secret).
func AdminHeld(role string, perms []string) string {
	for _, p := range perms {
		if !CanGrant(role, p) {
			return p
		}
	}
	return ""
}

// PlanOrDefault is the named plan, or Professional for an unknown name.
func PlanOrDefault(name string) Plan {
	p, ok := PlanByName(name)
	if !ok {
		p, _ = PlanByName(PlanProfessional)
	}
	return p
}

// WebhookEventTypesPath is where the event catalogue is served.
const WebhookEventTypesPath = "/api/v1/platform/webhooks/event-types"

// CheckWebhookEvents validates and de-duplicates an event list, keeping catalogue order.
func CheckWebhookEvents(events []string) ([]string, *FieldError) {
	if len(events) == 0 {
		return nil, &FieldError{Field: "events", Message: "Select at least one event type"}
	}
	for i, e := range events {
		if !IsWebhookEvent(e) {
			return nil, &FieldError{Field: fmt.Sprintf("events[%d]", i), Message: fmt.Sprintf("Unknown event type %q; see GET %s", e, WebhookEventTypesPath)}
		}
	}
	var out []string
	for _, e := range WebhookEventNames() {
		if slices.Contains(events, e.Type) {
			out = append(out, e.Type)
		}
	}
	return out, nil
}

// CheckWebhookRetries bounds an endpoint's retry count.
func CheckWebhookRetries(n int) *FieldError {
	if n < WebhookMinRetries || n > WebhookMaxRetries {
		return &FieldError{Field: "max_retries", Message: fmt.Sprintf("max_retries must be between %d and %d", WebhookMinRetries, WebhookMaxRetries)}
	}
	return nil
}

// CheckWebhookStatus is the status a client may set: active or paused.
func CheckWebhookStatus(s string) *FieldError {
	if s != WebhookActive && s != WebhookPaused {
		return &FieldError{Field: "status", Message: "status must be active or paused"}
	}
	return nil
}

// CheckWebhookDescription bounds an endpoint description, counted in
// characters as sent (as the contract's maxLength counts), and returns it
// with its surrounding spaces trimmed.
func CheckWebhookDescription(d string) (string, *FieldError) {
	return checkDescription(d, WebhookMaxDescription, fmt.Sprintf("description must be at most %d characters", WebhookMaxDescription))
}

// CheckWebhookURL is the form of an endpoint URL: absolute https (http too
// when allowHTTP), a host, a valid port, no credentials, no fragment, no
// surrounding spaces. Where the host may point (private addresses, DNS) is
// the server's own check, and so is CheckWebhookURLChars, which it applies
// after that check.
func CheckWebhookURL(raw string, allowHTTP bool) (*url.URL, *FieldError) {
	bad := func(msg string) (*url.URL, *FieldError) { return nil, &FieldError{Field: "url", Message: msg} }
	if strings.TrimSpace(raw) == "" {
		return bad("Endpoint URL is required")
	}
	if strings.TrimSpace(raw) != raw {
		return bad("Endpoint URL must not begin or end with spaces")
	}
	if utf8.RuneCountInString(raw) > WebhookMaxURLLength {
		return bad(fmt.Sprintf("Endpoint URL must be at most %d characters", WebhookMaxURLLength))
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" || u.Opaque != "" {
		return bad("Endpoint must be a valid HTTPS URL, e.g. https://example.com/webhooks")
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !allowHTTP {
			return bad("Endpoint must be a valid HTTPS URL (plain http is only allowed by servers run with --allow-private-webhooks)")
		}
	default:
		return bad("Endpoint must be a valid HTTPS URL, e.g. https://example.com/webhooks")
	}
	if u.User != nil {
		return bad("Endpoint URL must not contain credentials")
	}
	if u.Fragment != "" || strings.Contains(raw, "#") {
		return bad("Endpoint URL must not contain a fragment")
	}
	if u.Hostname() == "" {
		return bad("Endpoint URL has no host")
	}
	if p := u.Port(); p != "" {
		var n int
		if _, err := fmt.Sscanf(p, "%d", &n); err != nil || n < 1 || n > 65535 {
			return bad("Endpoint URL has an invalid port")
		}
	}
	return u, nil
}

// CheckWebhookURLChars holds an endpoint URL that CheckWebhookURL accepted
// to the characters of an RFC 3986 URI, the contract's "format: uri":
// ASCII letters, digits and -._~:/?@!$&'()*+,;=, "%" only before two hex
// digits, and brackets only around an IPv6 host. Host names beyond ASCII
// are written in punycode (xn--…) and other characters percent-encoded.
func CheckWebhookURLChars(raw string) *FieldError {
	// The authority runs from "://" to the first "/" or "?" after it.
	start, end := len(raw), len(raw)
	if i := strings.Index(raw, "://"); i >= 0 {
		start = i + 3
		if j := strings.IndexAny(raw[start:], "/?"); j >= 0 {
			end = start + j
		}
	}
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', strings.IndexByte("-._~:/?@!$&'()*+,;=", c) >= 0:
		case c == '%' && i+2 < len(raw) && isHex(raw[i+1]) && isHex(raw[i+2]):
		case (c == '[' || c == ']') && i >= start && i < end:
		default:
			return &FieldError{Field: "url", Message: "Endpoint URL may hold only the characters of a URI (RFC 3986): " +
				"write an international host name in punycode (xn--…) and percent-encode other characters"}
		}
	}
	return nil
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// KeyStatusAt is a key's status at now: revoked, expired once now reaches
// its expiry, else active.
func KeyStatusAt(revoked, expires *time.Time, now time.Time) string {
	switch {
	case revoked != nil:
		return KeyRevoked
	case expires != nil && !now.Before(*expires):
		return KeyExpired
	}
	return KeyActive
}
