package webhook

import (
	"context"
	"database/sql"
	"errors"
	"sort"
	"sync"
	"time"

	"github.com/penguinmails/pmdev/server/store"
)

// queued is a claimed delivery on its way to a receiver.
type queued struct {
	id, webhookID, tenantID, eventID, eventType string
	payload                                     []byte
	attempts, maxAttempts                       int
}

// fairness bounds the attempts in flight (all together, per endpoint and
// per tenant) and remembers who was served last, so the dispatcher serves
// tenants, and endpoints within a tenant, in turn: a hanging endpoint
// holds only its own slots while its backlog waits.
type fairness struct {
	mu                       sync.Mutex
	max, perHook, perTenant  int
	inflight                 int
	byHook, byTenant         map[string]int
	seq                      int64
	servedHook, servedTenant map[string]int64 // id -> seq of its last claim
}

func newFairness(max, perHook, perTenant int) *fairness {
	return &fairness{max: max, perHook: perHook, perTenant: perTenant, byHook: map[string]int{}, byTenant: map[string]int{},
		servedHook: map[string]int64{}, servedTenant: map[string]int64{}}
}

func (f *fairness) full() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.inflight >= f.max
}

// due is an endpoint with deliveries due, as the dispatcher sees it.
type due struct {
	webhookID, tenantID string
	oldest              int64
}

// order sorts candidates: least recently served tenant first, then least
// recently served endpoint, then oldest due delivery.
func (f *fairness) order(c []due) {
	f.mu.Lock()
	defer f.mu.Unlock()
	sort.SliceStable(c, func(i, j int) bool {
		ti, tj := f.servedTenant[c[i].tenantID], f.servedTenant[c[j].tenantID]
		if ti != tj {
			return ti < tj
		}
		hi, hj := f.servedHook[c[i].webhookID], f.servedHook[c[j].webhookID]
		if hi != hj {
			return hi < hj
		}
		return c[i].oldest < c[j].oldest
	})
}

// take reserves a slot for an attempt to d, unless a bound is reached.
func (f *fairness) take(d due) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.inflight >= f.max || f.byHook[d.webhookID] >= f.perHook || f.byTenant[d.tenantID] >= f.perTenant {
		return false
	}
	f.inflight++
	f.byHook[d.webhookID]++
	f.byTenant[d.tenantID]++
	f.seq++
	f.servedHook[d.webhookID], f.servedTenant[d.tenantID] = f.seq, f.seq
	return true
}

// give frees a slot taken for d.
func (f *fairness) give(webhookID, tenantID string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.inflight--
	if f.byHook[webhookID]--; f.byHook[webhookID] <= 0 {
		delete(f.byHook, webhookID)
	}
	if f.byTenant[tenantID]--; f.byTenant[tenantID] <= 0 {
		delete(f.byTenant, tenantID)
	}
}

// forget drops the turn records of endpoints and tenants with nothing due
// and nothing in flight, so they stay bounded by the live ones.
func (f *fairness) forget(live []due) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.servedHook) < 4096 {
		return
	}
	keepH, keepT := map[string]bool{}, map[string]bool{}
	for _, d := range live {
		keepH[d.webhookID], keepT[d.tenantID] = true, true
	}
	for id := range f.servedHook {
		if !keepH[id] && f.byHook[id] == 0 {
			delete(f.servedHook, id)
		}
	}
	for id := range f.servedTenant {
		if !keepT[id] && f.byTenant[id] == 0 {
			delete(f.servedTenant, id)
		}
	}
}

// dispatch claims due deliveries in rounds and starts an attempt for each.
func (s *Service) dispatch() {
	defer s.wg.Done()
	for {
		select {
		case <-s.stop:
			return
		default:
		}
		if s.shared && time.Since(s.lastSubs) > subsEvery {
			// Endpoints changed through another instance.
			s.lastSubs = time.Now()
			ctx, cancel := s.bookkeeping()
			if err := s.reloadSubs(ctx); err != nil && !s.stopping(err) {
				s.log.Error("webhook subscriptions reload", "err", err)
			}
			cancel()
		}
		if s.shared && (s.singleton == nil || s.singleton()) && time.Since(s.lastRequeue) > s.claimTimeout/4 {
			s.lastRequeue = time.Now()
			ctx, cancel := s.bookkeeping()
			if err := s.requeueClaims(ctx, false); err != nil && !s.stopping(err) {
				s.log.Error("webhook requeue of stale claims", "err", err)
			}
			cancel()
		}
		claimed, blocked, next, err := s.claimRound()
		if err != nil && !s.stopping(err) {
			s.log.Error("webhook dispatch", "err", err)
		}
		if claimed > 0 {
			continue
		}
		wait := pollMax
		if !blocked && !next.IsZero() {
			if d := next.Sub(s.now()); d < wait {
				wait = max(d, time.Millisecond)
			}
		}
		t := time.NewTimer(wait)
		select {
		case <-s.stop:
			t.Stop()
			return
		case <-s.wake:
		case <-s.freed:
		case <-t.C:
		}
		t.Stop()
	}
}

// claimRound claims at most one due delivery per endpoint, in turn, within
// the bounds. blocked means deliveries are due but every one waits for a
// slot; otherwise next is when the next delivery falls due (zero if none).
func (s *Service) claimRound() (claimed int, blocked bool, next time.Time, err error) {
	if s.fair.full() {
		return 0, true, time.Time{}, nil
	}
	ctx := s.runCtx
	now := store.MS(s.now())
	cands, err := store.QueryAll(ctx, s.db, `SELECT webhook_id, tenant_id, MIN(next_attempt_at) FROM webhook_deliveries
		WHERE status IN ('pending','pending_retry') AND claimed_at IS NULL AND next_attempt_at IS NOT NULL AND next_attempt_at <= ?
		GROUP BY webhook_id, tenant_id`, []any{now}, func(sc store.Scanner) (due, error) {
		var d due
		err := sc.Scan(&d.webhookID, &d.tenantID, &d.oldest)
		return d, err
	})
	if err != nil {
		return 0, false, time.Time{}, err
	}
	s.fair.forget(cands)
	s.fair.order(cands)
	for _, c := range cands {
		if !s.fair.take(c) {
			blocked = true
			continue
		}
		q, ok, err := s.claimOne(ctx, c.webhookID, now)
		if err != nil || !ok {
			s.fair.give(c.webhookID, c.tenantID)
			if err != nil {
				return claimed, blocked, time.Time{}, err
			}
			continue // claimed by another instance meanwhile
		}
		claimed++
		s.wg.Add(1)
		go s.work(q)
	}
	if claimed > 0 || blocked {
		return claimed, blocked, time.Time{}, nil
	}
	var n sql.NullInt64
	if err := s.db.QueryRowContext(ctx, `SELECT MIN(next_attempt_at) FROM webhook_deliveries
		WHERE status IN ('pending','pending_retry') AND claimed_at IS NULL`).Scan(&n); err != nil || !n.Valid {
		return 0, false, time.Time{}, err
	}
	return 0, false, store.FromMS(n.Int64), nil
}

// claimOne marks the oldest due delivery of one endpoint as claimed. Shared
// with other instances, it skips rows another instance is claiming, so
// each delivery goes to one instance and none waits on another.
func (s *Service) claimOne(ctx context.Context, webhookID string, now int64) (queued, bool, error) {
	var q queued
	lock := ""
	if s.shared {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	err := s.db.QueryRowContext(ctx, `UPDATE webhook_deliveries SET claimed_at = ?
		WHERE id = (SELECT id FROM webhook_deliveries WHERE webhook_id = ? AND status IN ('pending','pending_retry')
			AND claimed_at IS NULL AND next_attempt_at IS NOT NULL AND next_attempt_at <= ?
			ORDER BY next_attempt_at, created_at LIMIT 1`+lock+`) AND claimed_at IS NULL
		RETURNING id, webhook_id, tenant_id, event_id, event_type, payload, attempts, max_attempts`, now, webhookID, now).
		Scan(&q.id, &q.webhookID, &q.tenantID, &q.eventID, &q.eventType, &q.payload, &q.attempts, &q.maxAttempts)
	if errors.Is(err, sql.ErrNoRows) {
		return q, false, nil
	}
	return q, err == nil, err
}

// release puts a claimed delivery back without counting an attempt. If
// that fails at shutdown, the claim stays and the next Open requeues it.
func (s *Service) release(id string) {
	ctx, cancel := s.bookkeeping()
	defer cancel()
	if _, err := s.db.ExecContext(ctx, `UPDATE webhook_deliveries SET claimed_at = NULL WHERE id = ?`, id); err != nil {
		if s.stopping(err) {
			s.log.Debug("webhook delivery left claimed at shutdown; requeued at next start", "delivery", id)
			return
		}
		s.log.Error("webhook release", "err", err)
	}
}

// work makes one attempt of a claimed delivery, then frees its slot.
func (s *Service) work(q queued) {
	defer s.wg.Done()
	_, err := s.attempt(s.runCtx, q)
	switch {
	case err == nil:
	case s.stopping(err):
		s.log.Debug("webhook attempt abandoned at shutdown", "delivery", q.id)
	default:
		s.log.Error("webhook attempt", "delivery", q.id, "err", err)
	}
	s.fair.give(q.webhookID, q.tenantID)
	select {
	case s.freed <- struct{}{}:
	default:
	}
}
