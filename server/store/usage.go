package store

import (
	"context"
	"time"

	"github.com/penguinmails/pmdev/models"
)

// The usage data model shared by the usage writer, the analytics and the
// demo seed: per-request events, rollups at fixed resolutions with a latency
// histogram, accepted requests per minute and their peaks per bucket.

// HistBuckets is the size of a rollup's latency histogram.
const HistBuckets = 10

// LatencyBoundsUS are the upper bounds of histogram buckets h0..h8 (h9 is the rest).
func LatencyBoundsUS() [HistBuckets - 1]int64 {
	return [...]int64{1_000, 5_000, 10_000, 25_000, 50_000, 100_000, 200_000, 400_000, 1_000_000}
}

// HistBucket is the histogram bucket of a latency.
func HistBucket(latUS int64) int {
	for i, b := range LatencyBoundsUS() {
		if latUS <= b {
			return i
		}
	}
	return HistBuckets - 1
}

// RollupRes are the stored rollup resolutions (seconds).
func RollupRes() []int64 { return []int64{60, 900, 3600, 21600} }

// PeakRes are the resolutions with peak rows.
func PeakRes() []int64 { return []int64{900, 3600, 21600} }

// AlignDown is v rounded down to a multiple of b (negative v too).
func AlignDown(v, b int64) int64 { return v - mod(v, b) }

// AlignUp is v rounded up to a multiple of b.
func AlignUp(v, b int64) int64 {
	if mod(v, b) == 0 {
		return v
	}
	return AlignDown(v, b) + b
}

func mod(v, b int64) int64 {
	m := v % b
	if m < 0 {
		m += b
	}
	return m
}

// AuditItem is an audit record a product request leaves (an IP refused).
type AuditItem struct {
	Action, Detail string
}

// UsageEvent is one product request.
type UsageEvent struct {
	At                   time.Time
	TenantID, KeyID      string
	Method, Route        string
	Status               int
	LatencyUS            int64
	ErrCode, Message, IP string
	Counted              bool // consumed a rate-limit token
	Audit                *AuditItem
}

// Endpoint is "METHOD /route".
func (e *UsageEvent) Endpoint() string { return e.Method + " " + e.Route }

// RollupKey is one rollup row's identity (t is the bucket start, unix seconds).
type RollupKey struct {
	TenantID, KeyID string
	Res, T          int64
	Endpoint        string
	Status          int
}

// RollupVal is what a rollup row counts.
type RollupVal struct {
	N, LatSum int64
	H         [HistBuckets]int64
}

// MergeRollup adds v into m[k].
func MergeRollup(m map[RollupKey]*RollupVal, k RollupKey, v *RollupVal) {
	d := m[k]
	if d == nil {
		d = &RollupVal{}
		m[k] = d
	}
	d.N += v.N
	d.LatSum += v.LatSum
	for i := range d.H {
		d.H[i] += v.H[i]
	}
}

// TotalKey is one minute (t) of a key, or of the tenant when KeyID is "".
type TotalKey struct {
	TenantID, KeyID string
	T               int64
}

// PeakKey is one peak bucket of a key, or of the tenant when KeyID is "".
type PeakKey struct {
	TenantID, KeyID string
	Res, T          int64
}

// KeyDelta is what a batch adds to a key's counters.
type KeyDelta struct {
	N, Errs  int64
	LastUsed int64 // unix ms
	LastIP   string
}

// IPKey is a key and an address it was used from.
type IPKey struct{ KeyID, IP string }

// IPDelta is what a batch adds to an IPKey.
type IPDelta struct{ N, Last int64 } // Last: unix ms

// UsageBatch is one write of the usage writer, already aggregated.
type UsageBatch struct {
	Events  []UsageEvent // failures get a row each, successes a line in a log chunk
	Rollups map[RollupKey]*RollupVal
	Totals  map[TotalKey]int64 // accepted requests per minute
	Keys    map[string]*KeyDelta
	IPs     map[IPKey]*IPDelta
}

// RollupQuery selects the rollup rows of a tenant (and one key when KeyID
// is set) at resolution Res with Start <= t < End.
type RollupQuery struct {
	TenantID, KeyID string
	Res, Start, End int64
}

// SeriesRow is the requests of one status in one bucket (index from Start).
type SeriesRow struct {
	Bucket, Status int
	N              int64
}

// BreakdownRow is the requests of one key, endpoint and status.
type BreakdownRow struct {
	KeyID, Endpoint string
	Status          int
	N, LatSum       int64
}

// PeriodTotals are the totals of a window.
type PeriodTotals struct {
	N, Success, Limited, LatSum int64
}

// PeakRow is the peak per-minute accepted requests of a bucket starting at T.
type PeakRow struct{ T, N int64 }

// ErrorPos is the position of a failed request in the error log, which is
// ordered by (TS, ID) descending.
type ErrorPos struct{ TS, ID int64 }

// ErrorQuery selects failed requests with StartMS <= ts < EndMS, newest
// first, after After when set.
type ErrorQuery struct {
	TenantID, KeyID string
	StartMS, EndMS  int64
	After           *ErrorPos
	Limit           int
}

// DayRow is the requests and errors of one day (index from the first day).
type DayRow struct {
	Day       int
	N, Errors int64
}

// UsageStore keeps usage: the writer's batches, the seed's history, and the
// reads of the analytics.
type UsageStore interface {
	// WriteUsage stores a batch and updates every derived table.
	WriteUsage(ctx context.Context, h Handle, b *UsageBatch) error
	// PruneUsage drops detail no view reads any more, and tokens long expired.
	PruneUsage(ctx context.Context, h Handle, now time.Time, tokenKeep time.Duration) error

	// The demo seed's bulk writes (into an empty tenant).
	AddRollups(ctx context.Context, h Handle, m map[RollupKey]*RollupVal) error
	InsertErrorEvents(ctx context.Context, h Handle, events []UsageEvent) error
	InsertMinuteTotals(ctx context.Context, h Handle, totals map[TotalKey]int64) error
	InsertPeaks(ctx context.Context, h Handle, peaks map[PeakKey]int64) error
	AddKeyIP(ctx context.Context, h Handle, keyID, ip string, lastSeen time.Time, n int64) error

	// FirstRollup is the first bucket stored at res for a tenant.
	FirstRollup(ctx context.Context, h Handle, tenantID string, res int64) (t int64, ok bool, err error)
	// HasRollups reports whether any row of q exists.
	HasRollups(ctx context.Context, h Handle, q RollupQuery) (bool, error)
	UsageSeries(ctx context.Context, h Handle, q RollupQuery, bucket int64) ([]SeriesRow, error)
	UsageBreakdown(ctx context.Context, h Handle, q RollupQuery) ([]BreakdownRow, error)
	UsageHistogram(ctx context.Context, h Handle, q RollupQuery) ([HistBuckets]int64, error)
	UsageTotals(ctx context.Context, h Handle, q RollupQuery) (PeriodTotals, error)
	// UsagePeaks lists per-minute totals (Res 60) or bucket peaks of a key
	// (or the tenant, KeyID ""), in q's window.
	UsagePeaks(ctx context.Context, h Handle, q RollupQuery) ([]PeakRow, error)
	UsageErrors(ctx context.Context, h Handle, q ErrorQuery) ([]models.RecentError, []ErrorPos, error)
	// KeyDailyUsage and KeyTopEndpoints read a key's 6-hour rollups since (unix seconds).
	KeyDailyUsage(ctx context.Context, h Handle, tenantID, keyID string, since int64) ([]DayRow, error)
	KeyTopEndpoints(ctx context.Context, h Handle, tenantID, keyID string, since int64, limit int) ([]models.EndpointCount, error)
}
