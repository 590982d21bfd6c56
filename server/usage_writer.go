package server

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
)

// Batching bounds of the usage writer.
const (
	flushInterval = 250 * time.Millisecond
	flushRows     = 500
)

const histBuckets = 10

// latencyBoundsUS are the upper bounds of histogram buckets h0..h8 (h9 is the rest).
func latencyBoundsUS() [histBuckets - 1]int64 {
	return [...]int64{1_000, 5_000, 10_000, 25_000, 50_000, 100_000, 200_000, 400_000, 1_000_000}
}

func histBucket(latUS int64) int {
	for i, b := range latencyBoundsUS() {
		if latUS <= b {
			return i
		}
	}
	return histBuckets - 1
}

type auditItem struct {
	action, detail string
}

// usageEvent is one product request.
type usageEvent struct {
	at                   time.Time
	tenantID, keyID      string
	method, route        string
	status               int
	latencyUS            int64
	errCode, message, ip string
	counted              bool // consumed a rate-limit token
	audit                *auditItem
}

func (e *usageEvent) endpoint() string { return e.method + " " + e.route }

// maxPending bounds the queue; record blocks (never drops) beyond it.
const maxPending = 50_000

// usageWriter batches usage events into SQLite off the request path. Requests
// append to a slice under a mutex (no goroutine hand-off per request); the
// writer takes the whole slice every flushInterval or at flushRows.
type usageWriter struct {
	db  *sql.DB
	log *slog.Logger
	now func() time.Time

	mu     sync.Mutex
	space  *sync.Cond // signalled when the writer takes the buffer
	buf    []usageEvent
	spare  []usageEvent // the previous batch's array, reused to avoid regrowth
	closed bool

	kick   chan struct{} // buffer reached flushRows
	flushC chan chan struct{}
	stop   chan struct{}
	done   chan struct{}

	// dbCtx bounds every write; abort ends it when close runs out of time,
	// so a write stuck on a lock cannot hold the shutdown.
	dbCtx context.Context
	abort context.CancelFunc
	lost  atomic.Int64 // rows given up on
}

// abortGrace is how long close waits for the writer to notice an abort.
const abortGrace = 2 * time.Second

func newUsageWriter(db *sql.DB, log *slog.Logger, now func() time.Time) *usageWriter {
	w := &usageWriter{db: db, log: log, now: now, kick: make(chan struct{}, 1), flushC: make(chan chan struct{}),
		stop: make(chan struct{}), done: make(chan struct{})}
	w.dbCtx, w.abort = context.WithCancel(context.Background())
	w.space = sync.NewCond(&w.mu)
	go w.loop()
	return w
}

// record queues e; it blocks rather than drop when the queue is full.
func (w *usageWriter) record(e usageEvent) {
	w.mu.Lock()
	for len(w.buf) >= maxPending && !w.closed {
		w.space.Wait()
	}
	if w.closed {
		w.mu.Unlock()
		w.log.Warn("usage event after close dropped", "key_id", e.keyID)
		return
	}
	w.buf = append(w.buf, e)
	n := len(w.buf)
	w.mu.Unlock()
	if n == flushRows {
		select {
		case w.kick <- struct{}{}:
		default:
		}
	}
}

// take swaps out the pending events.
func (w *usageWriter) take() []usageEvent {
	w.mu.Lock()
	batch := w.buf
	w.buf, w.spare = w.spare[:0], nil
	w.space.Broadcast()
	w.mu.Unlock()
	return batch
}

// recycle hands a written batch's array back for reuse.
func (w *usageWriter) recycle(batch []usageEvent) {
	clear(batch) // drop string references
	w.mu.Lock()
	if w.spare == nil && cap(batch) <= 4*flushRows {
		w.spare = batch[:0]
	}
	w.mu.Unlock()
}

// flushNow writes everything queued so far.
func (w *usageWriter) flushNow() {
	done := make(chan struct{})
	select {
	case w.flushC <- done:
		<-done
	case <-w.done:
	}
}

// close drains the queue to the database and stops the writer. Everything
// queued is written while ctx allows; at ctx's deadline the writes still
// running are abandoned and the rows not written are logged and reported.
func (w *usageWriter) close(ctx context.Context) error {
	w.mu.Lock()
	already := w.closed
	w.closed = true
	w.space.Broadcast()
	w.mu.Unlock()
	if !already {
		close(w.stop)
	}
	select {
	case <-w.done:
		w.abort()
		return nil
	case <-ctx.Done():
	}
	w.abort()
	t := time.NewTimer(abortGrace)
	defer t.Stop()
	select {
	case <-w.done:
	case <-t.C:
		// Still inside a statement: count what it holds as lost too.
		w.mu.Lock()
		w.lost.Add(int64(len(w.buf)))
		w.mu.Unlock()
	}
	n := w.lost.Load()
	if n == 0 {
		return nil
	}
	w.log.Error("usage rows not written before the shutdown deadline", "rows", n)
	return fmt.Errorf("usage: %s not written: %w", plural(n, "row", "rows"), ctx.Err())
}

func (w *usageWriter) loop() {
	defer close(w.done)
	t := time.NewTicker(flushInterval)
	defer t.Stop()
	w.prune()
	lastPrune := time.Now()
	for {
		if time.Since(lastPrune) > time.Hour {
			w.prune()
			lastPrune = time.Now()
		}
		select {
		case <-w.stop:
			w.writeAll(w.take())
			return
		case <-t.C:
		case <-w.kick:
		case done := <-w.flushC:
			w.writeAll(w.take())
			close(done)
			continue
		}
		w.writeAll(w.take())
	}
}

// prune drops detail no view reads any more: 1-minute rows after 3 days,
// 15-minute rows after 14 days, request logs after 90 days. Hourly and
// 6-hour rollups are kept. Expired tokens (minted per SSH session and
// sandbox start) go a day after expiry, so a late caller still hears
// "expired" rather than "invalid" for a while.
func (w *usageWriter) prune() {
	now := w.now().Unix()
	ctx := w.dbCtx
	for _, q := range []struct {
		sql string
		arg int64
	}{
		{`DELETE FROM usage_rollup WHERE res = 60 AND t < ?`, now - 3*86400},
		{`DELETE FROM usage_minute_total WHERE t < ?`, now - 3*86400},
		{`DELETE FROM usage_rollup WHERE res = 900 AND t < ?`, now - 14*86400},
		{`DELETE FROM usage_peak WHERE res = 900 AND t < ?`, now - 14*86400},
		{`DELETE FROM usage_events WHERE ts < ?`, (now - 90*86400) * 1000},
		{`DELETE FROM usage_log_chunks WHERE last_ts < ?`, (now - 90*86400) * 1000},
		{`DELETE FROM tokens WHERE expires_at IS NOT NULL AND expires_at < ?`, (now - int64(expiredTokenKeep/time.Second)) * 1000},
	} {
		if _, err := w.db.ExecContext(ctx, q.sql, q.arg); err != nil {
			if ctx.Err() == nil {
				w.log.Warn("usage prune", "err", err)
			}
			return
		}
	}
}

// writeAll writes batch in chunks of at most flushRows.
func (w *usageWriter) writeAll(batch []usageEvent) {
	all := batch
	for len(batch) > 0 {
		n := min(len(batch), flushRows)
		w.write(batch[:n])
		batch = batch[n:]
	}
	w.recycle(all)
}

func (w *usageWriter) write(batch []usageEvent) {
	var err error
	for attempt := 0; attempt < 5 && w.dbCtx.Err() == nil; attempt++ {
		if err = writeUsage(w.dbCtx, w.db, batch); err == nil {
			return
		}
		select {
		case <-time.After(time.Duration(attempt+1) * 50 * time.Millisecond):
		case <-w.dbCtx.Done():
		}
	}
	w.lost.Add(int64(len(batch)))
	if w.dbCtx.Err() == nil { // an abort is reported once, by close
		w.log.Error("usage batch lost", "rows", len(batch), "err", err)
	}
}

// rollupRes are the stored rollup resolutions (seconds); peakRes those with peak tables.
func rollupRes() []int64 { return []int64{60, 900, 3600, 21600} }

func peakRes() []int64 { return []int64{900, 3600, 21600} }

type rollupKey struct {
	tenantID, keyID string
	res, t          int64
	endpoint        string
	status          int
}

type rollupVal struct {
	n, latSum int64
	h         [histBuckets]int64
}

type totalKey struct {
	tenantID, keyID string
	t               int64
}

type keyDelta struct {
	n, errs  int64
	lastUsed int64
	lastIP   string
}

type ipKey struct{ keyID, ip string }

type ipDelta struct{ n, last int64 }

// rollupUpsert adds into one usage_rollup row.
const rollupUpsert = `INSERT INTO usage_rollup(tenant_id, key_id, res, t, endpoint, status, n, lat_sum_us, h0,h1,h2,h3,h4,h5,h6,h7,h8,h9)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
		ON CONFLICT(tenant_id, res, t, key_id, endpoint, status) DO UPDATE SET n = n + excluded.n, lat_sum_us = lat_sum_us + excluded.lat_sum_us,
		h0=h0+excluded.h0, h1=h1+excluded.h1, h2=h2+excluded.h2, h3=h3+excluded.h3, h4=h4+excluded.h4,
		h5=h5+excluded.h5, h6=h6+excluded.h6, h7=h7+excluded.h7, h8=h8+excluded.h8, h9=h9+excluded.h9`

// eventsPerInsert rows go into one multi-row INSERT (far cheaper than one statement each).
const eventsPerInsert = 50

// insertChunks appends the batch's successful requests to usage_log_chunks,
// one row per key.
func insertChunks(ctx context.Context, tx *sql.Tx, batch []usageEvent) error {
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
		if e.status >= 400 {
			continue
		}
		c := chunks[e.keyID]
		if c == nil {
			c = &chunk{tenantID: e.tenantID, first: ms(e.at)}
			chunks[e.keyID] = c
			order = append(order, e.keyID)
		}
		at := ms(e.at)
		c.first, c.last = min(c.first, at), max(c.last, at)
		c.n++
		c.lines = strconv.AppendInt(c.lines, at, 10)
		c.lines = append(c.lines, '\t')
		c.lines = append(c.lines, e.method...)
		c.lines = append(c.lines, '\t')
		c.lines = append(c.lines, e.route...)
		c.lines = append(c.lines, '\t')
		c.lines = strconv.AppendInt(c.lines, int64(e.status), 10)
		c.lines = append(c.lines, '\t')
		c.lines = strconv.AppendInt(c.lines, e.latencyUS, 10)
		c.lines = append(c.lines, '\t')
		c.lines = append(c.lines, e.ip...)
		c.lines = append(c.lines, '\n')
	}
	for _, id := range order {
		c := chunks[id]
		if _, err := tx.ExecContext(ctx, `INSERT INTO usage_log_chunks(tenant_id, key_id, first_ts, last_ts, n, lines) VALUES (?,?,?,?,?,?)`,
			c.tenantID, id, c.first, c.last, c.n, string(c.lines)); err != nil {
			return err
		}
	}
	return nil
}

// insertEvents stores one row per failed request (the recent-errors source).
func insertEvents(ctx context.Context, tx *sql.Tx, all []usageEvent) error {
	var batch []usageEvent
	for i := range all {
		if all[i].status >= 400 {
			batch = append(batch, all[i])
		}
	}
	const cols = `INSERT INTO usage_events(ts, tenant_id, key_id, method, route, status, latency_us, error_code, message, ip) VALUES `
	const row = `(?,?,?,?,?,?,?,?,?,?)`
	var full *sql.Stmt
	defer func() {
		if full != nil {
			full.Close()
		}
	}()
	args := make([]any, 0, eventsPerInsert*10)
	for len(batch) > 0 {
		n := min(len(batch), eventsPerInsert)
		args = args[:0]
		for i := range batch[:n] {
			e := &batch[i]
			args = append(args, ms(e.at), e.tenantID, e.keyID, e.method, e.route, e.status, e.latencyUS, e.errCode, e.message, e.ip)
		}
		var err error
		if n == eventsPerInsert {
			if full == nil {
				if full, err = tx.PrepareContext(ctx, cols+strings.Repeat(row+",", n-1)+row); err != nil {
					return err
				}
			}
			_, err = full.ExecContext(ctx, args...)
		} else {
			_, err = tx.ExecContext(ctx, cols+strings.Repeat(row+",", n-1)+row, args...)
		}
		if err != nil {
			return err
		}
		batch = batch[n:]
	}
	return nil
}

const peakUpsert = `INSERT INTO usage_peak(tenant_id, key_id, res, t, peak) VALUES (?,?,?,?,?)
	ON CONFLICT(tenant_id, key_id, res, t) DO UPDATE SET peak = max(peak, excluded.peak)`

func insertRollups(ctx context.Context, tx *sql.Tx, m map[rollupKey]*rollupVal) error {
	// Primary-key order keeps B-tree inserts append-like.
	keys := make([]rollupKey, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b rollupKey) int {
		return cmp.Or(cmp.Compare(a.tenantID, b.tenantID), cmp.Compare(a.res, b.res), cmp.Compare(a.t, b.t),
			cmp.Compare(a.keyID, b.keyID), cmp.Compare(a.endpoint, b.endpoint), cmp.Compare(a.status, b.status))
	})
	// Multi-row upserts: the keys of one statement are distinct (map keys),
	// so each row conflicts at most with a stored one. Far fewer statement
	// executions matter for the 36k-row demo seed.
	var full *sql.Stmt
	defer func() {
		if full != nil {
			full.Close()
		}
	}()
	args := make([]any, 0, rollupsPerInsert*rollupCols)
	for len(keys) > 0 {
		n := min(len(keys), rollupsPerInsert)
		args = args[:0]
		for _, k := range keys[:n] {
			args = append(args, rollupArgs(k, m[k])...)
		}
		var err error
		if n == rollupsPerInsert {
			if full == nil {
				if full, err = tx.PrepareContext(ctx, rollupUpsertN(n)); err != nil {
					return err
				}
			}
			_, err = full.ExecContext(ctx, args...)
		} else {
			_, err = tx.ExecContext(ctx, rollupUpsertN(n), args...)
		}
		if err != nil {
			return err
		}
		keys = keys[n:]
	}
	return nil
}

// rollupsPerInsert rows (of rollupCols parameters) go into one upsert.
const (
	rollupsPerInsert = 50
	rollupCols       = 18
)

// rollupUpsertN is rollupUpsert with n value tuples.
func rollupUpsertN(n int) string {
	head, tail, _ := strings.Cut(rollupUpsert, "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
	tuple := "(" + strings.Repeat("?,", rollupCols-1) + "?)"
	return head + "VALUES " + strings.Repeat(tuple+",", n-1) + tuple + tail
}

func rollupArgs(k rollupKey, v *rollupVal) []any {
	args := []any{k.tenantID, k.keyID, k.res, k.t, k.endpoint, k.status, v.n, v.latSum}
	for _, h := range v.h {
		args = append(args, h)
	}
	return args
}

// writeUsage stores one batch and updates every derived table in one transaction.
func writeUsage(ctx context.Context, db *sql.DB, batch []usageEvent) error {
	// Group by minute first (one map operation per event), then fan the
	// groups out to every resolution.
	type groupKey struct {
		rk      rollupKey
		counted bool
	}
	groups := map[groupKey]*rollupVal{}
	keys := map[string]*keyDelta{}
	ips := map[ipKey]*ipDelta{}
	for i := range batch {
		e := &batch[i]
		sec := e.at.Unix()
		gk := groupKey{rollupKey{e.tenantID, e.keyID, 60, sec - sec%60, e.endpoint(), e.status}, e.counted}
		v := groups[gk]
		if v == nil {
			v = &rollupVal{}
			groups[gk] = v
		}
		v.n++
		v.latSum += e.latencyUS
		v.h[histBucket(e.latencyUS)]++
		d := keys[e.keyID]
		if d == nil {
			d = &keyDelta{}
			keys[e.keyID] = d
		}
		d.n++
		if e.status >= 400 {
			d.errs++
		}
		if at := ms(e.at); at >= d.lastUsed {
			d.lastUsed, d.lastIP = at, e.ip
		}
		ik := ipKey{e.keyID, e.ip}
		id := ips[ik]
		if id == nil {
			id = &ipDelta{}
			ips[ik] = id
		}
		id.n++
		id.last = max(id.last, ms(e.at))
	}
	rollups := map[rollupKey]*rollupVal{}
	totals := map[totalKey]int64{}
	for gk, v := range groups {
		for _, res := range rollupRes() {
			k := gk.rk
			k.res, k.t = res, gk.rk.t-gk.rk.t%res
			mergeRollup(rollups, k, v)
		}
		if gk.counted {
			totals[totalKey{gk.rk.tenantID, gk.rk.keyID, gk.rk.t}] += v.n
			totals[totalKey{gk.rk.tenantID, "", gk.rk.t}] += v.n
		}
	}

	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := insertEvents(ctx, tx, batch); err != nil {
		return err
	}
	if err := insertChunks(ctx, tx, batch); err != nil {
		return err
	}
	for i := range batch {
		e := &batch[i]
		if e.audit != nil {
			if _, err := tx.ExecContext(ctx, `INSERT INTO audit_events(id, tenant_id, key_id, ts, action, actor, ip, detail) VALUES (?,?,?,?,?,?,?,?)`,
				uuid.NewString(), e.tenantID, e.keyID, ms(e.at), e.audit.action, "system", e.ip, e.audit.detail); err != nil {
				return err
			}
		}
	}
	if err := insertRollups(ctx, tx, rollups); err != nil {
		return err
	}
	for k, n := range totals {
		var total int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO usage_minute_total(tenant_id, key_id, t, n) VALUES (?,?,?,?)
			ON CONFLICT(tenant_id, key_id, t) DO UPDATE SET n = n + excluded.n RETURNING n`, k.tenantID, k.keyID, k.t, n).Scan(&total); err != nil {
			return err
		}
		for _, res := range peakRes() {
			if _, err := tx.ExecContext(ctx, peakUpsert, k.tenantID, k.keyID, res, k.t-k.t%res, total); err != nil {
				return err
			}
		}
	}
	for id, d := range keys {
		if _, err := tx.ExecContext(ctx, `UPDATE api_keys SET request_count = request_count + ?, error_count = error_count + ?,
			last_used_ip = CASE WHEN last_used IS NULL OR last_used <= ? THEN ? ELSE last_used_ip END,
			last_used = max(coalesce(last_used, 0), ?) WHERE id = ?`, d.n, d.errs, d.lastUsed, d.lastIP, d.lastUsed, id); err != nil {
			return err
		}
	}
	for k, d := range ips {
		if _, err := tx.ExecContext(ctx, `INSERT INTO key_ips(key_id, ip, last_seen, requests) VALUES (?,?,?,?)
			ON CONFLICT(key_id, ip) DO UPDATE SET requests = requests + excluded.requests, last_seen = max(last_seen, excluded.last_seen)`,
			k.keyID, k.ip, d.last, d.n); err != nil {
			return err
		}
	}
	return tx.Commit()
}
