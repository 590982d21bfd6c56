package main

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// runSeed times `pmdev server --seed demo --seed-keys N` from exec to /healthz.
func runSeed(o opts, dir string) error {
	var took []float64
	for round := range o.rounds {
		db := filepath.Join(dir, fmt.Sprintf("seed%d", round), "pm.db")
		if err := mkdirFor(db); err != nil {
			return err
		}
		s, err := startServer(o.bin, db, o.addr(), "--seed", "demo", "--seed-keys", fmt.Sprint(o.seedKeys))
		if err != nil {
			return err
		}
		d, err := s.waitHealthy(10 * time.Minute)
		if err != nil {
			s.stop()
			return err
		}
		cpu := s.cpu()
		s.stop()
		fmt.Printf("round %d: %d keys seeded and serving after %.2f s (server CPU %.2f s), database %.1f MB; load %s\n",
			round+1, o.seedKeys, d.Seconds(), cpu.Seconds(), float64(dbSize(db))/1e6, loadAvg())
		took = append(took, d.Seconds())
	}
	fmt.Printf("seed %d keys: %s s\n", o.seedKeys, stats(took, "%.2f"))
	return nil
}

// seeded starts a server on a database seeded with o.seedKeys keys (o.db
// when given, reused) and returns it with an admin token of the demo tenant.
func seeded(o opts, dir string) (*server, error) {
	db := o.db
	if db == "" {
		db = filepath.Join(dir, "seeded", "pm.db")
		if err := mkdirFor(db); err != nil {
			return nil, err
		}
	}
	// Seed first (a tenant named Acme would stop the seed), then join it.
	s, err := startServer(o.bin, db, o.addr(), "--seed", "demo", "--seed-keys", fmt.Sprint(max(7, o.seedKeys)))
	if err != nil {
		return nil, err
	}
	d, err := s.waitHealthy(10 * time.Minute)
	if err != nil {
		s.stop()
		return nil, err
	}
	fmt.Printf("seeded (or found) %d keys in %.1f s\n", max(7, o.seedKeys), d.Seconds())
	s.waitIdle(10 * time.Minute)
	if err := s.stop(); err != nil {
		return nil, err
	}
	if pgBase != "" {
		// Statistics as autovacuum gathers them a while after a bulk load.
		if err := pgAnalyze(db); err != nil {
			return nil, err
		}
		fmt.Println("ANALYZE done")
	}
	return startWithUser(o, db, "Acme", 10*time.Minute)
}

// timeGet runs GET path n times (conditional on the first answer's ETag
// when cond) and returns the wall times in ms and the body size.
func (s *server) timeGet(path string, n int, cond bool) ([]float64, int, int, error) {
	var etag string
	var out []float64
	size, status := 0, 0
	for i := range n + 1 {
		req, _ := http.NewRequestWithContext(context.Background(), "GET", s.url+path, nil)
		req.Header.Set("Authorization", "Bearer "+s.token)
		if cond && etag != "" {
			req.Header.Set("If-None-Match", etag)
		}
		t0 := time.Now()
		res, err := s.hc.Do(req)
		if err != nil {
			return nil, 0, 0, err
		}
		var b strings.Builder
		_, _ = fmt.Fprint(&b, "")
		buf := make([]byte, 32<<10)
		sz := 0
		for {
			k, err := res.Body.Read(buf)
			sz += k
			if err != nil {
				break
			}
		}
		res.Body.Close()
		d := time.Since(t0)
		if res.StatusCode >= 400 {
			return nil, 0, 0, fmt.Errorf("GET %s: %d", path, res.StatusCode)
		}
		if i == 0 { // the first request warms caches and fetches the ETag
			etag = res.Header.Get("ETag")
			continue
		}
		out = append(out, ms(d))
		size, status = sz, res.StatusCode
	}
	return out, size, status, nil
}

// runAnalytics times every analytics range on a seeded tenant.
func runAnalytics(o opts, dir string) error {
	s, err := seeded(o, dir)
	if err != nil {
		return err
	}
	defer s.stop()
	fmt.Printf("%d keys, database %.1f MB\n", max(7, o.seedKeys), float64(dbSize(s.db))/1e6)
	for _, rng := range []string{"1h", "24h", "7d", "30d"} {
		path := "/api/v1/tenant/analytics/api-usage?range=" + rng
		full, size, _, err := s.timeGet(path, 30, false)
		if err != nil {
			return err
		}
		cond, _, st, err := s.timeGet(path, 30, true)
		if err != nil {
			return err
		}
		fmt.Printf("range %-3s: 200 in %s ms (%d KB); conditional %d in %s ms\n", rng, stats(full, "%.1f"), size/1024,
			st, stats(cond, "%.2f"))
	}
	return nil
}

// runLists times the rate-limit route and key list pages at each key count.
func runLists(o opts, dir string) error {
	for _, n := range o.keys {
		db := filepath.Join(dir, fmt.Sprintf("lists%d", n), "pm.db")
		if err := mkdirFor(db); err != nil {
			return err
		}
		s, err := startWithUser(o, db, "Bench", time.Minute)
		if err != nil {
			return err
		}
		// 1 request a minute: one request leaves a key busy (its bucket not
		// full) for a minute, so all n are listed while this runs.
		keys, err := s.createKeys(n, 1)
		if err != nil {
			s.stop()
			return err
		}
		load(s.hc, s.url, o.route, keys, o.conc, time.Hour, int64(n))
		s.waitIdle(time.Minute) // the usage writer's catch-up is not what is timed here
		for _, p := range []string{"/api/v1/platform/rate-limits", "/api/v1/platform/rate-limits?limit=100",
			"/api/v1/platform/api-keys?per_page=100", "/api/v1/platform/api-keys?per_page=100&sort=last_used",
			"/api/v1/platform/api-keys?per_page=100&sort=name", fmt.Sprintf("/api/v1/platform/api-keys?per_page=50&q=load%%20%05d", n-1)} {
			d, size, _, err := s.timeGet(p, 30, false)
			if err != nil {
				s.stop()
				return err
			}
			fmt.Printf("keys %5d %-60s %s ms, %d bytes\n", n, p, stats(d, "%.2f"), size)
		}
		s.stop()
	}
	return nil
}

// runStartup times exec → /healthz and exec → first product answer on an
// existing database (o.db) against an empty one (or o.base), alternating.
func runStartup(o opts, dir string) error {
	if o.db == "" {
		return fmt.Errorf("startup needs -db (the large database; it gets a user and a key)")
	}
	empty := o.base
	if empty == "" {
		empty = filepath.Join(dir, "empty", "pm.db")
		if err := mkdirFor(empty); err != nil {
			return err
		}
	}
	keyOf := map[string]string{}
	for _, db := range []string{empty, o.db} {
		s, err := startWithUser(o, db, "Startup", 10*time.Minute)
		if err != nil {
			return err
		}
		k, err := s.createKeys(1, 0)
		if err != nil {
			s.stop()
			return err
		}
		keyOf[db] = k[0]
		// Let a first start's one-off work (migrations, first prune) finish.
		s.waitIdle(10 * time.Minute)
		s.stop()
	}
	res := map[string][2][]float64{}
	for range o.rounds {
		for _, db := range []string{empty, o.db} {
			s, err := startServer(o.bin, db, o.addr())
			if err != nil {
				return err
			}
			h, err := s.waitHealthy(time.Minute)
			if err != nil {
				s.stop()
				return err
			}
			r := load(s.hc, s.url, o.route, []string{keyOf[db]}, 1, time.Minute, 1)
			first := time.Since(s.start)
			if r.byStatus[200] != 1 {
				s.stop()
				return fmt.Errorf("first product request: %v", r.byStatus)
			}
			s.stop()
			v := res[db]
			v[0], v[1] = append(v[0], ms(h)), append(v[1], ms(first))
			res[db] = v
		}
	}
	for _, db := range []string{empty, o.db} {
		fmt.Printf("%-60s %6.1f MB: exec→/healthz %s ms, exec→first product answer %s ms\n", db, float64(dbSize(db))/1e6,
			stats(res[db][0], "%.1f"), stats(res[db][1], "%.1f"))
	}
	med := func(x []float64) float64 { s := slices.Clone(x); slices.Sort(s); return s[len(s)/2] }
	fmt.Printf("ratio large/base (medians): healthz %.2f, first product answer %.2f\n",
		med(res[o.db][0])/med(res[empty][0]), med(res[o.db][1])/med(res[empty][1]))
	return nil
}
