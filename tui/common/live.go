package common

import (
	"net/url"
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

// RateLimitsErrMsg is broadcast when the root's rate-limit poll fails for a
// reason other than the network or the token (those have OfflineMsg and
// AuthMsg): panes waiting for their first data can say why instead of
// "loading…".
type RateLimitsErrMsg struct{ Err error }

// Gauge is the bucket the console shows for the organisation: the busiest
// key's token bucket as the API reports it in the tenant block (limits are
// per key, so 100% is exactly where requests get 429).
type Gauge struct {
	models.RateLimitState
	Name  string  // the busiest key's name; "" when every bucket is full
	Ratio float64 // Used / Burst
}

// AtLimit reports whether requests are being refused right now.
func (g Gauge) AtLimit() bool { return g.Ratio >= 1 || g.Remaining <= 0 }

// GaugeOf reads the gauge from a rate-limits answer, filling limit and burst
// from the plan when an older API leaves them out.
func GaugeOf(rl models.RateLimits) Gauge {
	g := Gauge{RateLimitState: rl.Tenant}
	if rl.BusiestKeyID != "" {
		for _, k := range rl.Keys {
			if k.KeyID == rl.BusiestKeyID {
				g.RateLimitState, g.Name = k.RateLimitState, k.Name
				break
			}
		}
	}
	if g.Limit <= 0 {
		g.Limit = rl.Plan.LimitPerMinute
	}
	if g.Burst <= 0 {
		g.Burst = rl.Plan.Burst
	}
	if g.Burst > 0 {
		g.Ratio = float64(g.Used) / float64(g.Burst)
	} else if g.Used > 0 {
		g.Ratio = 1
	}
	return g
}

// FullIn is how long until the bucket is full again, as of now. The server's
// reset_at is taken relative to its own at (received locally at got), so a
// skewed local clock does not shift the countdown and it agrees with
// reset_in_seconds when the answer arrives. Recomputing it from the clock
// (never decrementing) keeps it right however often the view is drawn.
func FullIn(st models.RateLimitState, at, got, now time.Time) time.Duration {
	var left time.Duration
	switch {
	case !st.ResetAt.IsZero() && !at.IsZero():
		left = st.ResetAt.Sub(at) - now.Sub(got)
	case !st.ResetAt.IsZero():
		left = st.ResetAt.Sub(now)
	default:
		left = time.Duration(st.ResetIn)*time.Second - now.Sub(got)
	}
	return max(0, left)
}

// Seconds rounds a countdown up to whole seconds, as reset_in_seconds does.
func Seconds(d time.Duration) int {
	return int((d + time.Second - 1) / time.Second)
}

// APIHost is the API's host for messages ("cannot reach …").
func APIHost(ctx *Context) string {
	if u, err := url.Parse(ctx.APIURL); err == nil && u.Host != "" {
		return u.Host
	}
	if ctx.Client != nil {
		return ctx.Client.Host()
	}
	return ctx.APIURL
}
