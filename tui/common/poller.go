package common

import (
	"time"

	"github.com/penguinmails/pmdev/client"
)

// MaxBackoff caps the wait after repeated failures.
const MaxBackoff = 60 * time.Second

// Poller schedules one live source: it allows at most one request in flight,
// backs off exponentially on errors and honours Retry-After. It holds no
// timer of its own; TickMsg drives it.
type Poller struct {
	Interval time.Duration

	reqID    uint64
	inflight bool
	next     time.Time
	failures int
	last     time.Time
}

// Due reports whether a new request should start now. Hidden or paused
// sources pass visible=false and are never due unless forced.
func (p *Poller) Due(now time.Time, visible bool) bool {
	if p.inflight || p.Interval <= 0 || !visible {
		return false
	}
	return !now.Before(p.next)
}

// Start marks a request in flight and returns its id.
func (p *Poller) Start() uint64 {
	p.reqID++
	p.inflight = true
	return p.reqID
}

// Force makes the source due at the next chance (refresh now). It returns a
// new request id when nothing is in flight, or 0 when a request already runs.
func (p *Poller) Force() uint64 {
	if p.inflight {
		return 0
	}
	p.next = time.Time{}
	return p.Start()
}

// Begin is a poll's start: with force a new request unless one runs (the
// r key), else one when due at interval (a tick). It returns the request's
// id, or 0 when nothing should start.
func (p *Poller) Begin(force bool, interval time.Duration, now time.Time, visible bool) uint64 {
	if force {
		return p.Force()
	}
	p.Interval = interval
	if !p.Due(now, visible) {
		return 0
	}
	return p.Start()
}

// Current reports whether id is the newest request.
func (p *Poller) Current(id uint64) bool { return id == p.reqID }

// Done records the outcome of request id and schedules the next one. It
// returns false for stale results, which the caller must drop.
func (p *Poller) Done(id uint64, now time.Time, err error) bool {
	if id != p.reqID {
		return false
	}
	p.inflight = false
	interval := p.Interval
	if interval <= 0 {
		interval = time.Minute
	}
	if err == nil || err == client.ErrNotModified {
		p.failures = 0
		p.last = now
		p.next = now.Add(interval)
		return true
	}
	p.failures++
	wait := interval << min(p.failures, 6)
	if wait > MaxBackoff || wait <= 0 {
		wait = MaxBackoff
	}
	if e, ok := client.AsError(err); ok && e.RetryAfter > 0 {
		wait = max(wait, e.RetryAfter)
	}
	p.next = now.Add(wait)
	return true
}

// Last is when the source last succeeded.
func (p *Poller) Last() time.Time { return p.last }

// Failures is the number of consecutive failures.
func (p *Poller) Failures() int { return p.failures }

// Next is when the source is due next.
func (p *Poller) Next() time.Time { return p.next }

// InFlight reports whether a request is running.
func (p *Poller) InFlight() bool { return p.inflight }
