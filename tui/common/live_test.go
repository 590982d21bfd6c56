package common

import (
	"testing"
	"time"

	"github.com/penguinmails/pmdev/models"
)

// A busy bucket means a request within the time the bucket takes to
// refill: a list saying "never", or a use before that, is stale.
func TestStaleUse(t *testing.T) {
	at := time.Date(2026, 11, 30, 14, 30, 0, 0, time.UTC)
	rl := models.RateLimits{At: at, Keys: []models.KeyRateLimit{{KeyID: "w", RateLimitState: models.RateLimitState{Limit: 60, Burst: 100, Used: 10}}}}
	ago := func(d time.Duration) *time.Time { t := at.Add(-d); return &t }
	for _, c := range []struct {
		name  string
		used  *time.Time
		known bool
		stale bool
	}{
		{"never", nil, true, true},
		{"just now", ago(time.Second), true, false},
		{"within the refill", ago(90 * time.Second), true, false},
		{"before the bucket could be spent", ago(10 * time.Minute), true, true},
		{"not in the list", nil, false, false},
	} {
		got := StaleUse(rl, func(string) (*time.Time, bool) { return c.used, c.known })
		if got != c.stale {
			t.Errorf("%s: stale = %v", c.name, got)
		}
	}
	rl.Keys[0].Used = 0
	if StaleUse(rl, func(string) (*time.Time, bool) { return nil, true }) {
		t.Error("a full bucket says nothing about use")
	}
}

// Between polls the spent part falls as the countdown does, so a bucket
// whose countdown ran out reads 0 spent ("1/500 spent · cleared" was a
// contradiction).
func TestGaugeNowFollowsTheCountdown(t *testing.T) {
	at := time.Date(2026, 11, 30, 14, 30, 0, 0, time.UTC)
	st := models.RateLimitState{Limit: 300, Burst: 500, Used: 100, Remaining: 400, ResetAt: at.Add(20 * time.Second), ResetIn: 20}
	rl := models.RateLimits{At: at, Tenant: st}
	for _, c := range []struct {
		after time.Duration
		used  int
		left  time.Duration
	}{{0, 100, 20 * time.Second}, {10 * time.Second, 50, 10 * time.Second}, {20 * time.Second, 0, 0}, {time.Minute, 0, 0}} {
		g, left := GaugeNow(rl, at, at.Add(c.after))
		if g.Used != c.used || left != c.left || g.Remaining != 500-c.used {
			t.Errorf("+%v: used %d left %v, want %d %v", c.after, g.Used, left, c.used, c.left)
		}
	}
}
