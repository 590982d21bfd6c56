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
	UsableKeyNames(ctx context.Context, h store.Handle, tenantID string, ids []string, now time.Time) (map[string]string, error)
	ActiveKeyLimits(ctx context.Context, h store.Handle, tenantID string, now time.Time, after *store.KeyPos, limit int) ([]store.KeyLimit, error)
	KeySummaries(ctx context.Context, h store.Handle, tenantID string) ([]store.KeySummary, error)
}

// Service answers the usage, error-log and rate-limit routes.
type Service struct {
	db      *sql.DB
	st      Store
	limiter ratelimit.Limiter
	now     func() time.Time
	version func(ctx context.Context, tenantID string) string
}

// New returns the service; limiter holds the live buckets of product
// requests, version (may be nil) the data version of a tenant's usage and
// keys, which makes conditional requests cheap.
func New(db *sql.DB, st Store, limiter ratelimit.Limiter, now func() time.Time, version func(ctx context.Context, tenantID string) string) *Service {
	return &Service{db: db, st: st, limiter: limiter, now: now, version: version}
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

func (a *agg) totals() models.UsageTotals {
	t := models.UsageTotals{
		Requests: a.n, Success: a.success, Errors: a.n - a.success,
		SuccessRate: a.successRate(), AvgLatencyMS: a.avgMS(), P95LatencyMS: a.p95MS(), RateLimited: a.limited,
	}
	if a.n > 0 {
		// The refused share: a busiest minute summed over keys and divided
		// by one key's limit meant nothing.
		t.RateLimitUsagePc = models.Round2(float64(a.limited) * 100 / float64(a.n))
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

// usageReq is a resolved analytics request.
type usageReq struct {
	tenantID, keyID string
	limit           int
	win             window
}

// resolve checks q and resolves its window and limit for u's tenant.
func (s *Service) resolve(ctx context.Context, u *httpx.User, q url.Values) (usageReq, error) {
	win, err := s.window(ctx, u, q)
	if err != nil {
		return usageReq{}, err
	}
	r := usageReq{tenantID: u.TenantID, keyID: q.Get("key_id"), limit: models.PlanOrDefault(u.Plan).LimitPerMinute, win: win}
	if r.keyID != "" {
		k, err := s.keyOf(ctx, u, r.keyID)
		if err != nil {
			return usageReq{}, err
		}
		r.limit = k.RateLimit
	}
	return r, nil
}

// etag names the document of r at the tenant's data version, so a
// conditional request is answered before anything is read ("" when the
// service has no version source, or it did not answer).
func (s *Service) etag(ctx context.Context, r usageReq) string {
	if s.version == nil {
		return ""
	}
	v := s.version(ctx, r.tenantID)
	if v == "" {
		return ""
	}
	w := r.win
	// The previous period ends at most at the minute of now (found by
	// reading, so the finest grain it can take stands in for it here).
	return httpx.ETagOf([]any{"usage1", v, r.keyID, r.limit, w.rng, w.start, w.end, w.bucket, w.res, store.AlignUp(w.elapsedEnd(), 60)})
}

// Usage is the analytics document of q's range, of one key when q names
// key_id (GeneratedAt left zero).
func (s *Service) Usage(ctx context.Context, u *httpx.User, q url.Values) (models.APIUsage, error) {
	r, err := s.resolve(ctx, u, q)
	if err != nil {
		return models.APIUsage{}, err
	}
	return s.compute(ctx, r.tenantID, r.keyID, r.limit, r.win)
}

// compute builds the document from one pass over the pre-aggregated rows
// of the window and its previous period (tenant-wide rows, or the key's),
// the per-key totals that tile the window, the peaks and the newest errors.
func (s *Service) compute(ctx context.Context, tenantID, keyID string, limit int, win window) (models.APIUsage, error) {
	if err := s.previous(ctx, tenantID, &win); err != nil {
		return models.APIUsage{}, err
	}
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
	both := win.query(tenantID, keyID)
	both.Start = win.pstart
	rows, err := s.st.UsageRows(ctx, s.db, both)
	if err != nil {
		return out, err
	}
	var total, pa agg
	prevRow := func(r *store.RollupRow) {
		pa.add(r.Status, r.N, r.Lat)
		addHist(&pa.h, &r.H)
	}
	if win.ptail < win.pend {
		tail, err := s.st.UsageRows(ctx, s.db, store.RollupQuery{TenantID: tenantID, KeyID: keyID, Res: win.pres, Start: win.ptail, End: win.pend})
		if err != nil {
			return out, err
		}
		for i := range tail {
			prevRow(&tail[i])
		}
	}
	eps := map[string]*agg{}
	statuses := map[int]int64{}
	for i := range rows {
		r := &rows[i]
		if r.T < win.start {
			if r.T < win.ptail {
				prevRow(r)
			}
			continue
		}
		if bi := int((r.T - win.start) / win.bucket); bi < nb {
			b := &out.Series[bi]
			b.Total += r.N
			*byClass(r.Status, &b.Success, &b.RateLimited, &b.ClientError, &b.ServerError) += r.N
		}
		total.add(r.Status, r.N, r.Lat)
		addHist(&total.h, &r.H)
		aggFor(eps, r.Endpoint).add(r.Status, r.N, r.Lat)
		if r.Status >= 400 {
			statuses[r.Status] += r.N
		}
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
	out.Totals = total.totals()

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

	keys := map[string]*agg{}
	if keyID != "" {
		if total.n > 0 {
			keys[keyID] = &total
		}
	} else {
		counts, err := s.st.KeyCounts(ctx, s.db, tenantID, tile(win.start, win.end))
		if err != nil {
			return out, err
		}
		for _, c := range counts {
			if c.N > 0 {
				keys[c.KeyID] = &agg{n: c.N, success: c.OK}
			}
		}
	}
	if err := s.fillByKey(ctx, tenantID, keys, &out); err != nil {
		return out, err
	}
	if out.RecentErrors, _, err = s.errors(ctx, tenantID, keyID, win, nil, 100); err != nil {
		return out, err
	}
	out.Previous = pa.totals()
	return out, nil
}

func addHist(dst, src *[store.HistBuckets]int64) {
	for i, c := range src {
		dst[i] += c
	}
}

// tile cuts [start, end) (minute-aligned) into the fewest spans of the
// per-key totals' resolutions: coarser buckets in the middle, finer at the
// edges.
func tile(start, end int64) []store.Span {
	levels := store.KeyTotalRes()
	var out []store.Span
	for t := start; t < end; {
		r := levels[0]
		for _, l := range levels {
			if t%l == 0 && t+l <= end {
				r = l
			}
		}
		if n := len(out); n > 0 && out[n-1].Res == r && out[n-1].End == t {
			out[n-1].End += r
		} else {
			out = append(out, store.Span{Res: r, Start: t, End: t + r})
		}
		t += r
	}
	return out
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
		out.ByKey = append(out.ByKey, models.KeyUsage{KeyID: k.ID, Name: k.Name, Requests: a.n, SuccessRate: a.successRate(), LastUsed: k.LastUsed,
			Status: models.KeyStatusAt(k.RevokedAt, k.ExpiresAt, s.now())})
	}
	sort.Slice(out.ByKey, func(i, j int) bool {
		a, b := out.ByKey[i], out.ByKey[j]
		return a.Requests > b.Requests || (a.Requests == b.Requests && a.KeyID < b.KeyID)
	})
	return nil
}
