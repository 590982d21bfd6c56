package main

import (
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// loadResult is one load phase, as the client saw it.
type loadResult struct {
	n        int64
	byStatus map[int]int64
	errs     int64
	lat      []time.Duration // a sample of latencies
	max      time.Duration
	wall     time.Duration
}

func (r loadResult) p(q float64) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	s := slices.Clone(r.lat)
	slices.Sort(s)
	return s[min(len(s)-1, int(q*float64(len(s))))]
}

// pace (-rate), when set, is the requests per second of every load phase:
// request i leaves at i/pace seconds after the start, or as soon as a
// connection is free after that. The server's CPU per request depends on
// how many requests each wakeup finds (more at a higher rate), so phases
// compared by CPU per request are compared at one rate.
var pace float64

// load sends GET path from conc goroutines for d (or until total requests),
// rotating over keys per request (none for an empty list).
func load(hc *http.Client, base, path string, keys []string, conc int, d time.Duration, total int64) loadResult {
	return loadAcross(hc, []string{base}, path, keys, conc, d, total)
}

// loadAcross is load spread over several servers, the next one each request.
func loadAcross(hc *http.Client, bases []string, path string, keys []string, conc int, d time.Duration, total int64) loadResult {
	var next atomic.Int64
	var mu sync.Mutex
	res := loadResult{byStatus: map[int]int64{}}
	stop := time.Now().Add(d)
	t0 := time.Now()
	var wg sync.WaitGroup
	for range conc {
		wg.Go(func() {
			byStatus := map[int]int64{}
			var lat []time.Duration
			var mx time.Duration
			var errs int64
			for time.Now().Before(stop) {
				i := next.Add(1)
				if total > 0 && i > total {
					break
				}
				if pace > 0 {
					due := t0.Add(time.Duration(float64(i) / pace * float64(time.Second)))
					if due.After(stop) {
						break
					}
					time.Sleep(time.Until(due))
				}
				req, _ := http.NewRequest("GET", bases[int(i)%len(bases)]+path, nil)
				if len(keys) > 0 {
					req.Header.Set("Authorization", "Bearer "+keys[int(i)%len(keys)])
				}
				s := time.Now()
				r, err := hc.Do(req)
				if err != nil {
					errs++
					continue
				}
				_, _ = io.Copy(io.Discard, r.Body)
				r.Body.Close()
				l := time.Since(s)
				mx = max(mx, l)
				if i%16 == 0 {
					lat = append(lat, l)
				}
				byStatus[r.StatusCode]++
			}
			mu.Lock()
			for k, v := range byStatus {
				res.byStatus[k] += v
				res.n += v
			}
			res.lat = append(res.lat, lat...)
			res.max = max(res.max, mx)
			res.errs += errs
			mu.Unlock()
		})
	}
	wg.Wait()
	res.wall = time.Since(t0)
	return res
}
