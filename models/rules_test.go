package models

import (
	"strings"
	"testing"
	"time"
)

func TestCheckKeyName(t *testing.T) {
	for _, c := range []struct {
		in, want, msg string
	}{
		{"  prod-eu_1.2 ", "prod-eu_1.2", ""},
		{"Café Prod", "Café Prod", ""},
		{"   ", "", "Name is required"},
		{strings.Repeat("a", 50), strings.Repeat("a", 50), ""},
		{" " + strings.Repeat("a", 50), strings.Repeat("a", 50), "Name must be 50 characters or less"}, // as sent, like the contract's maxLength
		{strings.Repeat("é", 51), strings.Repeat("é", 51), "Name must be 50 characters or less"},
		{"bad/name", "bad/name", "Name may contain letters, digits, spaces, hyphens, underscores and periods (no other punctuation, no control or invisible characters)"},
	} {
		got, fe := CheckKeyName(c.in)
		msg := ""
		if fe != nil {
			msg = fe.Message
			if fe.Field != "name" {
				t.Errorf("%q: field %q", c.in, fe.Field)
			}
		}
		if got != c.want || msg != c.msg {
			t.Errorf("CheckKeyName(%q) = %q, %q; want %q, %q", c.in, got, msg, c.want, c.msg)
		}
	}
}

func TestCheckAllowedIPs(t *testing.T) {
	got, fe := CheckAllowedIPs([]string{"203.0.113.7/24", "::ffff:10.0.0.1", "203.0.113.0/24", "2001:db8::1"})
	if fe != nil || strings.Join(got, ",") != "203.0.113.0/24,10.0.0.1,2001:db8::1" {
		t.Fatalf("normalised %v, %v", got, fe)
	}
	if got, fe := CheckAllowedIPs(nil); fe != nil || got == nil || len(got) != 0 {
		t.Fatalf("empty list: %#v %v", got, fe)
	}
	for _, c := range []struct {
		in    []string
		field string
		msg   string
	}{
		{[]string{"10.0.0.1", "10.0.0.0/33"}, "allowed_ips[1]", `"10.0.0.0/33" is not a valid CIDR range (e.g. 203.0.113.0/24)`},
		{[]string{"fe80::1%eth0"}, "allowed_ips[0]", `"fe80::1%eth0" is not a valid IP address`},
		{[]string{"nope"}, "allowed_ips[0]", `"nope" is not a valid IP address`},
		{[]string{" 10.0.0.1"}, "allowed_ips[0]", `" 10.0.0.1" is not a valid IP address`},
		{[]string{"10.0.0.0/08"}, "allowed_ips[0]", `"10.0.0.0/08" is not a valid CIDR range (e.g. 203.0.113.0/24)`},
		{make([]string, 101), "allowed_ips", "At most 100 IP addresses or ranges"},
	} {
		if _, fe := CheckAllowedIPs(c.in); fe == nil || fe.Field != c.field || fe.Message != c.msg {
			t.Errorf("CheckAllowedIPs(%.40q) = %+v; want %s %q", c.in, fe, c.field, c.msg)
		}
	}
}

func TestParseAllowedIPList(t *testing.T) {
	got, fe := ParseAllowedIPList(" 10.0.0.1, ,192.0.2.0/24 ,10.0.0.1")
	if fe != nil || strings.Join(got, ",") != "10.0.0.1,192.0.2.0/24" {
		t.Fatalf("got %v, %v", got, fe)
	}
	if _, fe := ParseAllowedIPList(" , "); fe == nil || fe.Message != "Enter at least one IP address or CIDR range, or allow all IPs" {
		t.Fatalf("blank list: %+v", fe)
	}
	// Entries are reported trimmed, as the user sees them in the field.
	if _, fe := ParseAllowedIPList("10.0.0.1,  bogus "); fe == nil || fe.Message != `"bogus" is not a valid IP address` {
		t.Fatalf("bad entry: %+v", fe)
	}
}

func TestKeyRules(t *testing.T) {
	pro := PlanOrDefault("nope")
	if pro.Name != PlanProfessional {
		t.Fatalf("default plan %q", pro.Name)
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	checks := []struct {
		name string
		fe   *FieldError
		want string // "" = accepted
	}{
		{"description ok", second(CheckKeyDescription(strings.Repeat("d", 500))), ""},
		{"description long", second(CheckKeyDescription(strings.Repeat("d", 501))), "Description must be 500 characters or less"},
		{"description padded", second(CheckKeyDescription(strings.Repeat("d", 500) + " ")), "Description must be 500 characters or less"},
		{"env default", second(CheckEnvironment("")), ""},
		{"env bad", second(CheckEnvironment("prod")), "Environment must be live or test"},
		{"perms none", second(CheckPermissions(nil)), "Select at least one permission"},
		{"perms unknown", second(CheckPermissions([]string{"send_email", "fly"})), `Unknown permission "fly"`},
		{"rate ok", CheckRateLimit(300, pro), ""},
		{"rate high", CheckRateLimit(301, pro), "Rate limit must be between 1 and your Professional plan's 300 requests per minute"},
		{"rate zero", CheckRateLimit(0, pro), "Rate limit must be between 1 and your Professional plan's 300 requests per minute"},
		{"expiry past", CheckExpiry(now, now), "Expiry must be in the future"},
		{"expiry future", CheckExpiry(now.Add(time.Second), now), ""},
		{"grace", CheckGraceHours(169), "Grace period must be between 0 and 168 hours"},
		{"grace zero", CheckGraceHours(0), ""},
		{"retries", CheckWebhookRetries(11), "max_retries must be between 1 and 10"},
		{"webhook description", second(CheckWebhookDescription(strings.Repeat("é", 501))), "description must be at most 500 characters"},
		{"webhook description ok", second(CheckWebhookDescription(strings.Repeat("é", 500))), ""},
		{"webhook description padded", second(CheckWebhookDescription(strings.Repeat("é", 499) + "  ")), "description must be at most 500 characters"},
		{"webhook status", CheckWebhookStatus(""), "status must be active or paused"},
		{"webhook status paused", CheckWebhookStatus(WebhookPaused), ""},
		{"retries zero", CheckWebhookRetries(0), "max_retries must be between 1 and 10"},
		{"events none", second(CheckWebhookEvents(nil)), "Select at least one event type"},
		{"events unknown", second(CheckWebhookEvents([]string{"email.lost"})), `Unknown event type "email.lost"; see GET /api/v1/platform/webhooks/event-types`},
	}
	for _, c := range checks {
		got := ""
		if c.fe != nil {
			got = c.fe.Message
		}
		if got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
	if env, _ := CheckEnvironment(""); env != EnvLive {
		t.Errorf("default environment %q", env)
	}
	if perms, _ := CheckPermissions([]string{"read_analytics", "send_email", "send_email"}); strings.Join(perms, ",") != "send_email,read_analytics" {
		t.Errorf("permissions not in catalogue order: %v", perms)
	}
	if !CanGrant(RoleAdmin, "full_access") || CanGrant(RoleDeveloper, "full_access") || !CanGrant(RoleDeveloper, "send_email") || CanGrant(RoleAdmin, "fly") {
		t.Error("CanGrant")
	}
	if CanManageKeys(RoleMember) || !CanManageKeys(RoleDeveloper) || ValidRole("owner") || !ValidRole(RoleMember) {
		t.Error("role rules")
	}
}

func TestCheckWebhookURL(t *testing.T) {
	for _, c := range []struct {
		raw       string
		allowHTTP bool
		msg       string
	}{
		{"https://example.com/hook", false, ""},
		{"http://127.0.0.1:9/hook", true, ""},
		{"  ", false, "Endpoint URL is required"},
		{"http://example.com/hook", false, "Endpoint must be a valid HTTPS URL (plain http is only allowed by servers run with --allow-private-webhooks)"},
		{"ftp://example.com/", true, "Endpoint must be a valid HTTPS URL, e.g. https://example.com/webhooks"},
		{"example.com/hook", false, "Endpoint must be a valid HTTPS URL, e.g. https://example.com/webhooks"},
		{"https://u:p@example.com/", false, "Endpoint URL must not contain credentials"},
		{"https://example.com/#x", false, "Endpoint URL must not contain a fragment"},
		{"https://example.com:0/", false, "Endpoint URL has an invalid port"},
		{"https://example.com/" + strings.Repeat("a", 2048), false, "Endpoint URL must be at most 2048 characters"},
		{"https://example.com/" + strings.Repeat("é", 2028), false, ""}, // 2048 characters: the form check counts characters
		{" https://example.com/hook", false, "Endpoint URL must not begin or end with spaces"},
		{"https://example.com/hook\n", false, "Endpoint URL must not begin or end with spaces"},
		{"https://example.com/#", false, "Endpoint URL must not contain a fragment"},
	} {
		got := ""
		if _, fe := CheckWebhookURL(c.raw, c.allowHTTP); fe != nil {
			got = fe.Message
		}
		if got != c.msg {
			t.Errorf("CheckWebhookURL(%.40q) = %q, want %q", c.raw, got, c.msg)
		}
	}
}

// Only RFC 3986 characters pass, as the contract's format: uri says.
func TestCheckWebhookURLChars(t *testing.T) {
	for raw, ok := range map[string]bool{
		"https://example.com/hook":                        true,
		"https://api.example.com:8443/a/b;c=d?x=1&y=%2F~": true,
		"https://[2001:db8::1]:8443/h":                    true,
		"https://example.com/p@th:x!$&'()*+,=":            true,
		"https://xn--bcher-kva.example/h":                 true,
		"https://bücher.example/h":                        false,
		"https://example.com/日本":                          false,
		"https://example.com/a b":                         false,
		"https://example.com/a%2":                         false,
		"https://example.com/a%zz":                        false,
		"https://example.com/[x]":                         false,
		"https://example.com/?q=[1]":                      false,
		"https://example.com/a|b":                         false,
		"https://example.com/a\\b":                        false,
		"https://example.com/{x}":                         false,
		"https://example.com/\"x\"":                       false,
		"https://example.com/<x>":                         false,
		"https://example.com/a^b`":                        false,
	} {
		if fe := CheckWebhookURLChars(raw); (fe == nil) != ok {
			t.Errorf("CheckWebhookURLChars(%q) = %v, want ok=%v", raw, fe, ok)
		}
	}
}

func second[T any](_ T, fe *FieldError) *FieldError { return fe }
