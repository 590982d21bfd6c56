package seed

import (
	"context"
	"database/sql"
	"log/slog"
	"time"

	"github.com/penguinmails/pmdev/server/store"
)

// History is the demo's 30 days of usage, generated but not yet written.
type History struct {
	st       Store
	db       *sql.DB
	log      *slog.Logger
	tenantID string
	h        *history
	keys     []*store.UsageBatch // one per key with traffic
}

func (hist *History) add(b *store.UsageBatch) *History {
	if hist == nil {
		hist = &History{}
	}
	hist.keys = append(hist.keys, b)
	return hist
}

// TenantID is the demo tenant's.
func (hist *History) TenantID() string { return hist.tenantID }

// Write stores the history in one transaction: cancelling ctx rolls it
// back, and the next Demo finds the history missing and returns it again.
func (hist *History) Write(ctx context.Context) error {
	start := time.Now()
	err := store.Tx(ctx, hist.db, func(tx store.Handle) error {
		for _, b := range hist.keys {
			if err := hist.st.WriteUsage(ctx, tx, b); err != nil {
				return err
			}
		}
		return writeHistory(ctx, hist.st, tx, hist.h)
	})
	if err == nil {
		hist.log.Info("seeded demo usage history", "tenant", Tenant, "took", time.Since(start).Round(time.Millisecond).String())
	}
	return err
}

// generate runs the traffic model over dks (their until set) and hands
// each key's rows to flush as they are made.
func generate(tenantID string, now time.Time, dks []*demoKey, flush func(b *store.UsageBatch) error) (*history, error) {
	for _, dk := range dks {
		if dk.until == 0 {
			dk.until = now.Unix()
		}
	}
	h := newHistory(tenantID, now)
	err := h.run(dks, func(dk *demoKey) error { return flush(h.keyBatch(dk)) })
	return h, err
}

// writeHistory stores the tenant-wide rows and the failed requests' log.
func writeHistory(ctx context.Context, st Store, tx store.Handle, h *history) error {
	if err := st.WriteUsage(ctx, tx, h.tenantBatch()); err != nil {
		return err
	}
	events := h.errorEvents()
	for len(events) > 0 {
		n := min(len(events), 10_000)
		if err := st.WriteUsage(ctx, tx, &store.UsageBatch{Errors: events[:n]}); err != nil {
			return err
		}
		events = events[n:]
	}
	return nil
}

// resume regenerates the history of a demo whose first transaction was
// committed but whose history was not: the demo's keys are found by name
// (keys renamed since get none), the 30 days end now.
func resume(ctx context.Context, db *sql.DB, st Store, log *slog.Logger, tenantID string, now time.Time) (*History, error) {
	sums, err := st.KeySummaries(ctx, db, tenantID)
	if err != nil {
		return nil, err
	}
	ids := map[string]string{}
	for _, k := range sums {
		ids[k.Name] = k.ID
	}
	var dks []*demoKey
	for _, dk := range demoKeys(tenantID, now) {
		if id, ok := ids[dk.k.Name]; ok {
			dk.k.KeyID = id
			dks = append(dks, dk)
		}
	}
	if len(dks) == 0 {
		return nil, nil
	}
	hist := &History{st: st, db: db, log: log, tenantID: tenantID}
	hist.h, err = generate(tenantID, now, dks, func(b *store.UsageBatch) error { hist.keys = append(hist.keys, b); return nil })
	if err != nil {
		return nil, err
	}
	log.Warn("demo usage history missing (a start was stopped while writing it); writing it again", "tenant", Tenant)
	return hist, nil
}
