package usage

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server/httpx"
	"github.com/penguinmails/pmdev/server/ratelimit"
)

// Page sizes of the rate-limit route.
const (
	rateLimitsDefault = 10
	rateLimitsMax     = 100
)

// busier orders buckets busiest first: the largest share of the burst
// spent, then the longest until full, then by key id.
func busier(a, b ratelimit.KeyState) bool {
	sa, sb := share(a.State), share(b.State)
	if sa != sb {
		return sa > sb
	}
	if a.ResetSeconds != b.ResetSeconds {
		return a.ResetSeconds > b.ResetSeconds
	}
	return a.KeyID < b.KeyID
}

// share is the spent part of the burst in parts per million (an integer,
// so a cursor holds it exactly).
func share(st ratelimit.State) int64 {
	if st.Burst <= 0 {
		return 0
	}
	return int64(st.Used) * 1_000_000 / int64(st.Burst)
}

func encodeRLCursor(k ratelimit.KeyState) string {
	return base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf("r1:%d:%d:%s", share(k.State), k.ResetSeconds, k.KeyID)))
}

// decodeRLCursor is the position a cursor names (share, reset, key id).
func decodeRLCursor(s string) (ratelimit.KeyState, int64, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	parts := strings.SplitN(string(b), ":", 4)
	if err != nil || len(parts) != 4 || parts[0] != "r1" || parts[3] == "" {
		return ratelimit.KeyState{}, 0, false
	}
	sh, err1 := strconv.ParseInt(parts[1], 10, 64)
	reset, err2 := strconv.Atoi(parts[2])
	if err1 != nil || err2 != nil {
		return ratelimit.KeyState{}, 0, false
	}
	k := ratelimit.KeyState{KeyID: parts[3]}
	k.ResetSeconds = reset
	return k, sh, true
}

// after reports whether k comes after the cursor position in busier order.
func after(k ratelimit.KeyState, pos ratelimit.KeyState, posShare int64) bool {
	if s := share(k.State); s != posShare {
		return s < posShare
	}
	if k.ResetSeconds != pos.ResetSeconds {
		return k.ResetSeconds < pos.ResetSeconds
	}
	return k.KeyID > pos.KeyID
}

// RateLimits is the tenant's line (its busiest key's bucket) and one page
// of its busy keys, busiest first, read from the live buckets: keys whose
// bucket is full are not listed (they have their whole burst).
func (s *Service) RateLimits(ctx context.Context, u *httpx.User, q url.Values) (models.RateLimits, error) {
	bad := func(field, msg string) (models.RateLimits, error) {
		return models.RateLimits{}, httpx.Fail(httpx.FieldProblem("invalid_parameter", field, msg))
	}
	limit := rateLimitsDefault
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > rateLimitsMax {
			return bad("limit", fmt.Sprintf("limit must be between 1 and %d", rateLimitsMax))
		}
		limit = n
	}
	var pos ratelimit.KeyState
	var posShare int64
	cursor := q.Get("cursor")
	if cursor != "" {
		var ok bool
		if pos, posShare, ok = decodeRLCursor(cursor); !ok {
			return bad("cursor", "cursor is not one this endpoint returned; start again without it")
		}
	}
	now := s.now()
	plan := models.PlanOrDefault(u.Plan)
	busy := s.limiter.Tenant(u.TenantID, now)
	sort.Slice(busy, func(i, j int) bool { return busier(busy[i], busy[j]) })
	out := models.RateLimits{Plan: plan, Keys: []models.KeyRateLimit{}, At: now, BusyKeys: len(busy),
		Tenant: models.RateLimitState{Limit: plan.LimitPerMinute, Burst: plan.Burst, Remaining: plan.Burst, ResetAt: now}}
	if len(busy) > 0 {
		out.Tenant, out.BusiestKeyID = stateOf(busy[0].State), busy[0].KeyID
	}
	page := busy
	if cursor != "" {
		i := sort.Search(len(busy), func(i int) bool { return after(busy[i], pos, posShare) })
		page = busy[i:]
	}
	if len(page) > limit {
		out.NextCursor = encodeRLCursor(page[limit-1])
		page = page[:limit]
	}
	if len(page) == 0 {
		return out, nil
	}
	ids := make([]string, len(page))
	for i, k := range page {
		ids[i] = k.KeyID
	}
	// Names, and which keys can still be used (a key expired since its last
	// request keeps a live bucket for a while).
	names, err := s.st.UsableKeyNames(ctx, s.db, u.TenantID, ids, now)
	if err != nil {
		return out, err
	}
	for _, k := range page {
		if name, ok := names[k.KeyID]; ok {
			out.Keys = append(out.Keys, models.KeyRateLimit{KeyID: k.KeyID, Name: name, RateLimitState: stateOf(k.State)})
		}
	}
	return out, nil
}

func stateOf(st ratelimit.State) models.RateLimitState {
	return models.RateLimitState{Limit: st.Limit, Burst: st.Burst, Used: st.Used, Remaining: st.Remaining, ResetAt: st.ResetAt, ResetIn: st.ResetSeconds}
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
