package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/penguinmails/pmdev/server/store"
)

// Retention (seconds) of each rollup resolution: the finest rows only
// while the ranges that read them can reach them.
var rollupKeep = map[int64]int64{60: 3 * 86400, 900: 14 * 86400, 3600: 90 * 86400, 21600: 400 * 86400, 86400: 400 * 86400}

// errorKeep is how long failed requests stay in the error log.
const errorKeep = 90 * 86400

// PruneTargets lists the index ranges retention clears at now: per tenant
// and per key, so every delete is a range of a primary key or index.
func (Store) PruneTargets(ctx context.Context, h store.Handle, now time.Time, tokenKeep time.Duration, limit int) ([]store.PruneTarget, error) {
	sec := now.Unix()
	out := []store.PruneTarget{{Table: "tokens", Before: (sec - int64(tokenKeep/time.Second)) * 1000}}
	// The request log of successful requests is no longer written; its
	// old chunks go whatever their age.
	out = append(out, store.PruneTarget{Table: "usage_log_chunks", Before: (sec + 86400) * 1000})
	type kt struct{ tenant, key string }
	keys, err := store.QueryAll(ctx, h, `SELECT tenant_id, id FROM api_keys UNION ALL SELECT id, '' FROM tenants ORDER BY 1, 2`, nil,
		func(sc store.Scanner) (kt, error) {
			var k kt
			return k, sc.Scan(&k.tenant, &k.key)
		})
	if err != nil {
		return nil, err
	}
	for _, k := range keys {
		if k.key == "" { // the tenant's own rows
			out = append(out, store.PruneTarget{Table: "usage_events", TenantID: k.tenant, Before: (sec - errorKeep) * 1000})
			for _, res := range store.RollupRes() {
				out = append(out, store.PruneTarget{Table: "usage_tenant_rollup", TenantID: k.tenant, Res: res, Before: sec - rollupKeep[res]})
			}
			for _, res := range store.KeyTotalRes() {
				out = append(out, store.PruneTarget{Table: "usage_key_total", TenantID: k.tenant, Res: res, Before: sec - rollupKeep[res]})
			}
		} else {
			for _, res := range store.RollupRes() {
				out = append(out, store.PruneTarget{Table: "usage_rollup", TenantID: k.tenant, KeyID: k.key, Res: res, Before: sec - rollupKeep[res]})
			}
		}
		out = append(out, store.PruneTarget{Table: "usage_minute_total", TenantID: k.tenant, KeyID: k.key, Before: sec - rollupKeep[60]})
		for _, res := range store.PeakRes() {
			out = append(out, store.PruneTarget{Table: "usage_peak", TenantID: k.tenant, KeyID: k.key, Res: res, Before: sec - rollupKeep[res]})
		}
	}
	for i := range out {
		if err := pruneSQL(&out[i], limit); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// pruneSQL fills t's statement: it deletes about limit rows (more when
// rows share the last bucket) through its table's key.
func pruneSQL(t *store.PruneTarget, limit int) error {
	var q string
	var args []any
	switch t.Table {
	case "tokens":
		q, args = `DELETE FROM tokens WHERE digest IN (SELECT digest FROM tokens WHERE expires_at IS NOT NULL AND expires_at < ? LIMIT ?)`, []any{t.Before, limit}
	case "usage_log_chunks":
		q, args = `DELETE FROM usage_log_chunks WHERE id IN (SELECT id FROM usage_log_chunks WHERE id > 0 ORDER BY id LIMIT ?)`, []any{limit}
	case "usage_events":
		q, args = `DELETE FROM usage_events WHERE id IN (SELECT id FROM usage_events WHERE tenant_id = ? AND status >= 400 AND ts < ? LIMIT ?)`,
			[]any{t.TenantID, t.Before, limit}
	case "usage_tenant_rollup", "usage_key_total":
		q = fmt.Sprintf(`DELETE FROM %[1]s WHERE tenant_id = ?1 AND res = ?2 AND t < ?3 AND t <= coalesce(
			(SELECT t FROM %[1]s WHERE tenant_id = ?1 AND res = ?2 AND t < ?3 ORDER BY t LIMIT 1 OFFSET ?4), ?3)`, t.Table)
		args = []any{t.TenantID, t.Res, t.Before, limit}
	case "usage_rollup", "usage_peak":
		q = fmt.Sprintf(`DELETE FROM %[1]s WHERE tenant_id = ?1 AND key_id = ?2 AND res = ?3 AND t < ?4 AND t <= coalesce(
			(SELECT t FROM %[1]s WHERE tenant_id = ?1 AND key_id = ?2 AND res = ?3 AND t < ?4 ORDER BY t LIMIT 1 OFFSET ?5), ?4)`, t.Table)
		args = []any{t.TenantID, t.KeyID, t.Res, t.Before, limit}
	case "usage_minute_total":
		q = `DELETE FROM usage_minute_total WHERE tenant_id = ?1 AND key_id = ?2 AND t < ?3 AND t <= coalesce(
			(SELECT t FROM usage_minute_total WHERE tenant_id = ?1 AND key_id = ?2 AND t < ?3 ORDER BY t LIMIT 1 OFFSET ?4), ?3)`
		args = []any{t.TenantID, t.KeyID, t.Before, limit}
	default:
		return fmt.Errorf("prune: unknown table %q", t.Table)
	}
	t.SQL, t.Args = q, args
	return nil
}
