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
	"github.com/penguinmails/pmdev/server/store"
)

// Page sizes of the rate-limit route.
const (
	rateLimitsDefault = 10
	rateLimitsMax     = 100
)

// rank orders buckets busiest first: the largest share of the burst
// spent (parts per million, an integer so a cursor holds it exactly), then
// the longest until full, then key id.
type rank struct {
	share int64
	reset int
	id    string
}

func rankOf(u ratelimit.KeyUse) rank {
	r := rank{reset: u.ResetSeconds, id: u.KeyID}
	if u.Burst > 0 {
		r.share = int64(u.Used) * 1_000_000 / int64(u.Burst)
	}
	return r
}

// before reports whether a is busier than b.
func (a rank) before(b rank) bool {
	if a.share != b.share {
		return a.share > b.share
	}
	if a.reset != b.reset {
		return a.reset > b.reset
	}
	return a.id < b.id
}

// A cursor is a position among the busy keys (r1, by rank) or among the
// other usable keys (i1, newest first; no id: their start).
func encodeRLCursor(r rank) string {
	return base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf("r1:%d:%d:%s", r.share, r.reset, r.id)))
}

func encodeIdleCursor(pos *store.KeyPos) string {
	if pos == nil {
		return base64.RawURLEncoding.EncodeToString([]byte("i1:0:"))
	}
	return base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf("i1:%d:%s", pos.CreatedAt, pos.ID)))
}

// rlCursor is a decoded cursor: busy set for r1; idle (pos nil at the
// start) for i1.
type rlCursor struct {
	busy *rank
	idle bool
	pos  *store.KeyPos
}

func decodeRLCursor(s string) (rlCursor, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return rlCursor{}, false
	}
	if parts := strings.SplitN(string(b), ":", 3); len(parts) == 3 && parts[0] == "i1" {
		c := rlCursor{idle: true}
		created, err := strconv.ParseInt(parts[1], 10, 64)
		if err != nil || (parts[2] == "") != (created == 0) {
			return rlCursor{}, false
		}
		if parts[2] != "" {
			c.pos = &store.KeyPos{CreatedAt: created, ID: parts[2]}
		}
		return c, true
	}
	parts := strings.SplitN(string(b), ":", 4)
	if len(parts) != 4 || parts[0] != "r1" || parts[3] == "" {
		return rlCursor{}, false
	}
	sh, err1 := strconv.ParseInt(parts[1], 10, 64)
	reset, err2 := strconv.Atoi(parts[2])
	if err1 != nil || err2 != nil {
		return rlCursor{}, false
	}
	return rlCursor{busy: &rank{share: sh, reset: reset, id: parts[3]}}, true
}

// topAfter returns, busiest first, the first n buckets that come after pos
// (all when pos is nil) and how many come after it in all: one pass
// keeping n, not a sort of every key.
func topAfter(busy []ratelimit.KeyUse, pos *rank, n int) ([]ratelimit.KeyUse, int) {
	type ranked struct {
		u ratelimit.KeyUse
		r rank
	}
	top := make([]ranked, 0, n+1)
	count := 0
	for _, u := range busy {
		r := rankOf(u)
		if pos != nil && !pos.before(r) {
			continue
		}
		count++
		if len(top) == n && !r.before(top[n-1].r) {
			continue
		}
		i := sort.Search(len(top), func(i int) bool { return r.before(top[i].r) })
		if len(top) < n {
			top = append(top, ranked{})
		}
		copy(top[i+1:], top[i:len(top)-1])
		top[i] = ranked{u, r}
	}
	out := make([]ratelimit.KeyUse, len(top))
	for i, t := range top {
		out[i] = t.u
	}
	return out, count
}

// RateLimits is the tenant's line (its busiest key's bucket) and one page
// of its usable keys: the busy ones first (read from the live buckets,
// busiest first), then the others (full buckets) newest first, read a
// page at a time through the key index.
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
	var cur rlCursor
	if v := q.Get("cursor"); v != "" {
		var ok bool
		if cur, ok = decodeRLCursor(v); !ok {
			return bad("cursor", "cursor is not one this endpoint returned; start again without it")
		}
	}
	now := s.now()
	plan := models.PlanOrDefault(u.Plan)
	busy, err := s.limiter.Tenant(ctx, u.TenantID, now)
	if err != nil {
		return models.RateLimits{}, err
	}
	out := models.RateLimits{Plan: plan, Keys: []models.KeyRateLimit{}, At: now, BusyKeys: len(busy),
		Tenant: models.RateLimitState{Limit: plan.LimitPerMinute, Burst: plan.Burst, Remaining: plan.Burst, ResetAt: now}}
	if first, _ := topAfter(busy, nil, 1); len(first) == 1 {
		out.Tenant, out.BusiestKeyID = stateOf(first[0].State), first[0].KeyID
	}
	var page []ratelimit.KeyUse
	if !cur.idle {
		var after int
		page, after = topAfter(busy, cur.busy, limit)
		if after > limit {
			out.NextCursor = encodeRLCursor(rankOf(page[limit-1]))
		}
	}
	var idle []models.KeyRateLimit
	if out.NextCursor == "" {
		// The busy keys end on this page: the others follow.
		var more *rlCursor
		if idle, more, err = s.idleKeys(ctx, u.TenantID, plan.Burst, busy, cur.pos, limit-len(page), now); err != nil {
			return out, err
		}
		if more != nil {
			out.NextCursor = encodeIdleCursor(more.pos)
		}
	}
	if len(page) == 0 {
		out.Keys = append(out.Keys, idle...)
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
	out.Keys = append(out.Keys, idle...)
	return out, nil
}

// idleKeys is up to n usable keys without a busy bucket, after pos (newest
// first), each with its full bucket; more is set when others follow (its
// pos is the last key returned, nil when n is 0).
func (s *Service) idleKeys(ctx context.Context, tenantID string, burst int, busy []ratelimit.KeyUse, pos *store.KeyPos, n int, now time.Time) ([]models.KeyRateLimit, *rlCursor, error) {
	isBusy := make(map[string]bool, len(busy))
	for _, u := range busy {
		isBusy[u.KeyID] = true
	}
	var out []models.KeyRateLimit
	var lastCreated int64
	for {
		want := n + 1 - len(out)
		rows, err := s.st.ActiveKeyLimits(ctx, s.db, tenantID, now, pos, want+len(isBusy))
		if err != nil {
			return nil, nil, err
		}
		ids := make([]string, 0, len(rows))
		for _, k := range rows {
			if !isBusy[k.ID] {
				ids = append(ids, k.ID)
			}
		}
		// Buckets spent since the busy list was read, or full under an old limit.
		states, err := s.limiter.States(ctx, tenantID, ids, now)
		if err != nil {
			return nil, nil, err
		}
		for _, k := range rows {
			pos = &store.KeyPos{CreatedAt: k.CreatedAt, ID: k.ID}
			if isBusy[k.ID] {
				continue
			}
			if len(out) == n {
				// One more exists: the next page starts after the last kept.
				var last *store.KeyPos
				if n > 0 {
					l := out[n-1]
					last = &store.KeyPos{CreatedAt: lastCreated, ID: l.KeyID}
				}
				return out, &rlCursor{idle: true, pos: last}, nil
			}
			st := models.RateLimitState{Limit: k.RateLimit, Burst: burst, Remaining: burst, ResetAt: now}
			if b, ok := states[k.ID]; ok {
				st = stateOf(b)
			}
			out = append(out, models.KeyRateLimit{KeyID: k.ID, Name: k.Name, RateLimitState: st})
			lastCreated = k.CreatedAt
		}
		if len(rows) < want+len(isBusy) {
			return out, nil, nil
		}
	}
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
