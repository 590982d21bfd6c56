// Package servertest holds what the server's tests share: a clock they
// move by hand and a log they read while the server writes it.
package servertest

import (
	"sync"
	"time"

	"github.com/penguinmails/pmdev/server/testkit"
)

// Clock is an injectable clock tests move.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock is a clock standing at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now is the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// Log is a slog destination tests read while the server writes.
type Log = testkit.Buffer
