package client

import (
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/go-resty/resty/v2"
)

// noRetryHeader marks non-idempotent requests; it is stripped before sending.
const noRetryHeader = "X-Pmdev-No-Retry"

// configureRetries retries idempotent calls on network errors and 5xx with
// exponential backoff and full jitter, and waits out Retry-After on 429.
func configureRetries(rc *resty.Client, count int) {
	rc.SetRetryCount(count).
		SetRetryWaitTime(200 * time.Millisecond).
		SetRetryMaxWaitTime(5 * time.Second).
		AddRetryCondition(func(r *resty.Response, err error) bool {
			if r == nil || r.Request == nil {
				return err != nil
			}
			if r.Request.Header.Get(noRetryHeader) != "" {
				return false
			}
			if err != nil {
				return true
			}
			s := r.StatusCode()
			return s >= 500 || s == http.StatusTooManyRequests
		}).
		SetRetryAfter(func(c *resty.Client, r *resty.Response) (time.Duration, error) {
			if r != nil && r.StatusCode() == http.StatusTooManyRequests {
				if d := parseRetryAfter(r.Header().Get("Retry-After"), time.Now()); d > 0 {
					return d, nil
				}
			}
			attempt := 1
			if r != nil && r.Request != nil {
				attempt = r.Request.Attempt
			}
			base := 200 * time.Millisecond << min(attempt, 5)
			return time.Duration(rand.Int64N(int64(base))) + 50*time.Millisecond, nil
		}).
		OnBeforeRequest(func(_ *resty.Client, r *resty.Request) error {
			// The marker only steers the retry condition.
			return nil
		})
}
