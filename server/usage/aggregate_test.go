package usage

import (
	"testing"
	"time"

	"github.com/penguinmails/pmdev/server/store"
)

// A batch becomes one rollup row per resolution, bucket, key, endpoint and
// status; per-minute totals count only requests that took a token.
func TestAggregateBatch(t *testing.T) {
	t0 := time.Date(2026, 3, 10, 12, 20, 50, 0, time.UTC)
	ev := func(at time.Time, key string, status int, latUS int64, counted bool, ip string) store.UsageEvent {
		return store.UsageEvent{At: at, TenantID: "t", KeyID: key, Method: "GET", Route: "/api/v1/campaigns", Status: status,
			LatencyUS: latUS, Counted: counted, IP: ip}
	}
	b := aggregate([]store.UsageEvent{
		ev(t0, "k1", 200, 800, true, "10.0.0.1"),
		ev(t0.Add(15*time.Second), "k1", 200, 30_000, true, "10.0.0.2"), // the next minute
		ev(t0.Add(16*time.Second), "k1", 429, 100, false, "10.0.0.2"),
		ev(t0, "k2", 403, 2_000_000, true, "10.0.0.1"),
	})
	minute := t0.Unix() - t0.Unix()%60
	for _, c := range []struct {
		key    string
		res, t int64
		status int
		n      int64
		hist   [store.HistBuckets]int64
	}{
		{"k1", 60, minute, 200, 1, [store.HistBuckets]int64{0: 1}},
		{"k1", 60, minute + 60, 200, 1, [store.HistBuckets]int64{4: 1}},
		{"k1", 900, store.AlignDown(minute, 900), 200, 2, [store.HistBuckets]int64{0: 1, 4: 1}},
		{"k1", 21600, store.AlignDown(minute, 21600), 429, 1, [store.HistBuckets]int64{0: 1}},
		{"k2", 3600, store.AlignDown(minute, 3600), 403, 1, [store.HistBuckets]int64{9: 1}},
	} {
		v := b.Rollups[store.RollupKey{TenantID: "t", KeyID: c.key, Res: c.res, T: c.t, Endpoint: "GET /api/v1/campaigns", Status: c.status}]
		if v == nil || v.N != c.n || v.H != c.hist {
			t.Errorf("%s res %d status %d: %+v, want n %d hist %v", c.key, c.res, c.status, v, c.n, c.hist)
		}
	}
	if len(b.Rollups) != 5+4+4 { // k1's 200s in two minutes, one bucket above; k1's 429; k2's 403
		t.Errorf("%d rollup rows", len(b.Rollups))
	}
	for k, want := range map[store.TotalKey]int64{
		{TenantID: "t", KeyID: "k1", T: minute}: 1, {TenantID: "t", KeyID: "k1", T: minute + 60}: 1,
		{TenantID: "t", KeyID: "k2", T: minute}: 1, {TenantID: "t", T: minute}: 2, {TenantID: "t", T: minute + 60}: 1,
	} {
		if b.Totals[k] != want {
			t.Errorf("total %+v = %d, want %d", k, b.Totals[k], want)
		}
	}
	if len(b.Totals) != 5 {
		t.Errorf("totals %v: the 429 took no token", b.Totals)
	}
	if d := b.Keys["k1"]; d.N != 3 || d.Errs != 1 || d.LastIP != "10.0.0.2" || d.LastUsed != store.MS(t0.Add(16*time.Second)) {
		t.Errorf("k1 delta %+v", d)
	}
	if d := b.IPs[store.IPKey{KeyID: "k1", IP: "10.0.0.2"}]; d.N != 2 || d.Last != store.MS(t0.Add(16*time.Second)) {
		t.Errorf("k1 10.0.0.2 %+v", d)
	}
}
