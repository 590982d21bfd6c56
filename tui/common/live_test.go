package common

import (
	"testing"
	"time"

	"github.com/penguinmails/pmdev/models"
)

func TestFullInFollowsTheServer(t *testing.T) {
	server := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	local := server.Add(-7 * time.Minute) // a skewed local clock
	st := models.RateLimitState{ResetAt: server.Add(99200 * time.Millisecond), ResetIn: 100}
	for _, c := range []struct {
		after time.Duration
		want  int
	}{{0, 100}, {200 * time.Millisecond, 99}, {time.Second, 99}, {1300 * time.Millisecond, 98}, {99 * time.Second, 1}, {2 * time.Minute, 0}} {
		if got := Seconds(FullIn(st, server, local, local.Add(c.after))); got != c.want {
			t.Errorf("+%v: %ds, want %ds", c.after, got, c.want)
		}
	}
	// Without at (an older API) reset_at is read against the local clock,
	// and without reset_at reset_in counts from arrival.
	if got := Seconds(FullIn(st, time.Time{}, local, server.Add(10*time.Second))); got != 90 {
		t.Errorf("no at: %ds, want 90", got)
	}
	if got := Seconds(FullIn(models.RateLimitState{ResetIn: 30}, server, local, local.Add(5*time.Second))); got != 25 {
		t.Errorf("no reset_at: %ds, want 25", got)
	}
	if got := FullIn(models.RateLimitState{ResetAt: server}, server, local, local); got != 0 {
		t.Errorf("full bucket: %v", got)
	}
}

func TestGaugeOf(t *testing.T) {
	plan := models.Plan{LimitPerMinute: 300, Burst: 500}
	key := models.RateLimitState{Limit: 60, Burst: 500, Used: 500, Remaining: 0}
	g := GaugeOf(models.RateLimits{Plan: plan, Tenant: key, BusiestKeyID: "b",
		Keys: []models.KeyRateLimit{{KeyID: "a", Name: "A"}, {KeyID: "b", Name: "B", RateLimitState: key}}})
	if g.Name != "B" || g.Limit != 60 || g.Ratio != 1 || !g.AtLimit() {
		t.Fatalf("busiest: %+v", g)
	}
	// An API that leaves limit and burst out: the plan's; all full: no name.
	g = GaugeOf(models.RateLimits{Plan: plan, Tenant: models.RateLimitState{Used: 400, Remaining: 100}})
	if g.Name != "" || g.Limit != 300 || g.Burst != 500 || g.Ratio != 0.8 || g.AtLimit() {
		t.Fatalf("fallback: %+v", g)
	}
}
