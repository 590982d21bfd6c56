package common

import (
	"fmt"
	"math"
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

// GaugeNow is the gauge as of now (the answer arrived at got) with the
// time until it clears: see SpentNow.
func GaugeNow(rl models.RateLimits, got, now time.Time) (Gauge, time.Duration) {
	g := GaugeOf(rl)
	left := FullIn(g.RateLimitState, rl.At, got, now)
	g.RateLimitState = SpentNow(g.RateLimitState, left)
	if g.Burst > 0 {
		g.Ratio = float64(g.Used) / float64(g.Burst)
	}
	return g, left
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

// The gauge's words. The bar shows the spent part of the bucket, so it
// fills as requests draw on it and is empty when the bucket is full; the
// numbers say "spent" and the countdown says when it clears. No "full"
// next to an empty bar.

// SpentText is "120/500 spent" for a bucket.
func SpentText(st models.RateLimitState) string {
	return fmt.Sprintf("%s/%s spent", Thousands(int64(st.Used)), Thousands(int64(st.Burst)))
}

// SpentNow is st as of now, left before it clears: spent tokens come back
// at the limit's rate, so the part still spent is what the time left
// refills — the bar and the countdown agree between polls, and a bucket
// whose countdown ran out reads 0 spent, not "1 spent, cleared".
func SpentNow(st models.RateLimitState, left time.Duration) models.RateLimitState {
	if st.Limit <= 0 || st.Used <= 0 {
		return st
	}
	spent := int(math.Ceil(left.Seconds() * float64(st.Limit) / 60))
	if spent < st.Used {
		st.Used = max(0, spent)
		st.Remaining = st.Burst - st.Used
	}
	return st
}

// ClearsText is "clears in 24s" while part of the bucket is spent, else "".
func ClearsText(left time.Duration) string {
	if left <= 0 {
		return ""
	}
	return fmt.Sprintf("clears in %ds", Seconds(left))
}

// Limits say which per-minute limit holds a key back (its own setting,
// below the plan's, or the plan's) and what would lift it.
type Limits struct {
	Key  int         // the key's own limit, per minute
	Plan models.Plan // the organisation's plan
}

// Own reports that the key's own setting, not the plan, binds: a bigger
// plan would not lift it.
func (l Limits) Own() bool {
	return l.Key > 0 && l.Plan.LimitPerMinute > 0 && l.Key < l.Plan.LimitPerMinute
}

// next is the cheapest plan with a higher per-key limit, if any.
func (l Limits) next() (models.Plan, bool) {
	for _, p := range models.Plans() {
		if p.LimitPerMinute > l.Plan.LimitPerMinute {
			return p, true
		}
	}
	return models.Plan{}, false
}

// Binds names the limit: "its own 60/min limit", "the plan's 300/min limit".
func (l Limits) Binds() string {
	if l.Own() {
		return fmt.Sprintf("its own %s/min limit", Thousands(int64(l.Key)))
	}
	limit := l.Plan.LimitPerMinute
	if limit <= 0 {
		limit = l.Key
	}
	return fmt.Sprintf("the plan's %s/min limit", Thousands(int64(limit)))
}

// Lift says what raises the limit, briefly: edit the key (up to the
// plan's), a bigger plan, or more keys on the largest plan.
func (l Limits) Lift() string {
	if l.Own() {
		return fmt.Sprintf("raise it on Keys (e), up to %s", Thousands(int64(l.Plan.LimitPerMinute)))
	}
	if p, ok := l.next(); ok {
		return fmt.Sprintf("upgrade to %s: %s/min", Sanitize(p.DisplayName), Thousands(int64(p.LimitPerMinute)))
	}
	return "use more keys: limits are per key"
}

// StaleUse reports that the live buckets show a key in use that a key list
// still reads as unused, or as last used longer ago than its bucket takes
// to refill: the list is older than the buckets and should be read again,
// so that "never" never sits beside the key the status bar names busiest.
// lastUsed answers for the keys the list holds (known false otherwise).
func StaleUse(rl models.RateLimits, lastUsed func(keyID string) (t *time.Time, known bool)) bool {
	for _, k := range rl.Keys {
		if k.Used <= 0 || k.Limit <= 0 {
			continue
		}
		lu, known := lastUsed(k.KeyID)
		if !known {
			continue
		}
		// A spent token refills within burst/limit minutes, so the last
		// request came after this (a few seconds' slack for the clocks).
		refill := time.Duration(float64(k.Burst) / float64(k.Limit) * float64(time.Minute))
		if lu == nil || lu.Before(rl.At.Add(-refill-5*time.Second)) {
			return true
		}
	}
	return false
}
