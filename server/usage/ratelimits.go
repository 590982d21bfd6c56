package usage

import (
	"context"
	"time"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server/httpx"
)

// RateLimits is the live bucket of every usable key of u's tenant and the
// tenant's line.
func (s *Service) RateLimits(ctx context.Context, u *httpx.User) (models.RateLimits, error) {
	now := s.now()
	plan := models.PlanOrDefault(u.Plan)
	keys, err := s.st.ActiveKeyLimits(ctx, s.db, u.TenantID, now)
	if err != nil {
		return models.RateLimits{}, err
	}
	out := models.RateLimits{Plan: plan, Keys: []models.KeyRateLimit{}, At: now}
	for _, k := range keys {
		// A key unused since start-up has a full bucket.
		st := models.RateLimitState{Limit: k.RateLimit, Burst: plan.Burst, Remaining: plan.Burst, ResetAt: now}
		if b := s.limiter.Peek(k.ID); b != nil {
			snap := b.Snapshot(now)
			st = models.RateLimitState{Limit: snap.Limit, Burst: snap.Burst, Used: snap.Used, Remaining: snap.Remaining, ResetAt: snap.ResetAt, ResetIn: snap.ResetSeconds}
		}
		out.Keys = append(out.Keys, models.KeyRateLimit{KeyID: k.ID, Name: k.Name, RateLimitState: st})
	}
	out.Tenant, out.BusiestKeyID = tenantBucket(plan, out.Keys, now)
	return out, nil
}

// tenantBucket is the organisation's line: the bucket of its busiest key
// (largest share of the burst spent, then longest until full, then newest),
// because limits apply per key and a summed figure could pass 100% while no
// request is refused. With no key in use it is the plan's full bucket.
func tenantBucket(plan models.Plan, keys []models.KeyRateLimit, now time.Time) (models.RateLimitState, string) {
	best := -1
	share := func(k models.KeyRateLimit) float64 {
		if k.Burst <= 0 {
			return 0
		}
		return float64(k.Used) / float64(k.Burst)
	}
	for i, k := range keys {
		if k.Used <= 0 {
			continue
		}
		if best < 0 || share(k) > share(keys[best]) || (share(k) == share(keys[best]) && k.ResetIn > keys[best].ResetIn) {
			best = i
		}
	}
	if best < 0 {
		return models.RateLimitState{Limit: plan.LimitPerMinute, Burst: plan.Burst, Remaining: plan.Burst, ResetAt: now}, ""
	}
	return keys[best].RateLimitState, keys[best].KeyID
}

// stableRateLimits is out without what changes with the clock alone, for
// the ETag: an idle tenant gets 304s. reset_at stays in (to the second)
// because it moves while a key is drained exactly as fast as it refills,
// when used does not change.
func stableRateLimits(out models.RateLimits) models.RateLimits {
	stable := out
	stable.At = time.Time{}
	stable.Tenant = stableState(out.Tenant)
	stable.Keys = make([]models.KeyRateLimit, len(out.Keys))
	for i, k := range out.Keys {
		k.RateLimitState = stableState(k.RateLimitState)
		stable.Keys[i] = k
	}
	return stable
}

// stableState is st without the parts that change with the clock alone.
func stableState(st models.RateLimitState) models.RateLimitState {
	if st.ResetIn > 0 {
		st.ResetAt = time.Unix(st.ResetAt.Unix(), 0)
	} else {
		st.ResetAt = time.Time{}
	}
	st.ResetIn = 0
	return st
}
