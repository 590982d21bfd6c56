package models

import "time"

// Key hygiene: the recommendations the server computes for each key, and
// the rotation cockpit's picture of a rotation in its grace period.

// Recommendation severities. A key needs attention when one of its
// recommendations is high or medium; low ones are advice shown on the key.
const (
	SeverityHigh   = "high"
	SeverityMedium = "medium"
	SeverityLow    = "low"
)

// Recommendation codes (stable: clients branch on them).
const (
	RecRotationDue         = "rotation_due"
	RecUnused              = "unused"
	RecAdminWithoutIPs     = "admin_without_ip_allowlist"
	RecLiveWithoutExpiry   = "live_key_without_expiry"
	RecTestKeyVolume       = "test_key_production_volume"
	RecRetiredKeyStillUsed = "retired_key_still_used"
)

// Actions that resolve a recommendation.
const (
	ActionRotate        = "rotate"
	ActionRevoke        = "revoke"
	ActionSetAllowedIPs = "set_allowed_ips"
	ActionSetExpiry     = "set_expiry"
	ActionUseLiveKey    = "use_live_key"
	ActionFindCaller    = "find_caller"
)

// The hygiene rules' thresholds.
const (
	// KeyRotateAfterDays: an active key older than this (strictly) that was
	// never rotated should be.
	KeyRotateAfterDays = 90
	// KeyUnusedDays: an active key with no request for longer than this
	// (counted from its creation when never used) should be revoked.
	KeyUnusedDays = 30
	// TestKeyDailyVolume: a test key that made at least this many requests
	// in the last 24 hours (whole hours: since the start of the hour 24
	// hours ago) carries production traffic.
	TestKeyDailyVolume = 10_000
	// RetiredKeyDays: a revoked or expired key that was still called, and
	// refused, within this many days is still configured somewhere.
	RetiredKeyDays = 7
	// GraceQuietPeriod: the old key of a rotation that served no request
	// for this long is safe to cut off ("safe to end grace").
	GraceQuietPeriod = time.Hour
)

// KeyRecommendation is one piece of advice about a key.
type KeyRecommendation struct {
	Code     string `json:"code"`
	Severity string `json:"severity"`
	Message  string `json:"message"` // one line
	Action   string `json:"action"`
}

// KeyRotation is a rotation in its grace period: the old key still works
// until OldKeyExpiresAt. Counters start at the rotation.
type KeyRotation struct {
	OldKeyID        string    `json:"old_key_id"`
	NewKeyID        string    `json:"new_key_id"`
	RotatedAt       time.Time `json:"rotated_at"`
	OldKeyExpiresAt time.Time `json:"old_key_expires_at"`
	// GraceMaxExpiresAt is the latest the grace can be extended to: 168 h
	// after the rotation, never past the new key's own expiry.
	GraceMaxExpiresAt        time.Time `json:"grace_max_expires_at"`
	OldRequestsSinceRotation int64     `json:"old_requests_since_rotation"`
	NewRequestsSinceRotation int64     `json:"new_requests_since_rotation"`
	OldRequestsLastHour      int64     `json:"old_requests_last_hour"`
	// OldLastUsedAt is the old key's latest request, before or after the rotation.
	OldLastUsedAt *time.Time `json:"old_last_used_at"`
	// OldRecentIPs are the addresses that used the old key since the
	// rotation, latest first (at most 10; requests count all of theirs).
	OldRecentIPs       []KeyIP `json:"old_recent_ips"`
	QuietPeriodSeconds int     `json:"quiet_period_seconds"`
	// SafeToEndGrace: the old key served nothing for the quiet period since
	// the rotation (or since its last request after it).
	SafeToEndGrace bool `json:"safe_to_end_grace"`
}

// RotationTraffic is both keys' requests per bucket since the rotation.
// The first bucket starts at the rotation rounded down to BucketSeconds, so
// it may hold the old key's last requests before it.
type RotationTraffic struct {
	BucketSeconds int              `json:"bucket_seconds"`
	Buckets       []RotationBucket `json:"buckets"`
}

// RotationBucket is one bucket of RotationTraffic.
type RotationBucket struct {
	T   time.Time `json:"t"`
	Old int64     `json:"old"`
	New int64     `json:"new"`
}

// ExtendGraceRequest is POST .../{id}/grace/extend.
type ExtendGraceRequest struct {
	Hours int `json:"hours"` // 1–168, added to the old key's expiry
}
