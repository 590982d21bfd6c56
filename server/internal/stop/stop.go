// Package stop holds the shutdown protocol of the server's background
// writers: finish within the caller's deadline, else abort and give the
// work a short grace to notice.
package stop

import (
	"context"
	"time"
)

// Wait waits for done until ctx ends. Then it calls abort, in both cases
// (a writer releases what it held for the abort), and if ctx ended first it
// waits up to grace more. inTime says done closed before ctx ended;
// finished says it closed at all.
func Wait(ctx context.Context, done <-chan struct{}, abort func(), grace time.Duration) (inTime, finished bool) {
	select {
	case <-done:
		abort()
		return true, true
	case <-ctx.Done():
	}
	abort()
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-done:
		return false, true
	case <-t.C:
		return false, false
	}
}
