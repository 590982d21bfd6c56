package server

import (
	"context"
	"sync"
	"time"

	"github.com/penguinmails/pmdev/server/seed"
	"github.com/penguinmails/pmdev/server/store/pgsql"
)

// seedHistory is the demo usage history Open left for WriteSeedHistory.
type seedHistory struct {
	mu      sync.Mutex
	pending *seed.History
	cancel  context.CancelFunc
	done    chan struct{} // closed when a running write ends
}

// WriteSeedHistory writes the demo's usage history that Open left for
// later (Config.SeedHistoryLater), in one transaction; a no-op when there
// is none. Run it once serving: the first requests then need not wait for
// it. Close waits for it for half its time (then rolls it back: the next
// Open finds the history missing and leaves it to write again).
func (s *Server) WriteSeedHistory(ctx context.Context) error {
	h := &s.history
	h.mu.Lock()
	hist := h.pending
	if hist == nil || h.done != nil {
		h.mu.Unlock()
		return nil
	}
	ctx, h.cancel = context.WithCancel(ctx)
	h.done = make(chan struct{})
	h.mu.Unlock()
	defer close(h.done)
	defer h.cancel()
	if err := hist.Write(ctx); err != nil {
		s.log.Error("demo usage history not written", "err", err)
		return err
	}
	// Analytics answers cached by clients (ETags) are out of date now.
	s.usage.Touch(hist.TenantID())
	if err := s.st.TouchUsageVersion(ctx, s.db, hist.TenantID()); err != nil {
		s.log.Warn("usage version not raised after the demo history", "err", err)
	}
	s.analyzeAfterBulkLoad(ctx)
	return nil
}

// analyzeAfterBulkLoad gives PostgreSQL's planner statistics of the rows a
// seed just wrote, and marks their pages all-visible (autovacuum would do
// both only later): without statistics the longer analytics ranges are
// several times slower, and without the visibility map the per-key sums
// read the table instead of the index. SQLite needs neither.
func (s *Server) analyzeAfterBulkLoad(ctx context.Context) {
	if !pgsql.Is(s.db) {
		return
	}
	// The schema's tables only: a bare VACUUM would visit every schema.
	var tables string
	err := s.db.QueryRowContext(ctx, `SELECT string_agg(quote_ident(tablename), ', ') FROM pg_tables WHERE schemaname = current_schema()`).Scan(&tables)
	if err == nil {
		_, err = s.db.ExecContext(ctx, `VACUUM (ANALYZE) `+tables)
	}
	if err != nil {
		s.log.Warn("VACUUM after the demo seed", "err", err)
	}
}

// wait lets a running history write finish within half of what is left of
// ctx (the rest is for the other shutdown steps), else rolls it back.
func (h *seedHistory) wait(ctx context.Context) {
	h.mu.Lock()
	done, cancel := h.done, h.cancel
	h.pending = nil // not started by now: left for the next Open
	h.mu.Unlock()
	if done == nil {
		return
	}
	if d, ok := ctx.Deadline(); ok {
		var stop context.CancelFunc
		ctx, stop = context.WithTimeout(ctx, time.Until(d)/2)
		defer stop()
	}
	select {
	case <-done:
	case <-ctx.Done():
		cancel()
		<-done
	}
}
