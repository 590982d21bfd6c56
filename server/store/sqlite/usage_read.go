package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server/store"
)

func (Store) FirstRollup(ctx context.Context, h store.Handle, tenantID string, res int64) (int64, bool, error) {
	var first sql.NullInt64
	err := h.QueryRowContext(ctx, `SELECT MIN(t) FROM usage_tenant_rollup WHERE tenant_id = ? AND res = ?`, tenantID, res).Scan(&first)
	return first.Int64, first.Valid, err
}

func (Store) HasRollups(ctx context.Context, h store.Handle, q store.RollupQuery) (bool, error) {
	var one int
	err := h.QueryRowContext(ctx, `SELECT 1 FROM usage_tenant_rollup WHERE tenant_id = ? AND res = ? AND t >= ? AND t < ? LIMIT 1`,
		q.TenantID, q.Res, q.Start, q.End).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

func (Store) UsageRows(ctx context.Context, h store.Handle, q store.RollupQuery) ([]store.RollupRow, error) {
	sel := `SELECT t, endpoint, status, n, lat_sum_us, h0, h1, h2, h3, h4, h5, h6, h7, h8, h9 FROM `
	args := []any{q.TenantID, q.Res, q.Start, q.End}
	if q.KeyID == "" {
		sel += `usage_tenant_rollup WHERE tenant_id = ? AND res = ? AND t >= ? AND t < ?`
	} else {
		sel += `usage_rollup WHERE tenant_id = ? AND key_id = ? AND res = ? AND t >= ? AND t < ?`
		args = []any{q.TenantID, q.KeyID, q.Res, q.Start, q.End}
	}
	return store.QueryAll(ctx, h, sel, args, func(sc store.Scanner) (store.RollupRow, error) {
		var r store.RollupRow
		h := &r.H
		return r, sc.Scan(&r.T, &r.Endpoint, &r.Status, &r.N, &r.Lat, &h[0], &h[1], &h[2], &h[3], &h[4], &h[5], &h[6], &h[7], &h[8], &h[9])
	})
}

func (Store) KeyCounts(ctx context.Context, h store.Handle, tenantID string, spans []store.Span) ([]store.KeyCount, error) {
	if len(spans) == 0 {
		return []store.KeyCount{}, nil
	}
	var parts []string
	args := []any{tenantID}
	for _, sp := range spans {
		parts = append(parts, `SELECT key_id, n, ok FROM usage_key_total WHERE tenant_id = ?1 AND res = ? AND t >= ? AND t < ?`)
		args = append(args, sp.Res, sp.Start, sp.End)
	}
	return store.QueryAll(ctx, h, `SELECT key_id, SUM(n), SUM(ok) FROM (`+strings.Join(parts, ` UNION ALL `)+`) AS u GROUP BY key_id`, args,
		func(sc store.Scanner) (store.KeyCount, error) {
			var k store.KeyCount
			return k, sc.Scan(&k.KeyID, &k.N, &k.OK)
		})
}

func (Store) UsagePeaks(ctx context.Context, h store.Handle, q store.RollupQuery) ([]store.PeakRow, error) {
	sel := `SELECT t, n FROM usage_minute_total WHERE tenant_id = ?1 AND key_id = ?2 AND t >= ?3 AND t < ?4`
	if q.Res > 60 {
		sel = `SELECT t, peak FROM usage_peak WHERE tenant_id = ?1 AND key_id = ?2 AND res = ?5 AND t >= ?3 AND t < ?4`
	}
	return store.QueryAll(ctx, h, sel, []any{q.TenantID, q.KeyID, q.Start, q.End, q.Res}, func(sc store.Scanner) (store.PeakRow, error) {
		var r store.PeakRow
		return r, sc.Scan(&r.T, &r.N)
	})
}

func (Store) UsageErrors(ctx context.Context, h store.Handle, q store.ErrorQuery) ([]models.RecentError, []store.ErrorPos, error) {
	sel := `SELECT e.id, e.ts, e.method, e.route, e.status, e.error_code, e.message, e.key_id, coalesce(k.name, '')
		FROM usage_events e LEFT JOIN api_keys k ON k.id = e.key_id
		WHERE e.tenant_id = ? AND e.status >= 400 AND e.ts >= ? AND e.ts < ?`
	args := []any{q.TenantID, q.StartMS, q.EndMS}
	if q.KeyID != "" {
		sel += ` AND e.key_id = ?`
		args = append(args, q.KeyID)
	}
	if q.After != nil {
		sel += ` AND (e.ts < ? OR (e.ts = ? AND e.id < ?))`
		args = append(args, q.After.TS, q.After.TS, q.After.ID)
	}
	type row struct {
		e models.RecentError
		p store.ErrorPos
	}
	rows, err := store.QueryAll(ctx, h, sel+` ORDER BY e.ts DESC, e.id DESC LIMIT `+strconv.Itoa(q.Limit), args, func(sc store.Scanner) (row, error) {
		var r row
		var method, route string
		err := sc.Scan(&r.p.ID, &r.p.TS, &method, &route, &r.e.Status, &r.e.ErrorCode, &r.e.Message, &r.e.KeyID, &r.e.KeyName)
		r.e.Time = store.FromMS(r.p.TS)
		r.e.Endpoint = method + " " + route
		return r, err
	})
	out := make([]models.RecentError, len(rows))
	pos := make([]store.ErrorPos, len(rows))
	for i, r := range rows {
		out[i], pos[i] = r.e, r.p
	}
	return out, pos, err
}

func (Store) KeyDailyUsage(ctx context.Context, h store.Handle, tenantID, keyID string, since int64) ([]store.DayRow, error) {
	return store.QueryAll(ctx, h, `SELECT (t - ?3) / 86400, SUM(n), SUM(CASE WHEN status >= 400 THEN n ELSE 0 END)
		FROM usage_rollup WHERE tenant_id = ?1 AND res = 21600 AND t >= ?3 AND key_id = ?2 GROUP BY 1`, []any{tenantID, keyID, since},
		func(sc store.Scanner) (store.DayRow, error) {
			var r store.DayRow
			return r, sc.Scan(&r.Day, &r.N, &r.Errors)
		})
}

func (Store) KeyTopEndpoints(ctx context.Context, h store.Handle, tenantID, keyID string, since int64, limit int) ([]models.EndpointCount, error) {
	return store.QueryAll(ctx, h, `SELECT endpoint, SUM(n), SUM(lat_sum_us) FROM usage_rollup
		WHERE tenant_id = ? AND res = 21600 AND key_id = ? AND t >= ? GROUP BY endpoint ORDER BY 2 DESC, 1 LIMIT ?`, []any{tenantID, keyID, since, limit},
		func(sc store.Scanner) (models.EndpointCount, error) {
			var e models.EndpointCount
			var lat int64
			err := sc.Scan(&e.Endpoint, &e.Count, &lat)
			if e.Count > 0 {
				e.AvgResponseTimeMS = models.Round2(float64(lat) / float64(e.Count) / 1000)
			}
			return e, err
		})
}

// inIDs is "(?,?,…)" for ids, appended to args.
func inIDs(ids []string, args []any) (string, []any) {
	for _, id := range ids {
		args = append(args, id)
	}
	return `(?` + strings.Repeat(`,?`, len(ids)-1) + `)`, args
}

func (Store) KeyWindowCounts(ctx context.Context, h store.Handle, tenantID string, ids []string, res, since int64) (map[string]store.WindowCount, error) {
	out := make(map[string]store.WindowCount, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	in, args := inIDs(ids, []any{tenantID, res, since})
	type row struct {
		id string
		c  store.WindowCount
	}
	rows, err := store.QueryAll(ctx, h, `SELECT key_id, SUM(n), SUM(CASE WHEN status = 401 THEN n ELSE 0 END) FROM usage_rollup
		WHERE tenant_id = ? AND res = ? AND t >= ? AND key_id IN `+in+` GROUP BY key_id`, args,
		func(sc store.Scanner) (row, error) {
			var r row
			return r, sc.Scan(&r.id, &r.c.N, &r.c.Refused)
		})
	for _, r := range rows {
		out[r.id] = r.c
	}
	return out, err
}

func (Store) KeyTotalSeries(ctx context.Context, h store.Handle, tenantID string, ids []string, res, start, end int64) ([]store.KeyBucket, error) {
	if len(ids) == 0 {
		return []store.KeyBucket{}, nil
	}
	in, args := inIDs(ids, []any{tenantID, res, start, end})
	return store.QueryAll(ctx, h, `SELECT key_id, t, n FROM usage_key_total WHERE tenant_id = ? AND res = ? AND t >= ? AND t < ?
		AND key_id IN `+in+` ORDER BY t`, args, func(sc store.Scanner) (store.KeyBucket, error) {
		var b store.KeyBucket
		return b, sc.Scan(&b.KeyID, &b.T, &b.N)
	})
}
