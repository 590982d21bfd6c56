package server

import (
	"context"
	"testing"
	"time"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server/store"
)

// With the same requests every minute, the previous period of a range
// ending now shows the same count: it covers as much time as has elapsed
// of the current window, not a whole window, so mid-bucket the console
// shows no drop. The previous figures move with the clock within a bucket,
// so a conditional request a minute later gets them anew.
func TestAnalyticsPreviousSameElapsedTime(t *testing.T) {
	e := newEnv(t, "")
	tok := e.addUser("admin@a.test", models.RoleAdmin, "A", "")
	k := e.createKey(tok, models.CreateAPIKeyRequest{Name: "Flat", Permissions: []string{"read_campaigns"}})
	var tenant string
	if err := e.s.db.QueryRow(`SELECT tenant_id FROM api_keys WHERE id = ?`, k.KeyID).Scan(&tenant); err != nil {
		t.Fatal(err)
	}
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
