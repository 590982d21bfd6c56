package server

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server/simulate"
)

// plausibleErrors lists, per route, the error codes its handler (or the
// shared key checks in front of it) can answer with.
func plausibleErrors() map[string]map[string]bool {
	common := []string{"invalid_token", "key_revoked", "key_expired", "ip_not_allowed", "insufficient_permissions", "rate_limit_exceeded", "internal_error"}
	set := func(extra ...string) map[string]bool {
		m := map[string]bool{}
		for _, c := range append(extra, common...) {
			m[c] = true
		}
		return m
	}
	return map[string]map[string]bool{
		"POST /api/v1/emails/send":             set("invalid_email", "validation_error"),
		"POST /api/v1/contacts":                set("invalid_email", "validation_error"),
		"GET /api/v1/campaigns":                set("invalid_parameter"),
		"GET /api/v1/analytics/campaigns/{id}": set("campaign_not_found"),
	}
}

// errorRows returns route -> error codes seen in usage_events.
func errorRows(t *testing.T, s *Server) map[string]map[string]int {
	t.Helper()
	rows, err := s.db.Query(`SELECT method || ' ' || route, status, error_code FROM usage_events WHERE status >= 400`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]map[string]int{}
	for rows.Next() {
		var ep, code string
		var st int
		if err := rows.Scan(&ep, &st, &code); err != nil {
			t.Fatal(err)
		}
		if out[ep] == nil {
			out[ep] = map[string]int{}
		}
		out[ep][code]++
		if (code == "campaign_not_found") != (st == 404) || (code == "rate_limit_exceeded") != (st == 429) {
			t.Errorf("%s: status %d with code %s", ep, st, code)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// checkTypicalErrors wants the usual error of each product route in seen.
func checkTypicalErrors(t *testing.T, who string, seen map[string]map[string]int) {
	t.Helper()
	for ep, code := range map[string]string{
		"GET /api/v1/analytics/campaigns/{id}": "campaign_not_found",
		"GET /api/v1/campaigns":                "invalid_parameter",
		"POST /api/v1/emails/send":             "invalid_email",
		"POST /api/v1/contacts":                "invalid_email",
	} {
		if seen[ep][code] == 0 {
			t.Errorf("%s: no %s on %s; seen %v", who, code, ep, seen[ep])
		}
	}
}

func checkPlausible(t *testing.T, seen map[string]map[string]int) {
	t.Helper()
	ok := plausibleErrors()
	for ep, codes := range seen {
		for code, n := range codes {
			if !ok[ep][code] {
				t.Errorf("%d × %s on %s: not an error this route answers", n, code, ep)
			}
		}
	}
}

func TestSeedErrorsFitTheirRoutes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "demo")
	// Same seeded database, one seed less for the suite.
	t.Run("log matches analytics", func(t *testing.T) { checkErrorLogMatchesAnalytics(t, e) })
	seen := errorRows(t, e.s)
	checkPlausible(t, seen)
	// The demo still shows the interesting ones.
	checkTypicalErrors(t, "demo", seen)
	if seen["POST /api/v1/emails/send"]["rate_limit_exceeded"] == 0 {
		t.Errorf("demo lost its rate-limit incident: %v", seen["POST /api/v1/emails/send"])
	}
}

func TestSimulatedErrorsFitTheirRoutes(t *testing.T) {
	e := newEnv(t, "")
	e.addUser("admin@acme.test", models.RoleAdmin, "Acme", "")
	sim, err := simulate.New(context.Background(), e.s.simulateConfig(), e.url, &http.Client{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	for p := 0; p < 100; p++ {
		sim.Request(context.Background(), p)
	}
	e.s.Flush()
	seen := errorRows(t, e.s)
	checkPlausible(t, seen)
	checkTypicalErrors(t, "simulator", seen)
}

// checkErrorLogMatchesAnalytics: the demo's error log holds one row per
// error the analytics count, over the whole seeded history, except in
// rate-limit floods, where (as on the live server) 10 per key and minute
// are kept: an export matches the "errors in range" less the 429s counted
// only.
func checkErrorLogMatchesAnalytics(t *testing.T, e *testEnv) {
	tok, err := e.s.MintToken(context.Background(), "admin@acme.test", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	now := e.clock.Now()
	custom := "custom&from=" + now.Add(-10*24*time.Hour).Format(time.RFC3339) + "&to=" + now.Add(-9*24*time.Hour).Format(time.RFC3339)
	for _, rng := range []string{"24h", "7d", "30d", custom} {
		var u models.APIUsage
		e.must("GET", "/api/v1/tenant/analytics/api-usage?range="+rng, tok, nil, http.StatusOK, &u)
		rows, limited, pages := 0, 0, 0
		cursor := ""
		for {
			// Only the count matters: skip decoding every row's fields.
			var p struct {
				Errors []struct {
					Status int `json:"status"`
				} `json:"errors"`
				NextCursor string `json:"next_cursor"`
			}
			page := "/api/v1/tenant/analytics/api-usage/errors?limit=5000&range=" + rng
			if cursor != "" {
				page += "&cursor=" + cursor
			}
			e.must("GET", page, tok, nil, http.StatusOK, &p)
			for _, r := range p.Errors {
				if r.Status == 429 {
					limited++
				} else {
					rows++
				}
			}
			pages++
			if p.NextCursor == "" {
				break
			}
			cursor = p.NextCursor
		}
		if u.Totals.Errors == 0 || int64(rows) != u.Totals.Errors-u.Totals.RateLimited {
			t.Errorf("range %s: analytics count %d errors besides 429s, the error log pages through %d rows (%d pages)", rng, u.Totals.Errors-u.Totals.RateLimited, rows, pages)
		}
		if int64(limited) > u.Totals.RateLimited || (u.Totals.RateLimited > 0 && limited == 0) {
			t.Errorf("range %s: %d 429s counted, %d in the log", rng, u.Totals.RateLimited, limited)
		}
	}
}
