package stream

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server/store"
)

// load reads the persisted window back; the tenants found in it count as
// active, so what happens while their clients reconnect is kept too.
func (h *Hub) load(ctx context.Context) error {
	if h.cfg.DB == nil {
		return nil
	}
	since := store.MS(h.cfg.Now().Add(-h.cfg.WindowAge))
	items, err := store.QueryAll(ctx, h.cfg.DB, `SELECT id, tenant_id, source, at, data FROM stream_events WHERE at >= ? ORDER BY id`,
		[]any{since}, func(sc store.Scanner) (Item, error) {
			var it Item
			var at int64
			err := sc.Scan(&it.ID, &it.Tenant, &it.Source, &at, &it.Data)
			it.At = store.FromMS(at)
			return it, err
		})
	if err != nil {
		return fmt.Errorf("stream window: %w", err)
	}
	var maxID int64
	if err := h.cfg.DB.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM stream_events`).Scan(&maxID); err != nil {
		return fmt.Errorf("stream window: %w", err)
	}
	if maxID > h.seq.Load() {
		h.seq.Store(maxID)
	}
	for _, it := range items {
		it.fillAttrs()
		k := [2]string{it.Tenant, it.Source}
		r := h.rings[k]
		if r == nil {
			r = &ring{}
			h.rings[k] = r
		}
		r.items = append(r.items, it)
		h.keepFor(k, h.cfg.WindowAge)
	}
	for _, r := range h.rings {
		h.trim(r)
	}
	return nil
}

// fillAttrs restores the filter fields of a stored item from its data.
func (it *Item) fillAttrs() {
	switch it.Source {
	case SourceEvents:
		var e struct {
			Type string `json:"type"`
		}
		_ = json.Unmarshal(it.Data, &e)
		it.Type = e.Type
	case SourceRequests:
		var e models.RequestLogEntry
		_ = json.Unmarshal(it.Data, &e)
		it.Type, it.Status, it.KeyID, it.Route = models.StreamEventRequest, e.Status, e.KeyID, e.Route
	}
}

// flush writes the items delivered since the last flush and deletes what
// left the window, in one transaction.
func (h *Hub) flush(ctx context.Context) error {
	h.flushMu.Lock()
	defer h.flushMu.Unlock()
	h.mu.Lock()
	batch := h.pending
	h.pending = nil
	h.mu.Unlock()
	if h.cfg.DB == nil || len(batch) == 0 {
		return nil
	}
	err := h.write(ctx, batch)
	if err != nil {
		h.cfg.Log.Error("stream window write", "items", len(batch), "err", err)
	}
	return err
}

func (h *Hub) write(ctx context.Context, batch []Item) error {
	tx, err := h.cfg.DB.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	touched := map[[2]string]bool{}
	for _, it := range batch {
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO stream_events(id, tenant_id, source, at, data) VALUES (?, ?, ?, ?, ?)`,
			it.ID, it.Tenant, it.Source, store.MS(it.At), it.Data); err != nil {
			return err
		}
		touched[[2]string{it.Tenant, it.Source}] = true
	}
	for k := range touched {
		if _, err := tx.ExecContext(ctx, `DELETE FROM stream_events WHERE tenant_id = ? AND source = ? AND id <
			(SELECT id FROM stream_events WHERE tenant_id = ? AND source = ? ORDER BY id DESC LIMIT 1 OFFSET ?)`,
			k[0], k[1], k[0], k[1], h.cfg.WindowEvents-1); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM stream_events WHERE at < ?`, store.MS(h.cfg.Now().Add(-h.cfg.WindowAge))); err != nil {
		return err
	}
	return tx.Commit()
}
