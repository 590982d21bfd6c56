package common

import (
	"time"

	"github.com/penguinmails/pmdev/models"
)

// RateLimitsMsg is broadcast by the root every time its own rate-limit poll
// (every Refresh.RateLimits, whichever pane is visible) returns new data, so
// panes show live limits without polling the endpoint again. It is not sent
// for 304s.
type RateLimitsMsg struct {
	Data models.RateLimits
	At   time.Time // when the console received it
}

// OfflineMsg is broadcast when the root's connection state changes: Offline
// true means the API cannot be reached (network error or timeout) and panes
// should keep their last data, dimmed; false means it is back.
type OfflineMsg struct {
	Offline bool
	Since   time.Time // time of the last successful response
}

// AuthMsg is broadcast when the API starts or stops rejecting the token
// (401): panes stop saying "loading…" and explain how to sign in instead.
type AuthMsg struct{ Rejected bool }

// TokenHint is what to do about a rejected token.
const TokenHint = "set PENGUINMAILS_TOKEN or use --profile"

// BusiestKey is the key bucket nearest its limit (by used/limit, then used):
// limits are per key, so the tenant's summed use against one key's limit
// would read as over the limit while no key is. ok is false without keys.
func BusiestKey(rl models.RateLimits) (k models.KeyRateLimit, ok bool) {
	best := -1.0
	for _, c := range rl.Keys {
		limit := c.Limit
		if limit <= 0 {
			limit = rl.Plan.LimitPerMinute
		}
		r := 0.0
		if limit > 0 {
			r = float64(c.Used) / float64(limit)
		}
		if !ok || r > best || (r == best && c.Used > k.Used) {
			k, best, ok = c, r, true
			k.Limit = limit
		}
	}
	return k, ok
}
