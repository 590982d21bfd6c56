package server

import (
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/penguinmails/pmdev/models"
)

// rateReset returns X-RateLimit-Reset and checks the RateLimit header agrees.
func rateReset(t *testing.T, r resp) int {
	t.Helper()
	v, err := strconv.Atoi(r.header.Get("X-RateLimit-Reset"))
	if err != nil {
		t.Fatalf("status %d: X-RateLimit-Reset %q", r.status, r.header.Get("X-RateLimit-Reset"))
	}
	if rl := r.header.Get("RateLimit"); !strings.HasSuffix(rl, "reset="+strconv.Itoa(v)) {
		t.Fatalf("status %d: RateLimit %q disagrees with X-RateLimit-Reset %d", r.status, rl, v)
	}
	return v
}

// TestRateResetRoundingOnRejectedPaths: the IP-blocked, expired and revoked
// answers report X-RateLimit-Reset rounded up like an accepted request.
func TestRateResetRoundingOnRejectedPaths(t *testing.T) {
	e := newEnv(t, "")
	tok := e.addUser("admin@a.test", models.RoleAdmin, "A", "")
	exp := e.clock.Now().Add(time.Hour)
	k := e.createKey(tok, models.CreateAPIKeyRequest{Name: "K", Permissions: []string{"read_campaigns"}, ExpiresAt: &exp})
	for range 3 {
		e.must("GET", "/api/v1/campaigns", k.Plaintext, nil, 200, nil)
	}
	// 497 of 500 tokens at 5/s; 0.3 s later 498.5: 1.5 tokens = 0.3 s to full, rounded up to 1.
	e.clock.Advance(300 * time.Millisecond)
	e.must("PATCH", "/api/v1/platform/api-keys/"+k.KeyID, tok, map[string]any{"allowed_ips": []string{"203.0.113.0/24"}}, 200, nil)
	r := e.do("GET", "/api/v1/campaigns", k.Plaintext, nil)
	if r.status != http.StatusForbidden || rateReset(t, r) != 1 || r.header.Get("X-RateLimit-Remaining") != "498" {
		t.Fatalf("IP-blocked: status %d reset %q remaining %q, want 403, 1, 498", r.status,
			r.header.Get("X-RateLimit-Reset"), r.header.Get("X-RateLimit-Remaining"))
	}
	// The blocked request consumed nothing: 0.1 s more leaves 1 token (0.2 s), still 1.
	e.clock.Advance(100 * time.Millisecond)
	if r = e.do("GET", "/api/v1/campaigns", k.Plaintext, nil); rateReset(t, r) != 1 {
		t.Fatalf("IP-blocked again: reset %q, want 1", r.header.Get("X-RateLimit-Reset"))
	}
	e.clock.Advance(time.Hour)
	if r = e.do("GET", "/api/v1/campaigns", k.Plaintext, nil); r.status != 401 || rateReset(t, r) != 0 {
		t.Fatalf("expired: status %d reset %q, want 401 and 0 (bucket full)", r.status, r.header.Get("X-RateLimit-Reset"))
	}
	k2 := e.createKey(tok, models.CreateAPIKeyRequest{Name: "K2", Permissions: []string{"read_campaigns"}})
	e.must("GET", "/api/v1/campaigns", k2.Plaintext, nil, 200, nil)
	e.must("DELETE", "/api/v1/platform/api-keys/"+k2.KeyID, tok, nil, 200, nil)
	if r = e.do("GET", "/api/v1/campaigns", k2.Plaintext, nil); r.status != 401 || rateReset(t, r) < 0 {
		t.Fatalf("revoked: status %d reset %q", r.status, r.header.Get("X-RateLimit-Reset"))
	}
}

// TestCustomRangeUsesResolutionWithData: once minute rollups are pruned, a
// custom range over that period is served from 15-minute rollups instead of
// empty 1-minute buckets.
func TestCustomRangeUsesResolutionWithData(t *testing.T) {
	e := newEnv(t, "")
	tok := e.addUser("admin@a.test", models.RoleAdmin, "A", "")
	k := e.createKey(tok, models.CreateAPIKeyRequest{Name: "K", Permissions: []string{"read_campaigns"}})
	then := e.clock.Now()
	for range 7 {
		e.must("GET", "/api/v1/campaigns", k.Plaintext, nil, 200, nil)
	}
	usage := func(from, to time.Time) models.APIUsage {
		t.Helper()
		var u models.APIUsage
		e.must("GET", "/api/v1/tenant/analytics/api-usage?range=custom&from="+url.QueryEscape(from.Format(time.RFC3339))+
			"&to="+url.QueryEscape(to.Format(time.RFC3339)), tok, nil, 200, &u)
		return u
	}
	from, to := then.Add(-time.Hour), then.Add(time.Hour)
	e.s.Flush()
	if u := usage(from, to); u.BucketSeconds != 60 || u.Totals.Requests != 7 {
		t.Fatalf("fresh data: bucket %d, requests %d; want 60 and 7", u.BucketSeconds, u.Totals.Requests)
	}
	// Five days later the writer's pruning (run on open) has dropped the minute rows.
	e.clock.Advance(5 * 24 * time.Hour)
	e.restart()
	e.s.Flush() // the writer prunes before it serves its first flush
	u := usage(from, to)
	var sum int64
	for _, b := range u.Series {
		sum += b.Total
	}
	if u.BucketSeconds != 900 || u.Totals.Requests != 7 || sum != 7 || len(u.Series) != 9 {
		t.Fatalf("pruned minutes: bucket %d, requests %d, series sum %d over %d points; want 900, 7, 7, 9",
			u.BucketSeconds, u.Totals.Requests, sum, len(u.Series))
	}
	// Recent custom ranges keep the fine bucket.
	now := e.clock.Now()
	if u := usage(now.Add(-30*time.Minute), now); u.BucketSeconds != 60 {
		t.Fatalf("recent custom range: bucket %d, want 60", u.BucketSeconds)
	}
}

// TestContractErrorCodesAndNameRule: the 403 code and the key-name rule the
// server applies are the ones the contract documents.
func TestContractErrorCodesAndNameRule(t *testing.T) {
	raw, err := readContract()
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, "")
	admin := e.addUser("admin@a.test", models.RoleAdmin, "A", "")
	dev := e.addUser("dev@a.test", models.RoleDeveloper, "A", "")
	k := e.createKey(admin, models.CreateAPIKeyRequest{Name: "Café prod-1_v2.0", Permissions: []string{"read_campaigns"}})
	if k.Name != "Café prod-1_v2.0" {
		t.Fatalf("name %q", k.Name)
	}
	p := e.do("POST", "/api/v1/emails/send", k.Plaintext, sendBody()).prob(t)
	if p.Status != 403 || p.Permission != "send_email" {
		t.Fatalf("missing permission: %+v", p)
	}
	p2 := e.do("POST", "/api/v1/platform/api-keys", dev, models.CreateAPIKeyRequest{Name: "x", Permissions: []string{"manage_billing"}}).prob(t)
	if p2.Status != 403 || p2.Permission != "manage_billing" || p2.Error != p.Error {
		t.Fatalf("developer granting admin permission: %+v (product 403 code %q)", p2, p.Error)
	}
	if !strings.Contains(raw, "error: "+p.Error+"\n") || strings.Contains(raw, "insufficient_permission\n") {
		t.Fatalf("contract examples do not use the server's 403 code %q", p.Error)
	}
	// A member is refused on every developer route with the same code.
	member := e.addUser("viewer@a.test", models.RoleMember, "A", "")
	for _, path := range []string{"/api/v1/platform/api-keys", "/api/v1/platform/rate-limits", "/api/v1/tenant/analytics/api-usage"} {
		if p := e.do("GET", path, member, nil).prob(t); p.Status != 403 || p.Error != "insufficient_role" {
			t.Fatalf("member GET %s: %+v", path, p)
		}
	}
	for _, bad := range []string{"a/b", "emoji 🐧", "semi;colon"} {
		p := e.do("POST", "/api/v1/platform/api-keys", admin, models.CreateAPIKeyRequest{Name: bad, Permissions: []string{"read_campaigns"}}).prob(t)
		if p.Status != 400 || !strings.Contains(p.Message, "letters, digits, spaces, hyphens, underscores and periods") {
			t.Fatalf("name %q: %+v", bad, p)
		}
	}
	if !strings.Contains(raw, `pattern: '^[\p{L}\p{Nd} ._-]+$'`) {
		t.Fatal("contract name pattern does not match the server's rule")
	}
}

func readContract() (string, error) {
	b, err := os.ReadFile(contractPath)
	return string(b), err
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
