package server

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/penguinmails/pmdev/server/internal/servertest"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server/store/sqlite"
)

// Retention deletes in batches through indexes: old rows of every usage
// table go (more than one batch of them), recent ones stay, and no prune
// statement scans a table.
func TestPruneInBatchesThroughIndexes(t *testing.T) {
	e := newEnv(t, "")
	tok := e.addUser("dev@p.test", models.RoleDeveloper, "P", models.PlanBusiness)
	k := e.createKey(tok, models.CreateAPIKeyRequest{Name: "P", Permissions: []string{"read_campaigns"}})
	tenant := e.tenantOf(k.KeyID)
	now := e.clock.Now().Unix()
	old, recent := now-100*86400, now-3600
	tx, err := e.s.db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	exec := func(q string, args ...any) {
		if _, err := tx.Exec(q, args...); err != nil {
			t.Fatal(err)
		}
	}
	// 1,200 old minutes and one recent of each kind: over two batches of 500.
	for i := range int64(1200) {
		for _, ts := range []int64{old + i*60, recent} {
			if ts == recent && i > 0 {
				continue
			}
			exec(`INSERT INTO usage_rollup(tenant_id, key_id, res, t, endpoint, status, n, lat_sum_us) VALUES (?,?,60,?,'GET /r',200,1,1)`, tenant, k.KeyID, ts)
			exec(`INSERT INTO usage_tenant_rollup(tenant_id, res, t, endpoint, status, n, lat_sum_us) VALUES (?,60,?,'GET /r',200,1,1)`, tenant, ts)
			exec(`INSERT INTO usage_key_total(tenant_id, res, t, key_id, n, ok) VALUES (?,60,?,?,1,1)`, tenant, ts, k.KeyID)
			exec(`INSERT INTO usage_minute_total(tenant_id, key_id, t, n) VALUES (?,?,?,1)`, tenant, k.KeyID, ts)
			exec(`INSERT INTO usage_events(ts, tenant_id, key_id, method, route, status, latency_us) VALUES (?,?,?,'GET','/r',400,1)`, ts*1000, tenant, k.KeyID)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	// (The background pass may share the work: only what is left counts.)
	e.s.usage.Prune()
	for _, table := range []string{"usage_rollup", "usage_tenant_rollup", "usage_key_total", "usage_minute_total", "usage_events"} {
		var n int
		if err := e.s.db.QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&n); err != nil || n != 1 {
			t.Errorf("%s keeps %d rows (%v), want the recent one", table, n, err)
		}
	}
	targets, err := sqlite.Store{}.PruneTargets(context.Background(), e.s.db, time.Unix(now, 0), time.Hour, 500)
	if err != nil {
		t.Fatal(err)
	}
	if servertest.Postgres() {
		return // the plans checked below are SQLite's
	}
	checked := map[string]bool{}
	for _, tg := range targets {
		if checked[tg.SQL] {
			continue
		}
		checked[tg.SQL] = true
		rows, err := e.s.db.Query(`EXPLAIN QUERY PLAN `+tg.SQL, tg.Args...)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			if strings.HasPrefix(detail, "SCAN ") {
				t.Errorf("%s: %s", tg.Table, detail)
			}
		}
		rows.Close()
	}
	if len(checked) < 7 {
		t.Errorf("only %d prune statements checked", len(checked))
	}
}
