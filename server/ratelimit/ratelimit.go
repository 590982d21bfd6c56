// Package ratelimit implements the per-key token buckets: capacity = the plan
// burst, refilled evenly at the key's per-minute limit.
package ratelimit

import (
	"math"
	"sync"
	"time"
)

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
	if b.limit != limit || b.burst != burst {
		b.refill(now)
		b.limit, b.burst = limit, burst
		b.tokens = math.Min(b.tokens, float64(burst))
	}
	b.mu.Unlock()
	return b.Take(now)
}

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

// Limiter holds one bucket per key id, indexed by tenant too. Finding a
// key's bucket takes no lock (the request path); creating one does.
type Limiter struct {
	buckets  sync.Map // key id -> *Bucket
	mu       sync.RWMutex
	byTenant map[string]map[string]*Bucket
	tenantOf map[string]string
}

// NewLimiter returns an empty limiter.
func NewLimiter() *Limiter {
	return &Limiter{byTenant: map[string]map[string]*Bucket{}, tenantOf: map[string]string{}}
}

// Bucket returns the key's bucket, creating a full one as needed; Take
// with TakeAt (or call SetLimit) to apply a changed limit.
func (l *Limiter) Bucket(tenantID, keyID string, limit, burst int, now time.Time) *Bucket {
	if b, ok := l.buckets.Load(keyID); ok {
		return b.(*Bucket)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if b, ok := l.buckets.Load(keyID); ok {
		return b.(*Bucket)
	}
	b := NewBucket(limit, burst, now)
	l.buckets.Store(keyID, b)
	t := l.byTenant[tenantID]
	if t == nil {
		t = map[string]*Bucket{}
		l.byTenant[tenantID] = t
	}
	t[keyID] = b
	l.tenantOf[keyID] = tenantID
	return b
}

// Peek returns the key's bucket if it exists.
func (l *Limiter) Peek(keyID string) *Bucket {
	if b, ok := l.buckets.Load(keyID); ok {
		return b.(*Bucket)
	}
	return nil
}

// Forget drops a key's bucket (revoked keys).
func (l *Limiter) Forget(keyID string) {
	l.mu.Lock()
	l.buckets.Delete(keyID)
	if t, ok := l.tenantOf[keyID]; ok {
		delete(l.byTenant[t], keyID)
		delete(l.tenantOf, keyID)
	}
	l.mu.Unlock()
}

// KeyUse is how much of a key's bucket is spent, as Tenant reports it.
type KeyUse struct {
	KeyID        string
	Bucket       *Bucket
	Used, Burst  int
	ResetSeconds int
}

// Tenant lists the buckets of a tenant's keys that have spent tokens
// (Used > 0); every other key's bucket is full.
func (l *Limiter) Tenant(tenantID string, now time.Time) []KeyUse {
	l.mu.RLock()
	out := make([]KeyUse, 0, len(l.byTenant[tenantID]))
	for id, b := range l.byTenant[tenantID] {
		out = append(out, KeyUse{KeyID: id, Bucket: b})
	}
	l.mu.RUnlock()
	busy := out[:0]
	for _, u := range out {
		b := u.Bucket
		b.mu.Lock()
		b.refill(now)
		u.Used, u.Burst = max(0, b.burst-int(math.Floor(b.tokens))), b.burst
		if u.Used > 0 && b.limit > 0 {
			u.ResetSeconds = b.resetSeconds()
		}
		b.mu.Unlock()
		if u.Used > 0 {
			busy = append(busy, u)
		}
	}
	return busy
}
