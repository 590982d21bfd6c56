package server

import (
	"context"
	"fmt"
	"testing"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server/internal/servertest"
	"github.com/penguinmails/pmdev/server/store"
)

// On PostgreSQL the usage writer rewrites every row of a busy bucket in one
// transaction; each new version must fit on its row's page (HOT: no index
// entry, the old version pruned in place), or every rewrite grows the table
// and its indexes until vacuum. SQLite updates rows in place.
func TestUsageRewritesStayOnTheirPages(t *testing.T) {
	if !servertest.Postgres() {
		t.Skip("PostgreSQL only (PMDEV_TEST_DB=postgres): SQLite has no row versions")
	}
	e := newEnv(t, "")
	tok := e.addUser("admin@a.test", models.RoleAdmin, "A", "")
	k := e.createKey(tok, models.CreateAPIKeyRequest{Name: "busy", Permissions: []string{"read_campaigns"}})
	tenant := e.tenantOf(k.KeyID)
	// Enough rows to fill several pages of each table, written twice as
	// two coarse writes of one busy minute would.
	at := store.AlignDown(e.clock.Now().Unix(), 60)
	write := func() {
		b := store.NewUsageBatch()
		for i := range 600 {
			b.AddRollup(store.RollupKey{TenantID: tenant, KeyID: k.KeyID, Res: 60, T: at, Endpoint: fmt.Sprintf("GET /r%03d", i), Status: 200}, &store.RollupVal{N: 1})
			b.RaisePeak(store.PeakKey{TenantID: tenant, KeyID: fmt.Sprintf("k%03d", i), Res: 3600, T: store.AlignDown(at, 3600)}, int64(i+1))
		}
		if err := e.s.st.WriteUsage(context.Background(), e.s.db, b); err != nil {
			t.Fatal(err)
		}
	}
	// pages maps each row (by its primary key's text) to its page.
	pages := func(table, key string) map[string]string {
		rows, err := e.s.db.Query(`SELECT ` + key + `, split_part(trim(both '()' from ctid::text), ',', 1) FROM ` + table)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		out := map[string]string{}
		for rows.Next() {
			var k, p string
			if err := rows.Scan(&k, &p); err != nil {
				t.Fatal(err)
			}
			out[k] = p
		}
		return out
	}
	tables := map[string]string{
		"usage_rollup": "endpoint || res::text",
		"usage_peak":   "key_id",
	}
	write()
	before := map[string]map[string]string{}
	for tbl, key := range tables {
		before[tbl] = pages(tbl, key)
		if len(before[tbl]) < 600 {
			t.Fatalf("%s: %d rows after the first write", tbl, len(before[tbl]))
		}
	}
	write()
	for tbl, key := range tables {
		after, moved := pages(tbl, key), 0
		for k, p := range before[tbl] {
			if after[k] != p {
				moved++
			}
		}
		if moved > 0 {
			t.Errorf("%s: %d of %d rows moved to another page on rewrite", tbl, moved, len(after))
		}
	}
}
