package usage

import (
	"context"
	"time"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server/httpx"
	"github.com/penguinmails/pmdev/server/store"
)

// window is a resolved analytics query.
type window struct {
	rng        string
	start, end int64 // unix seconds, bucket-aligned, [start, end)
	bucket     int64 // seconds
	res        int64 // rollup resolution read (divides bucket)
	from, to   int64 // custom only: the requested bounds, unaligned
	now        int64 // when resolved
	// The previous period, [pstart, pend): as much of the window's length
	// as has elapsed of it, one length earlier. Rows before ptail are read
	// at res, the rest at pres.
	pstart, pend, ptail, pres int64
}

// query selects the window's rollups of a tenant (and key).
func (w window) query(tenantID, keyID string) store.RollupQuery {
	return store.RollupQuery{TenantID: tenantID, KeyID: keyID, Res: w.res, Start: w.start, End: w.end}
}

// customBuckets are tried smallest first; the first giving ≤ 200 points wins.
func customBuckets() []int64 { return []int64{60, 300, 900, 3600, 21600, 86400, 604800} }

// resolveWindow maps range/from/to to aligned buckets: 1h→1m, 24h→15m, 7d→1h,
// 30d→6h; custom picks the smallest bucket giving at most 200 points.
func resolveWindow(rng, from, to string, now time.Time) (window, error) {
	bad := func(field, msg string) (window, error) {
		return window{}, httpx.Fail(httpx.FieldProblem("invalid_parameter", field, msg))
	}
	n := now.Unix()
	w := window{rng: rng, now: n}
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
			if (store.AlignUp(ts, b)-store.AlignDown(fs, b))/b <= 200 {
				break
			}
		}
		w.from, w.to = fs, ts
		w.start, w.end = store.AlignDown(fs, w.bucket), store.AlignUp(ts, w.bucket)
		w.res = resFor(w.bucket)
		return w, nil
	default:
		return bad("range", "range must be 1h, 24h, 7d, 30d or custom")
	}
	w.end = store.AlignUp(n+1, w.bucket)
	w.start = w.end - span
	w.res = resFor(w.bucket)
	return w, nil
}

// coarsenForData moves a custom window to a coarser bucket while a coarser
// rollup holds data in the window from before the read resolution's first
// row: fine rollups are pruned (and seeded) for recent days only, and
// reading them for older history would show zeros where data exists.
func (s *Service) coarsenForData(ctx context.Context, tenantID string, w *window) error {
	if w.rng != models.RangeCustom {
		return nil
	}
	ress := store.RollupRes()
	for w.res < ress[len(ress)-1] {
		first, ok, err := s.st.FirstRollup(ctx, s.db, tenantID, w.res)
		if err != nil {
			return err
		}
		missing := false
		for _, c := range ress {
			if c <= w.res {
				continue
			}
			// Coarse rows from the window start up to the one holding the fine start.
			until := w.end
			if ok {
				until = min(until, store.AlignDown(first, c))
			}
			if from := store.AlignDown(w.start, c); from < until {
				has, err := s.st.HasRollups(ctx, s.db, store.RollupQuery{TenantID: tenantID, Res: c, Start: from, End: until})
				if err != nil {
					return err
				}
				if has {
					missing = true
					break
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
		w.start, w.end = store.AlignDown(w.from, w.bucket), store.AlignUp(w.to, w.bucket)
		w.res = resFor(w.bucket)
	}
	return nil
}

// previous sets w's previous period to the same elapsed span one window
// length earlier ("same time last period"), so a window still running is
// not compared with a whole one. Its end is rounded up to the finest
// rollup that reaches back to it, as the current window's minute in
// progress counts whole: the minute while minute rows reach that far
// (about 3 days), else 15 minutes, an hour or the window's own resolution.
func (s *Service) previous(ctx context.Context, tenantID string, w *window) error {
	l := w.end - w.start
	w.pstart, w.pres = w.start-l, w.res
	elapsed := w.elapsedEnd() - l
	w.pend = min(w.start, max(w.pstart, store.AlignUp(elapsed, w.res)))
	w.ptail = w.pend
	if w.pend <= w.pstart || elapsed%w.res == 0 {
		return nil
	}
	tail := store.AlignDown(elapsed, w.res)
	for _, r := range store.RollupRes() {
		if r >= w.res {
			break
		}
		// Fine rows are pruned (and seeded) for recent days only.
		first, ok, err := s.st.FirstRollup(ctx, s.db, tenantID, r)
		if err != nil {
			return err
		}
		if ok && first <= tail {
			w.pend, w.ptail, w.pres = store.AlignUp(elapsed, r), tail, r
			return nil
		}
	}
	return nil
}

// elapsedEnd is where the data of w ends: now, or w's end if earlier. now+1:
// the minute holding now is in the window, even at its first second.
func (w window) elapsedEnd() int64 { return min(w.now+1, w.end) }

// resFor is the coarsest stored rollup resolution that divides bucket.
func resFor(bucket int64) int64 {
	best := int64(60)
	for _, r := range store.RollupRes() {
		if bucket%r == 0 {
			best = r
		}
	}
	return best
}
