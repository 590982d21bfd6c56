// Package usage records product requests and serves the analytics over
// them: the aggregating writer, the usage and error-log routes, and the
// live rate limits.
package usage

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/penguinmails/pmdev/server/internal/stop"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server/store"
)

// Write cadence: the minute rows (the 1-hour view and the peaks) every
// fineInterval; everything coarser (and the keys' counters) with them
// while it is a few rows, else every coarseEvery fine writes, so heavy
// traffic over many keys writes each coarse row once per 10 s instead of
// every second. Each write is one transaction of multi-row statements
// whose size follows the keys and routes in use, not the requests.
//
// Under heavy traffic over many keys the minute rows wait too: while the
// pending aggregate holds more than fineMany groups, it is written with the
// coarse rows, so each busy minute row is rewritten six times a minute
// instead of sixty (the 1-hour view is then up to 10 s behind; the live
// rate limits and the request stream are not affected).
const (
	fineInterval  = time.Second
	coarseEvery   = 10
	coarseFew     = 500 // rows
	fineMany      = 200 // groups
	fineSlowEvery = coarseEvery
)

// WriterStore is what the writer writes.
type WriterStore interface {
	WriteUsage(ctx context.Context, h store.Handle, b *store.UsageBatch) error
	PruneTargets(ctx context.Context, h store.Handle, now time.Time, tokenKeep time.Duration, limit int) ([]store.PruneTarget, error)
}

// Stats are the writer's counters since start.
type Stats struct {
	Requests int64 `json:"requests"` // recorded
	// Sampled are failed requests counted in the analytics whose full
	// record was left out of the error log (floods beyond the sample).
	Sampled int64 `json:"sampled"`
	// Dropped are requests not counted at all (memory bound reached), and
	// Lost those whose write failed.
	Dropped int64 `json:"dropped"`
	Lost    int64 `json:"lost"`
	// Pending are requests recorded but not yet written.
	Pending int64 `json:"pending"`
}

// Writer aggregates usage in memory as requests arrive and writes the
// aggregate in the background. Record never waits on the database.
type Writer struct {
	db        *sql.DB
	st        WriterStore
	log       *slog.Logger
	now       func() time.Time
	tokenKeep time.Duration
	pruneIf   func() bool // nil: always

	mu      sync.Mutex
	cur     *pending
	samples map[sampleKey]int // full error records kept per key, minute and status
	closed  bool
	groups  int // bound of distinct groups held (maxGroups; tests lower it)

	flushC chan chan struct{}
	stop   chan struct{}
	done   chan struct{}

	// dbCtx bounds every write; abort ends it when close runs out of time,
	// so a write stuck on a lock cannot hold the shutdown.
	dbCtx context.Context
	abort context.CancelFunc

	recorded, sampled, dropped, lost, inflight atomic.Int64
	warned, sampledLog                         atomic.Int64 // unix second of the last such log line

	versions sync.Map // tenant id -> *atomic.Uint64, bumped by every write touching it
	epoch    string   // per process, so versions never repeat across restarts
	pruned   chan struct{}
}

// abortGrace is how long close waits for the writer to notice an abort.
const abortGrace = 2 * time.Second

// NewWriter starts a writer. Its background prune also drops tokens expired
// for longer than tokenKeep, and runs only while pruneIf says so (one
// instance among those sharing a database prunes; nil: always).
func NewWriter(db *sql.DB, st WriterStore, log *slog.Logger, now func() time.Time, tokenKeep time.Duration, pruneIf func() bool) *Writer {
	w := &Writer{db: db, st: st, log: log, now: now, tokenKeep: tokenKeep, pruneIf: pruneIf, cur: newPending(), samples: map[sampleKey]int{}, groups: maxGroups,
		flushC: make(chan chan struct{}), stop: make(chan struct{}), done: make(chan struct{}), pruned: make(chan struct{}),
		epoch: fmt.Sprintf("%x", time.Now().UnixNano())}
	w.dbCtx, w.abort = context.WithCancel(context.Background())
	go w.loop()
	return w
}

// Record adds e to the aggregate; it never blocks on the database.
func (w *Writer) Record(e store.UsageEvent) {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		w.dropped.Add(1)
		w.log.Warn("usage event after close dropped", "key_id", e.KeyID)
		return
	}
	sampled, dropped := w.cur.add(&e, w.samples, w.groups)
	w.mu.Unlock()
	switch {
	case dropped:
		w.dropped.Add(1)
		w.warnLoss()
	case sampled:
		w.sampled.Add(1)
		w.recorded.Add(1)
		w.noteSampled()
	default:
		w.recorded.Add(1)
	}
}

// warnLoss logs dropped requests at most once a minute.
func (w *Writer) warnLoss() {
	now := time.Now().Unix()
	if last := w.warned.Load(); now-last >= 60 && w.warned.CompareAndSwap(last, now) {
		w.log.Warn("usage requests dropped: too many distinct keys and routes between two writes", "dropped_total", w.dropped.Load())
	}
}

// noteSampled logs, at most once a minute, that failures are being kept
// as counts only.
func (w *Writer) noteSampled() {
	now := time.Now().Unix()
	if last := w.sampledLog.Load(); now-last >= 60 && w.sampledLog.CompareAndSwap(last, now) {
		w.log.Info("usage: a flood of failed requests is counted, a sample kept in full", "per_key_minute_429", store.SampleCap(429),
			"per_key_minute_status", store.SampleCap(400), "sampled_total", w.sampled.Load())
	}
}

// Stats returns the counters.
func (w *Writer) Stats() Stats {
	w.mu.Lock()
	pend := w.cur.n
	w.mu.Unlock()
	return Stats{Requests: w.recorded.Load(), Sampled: w.sampled.Load(), Dropped: w.dropped.Load(), Lost: w.lost.Load(),
		Pending: pend + w.inflight.Load()}
}

// Version is the data version of a tenant's usage: it changes with every
// write that touches the tenant (and with every start).
func (w *Writer) Version(tenantID string) string {
	var n uint64
	if v, ok := w.versions.Load(tenantID); ok {
		n = v.(*atomic.Uint64).Load()
	}
	return fmt.Sprintf("%s.%d", w.epoch, n)
}

// Touch changes a tenant's version after a write made outside the writer.
func (w *Writer) Touch(tenantID string) { w.bump(map[string]struct{}{tenantID: {}}) }

func (w *Writer) bump(tenants map[string]struct{}) {
	for t := range tenants {
		v, _ := w.versions.LoadOrStore(t, new(atomic.Uint64))
		v.(*atomic.Uint64).Add(1)
	}
}

// busy reports whether the pending aggregate is large enough that its
// minute rows are written at the slower cadence.
func (w *Writer) busy() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.cur.ngroups > fineMany
}

// take swaps out the pending aggregate and forgets sample counts of
// minutes that are over.
func (w *Writer) take() *pending {
	w.mu.Lock()
	p := w.cur
	w.cur = newPending()
	w.inflight.Add(p.n)
	cutoff := w.now().Unix() - 120
	if len(w.samples) > 0 {
		for k := range w.samples {
			if k.minute < cutoff {
				delete(w.samples, k)
			}
		}
	}
	w.mu.Unlock()
	return p
}

// Flush writes everything recorded so far, coarse rows included.
func (w *Writer) Flush() {
	done := make(chan struct{})
	select {
	case w.flushC <- done:
		<-done
	case <-w.done:
	}
}

// Close writes what is pending and stops the writer. Everything recorded
// is written while ctx allows; at ctx's deadline the writes still running
// are abandoned and the requests not written are logged and reported.
func (w *Writer) Close(ctx context.Context) error {
	w.mu.Lock()
	already := w.closed
	w.closed = true
	w.mu.Unlock()
	if !already {
		close(w.stop)
	}
	inTime, finished := stop.Wait(ctx, w.done, w.abort, abortGrace)
	if inTime {
		return nil
	}
	if !finished {
		// Still inside a statement: count what it holds as lost too.
		w.mu.Lock()
		w.lost.Add(w.cur.n + w.inflight.Load())
		w.mu.Unlock()
	}
	n := w.lost.Load()
	if n == 0 {
		return nil
	}
	w.log.Error("usage rows not written before the shutdown deadline", "rows", n)
	return fmt.Errorf("usage: %s not written: %w", models.Plural(n, "row", "rows"), ctx.Err())
}

func (w *Writer) loop() {
	defer close(w.done)
	t := time.NewTicker(fineInterval)
	defer t.Stop()
	coarse := &coarseState{b: store.NewUsageBatch()}
	pruneStarted := false
	lastFine := 0
	for tick := 1; ; tick++ {
		full := tick%coarseEvery == 0
		select {
		case <-w.stop:
			w.write(w.take(), coarse, true)
			return
		case <-t.C:
		case done := <-w.flushC:
			w.write(w.take(), coarse, true)
			close(done)
			continue
		}
		if !full && tick-lastFine < fineSlowEvery && w.busy() {
			continue
		}
		lastFine = tick
		w.write(w.take(), coarse, full)
		if !pruneStarted {
			// Retention starts after the first write, in the background.
			pruneStarted = true
			go w.pruneLoop()
		}
	}
}

// coarseState accumulates the coarse rows between two coarse writes.
type coarseState struct {
	b *store.UsageBatch
	n int64 // requests it holds
	// tenants touched since the last coarse write
	tenants map[string]struct{}
}

// rows is the size of the coarse write.
func (c *coarseState) rows() int {
	b := c.b
	return len(b.Rollups) + len(b.TenantRollups) + len(b.KeyTotals) + len(b.Peaks) + len(b.Keys) + len(b.IPs)
}

// write stores the minute rows of p, and the coarse rows when full or few.
func (w *Writer) write(p *pending, c *coarseState, full bool) {
	defer w.inflight.Add(-p.n)
	if p.n == 0 && (!full || c.b.Empty()) {
		return
	}
	fine := store.NewUsageBatch()
	p.batch(fine, c.b)
	if w.tx(fine) {
		c.n += p.n
	} else {
		// Counted lost once; its coarse share, merged already, is kept
		// (still right for the coarser views).
		w.lost.Add(p.n)
		if w.dbCtx.Err() == nil {
			w.log.Error("usage batch lost", "requests", p.n)
		}
	}
	for k, n := range fine.Stored {
		for _, res := range store.PeakRes() {
			c.b.RaisePeak(store.PeakKey{TenantID: k.TenantID, KeyID: k.KeyID, Res: res, T: store.AlignDown(k.T, res)}, n)
		}
	}
	if c.tenants == nil {
		c.tenants = map[string]struct{}{}
	}
	for t := range p.tenants {
		c.tenants[t] = struct{}{}
	}
	w.bump(p.tenants)
	if c.b.Empty() || (!full && c.rows() > coarseFew) {
		return
	}
	if !w.tx(c.b) {
		w.lost.Add(c.n)
		if w.dbCtx.Err() == nil {
			w.log.Error("usage rollups lost", "requests", c.n)
		}
	}
	w.bump(c.tenants)
	*c = coarseState{b: store.NewUsageBatch()}
}

// tx writes b in one transaction, retrying a few times.
func (w *Writer) tx(b *store.UsageBatch) bool {
	var err error
	for attempt := 0; attempt < 5 && w.dbCtx.Err() == nil; attempt++ {
		if err = store.Tx(w.dbCtx, w.db, func(tx store.Handle) error { return w.st.WriteUsage(w.dbCtx, tx, b) }); err == nil {
			return true
		}
		select {
		case <-time.After(time.Duration(attempt+1) * 50 * time.Millisecond):
		case <-w.dbCtx.Done():
		}
	}
	if w.dbCtx.Err() == nil {
		w.log.Error("usage write failed", "err", err)
	}
	return false
}
