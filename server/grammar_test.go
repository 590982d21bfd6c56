package server

import (
	"fmt"
	"net/http"
	"testing"

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
		k := e.createKey(tok, models.CreateAPIKeyRequest{Name: fmt.Sprintf("Grammar %d", c.limit), Permissions: []string{"read_campaigns"}, RateLimit: c.limit})
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
