package client

import (
	"context"
	"math/rand/v2"
	"net/http"
	"time"
)

// Retry policy. Resty's own retry loop is off: it clamps Retry-After to its
// max wait and cannot tell whether a wait still fits the caller's deadline.
const (
	retryBase = 200 * time.Millisecond
	retryCap  = 5 * time.Second
	// deadlineMargin is kept free after a wait so the retried call has time to run.
	deadlineMargin = 250 * time.Millisecond
)

// retryWait decides whether the failed attempt (0-based) is retried and how
// long to wait first. Idempotent calls retry on network errors and 5xx with
// exponential backoff and full jitter. Any call retries a 429 (the server did
// not act on it) when Retry-After fits inside the deadline; otherwise the
// typed error goes back with RetryAfter set so the caller can schedule it.
func retryWait(ctx context.Context, err error, attempt int, idempotent bool, now time.Time) (time.Duration, bool) {
	e, ok := AsError(err)
	if !ok {
		return 0, false
	}
	var wait time.Duration
	switch {
	case e.Kind == KindHTTP && e.Status == http.StatusTooManyRequests:
		wait = e.RetryAfter
		if wait <= 0 {
			wait = backoff(attempt)
		}
	case !idempotent:
		return 0, false
	case e.Kind == KindNetwork, e.Kind == KindHTTP && e.Status >= 500:
		wait = backoff(attempt)
	default:
		return 0, false
	}
	if dl, ok := ctx.Deadline(); ok && now.Add(wait+deadlineMargin).After(dl) {
		return 0, false
	}
	return wait, true
}

// backoff is full jitter over an exponentially growing window.
func backoff(attempt int) time.Duration {
	window := retryBase << min(attempt, 5)
	if window > retryCap {
		window = retryCap
	}
	return time.Duration(rand.Int64N(int64(window))) + 10*time.Millisecond
}

// sleep waits d or until ctx ends; it reports whether the wait completed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
