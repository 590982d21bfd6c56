package sqlite

import (
	"context"
	"time"

	"github.com/penguinmails/pmdev/server/store"
)

func (Store) BeatInstance(ctx context.Context, h store.Handle, in store.Instance) error {
	_, err := h.ExecContext(ctx, `INSERT INTO instances(id, host, pid, limiter, started_at, seen_at) VALUES (?,?,?,?,?,?)
		ON CONFLICT(id) DO UPDATE SET seen_at = excluded.seen_at`,
		in.ID, in.Host, in.PID, in.Limiter, store.MS(in.StartedAt), store.MS(in.SeenAt))
	return err
}

func (Store) LiveInstances(ctx context.Context, h store.Handle, since time.Time) ([]store.Instance, error) {
	return store.QueryAll(ctx, h, `SELECT id, host, pid, limiter, started_at, seen_at FROM instances WHERE seen_at >= ? ORDER BY started_at, id`,
		[]any{store.MS(since)}, func(sc store.Scanner) (store.Instance, error) {
			var in store.Instance
			var started, seen int64
			err := sc.Scan(&in.ID, &in.Host, &in.PID, &in.Limiter, &started, &seen)
			in.StartedAt, in.SeenAt = store.FromMS(started), store.FromMS(seen)
			return in, err
		})
}

func (Store) DropInstance(ctx context.Context, h store.Handle, id string, before time.Time) error {
	_, err := h.ExecContext(ctx, `DELETE FROM instances WHERE id = ? OR seen_at < ?`, id, store.MS(before))
	return err
}
