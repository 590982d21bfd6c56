package server

import (
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/penguinmails/pmdev/models"
)

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
