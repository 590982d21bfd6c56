package server

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/penguinmails/pmdev/models"
)

func TestCreateKeyValidation(t *testing.T) {
	e := newEnv(t, "")
	tok := e.addUser("admin@a.test", models.RoleAdmin, "A", "")
	past := e.clock.Now().Add(-time.Hour)
	cases := []struct {
		name  string
		body  any
		field string
		msg   string
	}{
		{"empty name", models.CreateAPIKeyRequest{Name: "  ", Permissions: []string{"send_email"}}, "name", "Name is required"},
		{"long name", models.CreateAPIKeyRequest{Name: strings.Repeat("a", 51), Permissions: []string{"send_email"}}, "name", "Name must be 50 characters or less"},
		{"odd name", models.CreateAPIKeyRequest{Name: "a<b>", Permissions: []string{"send_email"}}, "name", "letters"},
		{"no perms", models.CreateAPIKeyRequest{Name: "ok", Permissions: []string{}}, "permissions", "Select at least one permission"},
		{"null perms", `{"name":"ok","permissions":null}`, "permissions", "must not be null"},
		{"rate limit 0", `{"name":"ok","permissions":["send_email"],"rate_limit":0}`, "rate_limit", "between 1 and"},
		{"case-insensitive key", `{"Name":"ok","permissions":["send_email"]}`, "Name", `did you mean "name"`},
		{"duplicate key", `{"name":"ok","name":"ok2","permissions":["send_email"]}`, "name", "more than once"},
		{"duplicate after case", `{"name":"ok","permissions":["send_email"],"NAME":"x"}`, "NAME", "case-sensitive"},
		{"bad perm", models.CreateAPIKeyRequest{Name: "ok", Permissions: []string{"fly"}}, "permissions[0]", "Unknown permission"},
		{"bad ip", models.CreateAPIKeyRequest{Name: "ok", Permissions: []string{"send_email"}, AllowedIPs: []string{"10.0.0.1", "10.0.0/33"}}, "allowed_ips[1]", "CIDR"},
		{"over plan", models.CreateAPIKeyRequest{Name: "ok", Permissions: []string{"send_email"}, RateLimit: new(301)}, "rate_limit", "300"},
		{"past expiry", models.CreateAPIKeyRequest{Name: "ok", Permissions: []string{"send_email"}, ExpiresAt: &past}, "expires_at", "future"},
		{"bad env", models.CreateAPIKeyRequest{Name: "ok", Permissions: []string{"send_email"}, Environment: "prod"}, "environment", "live or test"},
		{"control char", `{"name":"ok\u0007","permissions":["send_email"]}`, "name", "control character"},
		{"bidi", `{"name":"ok","description":"x\u202ey","permissions":["send_email"]}`, "description", "bidirectional"},
		{"invalid utf8", []byte("{\"name\":\"ok\xff\",\"permissions\":[\"send_email\"]}"), "name", "UTF-8"},
		{"unknown field", `{"name":"ok","permissions":["send_email"],"admin":true}`, "admin", "Unknown field"},
		{"wrong type", `{"name":5,"permissions":["send_email"]}`, "name", "must be a string"},
	}
	for _, tc := range cases {
		p := e.do("POST", "/api/v1/platform/api-keys", tok, tc.body).prob(t)
		if p.Status != 400 || len(p.Errors) == 0 || p.Errors[0].Field != tc.field || !strings.Contains(p.Errors[0].Message, tc.msg) {
			t.Errorf("%s: %+v", tc.name, p)
		}
	}
	for _, tc := range []struct {
		name   string
		body   string
		ctype  string
		status int
	}{
		{"malformed", `{"name":`, "application/json", 400},
		{"two values", `{"name":"a","permissions":["send_email"]} {}`, "application/json", 400},
		{"array", `[1]`, "application/json", 400},
		{"text/plain", `{"name":"a","permissions":["send_email"]}`, "text/plain", 415},
		{"too big", `{"name":"a","description":"` + strings.Repeat("x", 1<<20) + `"}`, "application/json", 413},
		{"empty", ``, "application/json", 400},
		{"null", `null`, "application/json", 400},
	} {
		r := e.do("POST", "/api/v1/platform/api-keys", tok, nil, "Content-Type", tc.ctype)
		if tc.body != "" {
			r = e.doRaw("POST", "/api/v1/platform/api-keys", tok, tc.body, tc.ctype)
		}
		if p := r.prob(t); p.Status != tc.status {
			t.Errorf("%s: %+v", tc.name, p)
		}
	}
	// Allowed characters and normalisation.
	k := e.createKey(tok, models.CreateAPIKeyRequest{Name: " Prod-eu_1.2 Server ", Permissions: []string{"read_analytics", "send_email", "send_email"},
		AllowedIPs: []string{"203.0.113.7/24", "2001:db8::1"}})
	if k.Name != "Prod-eu_1.2 Server" || k.RateLimit != 300 || k.Environment != "live" || k.Status != "active" ||
		strings.Join(k.Permissions, ",") != "send_email,read_analytics" || strings.Join(k.AllowedIPs, ",") != "203.0.113.0/24,2001:db8::1" {
		t.Fatalf("created: %+v", k.APIKey)
	}
	if !models.ValidKeyChecksum(k.Plaintext) || k.MaskedKey != models.MaskKey(k.Plaintext) || k.Warning == "" {
		t.Fatalf("key %s masked %s", models.MaskKey(k.Plaintext), k.MaskedKey)
	}
}

func (e *testEnv) doRaw(method, path, token, body, ctype string) resp {
	e.t.Helper()
	return e.do(method, path, token, []byte(body), "Content-Type", ctype)
}

func TestKeyLifecycleWithGrace(t *testing.T) {
	e := newEnv(t, "")
	tok := e.addUser("admin@a.test", models.RoleAdmin, "A", "")
	k := e.createKey(tok, models.CreateAPIKeyRequest{Name: "Prod", Environment: "test", Permissions: []string{"send_email", "read_campaigns"}, RateLimit: new(120)})
	if !strings.HasPrefix(k.Plaintext, models.PrefixTest) {
		t.Fatalf("test key prefix: %s", k.MaskedKey)
	}
	e.must("POST", "/api/v1/emails/send", k.Plaintext, sendBody(), 200, nil)

	// Removing a permission takes effect at once (the auth cache is invalidated).
	e.must("PATCH", "/api/v1/platform/api-keys/"+k.KeyID, tok, map[string]any{"permissions": []string{"read_campaigns"}}, 200, nil)
	if p := e.do("POST", "/api/v1/emails/send", k.Plaintext, sendBody()).prob(t); p.Status != 403 || p.Permission != "send_email" {
		t.Fatalf("after removing send_email: %+v", p)
	}
	e.must("GET", "/api/v1/campaigns", k.Plaintext, nil, 200, nil)

	// Rotate with a 24h grace period.
	var rot models.CreatedAPIKey
	e.must("POST", "/api/v1/platform/api-keys/"+k.KeyID+"/regenerate", tok, map[string]any{"grace_period_hours": 24}, 200, &rot)
	if rot.KeyID == k.KeyID || rot.OldKeyID != k.KeyID || rot.RateLimit != 120 || rot.Environment != "test" || rot.Plaintext == k.Plaintext ||
		rot.OldKeyExpiresAt == nil || !rot.OldKeyExpiresAt.Equal(e.clock.Now().Add(24*time.Hour)) {
		t.Fatalf("rotation result: %+v", rot)
	}
	var old models.APIKeyDetails
	e.must("GET", "/api/v1/platform/api-keys/"+k.KeyID, tok, nil, 200, &old)
	if old.Status != models.KeyActive || old.ReplacedBy != rot.KeyID || old.ExpiresAt == nil {
		t.Fatalf("old key during grace: %+v", old.APIKey)
	}
	e.must("GET", "/api/v1/campaigns", k.Plaintext, nil, 200, nil)
	e.must("GET", "/api/v1/campaigns", rot.Plaintext, nil, 200, nil)
	if p := e.do("POST", "/api/v1/platform/api-keys/"+k.KeyID+"/regenerate", tok, nil).prob(t); p.Status != 409 || p.Error != "already_rotated" {
		t.Fatalf("second rotation of old key: %+v", p)
	}

	e.clock.Advance(24*time.Hour + time.Second)
	if p := e.do("GET", "/api/v1/campaigns", k.Plaintext, nil).prob(t); p.Status != 401 || p.Error != "key_expired" {
		t.Fatalf("old key after grace: %+v", p)
	}
	e.must("GET", "/api/v1/platform/api-keys/"+k.KeyID, tok, nil, 200, &old)
	if old.Status != models.KeyExpired {
		t.Fatalf("old key status after grace: %s", old.Status)
	}
	e.must("GET", "/api/v1/campaigns", rot.Plaintext, nil, 200, nil)

	// Revoke, then revoke again.
	var rv models.RevokeResult
	e.must("DELETE", "/api/v1/platform/api-keys/"+rot.KeyID, tok, nil, 200, &rv)
	if rv.KeyID != rot.KeyID || rv.Message == "" {
		t.Fatalf("revoke: %+v", rv)
	}
	p := e.do("DELETE", "/api/v1/platform/api-keys/"+rot.KeyID, tok, nil).prob(t)
	if p.Status != 409 || p.Error != "already_revoked" || p.Message != "This key has already been revoked and cannot be used." {
		t.Fatalf("second revoke: %+v", p)
	}
	p = e.do("GET", "/api/v1/campaigns", rot.Plaintext, nil).prob(t)
	if p.Status != 401 || p.Message != "This key has already been revoked and cannot be used." {
		t.Fatalf("revoked key use: %+v", p)
	}
	if p := e.do("PATCH", "/api/v1/platform/api-keys/"+rot.KeyID, tok, map[string]any{"name": "x"}).prob(t); p.Status != 409 {
		t.Fatalf("patch revoked: %+v", p)
	}
	if p := e.do("POST", "/api/v1/platform/api-keys/"+rot.KeyID+"/regenerate", tok, nil).prob(t); p.Error != "already_revoked" {
		t.Fatalf("rotate revoked: %+v", p)
	}

	// Security log of the old key: created, edited, rotated, then the derived expiry.
	var sec models.KeySecurity
	e.must("GET", "/api/v1/platform/api-keys/"+k.KeyID+"/security", tok, nil, 200, &sec)
	var actions []string
	for _, ev := range sec.AuditEvents {
		actions = append(actions, ev.Action)
	}
	if got := strings.Join(actions, ","); got != "expired,rotated,edited,created" {
		t.Fatalf("audit actions newest first = %s", got)
	}
	e.s.Flush()
	e.must("GET", "/api/v1/platform/api-keys/"+k.KeyID+"/security", tok, nil, 200, &sec)
	if len(sec.RecentIPs) != 1 || sec.RecentIPs[0].IP != "127.0.0.1" || sec.RecentIPs[0].Requests < 4 {
		t.Fatalf("recent IPs: %+v", sec.RecentIPs)
	}
}

func TestRegenerateGraceBounds(t *testing.T) {
	e := newEnv(t, "")
	tok := e.addUser("admin@a.test", models.RoleAdmin, "A", "")
	k := e.createKey(tok, models.CreateAPIKeyRequest{Name: "K", Permissions: []string{"read_campaigns"}})
	for _, g := range []int{-1, 169} {
		p := e.do("POST", "/api/v1/platform/api-keys/"+k.KeyID+"/regenerate", tok, map[string]any{"grace_period_hours": g}).prob(t)
		if p.Status != 400 || p.Errors[0].Field != "grace_period_hours" {
			t.Fatalf("grace %d: %+v", g, p)
		}
	}
	var rot models.CreatedAPIKey
	e.must("POST", "/api/v1/platform/api-keys/"+k.KeyID+"/regenerate", tok, map[string]any{"grace_period_hours": 0}, 200, &rot)
	if p := e.do("GET", "/api/v1/campaigns", k.Plaintext, nil).prob(t); p.Status != 401 {
		t.Fatalf("old key with zero grace: %+v", p)
	}
	e.must("GET", "/api/v1/campaigns", rot.Plaintext, nil, 200, nil)
	// Default grace is 24h (empty body allowed).
	var rot2 models.CreatedAPIKey
	e.must("POST", "/api/v1/platform/api-keys/"+rot.KeyID+"/regenerate", tok, nil, 200, &rot2)
	if rot2.OldKeyExpiresAt == nil || rot2.OldKeyExpiresAt.Sub(e.clock.Now()) != 24*time.Hour {
		t.Fatalf("default grace: %+v", rot2.OldKeyExpiresAt)
	}
}

func TestIPAllowListAndExpiry(t *testing.T) {
	e := newEnv(t, "")
	tok := e.addUser("admin@a.test", models.RoleAdmin, "A", "")
	blocked := e.createKey(tok, models.CreateAPIKeyRequest{Name: "Office", Permissions: []string{"read_campaigns"}, AllowedIPs: []string{"10.0.0.0/8"}})
	allowed := e.createKey(tok, models.CreateAPIKeyRequest{Name: "Local", Permissions: []string{"read_campaigns"}, AllowedIPs: []string{"127.0.0.1"}})
	r := e.do("GET", "/api/v1/campaigns", blocked.Plaintext, nil)
	if p := r.prob(t); p.Status != 403 || p.Error != "ip_not_allowed" || r.header.Get("X-RateLimit-Limit") == "" {
		t.Fatalf("blocked IP: %+v", p)
	}
	e.must("GET", "/api/v1/campaigns", allowed.Plaintext, nil, 200, nil)
	e.s.Flush()
	var sec models.KeySecurity
	e.must("GET", "/api/v1/platform/api-keys/"+blocked.KeyID+"/security", tok, nil, 200, &sec)
	if sec.AuditEvents[0].Action != "ip_violation" || sec.AuditEvents[0].IP != "127.0.0.1" {
		t.Fatalf("ip violation not audited: %+v", sec.AuditEvents)
	}

	exp := e.clock.Now().Add(time.Hour)
	k := e.createKey(tok, models.CreateAPIKeyRequest{Name: "Temp", Permissions: []string{"read_campaigns"}, ExpiresAt: &exp})
	e.must("GET", "/api/v1/campaigns", k.Plaintext, nil, 200, nil)
	e.clock.Advance(time.Hour)
	if p := e.do("GET", "/api/v1/campaigns", k.Plaintext, nil).prob(t); p.Error != "key_expired" {
		t.Fatalf("expired key: %+v", p)
	}
	// Bad checksum is rejected before any lookup.
	bad := k.Plaintext[:len(k.Plaintext)-1] + "0"
	if bad == k.Plaintext {
		bad = k.Plaintext[:len(k.Plaintext)-1] + "1"
	}
	if p := e.do("GET", "/api/v1/campaigns", bad, nil).prob(t); p.Status != 401 || p.Error != "invalid_token" {
		t.Fatalf("bad checksum: %+v", p)
	}
}

func TestListKeys(t *testing.T) {
	e := newEnv(t, "")
	tok := e.addUser("admin@a.test", models.RoleAdmin, "A", "")
	var ids []string
	for i, n := range []string{"Bravo", "alpha", "Charlie 100%"} {
		k := e.createKey(tok, models.CreateAPIKeyRequest{Name: strings.ReplaceAll(n, "%", ""), Permissions: []string{"read_campaigns"}})
		ids = append(ids, k.KeyID)
		e.clock.Advance(time.Minute)
		if i == 1 {
			e.must("GET", "/api/v1/campaigns", k.Plaintext, nil, 200, nil)
		}
	}
	e.must("DELETE", "/api/v1/platform/api-keys/"+ids[0], tok, nil, 200, nil)
	e.s.Flush()
	names := func(q string) string {
		var l models.APIKeyList
		e.must("GET", "/api/v1/platform/api-keys"+q, tok, nil, 200, &l)
		var out []string
		for _, k := range l.APIKeys {
			out = append(out, k.Name)
		}
		return strings.Join(out, ",")
	}
	for q, want := range map[string]string{
		"":                 "Charlie 100,alpha,Bravo",
		"?sort=name":       "alpha,Bravo,Charlie 100",
		"?sort=last_used":  "alpha,Charlie 100,Bravo",
		"?status=revoked":  "Bravo",
		"?status=active":   "Charlie 100,alpha",
		"?q=ALP":           "alpha",
		"?q=" + ids[2][:8]: "Charlie 100",
		"?q=%25":           "",
	} {
		if got := names(q); got != want {
			t.Errorf("list %q = %q, want %q", q, got, want)
		}
	}
	for _, q := range []string{"?per_page=1001", "?per_page=0", "?page=x", "?page=2", "?cursor=bogus", "?status=gone", "?sort=size"} {
		if p := e.do("GET", "/api/v1/platform/api-keys"+q, tok, nil).prob(t); p.Status != 400 {
			t.Errorf("%s: %+v", q, p)
		}
	}
	r := e.must("GET", "/api/v1/platform/api-keys", tok, nil, 200, nil)
	etag := r.header.Get("ETag")
	if r2 := e.do("GET", "/api/v1/platform/api-keys", tok, nil, "If-None-Match", etag); etag == "" || r2.status != http.StatusNotModified {
		t.Fatalf("etag %q → %d", etag, r2.status)
	}
	e.must("PATCH", "/api/v1/platform/api-keys/"+ids[1], tok, map[string]any{"description": "changed"}, 200, nil)
	if r3 := e.do("GET", "/api/v1/platform/api-keys", tok, nil, "If-None-Match", etag); r3.status != 200 {
		t.Fatalf("etag after change → %d", r3.status)
	}
}

// TestCreatedKeyTimesMatchStored: create, regenerate and revoke answer with
// the timestamps a later GET returns (millisecond storage precision).
func TestCreatedKeyTimesMatchStored(t *testing.T) {
	e := newEnv(t, "")
	e.clock.Advance(123456789 * time.Nanosecond)
	tok := e.addUser("admin@a.test", models.RoleAdmin, "A", "")
	k := e.createKey(tok, models.CreateAPIKeyRequest{Name: "K", Permissions: []string{"read_campaigns"}})
	var got models.APIKey
	e.must("GET", "/api/v1/platform/api-keys/"+k.KeyID, tok, nil, 200, &got)
	if !got.CreatedAt.Equal(k.CreatedAt) {
		t.Fatalf("create answered created_at %v, GET %v", k.CreatedAt, got.CreatedAt)
	}
	var rg models.CreatedAPIKey
	e.must("POST", "/api/v1/platform/api-keys/"+k.KeyID+"/regenerate", tok, map[string]int{"grace_period_hours": 0}, 200, &rg)
	e.must("GET", "/api/v1/platform/api-keys/"+rg.KeyID, tok, nil, 200, &got)
	if !got.CreatedAt.Equal(rg.CreatedAt) {
		t.Fatalf("regenerate answered created_at %v, GET %v", rg.CreatedAt, got.CreatedAt)
	}
	var rv struct {
		RevokedAt time.Time `json:"revoked_at"`
	}
	e.must("DELETE", "/api/v1/platform/api-keys/"+rg.KeyID, tok, nil, 200, &rv)
	e.must("GET", "/api/v1/platform/api-keys/"+rg.KeyID, tok, nil, 200, &got)
	if got.RevokedAt == nil || !got.RevokedAt.Equal(rv.RevokedAt) {
		t.Fatalf("revoke answered revoked_at %v, GET %v", rv.RevokedAt, got.RevokedAt)
	}
}
