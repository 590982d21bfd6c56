package usage

import (
	"context"
	"database/sql"
	"errors"
	"net/url"
	"sort"
	"time"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server/httpx"
	"github.com/penguinmails/pmdev/server/ratelimit"
	"github.com/penguinmails/pmdev/server/store"
)

// Store is what the analytics read.
type Store interface {
	store.UsageStore
	GetKey(ctx context.Context, h store.Handle, tenantID, id string, now time.Time) (store.Key, error)
	ActiveKeyLimits(ctx context.Context, h store.Handle, tenantID string, now time.Time) ([]store.KeyLimit, error)
	KeySummaries(ctx context.Context, h store.Handle, tenantID string) ([]store.KeySummary, error)
}

// Service answers the usage, error-log and rate-limit routes.
type Service struct {
	db      *sql.DB
	st      Store
	limiter *ratelimit.Limiter
	now     func() time.Time
}

// New returns the service; limiter holds the live buckets of product requests.
func New(db *sql.DB, st Store, limiter *ratelimit.Limiter, now func() time.Time) *Service {
	return &Service{db: db, st: st, limiter: limiter, now: now}
}

// window resolves q's range for u's tenant, coarsened as in coarsenForData.
func (s *Service) window(ctx context.Context, u *httpx.User, q url.Values) (window, error) {
	w, err := resolveWindow(q.Get("range"), q.Get("from"), q.Get("to"), s.now())
	if err != nil {
		return w, err
	}
	return w, s.coarsenForData(ctx, u.TenantID, &w)
}

// keyOf checks that keyID is a key of u's tenant.
func (s *Service) keyOf(ctx context.Context, u *httpx.User, keyID string) (store.Key, error) {
	k, err := s.st.GetKey(ctx, s.db, u.TenantID, keyID, s.now())
	if errors.Is(err, store.ErrNotFound) {
		return k, httpx.NotFoundError("API key")
	}
	return k, err
}

// agg accumulates counts and a latency histogram.
type agg struct {
	n, success, clientErr, serverErr, limited, latSum int64
	h                                                 [store.HistBuckets]int64
}

// byClass picks the counter a status adds to: success, 429, other 4xx or 5xx.
func byClass(status int, success, limited, clientErr, serverErr *int64) *int64 {
	switch {
	case status < 400:
		return success
	case status == 429:
		return limited
	case status < 500:
		return clientErr
	default:
		return serverErr
	}
}

func (a *agg) add(status int, n, lat int64) {
	a.n += n
	a.latSum += lat
	*byClass(status, &a.success, &a.limited, &a.clientErr, &a.serverErr) += n
}

func (a *agg) avgMS() float64 {
	if a.n == 0 {
		return 0
	}
	return models.Round2(float64(a.latSum) / float64(a.n) / 1000)
}

func (a *agg) successRate() float64 {
	if a.n == 0 {
		return 100
	}
	return models.Round2(float64(a.success) * 100 / float64(a.n))
}

// p95MS interpolates the 95th percentile inside the histogram bucket holding it.
func (a *agg) p95MS() float64 {
	if a.n == 0 {
		return 0
	}
	target := 0.95 * float64(a.n)
	bounds := store.LatencyBoundsUS()
	var cum float64
	lower := 0.0
	for i, c := range a.h {
		upper := 2_000_000.0
		if i < len(bounds) {
			upper = float64(bounds[i])
		}
		if c > 0 && cum+float64(c) >= target {
			frac := (target - cum) / float64(c)
			return models.Round2((lower + frac*(upper-lower)) / 1000)
		}
		cum += float64(c)
		lower = upper
	}
	return models.Round2(lower / 1000)
}

func (a *agg) totals(peak int64, limit int) models.UsageTotals {
	t := models.UsageTotals{
		Requests: a.n, Success: a.success, Errors: a.n - a.success,
		SuccessRate: a.successRate(), AvgLatencyMS: a.avgMS(), P95LatencyMS: a.p95MS(), RateLimited: a.limited,
	}
	if limit > 0 {
		t.RateLimitUsagePc = models.Round2(float64(peak) * 100 / float64(limit))
	}
	return t
}

func aggFor(m map[string]*agg, k string) *agg {
	a := m[k]
	if a == nil {
		a = &agg{}
		m[k] = a
	}
	return a
}

// Usage is the analytics document of q's range, of one key when q names
// key_id (GeneratedAt left zero for the ETag).
func (s *Service) Usage(ctx context.Context, u *httpx.User, q url.Values) (models.APIUsage, error) {
	win, err := s.window(ctx, u, q)
	if err != nil {
		return models.APIUsage{}, err
	}
	keyID := q.Get("key_id")
	limit := models.PlanOrDefault(u.Plan).LimitPerMinute
	if keyID != "" {
		k, err := s.keyOf(ctx, u, keyID)
		if err != nil {
			return models.APIUsage{}, err
		}
		limit = k.RateLimit
	}
	return s.compute(ctx, u.TenantID, keyID, limit, win)
}

func (s *Service) compute(ctx context.Context, tenantID, keyID string, limit int, win window) (models.APIUsage, error) {
	rq := win.query(tenantID, keyID)
	nb := int((win.end - win.start) / win.bucket)
	out := models.APIUsage{
		Range: win.rng, From: time.Unix(win.start, 0).UTC(), To: time.Unix(win.end, 0).UTC(),
		BucketSeconds: int(win.bucket), KeyID: keyID,
		Series: make([]models.UsageBucket, nb), Endpoints: []models.EndpointUsage{}, ErrorsBy: []models.StatusCount{},
		RecentErrors: []models.RecentError{}, ByKey: []models.KeyUsage{},
		RateLimit: models.RateLimitSeries{Limit: limit, Series: make([]models.RateLimitPoint, nb)},
	}
	for i := range out.Series {
		t := time.Unix(win.start+int64(i)*win.bucket, 0).UTC()
		out.Series[i].T = t
		out.RateLimit.Series[i].T = t
	}
	// Series: one narrow grouped scan.
	series, err := s.st.UsageSeries(ctx, s.db, rq, win.bucket)
	if err != nil {
		return out, err
	}
	for _, r := range series {
		if r.Bucket < 0 || r.Bucket >= nb {
			continue
		}
		b := &out.Series[r.Bucket]
		b.Total += r.N
		*byClass(r.Status, &b.Success, &b.RateLimited, &b.ClientError, &b.ServerError) += r.N
	}
	// Breakdowns by key, endpoint and status; the histogram only for the totals.
	rows, err := s.st.UsageBreakdown(ctx, s.db, rq)
	if err != nil {
		return out, err
	}
	var total agg
	eps := map[string]*agg{}
	keys := map[string]*agg{}
	statuses := map[int]int64{}
	for _, r := range rows {
		total.add(r.Status, r.N, r.LatSum)
		aggFor(eps, r.Endpoint).add(r.Status, r.N, r.LatSum)
		aggFor(keys, r.KeyID).add(r.Status, r.N, r.LatSum)
		if r.Status >= 400 {
			statuses[r.Status] += r.N
		}
	}
	if total.h, err = s.st.UsageHistogram(ctx, s.db, rq); err != nil {
		return out, err
	}

	peak, peakAt, err := s.peaks(ctx, tenantID, keyID, win, out.RateLimit.Series)
	if err != nil {
		return out, err
	}
	out.RateLimit.Peak, out.RateLimit.ExceededCount = peak, total.limited
	if peak > 0 {
		t := time.Unix(peakAt, 0).UTC()
		out.RateLimit.PeakAt = &t
	}
	out.Totals = total.totals(peak, limit)

	for ep, a := range eps {
		out.Endpoints = append(out.Endpoints, models.EndpointUsage{Endpoint: ep, Requests: a.n, SuccessRate: a.successRate(), AvgLatencyMS: a.avgMS(), Errors: a.n - a.success})
	}
	sort.Slice(out.Endpoints, func(i, j int) bool {
		a, b := out.Endpoints[i], out.Endpoints[j]
		return a.Requests > b.Requests || (a.Requests == b.Requests && a.Endpoint < b.Endpoint)
	})
	errTotal := total.n - total.success
	for st, c := range statuses {
		out.ErrorsBy = append(out.ErrorsBy, models.StatusCount{Status: st, Count: c, Percent: models.Round2(float64(c) * 100 / float64(errTotal))})
	}
	sort.Slice(out.ErrorsBy, func(i, j int) bool {
		a, b := out.ErrorsBy[i], out.ErrorsBy[j]
		return a.Count > b.Count || (a.Count == b.Count && a.Status < b.Status)
	})

	if err := s.fillByKey(ctx, tenantID, keys, &out); err != nil {
		return out, err
	}
	if out.RecentErrors, _, err = s.errors(ctx, tenantID, keyID, win, nil, 100); err != nil {
		return out, err
	}

	// Previous period of the same length, totals only.
	prev := window{start: 2*win.start - win.end, end: win.start, bucket: win.bucket, res: win.res}
	pq := prev.query(tenantID, keyID)
	pt, err := s.st.UsageTotals(ctx, s.db, pq)
	if err != nil {
		return out, err
	}
	pa := agg{n: pt.N, success: pt.Success, limited: pt.Limited, latSum: pt.LatSum}
	if pa.h, err = s.st.UsageHistogram(ctx, s.db, pq); err != nil {
		return out, err
	}
	ppeak, _, err := s.peaks(ctx, tenantID, keyID, prev, nil)
	if err != nil {
		return out, err
	}
	out.Previous = pa.totals(ppeak, limit)
	return out, nil
}

// peaks fills series (if given) with the peak per-minute accepted requests of
// each bucket and returns the overall peak and its minute (or hour).
func (s *Service) peaks(ctx context.Context, tenantID, keyID string, win window, series []models.RateLimitPoint) (int64, int64, error) {
	rows, err := s.st.UsagePeaks(ctx, s.db, win.query(tenantID, keyID))
	if err != nil {
		return 0, 0, err
	}
	var peak, peakAt int64
	for _, r := range rows {
		if r.N > peak {
			peak, peakAt = r.N, r.T
		}
		if series != nil {
			if bi := (r.T - win.start) / win.bucket; bi >= 0 && int(bi) < len(series) && r.N > series[bi].Peak {
				series[bi].Peak = r.N
			}
		}
	}
	return peak, peakAt, nil
}

func (s *Service) fillByKey(ctx context.Context, tenantID string, keys map[string]*agg, out *models.APIUsage) error {
	if len(keys) == 0 {
		return nil
	}
	all, err := s.st.KeySummaries(ctx, s.db, tenantID)
	if err != nil {
		return err
	}
	for _, k := range all {
		a := keys[k.ID]
		if a == nil {
			continue
		}
		out.ByKey = append(out.ByKey, models.KeyUsage{KeyID: k.ID, Name: k.Name, Requests: a.n, SuccessRate: a.successRate(), LastUsed: k.LastUsed})
	}
	sort.Slice(out.ByKey, func(i, j int) bool {
		a, b := out.ByKey[i], out.ByKey[j]
		return a.Requests > b.Requests || (a.Requests == b.Requests && a.KeyID < b.KeyID)
	})
	return nil
}
