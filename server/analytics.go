package server

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"time"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server/httpx"
)

// usageWindow is a resolved analytics query.
type usageWindow struct {
	rng        string
	start, end int64 // unix seconds, bucket-aligned, [start, end)
	bucket     int64 // seconds
	res        int64 // rollup resolution read (divides bucket)
	from, to   int64 // custom only: the requested bounds, unaligned
}

func alignDown(v, b int64) int64 { return v - mod(v, b) }

func mod(v, b int64) int64 {
	m := v % b
	if m < 0 {
		m += b
	}
	return m
}

func alignUp(v, b int64) int64 {
	if mod(v, b) == 0 {
		return v
	}
	return alignDown(v, b) + b
}

// customBuckets are tried smallest first; the first giving ≤ 200 points wins.
func customBuckets() []int64 { return []int64{60, 300, 900, 3600, 21600, 86400, 604800} }

// resolveWindow maps range/from/to to aligned buckets: 1h→1m, 24h→15m, 7d→1h,
// 30d→6h; custom picks the smallest bucket giving at most 200 points.
func resolveWindow(rng, from, to string, now time.Time) (usageWindow, *models.Problem) {
	bad := func(field, msg string) (usageWindow, *models.Problem) {
		return usageWindow{}, fieldProblem("invalid_parameter", field, msg)
	}
	n := now.Unix()
	w := usageWindow{rng: rng}
	var span int64
	switch rng {
	case "", models.Range24h:
		w.rng, w.bucket, span = models.Range24h, 900, 86400
	case models.Range1h:
		w.bucket, span = 60, 3600
	case models.Range7d:
		w.bucket, span = 3600, 7*86400
	case models.Range30d:
		w.bucket, span = 21600, 30*86400
	case models.RangeCustom:
		f, err := time.Parse(time.RFC3339, from)
		if err != nil {
			return bad("from", "from must be an RFC 3339 timestamp, e.g. 2025-01-02T15:04:05Z")
		}
		t := now
		if to != "" {
			if t, err = time.Parse(time.RFC3339, to); err != nil {
				return bad("to", "to must be an RFC 3339 timestamp, e.g. 2025-01-02T15:04:05Z")
			}
		}
		if !f.Before(t) {
			return bad("from", "from must be before to")
		}
		if t.Sub(f) > 400*24*time.Hour {
			return bad("from", "A custom range can span at most 400 days")
		}
		fs, ts := f.Unix(), t.Unix()
		for _, b := range customBuckets() {
			w.bucket = b
			if (alignUp(ts, b)-alignDown(fs, b))/b <= 200 {
				break
			}
		}
		w.from, w.to = fs, ts
		w.start, w.end = alignDown(fs, w.bucket), alignUp(ts, w.bucket)
		w.res = resFor(w.bucket)
		return w, nil
	default:
		return bad("range", "range must be 1h, 24h, 7d, 30d or custom")
	}
	w.end = alignUp(n+1, w.bucket)
	w.start = w.end - span
	w.res = resFor(w.bucket)
	return w, nil
}

// requestWindow resolves the query's range for the caller's tenant, coarsened
// as in coarsenForData; false means the error is answered.
func (s *Server) requestWindow(w http.ResponseWriter, r *http.Request) (usageWindow, bool) {
	q := r.URL.Query()
	win, p := resolveWindow(q.Get("range"), q.Get("from"), q.Get("to"), s.now())
	if p != nil {
		httpx.WriteProblem(w, p)
		return win, false
	}
	if err := s.coarsenForData(r.Context(), httpx.UserFrom(r.Context()).TenantID, &win); err != nil {
		s.internal(w, r, err)
		return win, false
	}
	return win, true
}

// coarsenForData moves a custom window to a coarser bucket while a coarser
// rollup holds data in the window from before the read resolution's first
// row: fine rollups are pruned (and seeded) for recent days only, and
// reading them for older history would show zeros where data exists.
func (s *Server) coarsenForData(ctx context.Context, tenantID string, w *usageWindow) error {
	if w.rng != models.RangeCustom {
		return nil
	}
	ress := rollupRes()
	for w.res < ress[len(ress)-1] {
		var first sql.NullInt64
		if err := s.db.QueryRowContext(ctx, `SELECT MIN(t) FROM usage_rollup WHERE tenant_id = ? AND res = ?`, tenantID, w.res).Scan(&first); err != nil {
			return err
		}
		missing := false
		for _, c := range ress {
			if c <= w.res {
				continue
			}
			// Coarse rows from the window start up to the one holding the fine start.
			until := w.end
			if first.Valid {
				until = min(until, alignDown(first.Int64, c))
			}
			if from := alignDown(w.start, c); from < until {
				var one int
				err := s.db.QueryRowContext(ctx, `SELECT 1 FROM usage_rollup WHERE tenant_id = ? AND res = ? AND t >= ? AND t < ? LIMIT 1`,
					tenantID, c, from, until).Scan(&one)
				if err == nil {
					missing = true
					break
				}
				if !errors.Is(err, sql.ErrNoRows) {
					return err
				}
			}
		}
		if !missing {
			return nil
		}
		for _, b := range customBuckets() {
			if b > w.bucket && resFor(b) > w.res {
				w.bucket = b
				break
			}
		}
		w.start, w.end = alignDown(w.from, w.bucket), alignUp(w.to, w.bucket)
		w.res = resFor(w.bucket)
	}
	return nil
}

// resFor is the coarsest stored rollup resolution that divides bucket.
func resFor(bucket int64) int64 {
	best := int64(60)
	for _, r := range rollupRes() {
		if bucket%r == 0 {
			best = r
		}
	}
	return best
}

// agg accumulates counts and a latency histogram.
type agg struct {
	n, success, clientErr, serverErr, limited, latSum int64
	h                                                 [histBuckets]int64
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

func (a *agg) add(status int, n, lat int64, h []int64) {
	a.n += n
	a.latSum += lat
	*byClass(status, &a.success, &a.limited, &a.clientErr, &a.serverErr) += n
	for i := range a.h {
		a.h[i] += h[i]
	}
}

func (a *agg) avgMS() float64 {
	if a.n == 0 {
		return 0
	}
	return round2(float64(a.latSum) / float64(a.n) / 1000)
}

func (a *agg) successRate() float64 {
	if a.n == 0 {
		return 100
	}
	return round2(float64(a.success) * 100 / float64(a.n))
}

// p95MS interpolates the 95th percentile inside the histogram bucket holding it.
func (a *agg) p95MS() float64 {
	if a.n == 0 {
		return 0
	}
	target := 0.95 * float64(a.n)
	bounds := latencyBoundsUS()
	var cum float64
	lower := 0.0
	for i, c := range a.h {
		upper := 2_000_000.0
		if i < len(bounds) {
			upper = float64(bounds[i])
		}
		if c > 0 && cum+float64(c) >= target {
			frac := (target - cum) / float64(c)
			return round2((lower + frac*(upper-lower)) / 1000)
		}
		cum += float64(c)
		lower = upper
	}
	return round2(lower / 1000)
}

func (a *agg) totals(peak int64, limit int) models.UsageTotals {
	t := models.UsageTotals{
		Requests: a.n, Success: a.success, Errors: a.n - a.success,
		SuccessRate: a.successRate(), AvgLatencyMS: a.avgMS(), P95LatencyMS: a.p95MS(), RateLimited: a.limited,
	}
	if limit > 0 {
		t.RateLimitUsagePc = round2(float64(peak) * 100 / float64(limit))
	}
	return t
}

// histogram fills a.h for the rollup rows selected by args (as in computeUsage).
func (s *Server) histogram(ctx context.Context, keyFilter string, args []any, a *agg) error {
	dst := make([]any, histBuckets)
	vals := make([]sql.NullInt64, histBuckets)
	for i := range dst {
		dst[i] = &vals[i]
	}
	if err := s.db.QueryRowContext(ctx, fmt.Sprintf(`SELECT %s FROM usage_rollup
		WHERE tenant_id = ?1 AND res = ?4 AND t >= ?2 AND t < ?3%s`, histCols, keyFilter), args...).Scan(dst...); err != nil {
		return err
	}
	for i, v := range vals {
		a.h[i] = v.Int64
	}
	return nil
}

func aggFor(m map[string]*agg, k string) *agg {
	a := m[k]
	if a == nil {
		a = &agg{}
		m[k] = a
	}
	return a
}

const histCols = `SUM(h0),SUM(h1),SUM(h2),SUM(h3),SUM(h4),SUM(h5),SUM(h6),SUM(h7),SUM(h8),SUM(h9)`

func (s *Server) handleUsage(w http.ResponseWriter, r *http.Request) {
	u := httpx.UserFrom(r.Context())
	win, ok := s.requestWindow(w, r)
	if !ok {
		return
	}
	keyID := r.URL.Query().Get("key_id")
	limit := s.planOf(u).LimitPerMinute
	if keyID != "" {
		k, ok := s.loadKeyID(w, r, keyID)
		if !ok {
			return
		}
		limit = k.RateLimit
	}
	out, err := s.computeUsage(r.Context(), u.TenantID, keyID, limit, win)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	if httpx.NotModified(w, r, httpx.ETagOf(out)) {
		return
	}
	out.GeneratedAt = s.now()
	httpx.WriteJSON(w, http.StatusOK, out)
}

// computeUsage computes the analytics document (GeneratedAt left zero for the ETag).
func (s *Server) computeUsage(ctx context.Context, tenantID, keyID string, limit int, win usageWindow) (models.APIUsage, error) {
	keyFilter := ""
	args := []any{tenantID, win.start, win.end, win.res}
	if keyID != "" {
		keyFilter = " AND key_id = ?5"
		args = append(args, keyID)
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
	// Series: one narrow grouped scan.
	rows, err := s.db.QueryContext(ctx, fmt.Sprintf(`SELECT (t - ?2) / %d, status, SUM(n)
		FROM usage_rollup WHERE tenant_id = ?1 AND res = ?4 AND t >= ?2 AND t < ?3%s GROUP BY 1, 2`, win.bucket, keyFilter), args...)
	if err != nil {
		return out, err
	}
	for rows.Next() {
		var bi, status int
		var n int64
		if err := rows.Scan(&bi, &status, &n); err != nil {
			rows.Close()
			return out, err
		}
		if bi < 0 || bi >= nb {
			continue
		}
		b := &out.Series[bi]
		b.Total += n
		*byClass(status, &b.Success, &b.RateLimited, &b.ClientError, &b.ServerError) += n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return out, err
	}
	// Breakdowns by key, endpoint and status; the histogram only for the totals.
	rows, err = s.db.QueryContext(ctx, fmt.Sprintf(`SELECT key_id, endpoint, status, SUM(n), SUM(lat_sum_us)
		FROM usage_rollup WHERE tenant_id = ?1 AND res = ?4 AND t >= ?2 AND t < ?3%s GROUP BY 1, 2, 3`, keyFilter), args...)
	if err != nil {
		return out, err
	}
	var total agg
	eps := map[string]*agg{}
	keys := map[string]*agg{}
	statuses := map[int]int64{}
	zero := make([]int64, histBuckets)
	for rows.Next() {
		var key, ep string
		var status int
		var n, lat int64
		if err := rows.Scan(&key, &ep, &status, &n, &lat); err != nil {
			rows.Close()
			return out, err
		}
		total.add(status, n, lat, zero)
		aggFor(eps, ep).add(status, n, lat, zero)
		aggFor(keys, key).add(status, n, lat, zero)
		if status >= 400 {
			statuses[status] += n
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return out, err
	}
	if err := s.histogram(ctx, keyFilter, args, &total); err != nil {
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
		out.ErrorsBy = append(out.ErrorsBy, models.StatusCount{Status: st, Count: c, Percent: round2(float64(c) * 100 / float64(errTotal))})
	}
	sort.Slice(out.ErrorsBy, func(i, j int) bool {
		a, b := out.ErrorsBy[i], out.ErrorsBy[j]
		return a.Count > b.Count || (a.Count == b.Count && a.Status < b.Status)
	})

	if err := s.fillByKey(ctx, tenantID, keys, &out); err != nil {
		return out, err
	}
	if err := s.fillRecentErrors(ctx, tenantID, keyID, win, &out); err != nil {
		return out, err
	}

	// Previous period of the same length, totals only.
	prev := usageWindow{start: 2*win.start - win.end, end: win.start, bucket: win.bucket, res: win.res}
	pargs := []any{tenantID, prev.start, prev.end, prev.res}
	if keyID != "" {
		pargs = append(pargs, keyID)
	}
	var pa agg
	if err := s.db.QueryRowContext(ctx, fmt.Sprintf(`SELECT coalesce(SUM(n), 0), coalesce(SUM(CASE WHEN status < 400 THEN n END), 0),
		coalesce(SUM(CASE WHEN status = 429 THEN n END), 0), coalesce(SUM(lat_sum_us), 0)
		FROM usage_rollup WHERE tenant_id = ?1 AND res = ?4 AND t >= ?2 AND t < ?3%s`, keyFilter), pargs...).Scan(&pa.n, &pa.success, &pa.limited, &pa.latSum); err != nil {
		return out, err
	}
	if err := s.histogram(ctx, keyFilter, pargs, &pa); err != nil {
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
func (s *Server) peaks(ctx context.Context, tenantID, keyID string, win usageWindow, series []models.RateLimitPoint) (int64, int64, error) {
	q := `SELECT t, n FROM usage_minute_total WHERE tenant_id = ?1 AND key_id = ?2 AND t >= ?3 AND t < ?4`
	if win.res > 60 {
		q = `SELECT t, peak FROM usage_peak WHERE tenant_id = ?1 AND key_id = ?2 AND res = ?5 AND t >= ?3 AND t < ?4`
	}
	rows, err := s.db.QueryContext(ctx, q, tenantID, keyID, win.start, win.end, win.res)
	if err != nil {
		return 0, 0, err
	}
	defer rows.Close()
	var peak, peakAt int64
	for rows.Next() {
		var t, n int64
		if err := rows.Scan(&t, &n); err != nil {
			return 0, 0, err
		}
		if n > peak {
			peak, peakAt = n, t
		}
		if series != nil {
			if bi := (t - win.start) / win.bucket; bi >= 0 && int(bi) < len(series) && n > series[bi].Peak {
				series[bi].Peak = n
			}
		}
	}
	return peak, peakAt, rows.Err()
}

func (s *Server) fillByKey(ctx context.Context, tenantID string, keys map[string]*agg, out *models.APIUsage) error {
	if len(keys) == 0 {
		return nil
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, name, last_used FROM api_keys WHERE tenant_id = ?`, tenantID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var ku models.KeyUsage
		var last sql.NullInt64
		if err := rows.Scan(&ku.KeyID, &ku.Name, &last); err != nil {
			return err
		}
		a := keys[ku.KeyID]
		if a == nil {
			continue
		}
		ku.Requests, ku.SuccessRate, ku.LastUsed = a.n, a.successRate(), nullMS(last)
		out.ByKey = append(out.ByKey, ku)
	}
	sort.Slice(out.ByKey, func(i, j int) bool {
		a, b := out.ByKey[i], out.ByKey[j]
		return a.Requests > b.Requests || (a.Requests == b.Requests && a.KeyID < b.KeyID)
	})
	return rows.Err()
}

func (s *Server) fillRecentErrors(ctx context.Context, tenantID, keyID string, win usageWindow, out *models.APIUsage) error {
	errs, _, err := s.queryErrors(ctx, tenantID, keyID, win, nil, 100)
	if err != nil {
		return err
	}
	out.RecentErrors = errs
	return nil
}

// keyDetails adds 30 days of daily usage and the top endpoints to a key.
func (s *Server) keyDetails(ctx context.Context, k storedKey) (models.APIKeyDetails, error) {
	d := models.APIKeyDetails{APIKey: k.APIKey, UsageByDay: make([]models.DayUsage, 30), TopEndpoints: []models.EndpointCount{}}
	today := alignDown(s.now().Unix(), 86400)
	first := today - 29*86400
	for i := range d.UsageByDay {
		d.UsageByDay[i].Date = time.Unix(first+int64(i)*86400, 0).UTC().Format("2006-01-02")
	}
	rows, err := s.db.QueryContext(ctx, `SELECT (t - ?3) / 86400, SUM(n), SUM(CASE WHEN status >= 400 THEN n ELSE 0 END)
		FROM usage_rollup WHERE tenant_id = ?1 AND res = 21600 AND t >= ?3 AND key_id = ?2 GROUP BY 1`, k.TenantID, k.KeyID, first)
	if err != nil {
		return d, err
	}
	for rows.Next() {
		var i int
		var n, e int64
		if err := rows.Scan(&i, &n, &e); err != nil {
			rows.Close()
			return d, err
		}
		if i >= 0 && i < len(d.UsageByDay) {
			d.UsageByDay[i].Requests, d.UsageByDay[i].Errors = n, e
		}
	}
	rows.Close()
	rows, err = s.db.QueryContext(ctx, `SELECT endpoint, SUM(n), SUM(lat_sum_us) FROM usage_rollup
		WHERE tenant_id = ? AND res = 21600 AND key_id = ? AND t >= ? GROUP BY endpoint ORDER BY 2 DESC, 1 LIMIT 10`, k.TenantID, k.KeyID, first)
	if err != nil {
		return d, err
	}
	defer rows.Close()
	for rows.Next() {
		var e models.EndpointCount
		var lat int64
		if err := rows.Scan(&e.Endpoint, &e.Count, &lat); err != nil {
			return d, err
		}
		if e.Count > 0 {
			e.AvgResponseTimeMS = round2(float64(lat) / float64(e.Count) / 1000)
		}
		d.TopEndpoints = append(d.TopEndpoints, e)
	}
	return d, rows.Err()
}

func (s *Server) handleRateLimits(w http.ResponseWriter, r *http.Request) {
	u := httpx.UserFrom(r.Context())
	now := s.now()
	plan := s.planOf(u)
	rows, err := s.db.QueryContext(r.Context(), `SELECT id, name, rate_limit FROM api_keys
		WHERE tenant_id = ? AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?) ORDER BY created_at DESC, id`, u.TenantID, ms(now))
	if err != nil {
		s.internal(w, r, err)
		return
	}
	defer rows.Close()
	out := models.RateLimits{Plan: plan, Keys: []models.KeyRateLimit{}, At: now}
	for rows.Next() {
		var k models.KeyRateLimit
		var limit int
		if err := rows.Scan(&k.KeyID, &k.Name, &limit); err != nil {
			s.internal(w, r, err)
			return
		}
		// A key unused since start-up has a full bucket.
		st := models.RateLimitState{Limit: limit, Burst: plan.Burst, Remaining: plan.Burst, ResetAt: now}
		if b := s.limiter.Peek(k.KeyID); b != nil {
			snap := b.Snapshot(now)
			st = models.RateLimitState{Limit: snap.Limit, Burst: snap.Burst, Used: snap.Used, Remaining: snap.Remaining, ResetAt: snap.ResetAt, ResetIn: snap.ResetSeconds}
		}
		k.RateLimitState = st
		out.Keys = append(out.Keys, k)
	}
	if err := rows.Err(); err != nil {
		s.internal(w, r, err)
		return
	}
	out.Tenant, out.BusiestKeyID = tenantBucket(plan, out.Keys, now)
	// The ETag ignores the clock: an idle tenant gets 304s. reset_at stays
	// in (to the second) because it moves while a key is drained exactly
	// as fast as it refills, when used does not change.
	stable := out
	stable.At = time.Time{}
	stable.Tenant = stableState(out.Tenant)
	stable.Keys = make([]models.KeyRateLimit, len(out.Keys))
	for i, k := range out.Keys {
		k.RateLimitState = stableState(k.RateLimitState)
		stable.Keys[i] = k
	}
	if httpx.NotModified(w, r, httpx.ETagOf(stable)) {
		return
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

// tenantBucket is the organisation's line: the bucket of its busiest key
// (largest share of the burst spent, then longest until full, then newest),
// because limits apply per key and a summed figure could pass 100% while no
// request is refused. With no key in use it is the plan's full bucket.
func tenantBucket(plan models.Plan, keys []models.KeyRateLimit, now time.Time) (models.RateLimitState, string) {
	best := -1
	share := func(k models.KeyRateLimit) float64 {
		if k.Burst <= 0 {
			return 0
		}
		return float64(k.Used) / float64(k.Burst)
	}
	for i, k := range keys {
		if k.Used <= 0 {
			continue
		}
		if best < 0 || share(k) > share(keys[best]) || (share(k) == share(keys[best]) && k.ResetIn > keys[best].ResetIn) {
			best = i
		}
	}
	if best < 0 {
		return models.RateLimitState{Limit: plan.LimitPerMinute, Burst: plan.Burst, Remaining: plan.Burst, ResetAt: now}, ""
	}
	return keys[best].RateLimitState, keys[best].KeyID
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
