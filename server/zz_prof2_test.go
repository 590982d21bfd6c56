package server

import (
	"context"
	"fmt"
	"testing"
	"time"
)

func TestProfQueries2(t *testing.T) {
	e := newEnv(t, "demo")
	var tenant string
	e.s.db.QueryRow("SELECT id FROM tenants").Scan(&tenant)
	ctx := context.Background()
	win, _ := resolveWindow("30d", "", "", e.clock.Now())
	args := []any{tenant, win.start, win.end, win.res}
	for i := 0; i < 2; i++ {
		for name, q := range map[string]string{
			"series": fmt.Sprintf(`SELECT (t - ?2) / %d, status, SUM(n) FROM usage_rollup WHERE tenant_id = ?1 AND res = ?4 AND t >= ?2 AND t < ?3 GROUP BY 1, 2`, win.bucket),
			"break":  fmt.Sprintf(`SELECT key_id, endpoint, status, SUM(n), SUM(lat_sum_us), %s FROM usage_rollup WHERE tenant_id = ?1 AND res = ?4 AND t >= ?2 AND t < ?3 GROUP BY 1, 2, 3`, histCols),
			"prev":   fmt.Sprintf(`SELECT status, SUM(n), SUM(lat_sum_us), %s FROM usage_rollup WHERE tenant_id = ?1 AND res = ?4 AND t >= ?2 AND t < ?3 GROUP BY status`, histCols),
			"keys":   `SELECT id, name, last_used FROM api_keys WHERE tenant_id = ?1 AND ?2 > 0 AND ?3 > 0 AND ?4 > 0`,
		} {
			st := time.Now()
			rows, err := e.s.db.QueryContext(ctx, q, args...)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for rows.Next() {
				n++
			}
			rows.Close()
			t.Logf("%s rows %d %v", name, n, time.Since(st))
		}
	}
	st := time.Now()
	win2 := win
	u, _ := e.s.computeUsage(ctx, tenant, "", 300, win2)
	t.Logf("all %v", time.Since(st))
	st = time.Now()
	e.s.fillByKey(ctx, tenant, map[string]*agg{}, &u)
	t.Logf("bykey %v", time.Since(st))
}
