package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/penguinmails/pmdev/server/store"
)

// WriteUsage stores one batch and updates every derived table.
func (s Store) WriteUsage(ctx context.Context, h store.Handle, b *store.UsageBatch) error {
	if err := s.InsertErrorEvents(ctx, h, b.Events); err != nil {
		return err
	}
	if err := insertChunks(ctx, h, b.Events); err != nil {
		return err
	}
	for i := range b.Events {
		e := &b.Events[i]
		if e.Audit != nil {
			if err := s.InsertAudit(ctx, h, store.AuditEntry{TenantID: e.TenantID, TargetType: store.AuditTargetKey, TargetID: e.KeyID,
				At: e.At, Action: e.Audit.Action, Actor: "system", IP: e.IP, Detail: e.Audit.Detail}); err != nil {
				return err
			}
		}
	}
	if err := s.AddRollups(ctx, h, b.Rollups); err != nil {
		return err
	}
	for k, n := range b.Totals {
		var total int64
		if err := h.QueryRowContext(ctx, `INSERT INTO usage_minute_total(tenant_id, key_id, t, n) VALUES (?,?,?,?)
			ON CONFLICT(tenant_id, key_id, t) DO UPDATE SET n = n + excluded.n RETURNING n`, k.TenantID, k.KeyID, k.T, n).Scan(&total); err != nil {
			return err
		}
		for _, res := range store.PeakRes() {
			if _, err := h.ExecContext(ctx, peakUpsert, k.TenantID, k.KeyID, res, store.AlignDown(k.T, res), total); err != nil {
				return err
			}
		}
	}
	for id, d := range b.Keys {
		if _, err := h.ExecContext(ctx, `UPDATE api_keys SET request_count = request_count + ?, error_count = error_count + ?,
			last_used_ip = CASE WHEN last_used IS NULL OR last_used <= ? THEN ? ELSE last_used_ip END,
			last_used = max(coalesce(last_used, 0), ?) WHERE id = ?`, d.N, d.Errs, d.LastUsed, d.LastIP, d.LastUsed, id); err != nil {
			return err
		}
	}
	for k, d := range b.IPs {
		if err := addKeyIP(ctx, h, k.KeyID, k.IP, d.Last, d.N); err != nil {
			return err
		}
	}
	return nil
}

const peakUpsert = `INSERT INTO usage_peak(tenant_id, key_id, res, t, peak) VALUES (?,?,?,?,?)
	ON CONFLICT(tenant_id, key_id, res, t) DO UPDATE SET peak = max(peak, excluded.peak)`

func addKeyIP(ctx context.Context, h store.Handle, keyID, ip string, lastMS, n int64) error {
	_, err := h.ExecContext(ctx, `INSERT INTO key_ips(key_id, ip, last_seen, requests) VALUES (?,?,?,?)
		ON CONFLICT(key_id, ip) DO UPDATE SET requests = requests + excluded.requests, last_seen = max(last_seen, excluded.last_seen)`,
		keyID, ip, lastMS, n)
	return err
}

func (Store) AddKeyIP(ctx context.Context, h store.Handle, keyID, ip string, lastSeen time.Time, n int64) error {
	return addKeyIP(ctx, h, keyID, ip, store.MS(lastSeen), n)
}

// insertChunks appends the batch's successful requests to usage_log_chunks,
// one row per key.
func insertChunks(ctx context.Context, h store.Handle, batch []store.UsageEvent) error {
	type chunk struct {
		tenantID    string
		first, last int64
		n           int
		lines       []byte
	}
	chunks := map[string]*chunk{}
	var order []string
	for i := range batch {
		e := &batch[i]
		if e.Status >= 400 {
			continue
		}
		c := chunks[e.KeyID]
		if c == nil {
			c = &chunk{tenantID: e.TenantID, first: store.MS(e.At)}
			chunks[e.KeyID] = c
			order = append(order, e.KeyID)
		}
		at := store.MS(e.At)
		c.first, c.last = min(c.first, at), max(c.last, at)
		c.n++
		c.lines = strconv.AppendInt(c.lines, at, 10)
		c.lines = append(c.lines, '\t')
		c.lines = append(c.lines, e.Method...)
		c.lines = append(c.lines, '\t')
		c.lines = append(c.lines, e.Route...)
		c.lines = append(c.lines, '\t')
		c.lines = strconv.AppendInt(c.lines, int64(e.Status), 10)
		c.lines = append(c.lines, '\t')
		c.lines = strconv.AppendInt(c.lines, e.LatencyUS, 10)
		c.lines = append(c.lines, '\t')
		c.lines = append(c.lines, e.IP...)
		c.lines = append(c.lines, '\n')
	}
	for _, id := range order {
		c := chunks[id]
		if _, err := h.ExecContext(ctx, `INSERT INTO usage_log_chunks(tenant_id, key_id, first_ts, last_ts, n, lines) VALUES (?,?,?,?,?,?)`,
			c.tenantID, id, c.first, c.last, c.n, string(c.lines)); err != nil {
			return err
		}
	}
	return nil
}

// multiInsert runs head + n value tuples of cols parameters for every group
// of at most per rows, args filling each row's parameters; full groups
// share one prepared statement. Many rows per statement are far cheaper
// than one statement each.
func multiInsert(ctx context.Context, h store.Handle, head, tail string, cols, per, rows int, args func(i int, dst []any) []any) error {
	tuple := "(" + strings.Repeat("?,", cols-1) + "?)"
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
		var err error
		if n == per {
			if full == nil {
				if full, err = h.PrepareContext(ctx, query(n)); err != nil {
					return err
				}
			}
			_, err = full.ExecContext(ctx, buf...)
		} else {
			_, err = h.ExecContext(ctx, query(n), buf...)
		}
		if err != nil {
			return err
		}
		done += n
	}
	return nil
}

// InsertErrorEvents stores one row per failed request (the error log).
func (Store) InsertErrorEvents(ctx context.Context, h store.Handle, all []store.UsageEvent) error {
	var failed []*store.UsageEvent
	for i := range all {
		if all[i].Status >= 400 {
			failed = append(failed, &all[i])
		}
	}
	return multiInsert(ctx, h, `INSERT INTO usage_events(ts, tenant_id, key_id, method, route, status, latency_us, error_code, message, ip) VALUES `, ``,
		10, 50, len(failed), func(i int, dst []any) []any {
			e := failed[i]
			return append(dst, store.MS(e.At), e.TenantID, e.KeyID, e.Method, e.Route, e.Status, e.LatencyUS, e.ErrCode, e.Message, e.IP)
		})
}

// AddRollups adds m into usage_rollup.
func (Store) AddRollups(ctx context.Context, h store.Handle, m map[store.RollupKey]*store.RollupVal) error {
	// Primary-key order keeps B-tree inserts append-like.
	keys := make([]store.RollupKey, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b store.RollupKey) int {
		return cmp.Or(cmp.Compare(a.TenantID, b.TenantID), cmp.Compare(a.Res, b.Res), cmp.Compare(a.T, b.T),
			cmp.Compare(a.KeyID, b.KeyID), cmp.Compare(a.Endpoint, b.Endpoint), cmp.Compare(a.Status, b.Status))
	})
	// The keys of one statement are distinct (map keys), so each row
	// conflicts at most with a stored one.
	return multiInsert(ctx, h, `INSERT INTO usage_rollup(tenant_id, key_id, res, t, endpoint, status, n, lat_sum_us, h0,h1,h2,h3,h4,h5,h6,h7,h8,h9) VALUES `,
		` ON CONFLICT(tenant_id, res, t, key_id, endpoint, status) DO UPDATE SET n = n + excluded.n, lat_sum_us = lat_sum_us + excluded.lat_sum_us,
		h0=h0+excluded.h0, h1=h1+excluded.h1, h2=h2+excluded.h2, h3=h3+excluded.h3, h4=h4+excluded.h4,
		h5=h5+excluded.h5, h6=h6+excluded.h6, h7=h7+excluded.h7, h8=h8+excluded.h8, h9=h9+excluded.h9`,
		8+store.HistBuckets, 50, len(keys), func(i int, dst []any) []any {
			k := keys[i]
			v := m[k]
			dst = append(dst, k.TenantID, k.KeyID, k.Res, k.T, k.Endpoint, k.Status, v.N, v.LatSum)
			for _, c := range v.H {
				dst = append(dst, c)
			}
			return dst
		})
}

// InsertMinuteTotals stores per-minute totals (the seed's, into no existing rows).
func (Store) InsertMinuteTotals(ctx context.Context, h store.Handle, totals map[store.TotalKey]int64) error {
	return bulk(ctx, h, `INSERT INTO usage_minute_total(tenant_id, key_id, t, n) VALUES (?,?,?,?)`, len(totals), func(ex func(...any) error) error {
		for k, n := range totals {
			if err := ex(k.TenantID, k.KeyID, k.T, n); err != nil {
				return err
			}
		}
		return nil
	})
}

// InsertPeaks stores bucket peaks (the seed's, into no existing rows).
func (Store) InsertPeaks(ctx context.Context, h store.Handle, peaks map[store.PeakKey]int64) error {
	return bulk(ctx, h, `INSERT INTO usage_peak(tenant_id, key_id, res, t, peak) VALUES (?,?,?,?,?)`, len(peaks), func(ex func(...any) error) error {
		for k, n := range peaks {
			if err := ex(k.TenantID, k.KeyID, k.Res, k.T, n); err != nil {
				return err
			}
		}
		return nil
	})
}

// PruneUsage drops 1-minute rows after 3 days, 15-minute rows after 14
// days, request logs after 90 days, and tokens expired for longer than
// tokenKeep. Hourly and 6-hour rollups are kept.
func (Store) PruneUsage(ctx context.Context, h store.Handle, now time.Time, tokenKeep time.Duration) error {
	sec := now.Unix()
	for _, q := range []struct {
		sql string
		arg int64
	}{
		{`DELETE FROM usage_rollup WHERE res = 60 AND t < ?`, sec - 3*86400},
		{`DELETE FROM usage_minute_total WHERE t < ?`, sec - 3*86400},
		{`DELETE FROM usage_rollup WHERE res = 900 AND t < ?`, sec - 14*86400},
		{`DELETE FROM usage_peak WHERE res = 900 AND t < ?`, sec - 14*86400},
		{`DELETE FROM usage_events WHERE ts < ?`, (sec - 90*86400) * 1000},
		{`DELETE FROM usage_log_chunks WHERE last_ts < ?`, (sec - 90*86400) * 1000},
		{`DELETE FROM tokens WHERE expires_at IS NOT NULL AND expires_at < ?`, (sec - int64(tokenKeep/time.Second)) * 1000},
	} {
		if _, err := h.ExecContext(ctx, q.sql, q.arg); err != nil {
			return err
		}
	}
	return nil
}
