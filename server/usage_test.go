package server

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server/internal/servertest"
	"github.com/penguinmails/pmdev/server/store"
)

func TestRateLimitExactUnderConcurrency(t *testing.T) {
	e := newEnv(t, "")
	tok := e.addUser("admin@s.test", models.RoleAdmin, "Small", models.PlanStarter) // 60/min, burst 100
	k := e.createKey(tok, models.CreateAPIKeyRequest{Name: "Burst", Permissions: []string{"read_campaigns"}})
	var ok, limited atomic.Int64
	var bad atomic.Value
	var wg sync.WaitGroup
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 50}}
	for g := 0; g < 50; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 4; i++ {
				req, _ := http.NewRequest("GET", e.url+"/api/v1/campaigns", nil)
				req.Header.Set("Authorization", "Bearer "+k.Plaintext)
				res, err := client.Do(req)
				if err != nil {
					bad.Store(err.Error())
					return
				}
				res.Body.Close()
				switch res.StatusCode {
				case 200:
					ok.Add(1)
				case 429:
					limited.Add(1)
					if res.Header.Get("Retry-After") != "1" || res.Header.Get("X-RateLimit-Remaining") != "0" {
						bad.Store("429 headers: " + res.Header.Get("Retry-After"))
					}
				default:
					bad.Store("status " + strconv.Itoa(res.StatusCode))
				}
			}
		}()
	}
	wg.Wait()
	if v := bad.Load(); v != nil {
		t.Fatal(v)
	}
	// The clock is frozen: exactly the burst succeeds.
	if ok.Load() != 100 || limited.Load() != 100 {
		t.Fatalf("ok=%d limited=%d, want 100/100", ok.Load(), limited.Load())
	}
	r := e.do("GET", "/api/v1/campaigns", k.Plaintext, nil)
	p := r.prob(t)
	if p.Error != "rate_limit_exceeded" || p.RetryAfter != 1 || r.header.Get("RateLimit-Policy") != "60;w=60;burst=100" ||
		r.header.Get("RateLimit") != "limit=60, remaining=0, reset=100" || r.header.Get("X-RateLimit-Reset") != "100" {
		t.Fatalf("429: %+v headers %v", p, r.header)
	}
	// 60/min refills one token a second.
	e.clock.Advance(10 * time.Second)
	n := 0
	for e.do("GET", "/api/v1/campaigns", k.Plaintext, nil).status == 200 {
		n++
	}
	if n != 10 {
		t.Fatalf("after 10s %d requests passed, want 10", n)
	}
	var rl models.RateLimits
	rr := e.must("GET", "/api/v1/platform/rate-limits", tok, nil, 200, &rl)
	if r := e.do("GET", "/api/v1/platform/rate-limits", tok, nil, "If-None-Match", rr.header.Get("ETag")); r.status != http.StatusNotModified {
		t.Fatalf("rate-limits If-None-Match → %d", r.status)
	}
	// used is the spent part of the bucket that answered 429: all of it.
	if len(rl.Keys) != 1 || rl.Keys[0].Used != 100 || rl.Keys[0].Remaining != 0 || rl.Tenant.Used != 100 || rl.Tenant.Limit != 60 ||
		rl.BusiestKeyID != rl.Keys[0].KeyID || rl.Plan.Name != models.PlanStarter || rl.Keys[0].ResetIn != 100 ||
		!rl.Keys[0].ResetAt.Equal(rl.At.Add(100*time.Second)) {
		t.Fatalf("rate limits: %+v", rl)
	}
	// Half the refill time later (across a minute boundary) half the bucket is back.
	e.clock.Advance(50 * time.Second)
	rr = e.must("GET", "/api/v1/platform/rate-limits", tok, nil, 200, &rl)
	if rl.Keys[0].Used != 50 || rl.Keys[0].Remaining != 50 || rl.Tenant.ResetIn != 50 || rl.Tenant.Used != 50 {
		t.Fatalf("after 50s: %+v", rl)
	}
	// Full again: the tenant line falls back to the plan's bucket.
	e.clock.Advance(time.Minute)
	rl = models.RateLimits{}
	e.must("GET", "/api/v1/platform/rate-limits", tok, nil, 200, &rl)
	if len(rl.Keys) != 1 || rl.Keys[0].Used != 0 || rl.BusyKeys != 0 || rl.Tenant.ResetIn != 0 || rl.BusiestKeyID != "" || rl.Tenant.Burst != 100 {
		t.Fatalf("refilled: %+v", rl)
	}
}

func TestUsageAggregationOnKnownTraffic(t *testing.T) {
	e := newEnv(t, "")
	tok := e.addUser("admin@a.test", models.RoleAdmin, "A", "")
	k := e.createKey(tok, models.CreateAPIKeyRequest{Name: "Known", Permissions: []string{"read_campaigns", "read_analytics", "send_email"}})
	other := e.createKey(tok, models.CreateAPIKeyRequest{Name: "Other", Permissions: []string{"send_email"}})
	for i := 0; i < 5; i++ {
		e.must("GET", "/api/v1/campaigns", k.Plaintext, nil, 200, nil)
	}
	e.clock.Advance(time.Minute)
	e.must("GET", "/api/v1/analytics/campaigns/cmp_1001", k.Plaintext, nil, 200, nil)
	e.must("GET", "/api/v1/analytics/campaigns/cmp_9999", k.Plaintext, nil, 404, nil)
	e.must("GET", "/api/v1/analytics/campaigns/cmp_9998", k.Plaintext, nil, 404, nil)
	e.must("POST", "/api/v1/emails/send", k.Plaintext, map[string]any{"to": "nope", "subject": "x", "text_body": "y"}, 400, nil)
	e.must("GET", "/api/v1/campaigns", other.Plaintext, nil, 403, nil)
	e.s.Flush()

	// Every request is counted (per key and tenant-wide); errors keep a row each.
	var logged, tenantWide, failed int64
	if err := e.s.db.QueryRow(`SELECT coalesce(SUM(n), 0) FROM usage_rollup WHERE res = 60 AND status < 400`).Scan(&logged); err != nil || logged != 6 {
		t.Fatalf("counted successes %d %v", logged, err)
	}
	if err := e.s.db.QueryRow(`SELECT coalesce(SUM(n), 0) FROM usage_tenant_rollup WHERE res = 3600`).Scan(&tenantWide); err != nil || tenantWide != 10 {
		t.Fatalf("tenant-wide hourly count %d %v", tenantWide, err)
	}
	if err := e.s.db.QueryRow(`SELECT COUNT(*) FROM usage_events WHERE status >= 400 AND ip = '127.0.0.1' AND route != ''`).Scan(&failed); err != nil || failed != 4 {
		t.Fatalf("logged failures %d %v", failed, err)
	}

	var u models.APIUsage
	r := e.must("GET", "/api/v1/tenant/analytics/api-usage?range=1h", tok, nil, 200, &u)
	tot := u.Totals
	if tot.Requests != 10 || tot.Success != 6 || tot.Errors != 4 || tot.SuccessRate != 60 || tot.RateLimited != 0 {
		t.Fatalf("totals %+v", tot)
	}
	if u.BucketSeconds != 60 || len(u.Series) != 60 || u.To.Sub(u.From) != time.Hour {
		t.Fatalf("series shape: bucket %d points %d from %v to %v", u.BucketSeconds, len(u.Series), u.From, u.To)
	}
	var sum, cerr int64
	for _, b := range u.Series {
		sum += b.Total
		cerr += b.ClientError
	}
	if sum != 10 || cerr != 4 || u.Series[59].Total != 5 || u.Series[58].Total != 5 {
		t.Fatalf("series sum %d client errors %d last %+v", sum, cerr, u.Series[58:])
	}
	if len(u.Endpoints) != 3 || u.Endpoints[0].Endpoint != "GET /api/v1/campaigns" || u.Endpoints[0].Requests != 6 || u.Endpoints[0].Errors != 1 ||
		u.Endpoints[1].Endpoint != "GET /api/v1/analytics/campaigns/{id}" || u.Endpoints[1].Requests != 3 {
		t.Fatalf("endpoints %+v", u.Endpoints)
	}
	if len(u.ErrorsBy) != 3 || u.ErrorsBy[0].Status != 404 || u.ErrorsBy[0].Count != 2 || u.ErrorsBy[0].Percent != 50 {
		t.Fatalf("errors by status %+v", u.ErrorsBy)
	}
	if len(u.RecentErrors) != 4 || u.RecentErrors[0].Status != 403 || u.RecentErrors[0].KeyName != "Other" ||
		u.RecentErrors[1].ErrorCode != "invalid_email" {
		t.Fatalf("recent errors %+v", u.RecentErrors)
	}
	if u.RateLimit.Peak != 5 || u.RateLimit.Limit != 300 || u.Totals.RateLimitUsagePc != models.Round2(float64(u.Totals.RateLimited)*100/float64(u.Totals.Requests)) ||
		len(u.ByKey) != 2 || u.ByKey[0].Requests != 9 {
		t.Fatalf("rate limit %+v by key %+v", u.RateLimit, u.ByKey)
	}
	if r2 := e.do("GET", "/api/v1/tenant/analytics/api-usage?range=1h", tok, nil, "If-None-Match", r.header.Get("ETag")); r2.status != 304 {
		t.Fatalf("If-None-Match → %d", r2.status)
	}
	// Filter by key, and the other ranges' bucket sizes.
	e.must("GET", "/api/v1/tenant/analytics/api-usage?range=24h&key_id="+other.KeyID, tok, nil, 200, &u)
	if u.Totals.Requests != 1 || u.BucketSeconds != 900 || len(u.Series) != 96 || u.RateLimit.Limit != 300 {
		t.Fatalf("24h for other key: %+v bucket %d points %d", u.Totals, u.BucketSeconds, len(u.Series))
	}
	for rng, want := range map[string][2]int{"7d": {3600, 168}, "30d": {21600, 120}} {
		e.must("GET", "/api/v1/tenant/analytics/api-usage?range="+rng, tok, nil, 200, &u)
		if u.BucketSeconds != want[0] || len(u.Series) != want[1] || u.Totals.Requests != 10 || u.RateLimit.Peak != 5 {
			t.Fatalf("%s: bucket %d points %d totals %+v peak %d", rng, u.BucketSeconds, len(u.Series), u.Totals, u.RateLimit.Peak)
		}
	}
	from := e.clock.Now().Add(-3 * time.Hour).Format(time.RFC3339)
	to := e.clock.Now().Add(time.Minute).Format(time.RFC3339)
	e.must("GET", "/api/v1/tenant/analytics/api-usage?range=custom&from="+from+"&to="+to, tok, nil, 200, &u)
	if u.BucketSeconds != 60 || len(u.Series) > 200 || u.Totals.Requests != 10 {
		t.Fatalf("custom 3h: bucket %d points %d", u.BucketSeconds, len(u.Series))
	}
	for _, q := range []string{"range=2h", "range=custom", "range=custom&from=" + to + "&to=" + from, "key_id=nope"} {
		if p := e.do("GET", "/api/v1/tenant/analytics/api-usage?"+q, tok, nil).prob(t); p.Status != 400 && p.Status != 404 {
			t.Errorf("%s: %+v", q, p)
		}
	}
	// Previous period: an hour later the same traffic is "previous".
	e.clock.Advance(time.Hour)
	e.must("GET", "/api/v1/tenant/analytics/api-usage?range=1h", tok, nil, 200, &u)
	if u.Totals.Requests != 0 || u.Previous.Requests != 10 || u.Previous.Success != 6 {
		t.Fatalf("previous period: now %+v previous %+v", u.Totals, u.Previous)
	}

	var d models.APIKeyDetails
	e.must("GET", "/api/v1/platform/api-keys/"+k.KeyID, tok, nil, 200, &d)
	last := d.UsageByDay[len(d.UsageByDay)-1]
	if len(d.UsageByDay) != 30 || last.Requests != 9 || last.Errors != 3 || d.RequestCount != 9 || d.ErrorCount != 3 ||
		d.LastUsed == nil || d.LastUsedIP != "127.0.0.1" || len(d.TopEndpoints) != 3 || d.TopEndpoints[0].Count != 5 {
		t.Fatalf("details: %+v", d)
	}
}

// Requests acknowledged before Close are all stored, with no explicit flush.
func TestShutdownFlushesAndRestartPersists(t *testing.T) {
	e := newEnv(t, "")
	tok := e.addUser("admin@a.test", models.RoleAdmin, "A", "")
	k := e.createKey(tok, models.CreateAPIKeyRequest{Name: "Persist", Permissions: []string{"read_campaigns"}})
	for i := 0; i < 37; i++ {
		e.must("GET", "/api/v1/campaigns", k.Plaintext, nil, 200, nil)
	}
	e.restart()
	var d models.APIKeyDetails
	e.must("GET", "/api/v1/platform/api-keys/"+k.KeyID, tok, nil, 200, &d)
	if d.RequestCount != 37 || d.Name != "Persist" {
		t.Fatalf("after restart: count %d name %q", d.RequestCount, d.Name)
	}
	e.must("GET", "/api/v1/campaigns", k.Plaintext, nil, 200, nil)
	var u models.APIUsage
	e.must("GET", "/api/v1/tenant/analytics/api-usage?range=1h", tok, nil, 200, &u)
	if u.Totals.Requests != 37 { // the 38th is still queued
		t.Fatalf("usage after restart %d", u.Totals.Requests)
	}
}

func TestNoPlaintextSecretsInDatabase(t *testing.T) {
	e := newEnv(t, "")
	var secrets []string
	tok := e.addUser("admin@a.test", models.RoleAdmin, "A", "")
	minted, _ := e.s.MintToken(context.Background(), "admin@a.test", time.Hour)
	secrets = append(secrets, tok, minted)
	for i := 0; i < 3; i++ {
		k := e.createKey(tok, models.CreateAPIKeyRequest{Name: "K" + strconv.Itoa(i), Permissions: []string{"read_campaigns"}})
		e.must("GET", "/api/v1/campaigns", k.Plaintext, nil, 200, nil)
		var rot models.CreatedAPIKey
		e.must("POST", "/api/v1/platform/api-keys/"+k.KeyID+"/regenerate", tok, nil, 200, &rot)
		secrets = append(secrets, k.Plaintext, rot.Plaintext)
	}
	e.s.Flush()
	scan := func(stage string) {
		for _, suffix := range []string{"", "-wal", "-shm"} {
			b, err := os.ReadFile(e.dbPath + suffix)
			if err != nil {
				continue
			}
			for _, s := range secrets {
				// The random middle never appears, with or without prefix.
				if bytes.Contains(b, []byte(s)) || bytes.Contains(b, []byte(s[len(s)-40:len(s)-10])) {
					t.Fatalf("%s: secret found in %s", stage, e.dbPath+suffix)
				}
			}
		}
	}
	scan("running")
	e.close()
	scan("closed")
}

// TestDemoSeed checks the demo data and, on the same seeded server (seeding
// is the slowest step under -race), validates its views against the contract.
func TestDemoSeed(t *testing.T) {
	t.Parallel()
	e := &testEnv{t: t, clock: newTestClock(), dbPath: servertest.DB(t, "pmdev.db"), wrap: newContractValidator(t).middleware}
	e.open("demo")
	t.Cleanup(e.close)
	ctx := context.Background()
	admin, err := e.s.MintToken(ctx, "admin@acme.test", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("contract views", func(t *testing.T) { checkContractDemoViews(t, e.url, admin, e.clock.Now()) })
	for email, role := range map[string]string{"dev@acme.test": "developer", "viewer@acme.test": "member"} {
		tok, err := e.s.MintToken(ctx, email, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		var me models.Me
		e.must("GET", "/api/v1/me", tok, nil, 200, &me)
		if me.Role != role || me.Tenant.Name != "Acme" || me.Tenant.Plan.Name != "professional" {
			t.Fatalf("%s: %+v", email, me)
		}
	}
	var l models.APIKeyList
	e.must("GET", "/api/v1/platform/api-keys", admin, nil, 200, &l)
	seen := map[string]bool{}
	for _, k := range l.APIKeys {
		seen[k.Status] = true
		seen[k.Environment] = true
		if len(k.AllowedIPs) > 0 {
			seen["ip"] = true
		}
	}
	if len(l.APIKeys) < 6 || !seen["active"] || !seen["revoked"] || !seen["expired"] || !seen["live"] || !seen["test"] || !seen["ip"] {
		t.Fatalf("demo keys %d, kinds %v", len(l.APIKeys), seen)
	}
	var u models.APIUsage
	e.must("GET", "/api/v1/tenant/analytics/api-usage?range=30d", admin, nil, 200, &u)
	var sum int64
	nonZero := 0
	for _, b := range u.Series {
		sum += b.Total
		if b.Total > 0 {
			nonZero++
		}
	}
	if sum != u.Totals.Requests || nonZero < 110 || u.Totals.RateLimited == 0 || u.RateLimit.Peak < 290 || len(u.RecentErrors) == 0 {
		t.Fatalf("30d demo usage: total %d (series %d, %d non-zero buckets), 429s %d, peak %d", u.Totals.Requests, sum, nonZero, u.Totals.RateLimited, u.RateLimit.Peak)
	}
	// The error spike is visible in the 24h view: some 15-minute bucket has many 5xx.
	e.must("GET", "/api/v1/tenant/analytics/api-usage?range=24h", admin, nil, 200, &u)
	var spike int64
	for _, b := range u.Series {
		spike = max(spike, b.ServerError)
	}
	if spike < 30 || u.Totals.RateLimited == 0 {
		t.Fatalf("24h: max 5xx per bucket %d, 429s %d", spike, u.Totals.RateLimited)
	}
	// Opening again does not reseed.
	e.restart()
	e.close()
	s, err := Open(ctx, Config{DBPath: e.dbPath, WebhookKey: servertest.WebhookKey(), Seed: "demo", Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	var n int
	if err := s.db.QueryRow(`SELECT COUNT(*) FROM tenants`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("tenants after reopen with seed: %d %v", n, err)
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
	e.s.usage.Prune() // as the background prune after the first write does
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

// The error log pages through every failed request of the range exactly
// once, newest first, even when many share a millisecond.
func TestUsageErrorsPagesThroughEverything(t *testing.T) {
	e := newEnv(t, "")
	tok := e.addUser("dev@a.test", models.RoleDeveloper, "A", "")
	other := e.addUser("eve@b.test", models.RoleAdmin, "B", "")
	k1 := e.createKey(tok, models.CreateAPIKeyRequest{Name: "One", Permissions: []string{"send_email"}})
	k2 := e.createKey(tok, models.CreateAPIKeyRequest{Name: "Two", Permissions: []string{"send_email"}})
	var me models.Me
	e.must("GET", "/api/v1/me", tok, nil, 200, &me)

	now := e.clock.Now()
	tx, err := e.s.db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	const n = 1203
	want1 := 0
	for i := range n {
		key, status, code := k1.KeyID, 400, "invalid_email"
		switch i % 4 {
		case 1:
			key, status, code = k2.KeyID, 429, "rate_limit_exceeded"
		case 2:
			status, code = 500, "internal_error"
		}
		if key == k1.KeyID {
			want1++
		}
		ts := now.Add(-time.Duration(i/3) * time.Second).UnixMilli() // three rows per millisecond
		if _, err := tx.Exec(`INSERT INTO usage_events(ts, tenant_id, key_id, method, route, status, latency_us, error_code, message)
			VALUES (?,?,?,?,?,?,?,?,?)`, ts, me.Tenant.ID, key, "POST", "/api/v1/emails/send", status, 1000, code, fmt.Sprintf("row %d", i)); err != nil {
			t.Fatal(err)
		}
	}
	// Successes and rows outside the range are not listed.
	for _, ts := range []time.Time{now.Add(-time.Minute), now.Add(-3 * time.Hour)} {
		st := 200
		if ts.Before(now.Add(-2 * time.Hour)) {
			st = 404
		}
		if _, err := tx.Exec(`INSERT INTO usage_events(ts, tenant_id, key_id, method, route, status, latency_us) VALUES (?,?,?,?,?,?,?)`,
			ts.UnixMilli(), me.Tenant.ID, k1.KeyID, "GET", "/api/v1/campaigns", st, 1000); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}

	walk := func(token, query string, limit int) ([]models.RecentError, int) {
		t.Helper()
		var all []models.RecentError
		pages, cursor := 0, ""
		for {
			q := query + fmt.Sprintf("&limit=%d", limit)
			if cursor != "" {
				q += "&cursor=" + url.QueryEscape(cursor)
			}
			var p models.UsageErrorPage
			e.must("GET", "/api/v1/tenant/analytics/api-usage/errors?"+q, token, nil, 200, &p)
			pages++
			if len(p.Errors) > limit || (p.NextCursor != "" && len(p.Errors) != limit) {
				t.Fatalf("page %d: %d rows, cursor %q", pages, len(p.Errors), p.NextCursor)
			}
			all = append(all, p.Errors...)
			if p.NextCursor == "" || pages > 1000 {
				return all, pages
			}
			cursor = p.NextCursor
		}
	}
	all, pages := walk(tok, "range=1h", 500)
	if len(all) != n || pages != 3 {
		t.Fatalf("got %d rows in %d pages, want %d in 3", len(all), pages, n)
	}
	seen := map[string]bool{}
	for i, r := range all {
		if seen[r.Message] {
			t.Fatalf("row %q listed twice", r.Message)
		}
		seen[r.Message] = true
		if i > 0 && r.Time.After(all[i-1].Time) {
			t.Fatalf("not newest first at %d: %v after %v", i, r.Time, all[i-1].Time)
		}
		if r.Status < 400 || r.KeyName == "" || r.Endpoint != "POST /api/v1/emails/send" {
			t.Fatalf("row %+v", r)
		}
	}
	// Page size does not change the result; the key filter narrows it.
	if again, _ := walk(tok, "range=1h", 7); len(again) != n || again[n-1] != all[n-1] {
		t.Fatalf("limit 7: %d rows", len(again))
	}
	if one, _ := walk(tok, "range=1h&key_id="+k1.KeyID, 5000); len(one) != want1 {
		t.Fatalf("key filter: %d rows, want %d", len(one), want1)
	}
	// 24h includes the older 404; other tenants see none of it.
	if day, _ := walk(tok, "range=24h", 5000); len(day) != n+1 {
		t.Fatalf("24h: %d rows, want %d", len(day), n+1)
	}
	if none, _ := walk(other, "range=24h", 500); len(none) != 0 {
		t.Fatalf("other tenant sees %d rows", len(none))
	}
	e.must("GET", "/api/v1/tenant/analytics/api-usage/errors?key_id="+k1.KeyID, other, nil, 404, nil)
	// The default page is 500 rows.
	var p models.UsageErrorPage
	e.must("GET", "/api/v1/tenant/analytics/api-usage/errors?range=1h", tok, nil, 200, &p)
	if len(p.Errors) != models.UsageErrorsDefaultLimit || p.NextCursor == "" {
		t.Fatalf("default page: %d rows", len(p.Errors))
	}
}

// With the same requests every minute, the previous period of a range
// ending now shows the same count: it covers as much time as has elapsed
// of the current window, not a whole window, so mid-bucket the console
// shows no drop. The previous figures move with the clock within a bucket,
// so a conditional request a minute later gets them anew.
func TestAnalyticsPreviousSameElapsedTime(t *testing.T) {
	e := newEnv(t, "")
	tok := e.addUser("admin@a.test", models.RoleAdmin, "A", "")
	k := e.createKey(tok, models.CreateAPIKeyRequest{Name: "Flat", Permissions: []string{"read_campaigns"}})
	tenant := e.tenantOf(k.KeyID)
	e.clock.Advance(7 * time.Minute) // 12:07:30: mid-minute, mid 15-minute bucket
	now := e.clock.Now().Unix()
	const perMinute = 10
	b := store.NewUsageBatch()
	// 50 hours of flat traffic, the minute in progress included, at every
	// resolution as the writer keeps it.
	for m := store.AlignDown(now, 60) - 50*3600; m <= now; m += 60 {
		for _, res := range store.RollupRes() {
			b.AddRollup(store.RollupKey{TenantID: tenant, KeyID: k.KeyID, Res: res, T: store.AlignDown(m, res), Endpoint: "GET /api/v1/campaigns", Status: 200},
				&store.RollupVal{N: perMinute, LatSum: perMinute * 20_000, H: [store.HistBuckets]int64{3: perMinute}})
		}
	}
	if err := e.s.st.WriteUsage(context.Background(), e.s.db, b); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"range=1h", "range=24h", "range=24h&key_id=" + k.KeyID} {
		var u models.APIUsage
		e.must("GET", "/api/v1/tenant/analytics/api-usage?"+q, tok, nil, 200, &u)
		if u.Totals.Requests == 0 || u.Previous != u.Totals {
			t.Errorf("%s: totals %+v, previous %+v", q, u.Totals, u.Previous)
		}
	}

	path := "/api/v1/tenant/analytics/api-usage?range=24h"
	var u models.APIUsage
	r := e.must("GET", path, tok, nil, 200, &u)
	e.clock.Advance(10 * time.Second)
	if r2 := e.do("GET", path, tok, nil, "If-None-Match", r.header.Get("ETag")); r2.status != 304 {
		t.Fatalf("same minute: If-None-Match → %d", r2.status)
	}
	e.clock.Advance(time.Minute) // same bucket, one more minute elapsed
	r3 := e.do("GET", path, tok, nil, "If-None-Match", r.header.Get("ETag"))
	var later models.APIUsage
	if r3.status != 200 {
		t.Fatalf("a minute later: If-None-Match → %d", r3.status)
	}
	e.must("GET", path, tok, nil, 200, &later)
	if later.From != u.From || later.Previous.Requests != u.Previous.Requests+perMinute {
		t.Fatalf("a minute later: from %v (was %v), previous %d (was %d)", later.From, u.From, later.Previous.Requests, u.Previous.Requests)
	}
}
