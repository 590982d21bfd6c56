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

// SampleCap is how many full records of failed requests with status are
// kept per key and minute (the error log); the rest are counted only, so a
// flood (a client ignoring 429s) costs counts, not rows.
func SampleCap(status int) int {
	if status == 429 {
		return 10
	}
	return 100
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
	RequestID            string // X-Request-Id of the answer
	Counted              bool   // consumed a rate-limit token
	Audit                *AuditItem
	Slot                 *UsageSlot // the key's, when the caller holds one
}

// UsageSlot keeps a key's place in the usage writer's pending counts between
// requests for a caller that holds the key (the key cache's entry), so the
// next request skips the lookup by key id. Batch numbers the aggregate Key
// belongs to (0: none): a number, so that an idle key's slot holds on to its
// own counts only, not to a whole written aggregate. Only the writer reads or
// writes it, under its lock.
type UsageSlot struct {
	Batch uint64
	Key   any
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

// KeyTotalRes are the resolutions of the per-key totals (seconds).
func KeyTotalRes() []int64 { return []int64{60, 900, 3600, 21600, 86400} }

// KeyTotalKey is one bucket of one key's totals.
type KeyTotalKey struct {
	TenantID, KeyID string
	Res, T          int64
}

// KeyTotalVal counts a key's requests in a bucket and how many succeeded.
type KeyTotalVal struct{ N, OK int64 }

// UsageBatch is one write of the usage writer (or the seed), already
// aggregated; every part may be empty.
type UsageBatch struct {
	Rollups       map[RollupKey]*RollupVal // per key
	TenantRollups map[RollupKey]*RollupVal // KeyID ""
	KeyTotals     map[KeyTotalKey]*KeyTotalVal
	Totals        map[TotalKey]int64 // accepted requests per minute, added
	Peaks         map[PeakKey]int64  // raised to at least this
	Keys          map[string]*KeyDelta
	IPs           map[IPKey]*IPDelta
	Errors        []UsageEvent // failed requests kept in full
	Audits        []UsageEvent // requests that leave an audit record

	// Stored is filled by WriteUsage: each minute of Totals as stored
	// after the addition (the peaks of later batches derive from it).
	Stored map[TotalKey]int64
}

// NewUsageBatch is an empty batch.
func NewUsageBatch() *UsageBatch {
	return &UsageBatch{Rollups: map[RollupKey]*RollupVal{}, TenantRollups: map[RollupKey]*RollupVal{},
		KeyTotals: map[KeyTotalKey]*KeyTotalVal{}, Totals: map[TotalKey]int64{}, Peaks: map[PeakKey]int64{},
		Keys: map[string]*KeyDelta{}, IPs: map[IPKey]*IPDelta{}}
}

// AddRollup adds v to the per-key row k and to what derives from it: the
// tenant row and the key's totals (at res, and daily for 6-hour rows).
func (b *UsageBatch) AddRollup(k RollupKey, v *RollupVal) {
	MergeRollup(b.Rollups, k, v)
	tk := k
	tk.KeyID = ""
	MergeRollup(b.TenantRollups, tk, v)
	ok := int64(0)
	if k.Status < 400 {
		ok = v.N
	}
	b.AddKeyTotal(KeyTotalKey{TenantID: k.TenantID, KeyID: k.KeyID, Res: k.Res, T: k.T}, v.N, ok)
	if k.Res == 21600 {
		b.AddKeyTotal(KeyTotalKey{TenantID: k.TenantID, KeyID: k.KeyID, Res: 86400, T: AlignDown(k.T, 86400)}, v.N, ok)
	}
}

// AddKeyTotal adds n requests (ok of them successful) to a key's bucket.
func (b *UsageBatch) AddKeyTotal(k KeyTotalKey, n, ok int64) {
	d := b.KeyTotals[k]
	if d == nil {
		d = &KeyTotalVal{}
		b.KeyTotals[k] = d
	}
	d.N += n
	d.OK += ok
}

// RaisePeak keeps the largest per-minute total seen for a peak bucket.
func (b *UsageBatch) RaisePeak(k PeakKey, n int64) {
	if n > b.Peaks[k] {
		b.Peaks[k] = n
	}
}

// Empty reports whether the batch writes nothing.
func (b *UsageBatch) Empty() bool {
	return len(b.Rollups) == 0 && len(b.TenantRollups) == 0 && len(b.KeyTotals) == 0 && len(b.Totals) == 0 && len(b.Peaks) == 0 &&
		len(b.Keys) == 0 && len(b.IPs) == 0 && len(b.Errors) == 0 && len(b.Audits) == 0
}

// RollupQuery selects the rollup rows of a tenant (and one key when KeyID
// is set) at resolution Res with Start <= t < End.
type RollupQuery struct {
	TenantID, KeyID string
	Res, Start, End int64
}

// RollupRow is one stored rollup row of a RollupQuery (KeyID "" reads
// the tenant-wide rows).
type RollupRow struct {
	T        int64
	Endpoint string
	Status   int
	N, Lat   int64
	H        [HistBuckets]int64
}

// Span is [Start, End) read at resolution Res.
type Span struct{ Res, Start, End int64 }

// KeyCount is a key's requests and successes over some spans.
type KeyCount struct {
	KeyID string
	N, OK int64
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

// PruneTarget is one index range pruning deletes from, in batches: SQL
// deletes about one batch of it per run, to be run until it deletes less.
type PruneTarget struct {
	Table           string
	TenantID, KeyID string
	Res             int64
	Before          int64 // t (seconds) or ts (ms), per table
	SQL             string
	Args            []any
}

// UsageStore keeps usage: the writer's batches, the seed's history, and the
// reads of the analytics.
type UsageStore interface {
	// WriteUsage stores a batch and fills b.Stored; it raises the usage
	// version of the batch's tenants in the same transaction.
	WriteUsage(ctx context.Context, h Handle, b *UsageBatch) error
	// UsageVersion is a tenant's usage version, raised by every write of
	// its usage (by any instance); TouchUsageVersion raises it.
	UsageVersion(ctx context.Context, h Handle, tenantID string) (int64, error)
	TouchUsageVersion(ctx context.Context, h Handle, tenantID string) error
	// PruneTargets lists what retention removes at now, found through
	// indexes, as statements that delete about limit rows each.
	PruneTargets(ctx context.Context, h Handle, now time.Time, tokenKeep time.Duration, limit int) ([]PruneTarget, error)
	AddKeyIP(ctx context.Context, h Handle, keyID, ip string, lastSeen time.Time, n int64) error

	// FirstRollup is the first tenant-wide bucket stored at res.
	FirstRollup(ctx context.Context, h Handle, tenantID string, res int64) (t int64, ok bool, err error)
	// HasRollups reports whether any tenant-wide row of q exists.
	HasRollups(ctx context.Context, h Handle, q RollupQuery) (bool, error)
	// UsageRows reads q's rows in one pass: the tenant-wide rows, or one key's.
	UsageRows(ctx context.Context, h Handle, q RollupQuery) ([]RollupRow, error)
	// KeyCounts sums every key's totals over spans (which do not overlap).
	KeyCounts(ctx context.Context, h Handle, tenantID string, spans []Span) ([]KeyCount, error)
	// UsagePeaks lists per-minute totals (Res 60) or bucket peaks of a key
	// (or the tenant, KeyID ""), in q's window.
	UsagePeaks(ctx context.Context, h Handle, q RollupQuery) ([]PeakRow, error)
	UsageErrors(ctx context.Context, h Handle, q ErrorQuery) ([]models.RecentError, []ErrorPos, error)
	// KeyWindowCounts sums, for each key of ids that has any, the rollup
	// rows at res with t >= since: all requests and the 401s among them.
	KeyWindowCounts(ctx context.Context, h Handle, tenantID string, ids []string, res, since int64) (map[string]WindowCount, error)
	// KeyTotalSeries lists the per-key totals at res of keys ids with
	// start <= t < end (buckets without requests are absent).
	KeyTotalSeries(ctx context.Context, h Handle, tenantID string, ids []string, res, start, end int64) ([]KeyBucket, error)
	// KeyDailyUsage and KeyTopEndpoints read a key's 6-hour rollups since (unix seconds).
	KeyDailyUsage(ctx context.Context, h Handle, tenantID, keyID string, since int64) ([]DayRow, error)
	KeyTopEndpoints(ctx context.Context, h Handle, tenantID, keyID string, since int64, limit int) ([]models.EndpointCount, error)
}
