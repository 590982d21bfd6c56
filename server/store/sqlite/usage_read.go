package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server/store"
)

// rollupWhere selects q's rows with parameters ?1 tenant, ?2 start, ?3 end,
// ?4 resolution and ?5 key.
func rollupWhere(q store.RollupQuery) (string, []any) {
	where := `tenant_id = ?1 AND res = ?4 AND t >= ?2 AND t < ?3`
	args := []any{q.TenantID, q.Start, q.End, q.Res}
	if q.KeyID != "" {
		where += ` AND key_id = ?5`
		args = append(args, q.KeyID)
	}
	return where, args
}

func (Store) FirstRollup(ctx context.Context, h store.Handle, tenantID string, res int64) (int64, bool, error) {
	var first sql.NullInt64
	err := h.QueryRowContext(ctx, `SELECT MIN(t) FROM usage_rollup WHERE tenant_id = ? AND res = ?`, tenantID, res).Scan(&first)
	return first.Int64, first.Valid, err
}

func (Store) HasRollups(ctx context.Context, h store.Handle, q store.RollupQuery) (bool, error) {
	where, args := rollupWhere(q)
	var one int
	err := h.QueryRowContext(ctx, `SELECT 1 FROM usage_rollup WHERE `+where+` LIMIT 1`, args...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

func (Store) UsageSeries(ctx context.Context, h store.Handle, q store.RollupQuery, bucket int64) ([]store.SeriesRow, error) {
	where, args := rollupWhere(q)
	return store.QueryAll(ctx, h, fmt.Sprintf(`SELECT (t - ?2) / %d, status, SUM(n) FROM usage_rollup WHERE %s GROUP BY 1, 2`, bucket, where), args,
		func(sc store.Scanner) (store.SeriesRow, error) {
			var r store.SeriesRow
			return r, sc.Scan(&r.Bucket, &r.Status, &r.N)
		})
}

func (Store) UsageBreakdown(ctx context.Context, h store.Handle, q store.RollupQuery) ([]store.BreakdownRow, error) {
	where, args := rollupWhere(q)
	return store.QueryAll(ctx, h, `SELECT key_id, endpoint, status, SUM(n), SUM(lat_sum_us) FROM usage_rollup WHERE `+where+` GROUP BY 1, 2, 3`, args,
		func(sc store.Scanner) (store.BreakdownRow, error) {
			var r store.BreakdownRow
			return r, sc.Scan(&r.KeyID, &r.Endpoint, &r.Status, &r.N, &r.LatSum)
		})
}

func (Store) UsageHistogram(ctx context.Context, h store.Handle, q store.RollupQuery) ([store.HistBuckets]int64, error) {
	var hist [store.HistBuckets]int64
	where, args := rollupWhere(q)
	dst := make([]any, store.HistBuckets)
	vals := make([]sql.NullInt64, store.HistBuckets)
	for i := range dst {
		dst[i] = &vals[i]
	}
	if err := h.QueryRowContext(ctx, `SELECT SUM(h0),SUM(h1),SUM(h2),SUM(h3),SUM(h4),SUM(h5),SUM(h6),SUM(h7),SUM(h8),SUM(h9)
		FROM usage_rollup WHERE `+where, args...).Scan(dst...); err != nil {
		return hist, err
	}
	for i, v := range vals {
		hist[i] = v.Int64
	}
	return hist, nil
}

func (Store) UsageTotals(ctx context.Context, h store.Handle, q store.RollupQuery) (store.PeriodTotals, error) {
	var t store.PeriodTotals
	where, args := rollupWhere(q)
	err := h.QueryRowContext(ctx, `SELECT coalesce(SUM(n), 0), coalesce(SUM(CASE WHEN status < 400 THEN n END), 0),
		coalesce(SUM(CASE WHEN status = 429 THEN n END), 0), coalesce(SUM(lat_sum_us), 0)
		FROM usage_rollup WHERE `+where, args...).Scan(&t.N, &t.Success, &t.Limited, &t.LatSum)
	return t, err
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
