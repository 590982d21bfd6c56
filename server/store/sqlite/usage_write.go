package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/penguinmails/pmdev/server/store"
)

// rowsPerStatement is how many rows one multi-row statement carries.
const rowsPerStatement = 100

// WriteUsage stores one batch, every table in a few multi-row statements.
func (s Store) WriteUsage(ctx context.Context, h store.Handle, b *store.UsageBatch) error {
	if err := insertErrorEvents(ctx, h, b.Errors); err != nil {
		return err
	}
	for i := range b.Audits {
		e := &b.Audits[i]
		if err := s.InsertAudit(ctx, h, store.AuditEntry{TenantID: e.TenantID, TargetType: store.AuditTargetKey, TargetID: e.KeyID,
			At: e.At, Action: e.Audit.Action, Actor: "system", IP: e.IP, Detail: e.Audit.Detail}); err != nil {
			return err
		}
	}
	if err := addRollups(ctx, h, "usage_rollup", true, b.Rollups); err != nil {
		return err
	}
	if err := addRollups(ctx, h, "usage_tenant_rollup", false, b.TenantRollups); err != nil {
		return err
	}
	if err := addKeyTotals(ctx, h, b.KeyTotals); err != nil {
		return err
	}
	if err := addMinuteTotals(ctx, h, b); err != nil {
		return err
	}
	if err := raisePeaks(ctx, h, b.Peaks); err != nil {
		return err
	}
	if err := addKeyDeltas(ctx, h, b.Keys); err != nil {
		return err
	}
	if err := addKeyIPs(ctx, h, b.IPs); err != nil {
		return err
	}
	return bumpUsageVersions(ctx, h, batchTenants(b))
}

// batchTenants lists the tenants whose usage b changes (a batch's key
// counters come with rollups of the same tenants).
func batchTenants(b *store.UsageBatch) []string {
	set := map[string]struct{}{}
	for k := range b.TenantRollups {
		set[k.TenantID] = struct{}{}
	}
	for k := range b.KeyTotals {
		set[k.TenantID] = struct{}{}
	}
	for k := range b.Totals {
		set[k.TenantID] = struct{}{}
	}
	for k := range b.Peaks {
		set[k.TenantID] = struct{}{}
	}
	for _, e := range b.Errors {
		set[e.TenantID] = struct{}{}
	}
	out := make([]string, 0, len(set))
	for t := range set {
		out = append(out, t)
	}
	slices.Sort(out)
	return out
}

// bumpUsageVersions raises the usage version of each tenant, in the
// transaction of the rows that change it.
func bumpUsageVersions(ctx context.Context, h store.Handle, tenants []string) error {
	return multi(ctx, h, `INSERT INTO usage_versions(tenant_id, v) VALUES `,
		` ON CONFLICT(tenant_id) DO UPDATE SET v = usage_versions.v + 1`,
		`(?, 1)`, len(tenants), func(i int, dst []any) []any { return append(dst, tenants[i]) }, nil)
}

// TouchUsageVersion raises a tenant's usage version after a write made
// outside WriteUsage (the demo's history).
func (Store) TouchUsageVersion(ctx context.Context, h store.Handle, tenantID string) error {
	return bumpUsageVersions(ctx, h, []string{tenantID})
}

// UsageVersion is the tenant's usage version (0 before any write).
func (Store) UsageVersion(ctx context.Context, h store.Handle, tenantID string) (int64, error) {
	var v int64
	err := h.QueryRowContext(ctx, `SELECT v FROM usage_versions WHERE tenant_id = ?`, tenantID).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return v, err
}

// multi runs head + up to per value tuples (each tuple, e.g. params(4)) + tail for
// rows rows, args filling each row's parameters. Full groups share one
// prepared statement, so a batch parses each shape once; each returned row
// (RETURNING) goes to scan.
func multi(ctx context.Context, h store.Handle, head, tail, tuple string, rows int, args func(i int, dst []any) []any, scan func(store.Scanner) error) error {
	if rows == 0 {
		return nil
	}
	cols := strings.Count(tuple, "?")
	per := max(1, min(rowsPerStatement, 30000/cols))
	query := func(n int) string { return head + strings.Repeat(tuple+",", n-1) + tuple + tail }
	var full *sql.Stmt
	defer func() {
		if full != nil {
			full.Close()
		}
	}()
	buf := make([]any, 0, per*cols)
	for done := 0; done < rows; {
		n := min(rows-done, per)
		buf = buf[:0]
		for i := done; i < done+n; i++ {
			buf = args(i, buf)
		}
		var st *sql.Stmt // the prepared statement of full groups
		if n == per {
			if full == nil {
				var err error
				if full, err = h.PrepareContext(ctx, query(n)); err != nil {
					return err
				}
			}
			st = full
		}
		var err error
		switch {
		case scan != nil:
			err = queryScan(ctx, h, st, query(n), buf, scan)
		case n == per:
			_, err = st.ExecContext(ctx, buf...)
		default:
			_, err = h.ExecContext(ctx, query(n), buf...)
		}
		if err != nil {
			return err
		}
		done += n
	}
	return nil
}

// params is a value tuple of n parameters.
func params(n int) string { return "(" + strings.Repeat("?,", n-1) + "?)" }

func queryScan(ctx context.Context, h store.Handle, st *sql.Stmt, q string, args []any, scan func(store.Scanner) error) error {
	var rows *sql.Rows
	var err error
	if st != nil {
		rows, err = st.QueryContext(ctx, args...)
	} else {
		rows, err = h.QueryContext(ctx, q, args...)
	}
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// addExcluded is the SET list of an upsert adding the new row's cols to
// the stored row's (qualified: PostgreSQL finds a bare name ambiguous).
func addExcluded(table string, cols ...string) string {
	sets := make([]string, len(cols))
	for i, c := range cols {
		sets[i] = c + " = " + table + "." + c + " + excluded." + c
	}
	return strings.Join(sets, ", ")
}

// insertErrorEvents stores one row per failed request kept in full.
func insertErrorEvents(ctx context.Context, h store.Handle, failed []store.UsageEvent) error {
	return multi(ctx, h, `INSERT INTO usage_events(ts, tenant_id, key_id, method, route, status, latency_us, error_code, message, ip) VALUES `, ``,
		params(10), len(failed), func(i int, dst []any) []any {
			e := &failed[i]
			return append(dst, store.MS(e.At), e.TenantID, e.KeyID, e.Method, e.Route, e.Status, e.LatencyUS, e.ErrCode, e.Message, e.IP)
		}, nil)
}

// addRollups adds m into table (per key, or tenant-wide without key_id).
func addRollups(ctx context.Context, h store.Handle, table string, perKey bool, m map[store.RollupKey]*store.RollupVal) error {
	// Primary-key order keeps B-tree inserts local.
	keys := make([]store.RollupKey, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b store.RollupKey) int {
		return cmp.Or(cmp.Compare(a.TenantID, b.TenantID), cmp.Compare(a.KeyID, b.KeyID), cmp.Compare(a.Res, b.Res), cmp.Compare(a.T, b.T),
			cmp.Compare(a.Endpoint, b.Endpoint), cmp.Compare(a.Status, b.Status))
	})
	cols, pk, keyCol := 17, "tenant_id, res, t, endpoint, status", ""
	if perKey {
		cols, pk, keyCol = 18, "tenant_id, key_id, res, t, endpoint, status", "key_id, "
	}
	// The keys of one statement are distinct (map keys), so each row
	// conflicts at most with a stored one.
	return multi(ctx, h, `INSERT INTO `+table+`(tenant_id, `+keyCol+`res, t, endpoint, status, n, lat_sum_us, h0,h1,h2,h3,h4,h5,h6,h7,h8,h9) VALUES `,
		` ON CONFLICT(`+pk+`) DO UPDATE SET `+addExcluded(table, "n", "lat_sum_us", "h0", "h1", "h2", "h3", "h4", "h5", "h6", "h7", "h8", "h9"),
		params(cols), len(keys), func(i int, dst []any) []any {
			k := keys[i]
			v := m[k]
			dst = append(dst, k.TenantID)
			if perKey {
				dst = append(dst, k.KeyID)
			}
			dst = append(dst, k.Res, k.T, k.Endpoint, k.Status, v.N, v.LatSum)
			for _, c := range v.H {
				dst = append(dst, c)
			}
			return dst
		}, nil)
}

func addKeyTotals(ctx context.Context, h store.Handle, m map[store.KeyTotalKey]*store.KeyTotalVal) error {
	keys := make([]store.KeyTotalKey, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b store.KeyTotalKey) int {
		return cmp.Or(cmp.Compare(a.TenantID, b.TenantID), cmp.Compare(a.Res, b.Res), cmp.Compare(a.T, b.T), cmp.Compare(a.KeyID, b.KeyID))
	})
	return multi(ctx, h, `INSERT INTO usage_key_total(tenant_id, res, t, key_id, n, ok) VALUES `,
		` ON CONFLICT(tenant_id, res, t, key_id) DO UPDATE SET `+addExcluded("usage_key_total", "n", "ok"),
		params(6), len(keys), func(i int, dst []any) []any {
			k := keys[i]
			v := m[k]
			return append(dst, k.TenantID, k.Res, k.T, k.KeyID, v.N, v.OK)
		}, nil)
}

// addMinuteTotals adds b.Totals and reads back the stored sums into b.Stored.
func addMinuteTotals(ctx context.Context, h store.Handle, b *store.UsageBatch) error {
	keys := make([]store.TotalKey, 0, len(b.Totals))
	for k := range b.Totals {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b store.TotalKey) int {
		return cmp.Or(cmp.Compare(a.TenantID, b.TenantID), cmp.Compare(a.KeyID, b.KeyID), cmp.Compare(a.T, b.T))
	})
	b.Stored = make(map[store.TotalKey]int64, len(keys))
	return multi(ctx, h, `INSERT INTO usage_minute_total(tenant_id, key_id, t, n) VALUES `,
		` ON CONFLICT(tenant_id, key_id, t) DO UPDATE SET `+addExcluded("usage_minute_total", "n")+` RETURNING tenant_id, key_id, t, n`,
		params(4), len(keys), func(i int, dst []any) []any {
			k := keys[i]
			return append(dst, k.TenantID, k.KeyID, k.T, b.Totals[k])
		}, func(sc store.Scanner) error {
			var k store.TotalKey
			var n int64
			if err := sc.Scan(&k.TenantID, &k.KeyID, &k.T, &n); err != nil {
				return err
			}
			b.Stored[k] = n
			return nil
		})
}

func raisePeaks(ctx context.Context, h store.Handle, m map[store.PeakKey]int64) error {
	keys := make([]store.PeakKey, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b store.PeakKey) int {
		return cmp.Or(cmp.Compare(a.TenantID, b.TenantID), cmp.Compare(a.KeyID, b.KeyID), cmp.Compare(a.Res, b.Res), cmp.Compare(a.T, b.T))
	})
	return multi(ctx, h, `INSERT INTO usage_peak(tenant_id, key_id, res, t, peak) VALUES `,
		` ON CONFLICT(tenant_id, key_id, res, t) DO UPDATE SET peak = max(usage_peak.peak, excluded.peak)`,
		params(5), len(keys), func(i int, dst []any) []any {
			k := keys[i]
			return append(dst, k.TenantID, k.KeyID, k.Res, k.T, m[k])
		}, nil)
}

// addKeyDeltas adds to the keys' counters: one statement per group of keys
// over a VALUES table (whose numbers PostgreSQL reads as text: hence the casts).
func addKeyDeltas(ctx context.Context, h store.Handle, m map[string]*store.KeyDelta) error {
	ids := make([]string, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return multi(ctx, h, `WITH d(id, n, errs, last_used, ip) AS (VALUES `,
		`) UPDATE api_keys SET request_count = request_count + d.n, error_count = error_count + d.errs,
		last_used_ip = CASE WHEN api_keys.last_used IS NULL OR api_keys.last_used <= d.last_used THEN d.ip ELSE api_keys.last_used_ip END,
		last_used = max(coalesce(api_keys.last_used, 0), d.last_used) FROM d WHERE api_keys.id = d.id`,
		`(?, CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT), ?)`, len(ids), func(i int, dst []any) []any {
			d := m[ids[i]]
			return append(dst, ids[i], d.N, d.Errs, d.LastUsed, d.LastIP)
		}, nil)
}

func addKeyIPs(ctx context.Context, h store.Handle, m map[store.IPKey]*store.IPDelta) error {
	keys := make([]store.IPKey, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b store.IPKey) int { return cmp.Or(cmp.Compare(a.KeyID, b.KeyID), cmp.Compare(a.IP, b.IP)) })
	return multi(ctx, h, `INSERT INTO key_ips(key_id, ip, last_seen, requests) VALUES `,
		` ON CONFLICT(key_id, ip) DO UPDATE SET requests = key_ips.requests + excluded.requests, last_seen = max(key_ips.last_seen, excluded.last_seen)`,
		params(4), len(keys), func(i int, dst []any) []any {
			k := keys[i]
			d := m[k]
			return append(dst, k.KeyID, k.IP, d.Last, d.N)
		}, nil)
}

func (Store) AddKeyIP(ctx context.Context, h store.Handle, keyID, ip string, lastSeen time.Time, n int64) error {
	return addKeyIPs(ctx, h, map[store.IPKey]*store.IPDelta{{KeyID: keyID, IP: ip}: {N: n, Last: store.MS(lastSeen)}})
}
