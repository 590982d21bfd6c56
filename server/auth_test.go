package server

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/penguinmails/pmdev/models"
)

func TestAuthAndRoles(t *testing.T) {
	e := newEnv(t, "")
	admin := e.addUser("admin@a.test", models.RoleAdmin, "A", "")
	dev := e.addUser("dev@a.test", models.RoleDeveloper, "A", "")
	member := e.addUser("member@a.test", models.RoleMember, "A", "")

	for _, tc := range []struct{ tok, code string }{
		{"", "missing_token"}, {"pm_pat_nope", "invalid_token"}, {"garbage", "invalid_token"},
	} {
		r := e.do("GET", "/api/v1/platform/api-keys", tc.tok, nil)
		if p := r.prob(t); p.Status != 401 || p.Error != tc.code || r.header.Get("WWW-Authenticate") == "" {
			t.Errorf("token %q: %+v", tc.tok, p)
		}
	}

	var me models.Me
	e.must("GET", "/api/v1/me", member, nil, 200, &me)
	if me.Role != models.RoleMember || me.CanManageKeys || me.CanGrantAdmin || me.Tenant.Name != "A" || me.Tenant.Plan.LimitPerMinute != 300 {
		t.Fatalf("member me: %+v", me)
	}
	e.must("GET", "/api/v1/me", admin, nil, 200, &me)
	if !me.CanManageKeys || !me.CanGrantAdmin {
		t.Fatalf("admin me: %+v", me)
	}
	// Members are refused on every developer route.
	for _, rt := range [][2]string{
		{"GET", "/api/v1/platform/api-keys"}, {"POST", "/api/v1/platform/api-keys"}, {"GET", "/api/v1/platform/api-keys/x"},
		{"PATCH", "/api/v1/platform/api-keys/x"}, {"DELETE", "/api/v1/platform/api-keys/x"},
		{"POST", "/api/v1/platform/api-keys/x/regenerate"}, {"GET", "/api/v1/platform/api-keys/x/security"},
		{"GET", "/api/v1/platform/rate-limits"}, {"GET", "/api/v1/tenant/analytics/api-usage"},
	} {
		if p := e.do(rt[0], rt[1], member, nil).prob(t); p.Status != 403 {
			t.Errorf("member %s %s: %+v", rt[0], rt[1], p)
		}
	}
	// Only admins grant admin permissions; the 403 names the permission.
	req := models.CreateAPIKeyRequest{Name: "Ops", Permissions: []string{"send_email", "full_access"}}
	p := e.do("POST", "/api/v1/platform/api-keys", dev, req).prob(t)
	if p.Status != 403 || p.Permission != "full_access" || !strings.Contains(p.Message, "full_access") {
		t.Fatalf("developer granting admin: %+v", p)
	}
	k := e.createKey(admin, req)
	// A developer may not touch a key holding an admin permission at all.
	p = e.do("PATCH", "/api/v1/platform/api-keys/"+k.KeyID, dev, map[string]any{"name": "Ops 2"}).prob(t)
	if p.Status != 403 || p.Permission != "full_access" || p.Message != "Only admins can edit a key holding the full_access permission" {
		t.Fatalf("developer editing an admin key: %+v", p)
	}
	// On an ordinary key a developer may edit but not add an admin permission.
	plain := e.createKey(admin, models.CreateAPIKeyRequest{Name: "Plain", Permissions: []string{"send_email"}})
	e.must("PATCH", "/api/v1/platform/api-keys/"+plain.KeyID, dev, map[string]any{"name": "Plain 2"}, 200, nil)
	p = e.do("PATCH", "/api/v1/platform/api-keys/"+plain.KeyID, dev, map[string]any{"permissions": []string{"send_email", "manage_billing"}}).prob(t)
	if p.Status != 403 || p.Permission != "manage_billing" {
		t.Fatalf("developer adding manage_billing: %+v", p)
	}
	// API keys cannot call management routes; PATs cannot call product routes.
	if p := e.do("GET", "/api/v1/me", k.Plaintext, nil).prob(t); p.Status != 401 {
		t.Fatalf("api key on /me: %+v", p)
	}
	if p := e.do("GET", "/api/v1/campaigns", admin, nil).prob(t); p.Status != 401 {
		t.Fatalf("PAT on product: %+v", p)
	}
}

func TestTenantIsolation(t *testing.T) {
	e := newEnv(t, "")
	a := e.addUser("admin@a.test", models.RoleAdmin, "A", "")
	b := e.addUser("admin@b.test", models.RoleAdmin, "B", "")
	k := e.createKey(a, models.CreateAPIKeyRequest{Name: "A key", Permissions: []string{"read_campaigns"}})
	base := "/api/v1/platform/api-keys/" + k.KeyID
	for _, rt := range []struct {
		m, p string
		body any
	}{
		{"GET", base, nil}, {"PATCH", base, map[string]any{"name": "stolen"}}, {"DELETE", base, nil},
		{"POST", base + "/regenerate", nil}, {"GET", base + "/security", nil},
		{"GET", "/api/v1/tenant/analytics/api-usage?key_id=" + k.KeyID, nil},
	} {
		if p := e.do(rt.m, rt.p, b, rt.body).prob(t); p.Status != 404 {
			t.Errorf("tenant B %s %s: %+v", rt.m, rt.p, p)
		}
	}
	var list models.APIKeyList
	e.must("GET", "/api/v1/platform/api-keys", b, nil, 200, &list)
	if list.Total != 0 || len(list.APIKeys) != 0 {
		t.Fatalf("tenant B sees %+v", list)
	}
	var rl models.RateLimits
	e.must("GET", "/api/v1/platform/rate-limits", b, nil, 200, &rl)
	if len(rl.Keys) != 0 {
		t.Fatalf("tenant B rate limits show %+v", rl.Keys)
	}
	// A's key still works and is unchanged.
	var d models.APIKeyDetails
	e.must("GET", base, a, nil, 200, &d)
	if d.Name != "A key" || d.Status != models.KeyActive {
		t.Fatalf("A key after B's attempts: %+v", d.APIKey)
	}
}

func TestMintTokenAndFingerprint(t *testing.T) {
	e := newEnv(t, "")
	plain := e.addUser("admin@a.test", models.RoleAdmin, "A", "")
	minted, err := e.s.MintToken(context.Background(), "admin@a.test", time.Hour)
	if err != nil || !strings.HasPrefix(minted, models.PrefixPAT) {
		t.Fatalf("MintToken: %q %v", minted, err)
	}
	if _, err := e.s.MintToken(context.Background(), "nobody@a.test", time.Hour); err == nil {
		t.Fatal("MintToken for unknown user succeeded")
	}
	fp := "SHA256:abcdef0123"
	body := models.CreateAPIKeyRequest{Name: "Via SSH", Permissions: []string{"send_email"}}
	r := e.do("POST", "/api/v1/platform/api-keys", minted, body, ActorFingerprintHeader, fp)
	var viaSSH, direct models.CreatedAPIKey
	r.into(t, &viaSSH)
	e.do("POST", "/api/v1/platform/api-keys", plain, body, ActorFingerprintHeader, fp).into(t, &direct)
	var sec models.KeySecurity
	e.must("GET", "/api/v1/platform/api-keys/"+viaSSH.KeyID+"/security", plain, nil, 200, &sec)
	if len(sec.AuditEvents) != 1 || sec.AuditEvents[0].ActorKeyFingerprint != fp || sec.AuditEvents[0].Actor != "admin@a.test" {
		t.Fatalf("minted token audit: %+v", sec.AuditEvents)
	}
	var sec2 models.KeySecurity
	e.must("GET", "/api/v1/platform/api-keys/"+direct.KeyID+"/security", plain, nil, 200, &sec2)
	if sec2.AuditEvents[0].ActorKeyFingerprint != "" {
		t.Fatalf("plain PAT may not claim a fingerprint: %+v", sec2.AuditEvents[0])
	}
	e.clock.Advance(61 * time.Minute)
	if p := e.do("GET", "/api/v1/me", minted, nil).prob(t); p.Error != "token_expired" {
		t.Fatalf("expired minted token: %+v", p)
	}
}

func TestAddUserRules(t *testing.T) {
	e := newEnv(t, "")
	ctx := context.Background()
	for _, u := range []NewUser{
		{Email: "bad", Role: "admin"}, {Email: "a@b.test", Role: "owner"}, {Email: "a@b.test", Role: "admin", Plan: "gold"},
	} {
		if _, err := e.s.AddUser(ctx, u); err == nil {
			t.Errorf("AddUser(%+v) succeeded", u)
		}
	}
	tok := e.addUser("x@s.test", models.RoleAdmin, "Small", models.PlanStarter)
	var me models.Me
	e.must("GET", "/api/v1/me", tok, nil, 200, &me)
	if me.Tenant.Plan.Name != models.PlanStarter || me.Tenant.Plan.Burst != 100 {
		t.Fatalf("plan: %+v", me.Tenant.Plan)
	}
	if _, err := e.s.AddUser(ctx, NewUser{Email: "x@s.test", Role: "admin", Tenant: "Other"}); err == nil {
		t.Fatal("same email in another tenant accepted")
	}
}

// Minted tokens (one per SSH session or sandbox start) must not pile up:
// the hourly prune drops those expired for more than a day.
func TestPruneDropsExpiredTokens(t *testing.T) {
	e := newEnv(t, "")
	plain := e.addUser("admin@a.test", models.RoleAdmin, "A", "")
	ctx := context.Background()
	short, err := e.s.MintToken(ctx, "admin@a.test", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	long, err := e.s.MintToken(ctx, "admin@a.test", 72*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct {
		after  time.Duration
		tokens int    // left in the table
		short  string // what the short token now hears
	}{
		// Expired, but within the day it is kept: still answers "expired".
		{2 * time.Hour, 3, "token_expired"},
		// A day later it is gone; the PAT and the unexpired minted one stay.
		{24 * time.Hour, 2, "invalid_token"},
	} {
		e.clock.Advance(step.after)
		e.s.usage.Prune()
		var n int
		if err := e.s.db.QueryRow(`SELECT COUNT(*) FROM tokens`).Scan(&n); err != nil || n != step.tokens {
			t.Fatalf("tokens after prune = %d (%v), want %d", n, err, step.tokens)
		}
		if p := e.do("GET", "/api/v1/me", short, nil).prob(t); p.Error != step.short {
			t.Fatalf("short token after prune: %+v, want %s", p, step.short)
		}
	}
	e.must("GET", "/api/v1/me", long, nil, 200, nil)
	e.must("GET", "/api/v1/me", plain, nil, 200, nil)
}
