package server

import (
	"net/url"
	"testing"
	"time"

	"github.com/penguinmails/pmdev/models"
)

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
