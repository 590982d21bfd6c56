package models

import "time"

// RateLimitState is one token bucket's state: capacity Burst, refilled
// evenly at Limit per minute. Used == Burst (Remaining == 0) is exactly when
// requests get 429.
type RateLimitState struct {
	Limit     int       `json:"limit"` // refill rate, requests per minute
	Burst     int       `json:"burst"` // capacity
	Used      int       `json:"used"`  // Burst - Remaining: the spent part of the bucket
	Remaining int       `json:"remaining"`
	ResetAt   time.Time `json:"reset_at"`         // when the bucket is full again (= At when full)
	ResetIn   int       `json:"reset_in_seconds"` // ResetAt - At, rounded up
}

// KeyRateLimit is the state of one key's bucket.
type KeyRateLimit struct {
	KeyID string `json:"key_id"`
	Name  string `json:"name"`
	RateLimitState
}

// RateLimits is GET /api/v1/platform/rate-limits: the tenant's line and one
// page of its usable keys, the busy ones (bucket not full) first.
type RateLimits struct {
	Plan Plan `json:"plan"`
	// Tenant is the busiest key's bucket (see BusiestKeyID), or the plan's
	// full bucket when no key has spent any: limits apply per key, so a sum
	// over keys would not say when requests are refused.
	Tenant RateLimitState `json:"tenant"`
	// BusiestKeyID is the key whose bucket Tenant is: the largest share of
	// its burst spent, then the longest until full. Empty when all are full.
	BusiestKeyID string `json:"busiest_key_id,omitempty"`
	// Keys is this page of the usable keys: the busy ones busiest first,
	// then the others (full buckets) newest first.
	Keys []KeyRateLimit `json:"keys"`
	// BusyKeys counts the busy keys over every page.
	BusyKeys int `json:"busy_keys"`
	// NextCursor asks for the next page; empty on the last.
	NextCursor string    `json:"next_cursor,omitempty"`
	At         time.Time `json:"at"`
}

// RateLimitParams page the keys of GET /api/v1/platform/rate-limits.
type RateLimitParams struct {
	Limit  int    // keys per page, 1–100; 0 is the server's default (10)
	Cursor string // a NextCursor; "" for the first page
}
