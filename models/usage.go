package models

import "time"

// Usage ranges and their bucket sizes.
const (
	Range1h     = "1h"  // 1-minute buckets
	Range24h    = "24h" // 15-minute buckets
	Range7d     = "7d"  // 1-hour buckets
	Range30d    = "30d" // 6-hour buckets
	RangeCustom = "custom"
)

// UsageParams are the query of GET /api/v1/tenant/analytics/api-usage.
type UsageParams struct {
	Range string
	KeyID string
	From  time.Time // custom only
	To    time.Time // custom only
}

// UsageTotals are the metric cards.
type UsageTotals struct {
	Requests     int64   `json:"requests"`
	Success      int64   `json:"success"`
	Errors       int64   `json:"errors"`
	SuccessRate  float64 `json:"success_rate"` // percent 0–100
	AvgLatencyMS float64 `json:"avg_latency_ms"`
	P95LatencyMS float64 `json:"p95_latency_ms"`
	// RateLimitUsagePc is the percentage of the window's requests refused
	// by the rate limit (429): the same meaning for one key and for all.
	RateLimitUsagePc float64 `json:"rate_limit_usage_pct"`
	RateLimited      int64   `json:"rate_limited"`
}

// UsageBucket is one time-series point. Success counts 2xx/3xx.
type UsageBucket struct {
	T           time.Time `json:"t"`
	Total       int64     `json:"total"`
	Success     int64     `json:"success"`
	ClientError int64     `json:"client_error"` // 4xx except 429
	ServerError int64     `json:"server_error"`
	RateLimited int64     `json:"rate_limited"`
}

// EndpointUsage is one row of the endpoints table.
type EndpointUsage struct {
	Endpoint     string  `json:"endpoint"` // "POST /api/v1/emails/send"
	Requests     int64   `json:"requests"`
	SuccessRate  float64 `json:"success_rate"`
	AvgLatencyMS float64 `json:"avg_latency_ms"`
	Errors       int64   `json:"errors"`
}

// StatusCount is one slice of the error breakdown.
type StatusCount struct {
	Status  int     `json:"status"`
	Count   int64   `json:"count"`
	Percent float64 `json:"percent"`
}

// RecentError is one row of the recent errors table.
type RecentError struct {
	Time      time.Time `json:"time"`
	Endpoint  string    `json:"endpoint"`
	Status    int       `json:"status"`
	ErrorCode string    `json:"error_code"`
	Message   string    `json:"message"`
	KeyID     string    `json:"key_id"`
	KeyName   string    `json:"key_name"`
}

// RateLimitPoint is the peak per-minute request count within a bucket.
type RateLimitPoint struct {
	T    time.Time `json:"t"`
	Peak int64     `json:"peak"`
}

// RateLimitSeries is the rate-limit monitoring block.
type RateLimitSeries struct {
	Limit         int              `json:"limit"`
	Series        []RateLimitPoint `json:"series"`
	ExceededCount int64            `json:"exceeded_count"` // 429s in range
	Peak          int64            `json:"peak"`
	PeakAt        *time.Time       `json:"peak_at"`
}

// KeyUsage is one row of usage by key.
type KeyUsage struct {
	KeyID       string     `json:"key_id"`
	Name        string     `json:"name"`
	Requests    int64      `json:"requests"`
	SuccessRate float64    `json:"success_rate"`
	LastUsed    *time.Time `json:"last_used"`
	// Status is the key's now (active, revoked or expired): a range may
	// hold traffic of keys no longer usable.
	Status string `json:"status"`
}

// APIUsage is GET /api/v1/tenant/analytics/api-usage.
type APIUsage struct {
	Range         string          `json:"range"`
	From          time.Time       `json:"from"`
	To            time.Time       `json:"to"`
	BucketSeconds int             `json:"bucket_seconds"`
	KeyID         string          `json:"key_id,omitempty"`
	Totals        UsageTotals     `json:"totals"`
	Previous      UsageTotals     `json:"previous"` // as much as has elapsed of the window, one length earlier
	Series        []UsageBucket   `json:"series"`   // oldest first, zero-filled
	Endpoints     []EndpointUsage `json:"endpoints"`
	ErrorsBy      []StatusCount   `json:"errors_by_status"`
	RecentErrors  []RecentError   `json:"recent_errors"` // newest first, at most 100
	RateLimit     RateLimitSeries `json:"rate_limit"`
	ByKey         []KeyUsage      `json:"by_key"`
	GeneratedAt   time.Time       `json:"generated_at"`
}

// Error log export limits (GET /api/v1/tenant/analytics/api-usage/errors).
const (
	UsageErrorsDefaultLimit = 500
	UsageErrorsMaxLimit     = 5000
)

// UsageErrorPage is one page of GET /api/v1/tenant/analytics/api-usage/errors:
// every failed request of the range, newest first. NextCursor is opaque and
// empty on the last page.
type UsageErrorPage struct {
	From       time.Time     `json:"from"`
	To         time.Time     `json:"to"`
	Errors     []RecentError `json:"errors"`
	NextCursor string        `json:"next_cursor,omitempty"`
}
