// Package ratelimit implements the per-key token buckets: capacity = the plan
// burst, refilled evenly at the key's per-minute limit. A Limiter holds them:
// Memory (one process, the default) or Redis (shared by every instance).
package ratelimit

import (
	"context"
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// Limiter holds the buckets of every key. Take and Peek apply the key's
// current limit and burst (an edit takes effect at the key's next request).
// Implementations never fail a request: Redis falls back to a local bucket
// while it cannot be reached (see Redis).
type Limiter interface {
	// Take consumes one token of the key's bucket if available. slot, when
	// not nil, keeps the key's bucket between calls (see Slot).
	Take(ctx context.Context, slot *Slot, tenantID, keyID string, limit, burst int, now time.Time) Result
	// Peek reports the key's bucket without consuming.
	Peek(ctx context.Context, slot *Slot, tenantID, keyID string, limit, burst int, now time.Time) State
	// Tenant lists the tenant's keys whose buckets have spent tokens (Used
	// > 0); every other key's bucket is full.
	Tenant(ctx context.Context, tenantID string, now time.Time) ([]KeyUse, error)
	// States reports the buckets of ids that exist; a key missing from the
	// answer has a full bucket.
	States(ctx context.Context, tenantID string, ids []string, now time.Time) (map[string]State, error)
	// Forget drops a key's bucket (revoked keys).
	Forget(ctx context.Context, tenantID, keyID string)
	// Stats reports the limiter's health for /metrics.
	Stats() Stats
}

// Stats is a limiter's health.
type Stats struct {
	Backend string // "memory" or "redis"
	// Errors counts Redis calls that failed; Fallbacks the requests decided
	// by the local bucket meanwhile.
	Errors, Fallbacks int64
	// Degraded is set while Redis is unreachable.
	Degraded bool
}

// KeyUse is a key's bucket as Tenant reports it.
type KeyUse struct {
	KeyID string
	State
}

// Result is the outcome of one Take.
type Result struct {
	Allowed   bool
	Limit     int // per minute
	Burst     int
	Remaining int // whole tokens left after this request
	// ResetSeconds is how long until the bucket is full again.
	ResetSeconds int
	// RetryAfter is how long until one token is available (429 only).
	RetryAfter int
}

// State is a bucket's snapshot for the rate-limits endpoint. Every field
// comes from the token bucket that decides 429s, so Used == Burst (Remaining
// == 0) is exactly the point where requests are refused.
type State struct {
	Limit, Burst int
	Used         int // Burst - Remaining: how much of the bucket is spent
	Remaining    int // whole tokens available now
	// ResetAt is the instant the bucket is full again (now when it is full).
	// It is exact, so it stays put while the bucket refills untouched.
	ResetAt time.Time
	// ResetSeconds is ResetAt-now rounded up, the X-RateLimit-Reset value,
	// so every path reports the same rounding as Take.
	ResetSeconds int
}

// Bucket is one key's token bucket. Safe for concurrent use.
type Bucket struct {
	mu     sync.Mutex
	burst  int
	limit  int
	tokens float64
	last   time.Time
}

// NewBucket returns a full bucket.
func NewBucket(limit, burst int, now time.Time) *Bucket {
	return &Bucket{limit: limit, burst: burst, tokens: float64(burst), last: now}
}

func (b *Bucket) rate() float64 { return float64(b.limit) / 60 }

// refill must run with mu held.
func (b *Bucket) refill(now time.Time) {
	if now.After(b.last) {
		b.tokens = math.Min(float64(b.burst), b.tokens+now.Sub(b.last).Seconds()*b.rate())
		b.last = now
	}
}

func (b *Bucket) resetSeconds() int {
	if b.limit <= 0 {
		return 0
	}
	return int(math.Ceil((float64(b.burst) - b.tokens) / b.rate()))
}

// Take consumes one token if available.
func (b *Bucket) Take(now time.Time) Result {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.take(now)
}

func (b *Bucket) take(now time.Time) Result {
	b.refill(now)
	r := Result{Limit: b.limit, Burst: b.burst}
	if b.tokens >= 1 {
		b.tokens--
		r.Allowed = true
	} else if b.limit > 0 {
		r.RetryAfter = int(math.Ceil((1 - b.tokens) / b.rate()))
		if r.RetryAfter < 1 {
			r.RetryAfter = 1
		}
	} else {
		r.RetryAfter = 60
	}
	r.Remaining = int(math.Floor(b.tokens))
	r.ResetSeconds = b.resetSeconds()
	return r
}

// TakeAt is Take after applying the key's current limit and burst (an
// edit of the key takes effect at its next request), under one lock.
func (b *Bucket) TakeAt(limit, burst int, now time.Time) Result {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.limit != limit || b.burst != burst {
		b.refill(now)
		b.limit, b.burst = limit, burst
		b.tokens = math.Min(b.tokens, float64(burst))
	}
	return b.take(now)
}

// Slot keeps one key's bucket for a caller that already holds the key (the
// key cache's entry), so its next request skips the lookup by id: on a busy
// server with many keys that lookup missed the CPU cache on every request.
// A limiter fills it; a zero Slot is empty.
type Slot struct{ b atomic.Pointer[Bucket] }

// Snapshot reports the bucket without consuming.
func (b *Bucket) Snapshot(now time.Time) State {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.refill(now)
	remaining := int(math.Floor(b.tokens))
	s := State{Limit: b.limit, Burst: b.burst, Remaining: remaining, Used: max(0, b.burst-remaining), ResetAt: now}
	if b.limit > 0 && b.tokens < float64(b.burst) {
		s.ResetSeconds = b.resetSeconds()
		s.ResetAt = now.Add(time.Duration((float64(b.burst) - b.tokens) / b.rate() * float64(time.Second)))
	}
	return s
}

// SetLimit changes the refill rate (and burst) keeping the current tokens.
func (b *Bucket) SetLimit(limit, burst int, now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.refill(now)
	b.limit, b.burst = limit, burst
	b.tokens = math.Min(b.tokens, float64(burst))
}
