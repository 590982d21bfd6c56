package main

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// ratioRun is one round at one key count.
type ratioRun struct {
	hUS, pUS, ratio float64
	pRate           float64
	catchUp         time.Duration
	statuses        string
	maxLat, p99     time.Duration
	mbPerM, mb      float64 // database growth per million product requests, and in all
	load            string
	// warm and warmAll are the ratios of the warm pairs (-pairs): pmdev
	// alone, and with PostgreSQL's CPU.
	warm, warmAll []float64
}

// runRatio measures product vs /healthz server CPU per request at each key count.
func runRatio(o opts, dir string) error {
	results := map[int][]ratioRun{}
	for round := range o.rounds {
		for _, n := range o.keys {
			r, err := ratioOnce(o, filepath.Join(dir, fmt.Sprintf("r%d-k%d", round, n), "pm.db"), n)
			if err != nil {
				return err
			}
			fmt.Printf("round %d keys %5d: healthz %.1f µs/req, product %.1f µs/req, ratio %.2f; product %.0f req/s (%s), p99 %.1f ms, max %.1f ms; settled %s after the load; %.1f MB per million (%.2f MB); load %s\n",
				round+1, n, r.hUS, r.pUS, r.ratio, r.pRate, r.statuses, ms(r.p99), ms(r.maxLat), r.catchUp.Round(10*time.Millisecond), r.mbPerM, r.mb, r.load)
			results[n] = append(results[n], r)
		}
	}
	if o.pairs > 0 {
		fmt.Println("\nwarm pairs: median [min–max] over every pair of every round")
		for _, n := range o.keys {
			var warm, all []float64
			for _, r := range results[n] {
				warm, all = append(warm, r.warm...), append(all, r.warmAll...)
			}
			fmt.Printf("keys %5d: ratio %s", n, stats(warm, "%.2f"))
			if pgBase != "" {
				fmt.Printf("; with PostgreSQL's CPU %s", stats(all, "%.2f"))
			}
			fmt.Printf(" (%d pairs)\n", len(warm))
		}
	}
	fmt.Println("\nsummary: median [min–max] over rounds")
	for _, n := range o.keys {
		var ratio, h, p, mb, rate, maxl []float64
		for _, r := range results[n] {
			ratio, h, p, mb, rate = append(ratio, r.ratio), append(h, r.hUS), append(p, r.pUS), append(mb, r.mbPerM), append(rate, r.pRate)
			maxl = append(maxl, ms(r.maxLat))
		}
		fmt.Printf("keys %5d: ratio %s; healthz %s µs; product %s µs; %s req/s; max latency %s ms; storage %s MB/M requests\n",
			n, stats(ratio, "%.2f"), stats(h, "%.1f"), stats(p, "%.1f"), stats(rate, "%.0f"), stats(maxl, "%.0f"), stats(mb, "%.1f"))
	}
	return nil
}

func ratioOnce(o opts, db string, nkeys int) (ratioRun, error) {
	var r ratioRun
	if err := mkdirFor(db); err != nil {
		return r, err
	}
	s, err := startWithUser(o, db, "Bench", 60*time.Second)
	if err != nil {
		return r, err
	}
	keys, err := s.createKeys(nkeys, 0)
	if err != nil {
		s.stop()
		return r, err
	}
	// Storage is measured between two clean stops (the WAL checkpointed).
	if err := s.stop(); err != nil {
		return r, err
	}
	size0 := dbSize(db)
	var rels0 map[string]relStat
	if pgBase != "" {
		rels0 = pgRelations(db)
	}
	if s, err = startServer(o.bin, db, o.addr()); err != nil {
		return r, err
	}
	defer s.stop()
	if _, err := s.waitHealthy(60 * time.Second); err != nil {
		return r, err
	}
	// Warm the connections and the server's code paths on /healthz only.
	load(s.hc, s.url, "/healthz", nil, o.conc, time.Second, 0)
	s.waitIdle(30 * time.Second)

	rec := perfRecord(o.perf, "healthz")
	c0, g0 := s.cpu(), pgCPU()
	h := load(s.hc, s.url, "/healthz", nil, o.conc, o.dur, 0)
	s.settle(time.Now(), 60*time.Second)
	c1, g1 := s.cpu(), pgCPU()
	rec.stop()
	rec = perfRecord(o.perf, "product")
	cp, gp := s.cpu(), pgCPU() // after perf's start, like c0 and g0
	p := load(s.hc, s.url, o.route, keys, o.conc, o.dur, o.requests)
	r.catchUp = s.settle(time.Now(), 120*time.Second)
	c2, g2 := s.cpu(), pgCPU()
	rec.stop()
	if pgBase != "" && h.n > 0 && p.n > 0 {
		// The SQL work is in PostgreSQL's processes, not in pmdev's.
		hAll := float64((c1 - c0 + g1 - g0).Microseconds()) / float64(h.n)
		pAll := float64((c2 - cp + g2 - gp).Microseconds()) / float64(p.n)
		fmt.Printf("with PostgreSQL's CPU: healthz %.1f µs/req, product %.1f µs/req, ratio %.2f (PostgreSQL's share: %.1f and %.1f µs/req)\n",
			hAll, pAll, hAll/pAll, float64((g1-g0).Microseconds())/float64(h.n), float64((g2-gp).Microseconds())/float64(p.n))
	}
	r.load = loadAvg()
	if h.n == 0 || p.n == 0 {
		return r, fmt.Errorf("no requests answered (healthz %d, product %d, errors %d/%d)", h.n, p.n, h.errs, p.errs)
	}
	r.hUS = float64((c1 - c0).Microseconds()) / float64(h.n)
	r.pUS = float64((c2 - cp).Microseconds()) / float64(p.n)
	r.ratio = r.hUS / r.pUS
	r.pRate = float64(p.n) / p.wall.Seconds()
	r.maxLat, r.p99 = p.max, p.p(0.99)
	r.statuses = statuses(p)
	// Warm pairs: the keys loaded, the connections open; each product phase
	// right after its /healthz phase, so both see the machine alike.
	total := p.n
	for i := range o.pairs {
		c0, g0 := s.cpu(), pgCPU()
		h := load(s.hc, s.url, "/healthz", nil, o.conc, o.dur, 0)
		c1, g1 := s.cpu(), pgCPU()
		p := load(s.hc, s.url, o.route, keys, o.conc, o.dur, o.requests)
		s.settle(time.Now(), 120*time.Second)
		c2, g2 := s.cpu(), pgCPU()
		if h.n == 0 || p.n == 0 {
			return r, fmt.Errorf("warm pair %d: no requests answered (healthz %d, product %d)", i+1, h.n, p.n)
		}
		total += p.n
		hUS, pUS := perReq(c1-c0, h.n), perReq(c2-c1, p.n)
		line := fmt.Sprintf("  warm pair %d: healthz %.1f µs/req, product %.1f µs/req, ratio %.2f; %.0f vs %.0f req/s", i+1, hUS, pUS, hUS/pUS,
			float64(h.n)/h.wall.Seconds(), float64(p.n)/p.wall.Seconds())
		r.warm = append(r.warm, hUS/pUS)
		if pgBase != "" {
			hAll, pAll := perReq(c1-c0+g1-g0, h.n), perReq(c2-c1+g2-g1, p.n)
			r.warmAll = append(r.warmAll, hAll/pAll)
			line += fmt.Sprintf("; with PostgreSQL's CPU %.1f vs %.1f µs/req, ratio %.2f", hAll, pAll, hAll/pAll)
		}
		fmt.Println(line + "; " + statuses(p) + "; load " + loadAvg())
	}
	if err := s.stop(); err != nil {
		return r, err
	}
	r.mb = float64(dbSize(db)-size0) / 1e6
	r.mbPerM = r.mb / float64(total) * 1e6
	if pgBase != "" {
		fmt.Printf("keys %d: growth per table (without its indexes) and index, %d product requests:\n", nkeys, total)
		printGrowth(rels0, pgRelations(db))
	}
	return r, nil
}

// statuses counts a phase's answers by status ("200×79999 429×1"), and
// its transport errors.
func statuses(p loadResult) string {
	var parts []string
	codes := make([]int, 0, len(p.byStatus))
	for c := range p.byStatus {
		codes = append(codes, c)
	}
	sort.Ints(codes)
	for _, c := range codes {
		parts = append(parts, fmt.Sprintf("%d×%d", c, p.byStatus[c]))
	}
	if p.errs > 0 {
		parts = append(parts, fmt.Sprintf("transport errors×%d", p.errs))
	}
	return strings.Join(parts, " ")
}

// perReq is CPU time per request in µs.
func perReq(cpu time.Duration, n int64) float64 { return float64(cpu.Microseconds()) / float64(n) }
