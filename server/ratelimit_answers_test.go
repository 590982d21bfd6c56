package server

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server/seed"
)

// 429 messages count seconds in proper English, as do the demo's.
func TestRateLimitMessageGrammar(t *testing.T) {
	e := newEnv(t, "")
	tok := e.addUser("dev@g.test", models.RoleDeveloper, "G", models.PlanProfessional)
	for _, c := range []struct {
		limit, retry int
		msg          string
	}{
		{60, 1, "Rate limit exceeded. Try again in 1 second."},
		{1, 60, "Rate limit exceeded. Try again in 60 seconds."},
	} {
		k := e.createKey(tok, models.CreateAPIKeyRequest{Name: fmt.Sprintf("Grammar %d", c.limit), Permissions: []string{"read_campaigns"}, RateLimit: new(c.limit)})
		var p models.Problem
		// The test clock stands still: the bucket does not refill while it drains.
		for i := 0; i < 1000; i++ {
			r := e.do("GET", "/api/v1/campaigns", k.Plaintext, nil)
			if r.status == http.StatusTooManyRequests {
				p = r.prob(t)
				break
			}
		}
		if p.RetryAfter != c.retry || p.Message != c.msg {
			t.Errorf("limit %d: 429 retry_after %d message %q, want %d %q", c.limit, p.RetryAfter, p.Message, c.retry, c.msg)
		}
	}
	if _, msg := seed.ErrorInfo("GET /api/v1/campaigns", 429, 0); msg != "Rate limit exceeded. Try again in 1 second." {
		t.Errorf("demo 429 message %q", msg)
	}
	if got := models.Plural(int64(1), "row", "rows") + ", " + models.Plural(7, "row", "rows"); got != "1 row, 7 rows" {
		t.Errorf("plural: %q", got)
	}
}

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
