// Package usage records product requests and serves the analytics over
// them: the batching writer, the usage and error-log routes, and the live
// rate limits.
package usage

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server/store"
)

// Batching bounds of the writer.
const (
	flushInterval = 250 * time.Millisecond
	flushRows     = 500
)

// maxPending bounds the queue; record blocks (never drops) beyond it.
const maxPending = 50_000

// WriterStore is what the writer writes.
type WriterStore interface {
	WriteUsage(ctx context.Context, h store.Handle, b *store.UsageBatch) error
	PruneUsage(ctx context.Context, h store.Handle, now time.Time, tokenKeep time.Duration) error
}

// Writer batches usage events into the database off the request path.
// Requests append to a slice under a mutex (no goroutine hand-off per
// request); the writer takes the whole slice every flushInterval or at
// flushRows.
type Writer struct {
	db        *sql.DB
	st        WriterStore
	log       *slog.Logger
	now       func() time.Time
	tokenKeep time.Duration

	mu     sync.Mutex
	space  *sync.Cond // signalled when the writer takes the buffer
	buf    []store.UsageEvent
	spare  []store.UsageEvent // the previous batch's array, reused to avoid regrowth
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

// NewWriter starts a writer. Its hourly prune also drops tokens expired for
// longer than tokenKeep.
func NewWriter(db *sql.DB, st WriterStore, log *slog.Logger, now func() time.Time, tokenKeep time.Duration) *Writer {
	w := &Writer{db: db, st: st, log: log, now: now, tokenKeep: tokenKeep, kick: make(chan struct{}, 1), flushC: make(chan chan struct{}),
		stop: make(chan struct{}), done: make(chan struct{})}
	w.dbCtx, w.abort = context.WithCancel(context.Background())
	w.space = sync.NewCond(&w.mu)
	go w.loop()
	return w
}

// Record queues e; it blocks rather than drop when the queue is full.
func (w *Writer) Record(e store.UsageEvent) {
	w.mu.Lock()
	for len(w.buf) >= maxPending && !w.closed {
		w.space.Wait()
	}
	if w.closed {
		w.mu.Unlock()
		w.log.Warn("usage event after close dropped", "key_id", e.KeyID)
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
func (w *Writer) take() []store.UsageEvent {
	w.mu.Lock()
	batch := w.buf
	w.buf, w.spare = w.spare[:0], nil
	w.space.Broadcast()
	w.mu.Unlock()
	return batch
}

// recycle hands a written batch's array back for reuse.
func (w *Writer) recycle(batch []store.UsageEvent) {
	clear(batch) // drop string references
	w.mu.Lock()
	if w.spare == nil && cap(batch) <= 4*flushRows {
		w.spare = batch[:0]
	}
	w.mu.Unlock()
}

// Flush writes everything queued so far.
func (w *Writer) Flush() {
	done := make(chan struct{})
	select {
	case w.flushC <- done:
		<-done
	case <-w.done:
	}
}

// Close drains the queue to the database and stops the writer. Everything
// queued is written while ctx allows; at ctx's deadline the writes still
// running are abandoned and the rows not written are logged and reported.
func (w *Writer) Close(ctx context.Context) error {
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
	return fmt.Errorf("usage: %s not written: %w", models.Plural(n, "row", "rows"), ctx.Err())
}

func (w *Writer) loop() {
	defer close(w.done)
	t := time.NewTicker(flushInterval)
	defer t.Stop()
	w.Prune()
	lastPrune := time.Now()
	for {
		if time.Since(lastPrune) > time.Hour {
			w.Prune()
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

// Prune drops detail no view reads any more (see store.UsageStore) and
// expired tokens (minted per SSH session and sandbox start) a while after
// expiry.
func (w *Writer) Prune() {
	if err := w.st.PruneUsage(w.dbCtx, w.db, w.now(), w.tokenKeep); err != nil && w.dbCtx.Err() == nil {
		w.log.Warn("usage prune", "err", err)
	}
}

// writeAll writes batch in chunks of at most flushRows.
func (w *Writer) writeAll(batch []store.UsageEvent) {
	all := batch
	for len(batch) > 0 {
		n := min(len(batch), flushRows)
		w.write(batch[:n])
		batch = batch[n:]
	}
	w.recycle(all)
}

func (w *Writer) write(batch []store.UsageEvent) {
	var err error
	b := aggregate(batch)
	for attempt := 0; attempt < 5 && w.dbCtx.Err() == nil; attempt++ {
		if err = store.Tx(w.dbCtx, w.db, func(tx store.Handle) error { return w.st.WriteUsage(w.dbCtx, tx, b) }); err == nil {
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
