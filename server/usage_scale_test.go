package server

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/penguinmails/pmdev/models"
)

// metric reads one counter of /metrics.
func (e *testEnv) metric(name string) int64 {
	e.t.Helper()
	r := e.do("GET", "/metrics", "", nil)
	for _, l := range strings.Split(string(r.body), "\n") {
		var v int64
		if n, _ := fmt.Sscanf(l, name+" %d", &v); n == 1 {
			return v
		}
	}
	e.t.Fatalf("metric %s missing:\n%s", name, r.body)
	return 0
}

// With the database write-locked by someone else, product requests are
// answered at their usual pace (recorded in memory), and everything is
// written once the lock goes: nothing waits on bookkeeping, nothing is lost.
func TestRequestsNeverWaitOnUsageWrites(t *testing.T) {
	e := newEnv(t, "")
	tok := e.addUser("dev@w.test", models.RoleDeveloper, "W", models.PlanBusiness)
	k := e.createKey(tok, models.CreateAPIKeyRequest{Name: "W", Permissions: []string{"read_campaigns"}})
	unlock := lockDB(t, e.dbPath)
	const n = 300
	var slowest time.Duration
	for range n {
		t0 := time.Now()
		e.must("GET", "/api/v1/campaigns", k.Plaintext, nil, 200, nil)
		slowest = max(slowest, time.Since(t0))
	}
	if slowest > 500*time.Millisecond {
		t.Errorf("a request took %s while the database was locked", slowest)
	}
	if p := e.metric("pmdev_usage_pending"); p != n {
		t.Errorf("pending %d, want %d", p, n)
	}
	unlock()
	e.s.Flush()
	var got int64
	if err := e.s.db.QueryRow(`SELECT request_count FROM api_keys WHERE id = ?`, k.KeyID).Scan(&got); err != nil || got != n {
		t.Fatalf("request_count %d (%v), want %d", got, err, n)
	}
	if e.metric("pmdev_usage_lost_total") != 0 || e.metric("pmdev_usage_dropped_total") != 0 || e.metric("pmdev_usage_pending") != 0 {
		t.Fatalf("metrics after the flush:\n%s", e.do("GET", "/metrics", "", nil).body)
	}
}

// A client ignoring 429s leaves every refusal counted but only a sample of
// full records (ten per key and minute): the error log and its export
// still show real 429s, and the metrics say how many were kept as counts.
func TestLimitedFloodStoredAsCountsAndASample(t *testing.T) {
	e := newEnv(t, "")
	tok := e.addUser("dev@f.test", models.RoleDeveloper, "F", models.PlanStarter)
	k := e.createKey(tok, models.CreateAPIKeyRequest{Name: "Flood", Permissions: []string{"read_campaigns"}})
	limited := 0
	for range 400 { // the clock stands still: burst 100, then 429s
		if r := e.do("GET", "/api/v1/campaigns", k.Plaintext, nil); r.status == http.StatusTooManyRequests {
			limited++
		}
	}
	e.s.Flush()
	if limited != 300 {
		t.Fatalf("%d refused, want 300", limited)
	}
	var rows int
	if err := e.s.db.QueryRow(`SELECT COUNT(*) FROM usage_events WHERE status = 429`).Scan(&rows); err != nil || rows != 10 {
		t.Fatalf("%d full 429 records (%v), want the sample of 10", rows, err)
	}
	var u models.APIUsage
	e.must("GET", "/api/v1/tenant/analytics/api-usage?range=1h", tok, nil, 200, &u)
	if u.Totals.RateLimited != 300 || u.Totals.Requests != 400 || len(u.RecentErrors) != 10 || u.RecentErrors[0].Status != 429 {
		t.Fatalf("analytics: totals %+v, %d recent errors", u.Totals, len(u.RecentErrors))
	}
	var page models.UsageErrorPage
	e.must("GET", "/api/v1/tenant/analytics/api-usage/errors?range=1h&limit=100", tok, nil, 200, &page)
	if len(page.Errors) != 10 || page.Errors[0].ErrorCode != "rate_limit_exceeded" {
		t.Fatalf("export: %d errors %+v", len(page.Errors), page.Errors)
	}
	if s := e.metric("pmdev_usage_sampled_total"); s != 290 {
		t.Fatalf("sampled_total %d, want 290", s)
	}
	// The next minute (60 tokens back, then refusals) gets a sample of its own.
	e.clock.Advance(time.Minute)
	for range 100 {
		e.do("GET", "/api/v1/campaigns", k.Plaintext, nil)
	}
	e.s.Flush()
	if err := e.s.db.QueryRow(`SELECT COUNT(*) FROM usage_events WHERE status = 429`).Scan(&rows); err != nil || rows != 20 {
		t.Fatalf("%d full 429 records after a second minute, want 20", rows)
	}
}

// A conditional analytics request whose ETag still matches is answered from
// the data version alone (on PostgreSQL the one in the database, which
// every instance's writes raise): with the pre-aggregated rows gone it
// still gets its 304, while building the document would fail. New usage
// changes it.
func TestConditionalAnalyticsAnsweredBeforeReading(t *testing.T) {
	e := newEnv(t, "")
	tok := e.addUser("dev@c.test", models.RoleDeveloper, "C", models.PlanBusiness)
	k := e.createKey(tok, models.CreateAPIKeyRequest{Name: "C", Permissions: []string{"read_campaigns"}})
	e.must("GET", "/api/v1/campaigns", k.Plaintext, nil, 200, nil)
	e.s.Flush()
	const path = "/api/v1/tenant/analytics/api-usage?range=24h"
	tag := e.must("GET", path, tok, nil, 200, nil).header.Get("ETag")
	if _, err := e.s.db.Exec(`ALTER TABLE usage_tenant_rollup RENAME TO usage_tenant_rollup_away`); err != nil {
		t.Fatal(err)
	}
	if r := e.do("GET", path, tok, nil, "If-None-Match", tag); r.status != http.StatusNotModified {
		t.Fatalf("conditional request → %d, want 304 without reading", r.status)
	}
	if r := e.do("GET", path, tok, nil); r.status != http.StatusInternalServerError {
		t.Fatalf("unconditional request with the rows gone → %d (the 304 above did not prove anything)", r.status)
	}
	if _, err := e.s.db.Exec(`ALTER TABLE usage_tenant_rollup_away RENAME TO usage_tenant_rollup`); err != nil {
		t.Fatal(err)
	}
	e.must("GET", "/api/v1/campaigns", k.Plaintext, nil, 200, nil)
	e.s.Flush()
	if r := e.do("GET", path, tok, nil, "If-None-Match", tag); r.status != 200 {
		t.Fatalf("after new usage → %d, want 200", r.status)
	}
}

// The rate-limit route lists the busy keys busiest first, then the idle
// ones newest first, a page at a time: every usable key comes once.
func TestRateLimitsPagesBusyKeys(t *testing.T) {
	e := newEnv(t, "")
	tok := e.addUser("dev@r.test", models.RoleDeveloper, "R", models.PlanBusiness)
	var ids []string
	for i := range 25 {
		k := e.createKey(tok, models.CreateAPIKeyRequest{Name: fmt.Sprintf("R%02d", i), Permissions: []string{"read_campaigns"}})
		ids = append(ids, k.KeyID)
		for range i % 23 { // key 0 and 23 stay idle
			e.must("GET", "/api/v1/campaigns", k.Plaintext, nil, 200, nil)
		}
	}
	var seen []models.KeyRateLimit
	cursor := ""
	for pages := 0; ; pages++ {
		var rl models.RateLimits
		q := "/api/v1/platform/rate-limits?limit=10"
		if cursor != "" {
			q += "&cursor=" + url.QueryEscape(cursor)
		}
		e.must("GET", q, tok, nil, 200, &rl)
		if rl.BusyKeys != 23 || rl.BusiestKeyID != ids[22] || rl.Tenant.Used != 22 {
			t.Fatalf("page %d: busy %d, busiest %s (want %s), tenant %+v", pages, rl.BusyKeys, rl.BusiestKeyID, ids[22], rl.Tenant)
		}
		seen = append(seen, rl.Keys...)
		if rl.NextCursor == "" {
			break
		}
		cursor = rl.NextCursor
	}
	if len(seen) != 25 {
		t.Fatalf("%d keys over the pages, want all 25", len(seen))
	}
	for i, k := range seen {
		if i > 0 && k.Used > seen[i-1].Used {
			t.Fatalf("not busiest first at %d: %+v after %+v", i, k, seen[i-1])
		}
	}
	// The idle ones come last (newest first; created in the same instant
	// here, so by id), with their whole burst.
	idle := []string{ids[0], ids[23]}
	slices.Sort(idle)
	if seen[23].KeyID != idle[0] || seen[24].KeyID != idle[1] || seen[24].Remaining != seen[24].Burst {
		t.Fatalf("idle keys at the end: %+v, %+v", seen[23], seen[24])
	}
	// Pages that are all idle keys, from cursors into them.
	var small, first, last models.RateLimits
	e.must("GET", "/api/v1/platform/rate-limits?limit=23", tok, nil, 200, &small)
	e.must("GET", "/api/v1/platform/rate-limits?limit=1&cursor="+url.QueryEscape(small.NextCursor), tok, nil, 200, &first)
	if len(first.Keys) != 1 || first.Keys[0].KeyID != idle[0] || first.NextCursor == "" {
		t.Fatalf("first idle page: %+v", first)
	}
	e.must("GET", "/api/v1/platform/rate-limits?limit=5&cursor="+url.QueryEscape(first.NextCursor), tok, nil, 200, &last)
	if len(last.Keys) != 1 || last.Keys[0].KeyID != idle[1] || last.NextCursor != "" {
		t.Fatalf("last idle page: %+v", last)
	}
}
