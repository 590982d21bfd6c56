package server

import (
	"context"
	"testing"
	"time"
)

func TestProfQueries(t *testing.T) {
	e := newEnv(t, "demo")
	var n int
	e.s.db.QueryRow("SELECT COUNT(*) FROM usage_rollup").Scan(&n)
	t.Logf("rollups %d", n)
	var tenant string
	e.s.db.QueryRow("SELECT id FROM tenants").Scan(&tenant)
	ctx := context.Background()
	for _, rng := range []string{"1h", "24h", "7d", "30d", "30d"} {
		win, _ := resolveWindow(rng, "", "", e.clock.Now())
		st := time.Now()
		u, err := e.s.computeUsage(ctx, tenant, "", 300, win)
		t.Logf("%s total %v err %v reqs %d", rng, time.Since(st), err, u.Totals.Requests)
		st = time.Now()
		rows, _ := e.s.db.QueryContext(ctx, `SELECT COUNT(*) FROM usage_rollup WHERE tenant_id = ?1 AND res = ?4 AND t >= ?2 AND t < ?3`, tenant, win.start, win.end, win.res)
		for rows.Next() {
			rows.Scan(&n)
		}
		rows.Close()
		t.Logf(" count %d %v", n, time.Since(st))
		st = time.Now()
		_, _, _ = e.s.peaks(ctx, tenant, "", win, nil)
		t.Logf(" peaks %v", time.Since(st))
		st = time.Now()
		e.s.fillRecentErrors(ctx, tenant, "", win, &u)
		t.Logf(" recent %v", time.Since(st))
	}
	rows, _ := e.s.db.Query(`EXPLAIN QUERY PLAN SELECT (t - ?2) / 60, key_id, endpoint, status, SUM(n) FROM usage_rollup WHERE tenant_id = ?1 AND res = ?4 AND t >= ?2 AND t < ?3 GROUP BY 1,2,3,4`, tenant, 0, 1, 60)
	for rows.Next() {
		var a, b, c int
		var d string
		rows.Scan(&a, &b, &c, &d)
		t.Log(d)
	}
}
