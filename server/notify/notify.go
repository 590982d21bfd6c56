// Package notify produces the webhook events no request causes directly:
// api_key.expiring, 7 days and 1 day before a key expires, and
// rate_limit.threshold, when a key's bucket is 80 % or 95 % spent. What was
// sent is recorded in the database, so a restart (or a second instance on
// the same database) does not send a notice twice.
package notify

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server/store"
	"github.com/penguinmails/pmdev/server/webhook/events"
)

// Tuning.
const (
	// DefaultScanEvery is how often keys are checked for expiry notices.
	DefaultScanEvery = time.Minute
	// ThresholdEvery is the least time between two rate_limit.threshold
	// events of one key and threshold.
	ThresholdEvery = time.Hour
	// queueSize bounds the crossings waiting to be sent; beyond it they are
	// dropped (and counted) rather than slowing product requests.
	queueSize = 256
	dbTimeout = 5 * time.Second
)

// Config wires the notifier.
type Config struct {
	DB     *sql.DB
	Keys   store.KeyStore
	Events events.Emitter
	// Wants reports whether a tenant has an endpoint for the event type;
	// nil means always. Nothing is recorded for unwanted events.
	Wants     func(tenantID, eventType string) bool
	Log       *slog.Logger
	Now       func() time.Time
	ScanEvery time.Duration // 0: DefaultScanEvery; < 0: no periodic scan (tests call ScanExpiring)
	// Rotation is the rotation in its grace period a key is part of, for
	// the events that carry it (nil: none is looked up).
	Rotation func(ctx context.Context, tenantID, keyID string) *models.KeyRotation
	// Singleton, when set, says whether this instance runs the periodic
	// scan (one among those sharing a database does).
	Singleton func() bool
}

// Notifier runs the expiry scan and sends threshold crossings.
type Notifier struct {
	cfg     Config
	gates   sync.Map // key id -> *gate
	queue   chan crossing
	pending atomic.Int64 // crossings queued or being sent
	dropped atomic.Int64
	stop    chan struct{}
	wg      sync.WaitGroup
	once    sync.Once
}

// gate holds, per threshold, when the next event of a key may be sent (unix ns).
type gate [2]atomic.Int64

type crossing struct {
	keyID, tenantID               string
	threshold, limit, burst, left int
	at                            time.Time
}

// Start starts the expiry scan (at once, then every ScanEvery) and the
// threshold sender.
func Start(cfg Config) *Notifier {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Wants == nil {
		cfg.Wants = func(string, string) bool { return true }
	}
	if cfg.ScanEvery == 0 {
		cfg.ScanEvery = DefaultScanEvery
	}
	n := &Notifier{cfg: cfg, queue: make(chan crossing, queueSize), stop: make(chan struct{})}
	n.wg.Add(1)
	go n.sendCrossings()
	if cfg.ScanEvery > 0 {
		n.wg.Add(1)
		go n.scanLoop()
	}
	return n
}

// Close stops the notifier; crossings still queued are dropped.
func (n *Notifier) Close() {
	n.once.Do(func() { close(n.stop) })
	n.wg.Wait()
}

// Pending counts the crossings queued or being sent. A crossing an earlier
// instance already sent corrects this process's gate only once handled.
func (n *Notifier) Pending() int64 { return n.pending.Load() }

// Dropped counts crossings dropped because the queue was full.
func (n *Notifier) Dropped() int64 { return n.dropped.Load() }

func (n *Notifier) now() time.Time { return n.cfg.Now().UTC() }

// Observe hears that a key's bucket has remaining of burst tokens left.
// It is called on the product hot path only when at least 80 % is spent,
// costs a map read while the key's gates are closed, and never blocks.
func (n *Notifier) Observe(keyID, tenantID string, limit, burst, remaining int, now time.Time) {
	if burst <= 0 {
		return
	}
	var g *gate
	if v, ok := n.gates.Load(keyID); ok {
		g = v.(*gate)
	}
	for i, t := range events.Thresholds {
		if remaining*100 > burst*(100-t) {
			continue // less than t % spent
		}
		if g == nil {
			v, _ := n.gates.LoadOrStore(keyID, new(gate))
			g = v.(*gate)
		}
		next := g[i].Load()
		if now.UnixNano() < next || !n.cfg.Wants(tenantID, events.RateLimitThreshold) {
			continue
		}
		if !g[i].CompareAndSwap(next, now.Add(ThresholdEvery).UnixNano()) {
			continue // another request of the same key won
		}
		n.pending.Add(1)
		select {
		case n.queue <- crossing{keyID: keyID, tenantID: tenantID, threshold: t, limit: limit, burst: burst, left: remaining, at: now}:
		default:
			n.pending.Add(-1)
			n.dropped.Add(1)
			g[i].Store(next) // not sent: let a later request try again
		}
	}
}

func (n *Notifier) sendCrossings() {
	defer n.wg.Done()
	for {
		select {
		case <-n.stop:
			return
		case c := <-n.queue:
			if err := n.sendCrossing(c); err != nil {
				n.cfg.Log.Error("rate_limit.threshold event", "key", c.keyID, "err", err)
			}
			n.pending.Add(-1)
		}
	}
}

// sendCrossing records the crossing unless one was recorded in the last
// hour (by this process before a restart, or by another instance), then
// sends it.
func (n *Notifier) sendCrossing(c crossing) error {
	ctx, cancel := context.WithTimeout(context.Background(), dbTimeout)
	defer cancel()
	ok, err := n.claim(ctx, "rate_limit", c.keyID, c.threshold, 0, c.at, c.at.Add(-ThresholdEvery))
	if err != nil {
		return err
	}
	if !ok {
		// Sent within the hour before a restart or by another instance:
		// open this process's gate when that hour ends, not an hour from now.
		var sent int64
		if err := n.cfg.DB.QueryRowContext(ctx, `SELECT sent_at FROM webhook_notices WHERE kind = 'rate_limit' AND key_id = ? AND level = ?`,
			c.keyID, c.threshold).Scan(&sent); err != nil {
			return err
		}
		if v, ok := n.gates.Load(c.keyID); ok {
			v.(*gate)[slices.Index(events.Thresholds, c.threshold)].Store(store.FromMS(sent).Add(ThresholdEvery).UnixNano())
		}
		return nil
	}
	k, err := n.cfg.Keys.GetKey(ctx, n.cfg.DB, c.tenantID, c.keyID, c.at)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	events.Emit(ctx, n.cfg.Events, c.tenantID, events.NewRateLimitThreshold(k.APIKey, c.threshold, c.limit, c.burst, c.left, c.at))
	return nil
}

// claim records notice (kind, key, level) for ref at now, unless the
// recorded one is for the same ref and not older than notBefore. It
// reports whether this caller made the record and so must send the event.
func (n *Notifier) claim(ctx context.Context, kind, keyID string, level int, ref int64, now, notBefore time.Time) (bool, error) {
	res, err := n.cfg.DB.ExecContext(ctx, `INSERT INTO webhook_notices(kind, key_id, level, ref, sent_at) VALUES (?,?,?,?,?)
		ON CONFLICT(kind, key_id, level) DO UPDATE SET ref = excluded.ref, sent_at = excluded.sent_at
		WHERE webhook_notices.ref <> excluded.ref OR webhook_notices.sent_at < ?`,
		kind, keyID, level, ref, store.MS(now), store.MS(notBefore))
	if err != nil {
		return false, err
	}
	rows, err := res.RowsAffected()
	return rows > 0, err
}

func (n *Notifier) scanLoop() {
	defer n.wg.Done()
	t := time.NewTicker(n.cfg.ScanEvery)
	defer t.Stop()
	for {
		ctx, cancel := context.WithTimeout(context.Background(), dbTimeout)
		if n.cfg.Singleton == nil || n.cfg.Singleton() { // else another instance scans
			if _, err := n.ScanExpiring(ctx); err != nil {
				n.cfg.Log.Error("api_key.expiring scan", "err", err)
			}
		}
		cancel()
		n.pruneGates()
		select {
		case <-n.stop:
			return
		case <-t.C:
		}
	}
}

// pruneGates forgets keys whose gates are all open again.
func (n *Notifier) pruneGates() {
	now := n.now().UnixNano()
	n.gates.Range(func(k, v any) bool {
		g := v.(*gate)
		if g[0].Load() < now && g[1].Load() < now {
			n.gates.Delete(k)
		}
		return true
	})
}

// ScanExpiring sends the api_key.expiring notices that are due: for each
// live, unrotated key expiring within 7 days, the notice of the nearest
// threshold passed (7 or 1 day), once per key and expiry. It returns how
// many it sent.
func (n *Notifier) ScanExpiring(ctx context.Context) (int, error) {
	now := n.now()
	longest := time.Duration(events.ExpiryNotices[0]) * 24 * time.Hour
	type due struct {
		id, tenant string
		exp        int64
	}
	list, err := store.QueryAll(ctx, n.cfg.DB, `SELECT id, tenant_id, expires_at FROM api_keys
		WHERE revoked_at IS NULL AND replaced_by = '' AND expires_at > ? AND expires_at <= ?`,
		[]any{store.MS(now), store.MS(now.Add(longest))}, func(sc store.Scanner) (due, error) {
			var d due
			err := sc.Scan(&d.id, &d.tenant, &d.exp)
			return d, err
		})
	if err != nil {
		return 0, err
	}
	sent := 0
	for _, d := range list {
		if !n.cfg.Wants(d.tenant, events.APIKeyExpiring) {
			continue
		}
		left := store.FromMS(d.exp).Sub(now)
		days := 0
		for _, nd := range events.ExpiryNotices {
			if left <= time.Duration(nd)*24*time.Hour {
				days = nd // the nearest notice passed
			}
		}
		// A notice is sent once per key, level and expiry: a new expires_at re-arms it.
		ok, err := n.claim(ctx, "key_expiring", d.id, days, d.exp, now, time.Time{})
		if err != nil {
			return sent, err
		}
		if !ok {
			continue
		}
		k, err := n.cfg.Keys.GetKey(ctx, n.cfg.DB, d.tenant, d.id, now)
		if err != nil {
			return sent, err
		}
		var rot *models.KeyRotation
		if n.cfg.Rotation != nil {
			rot = n.cfg.Rotation(ctx, d.tenant, d.id)
		}
		events.Emit(ctx, n.cfg.Events, d.tenant, events.NewAPIKeyExpiring(k.APIKey, days, rot))
		sent++
	}
	return sent, nil
}
