package models

import "time"

// RateLimitState is one bucket's state.
type RateLimitState struct {
	Limit     int       `json:"limit"` // per minute
	Burst     int       `json:"burst"`
	Used      int       `json:"used"` // requests in the current minute window
	Remaining int       `json:"remaining"`
	ResetAt   time.Time `json:"reset_at"`
	ResetIn   int       `json:"reset_in_seconds"`
}

// KeyRateLimit is the state of one key's bucket.
type KeyRateLimit struct {
	KeyID string `json:"key_id"`
	Name  string `json:"name"`
	RateLimitState
}

// RateLimits is GET /api/v1/platform/rate-limits.
type RateLimits struct {
	Plan   Plan           `json:"plan"`
	Tenant RateLimitState `json:"tenant"`
	Keys   []KeyRateLimit `json:"keys"`
	At     time.Time      `json:"at"`
}
