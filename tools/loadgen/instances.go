package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// instanceRun is one round at one instance count.
type instanceRun struct {
	rate, cpuUS float64
	p50, p99    time.Duration
	statuses    string
}

// runInstances serves one database (a SQLite file, or with -pg a
// PostgreSQL schema) from 1 and from several server processes sharing the
// Redis limiter, and loads a product route spread
// over them (round robin per request, from the client: no balancer in
// between). A count ending in m ("1m") runs with in-memory limits instead.
func runInstances(o opts, dir string) error {
	results := map[string][]instanceRun{}
	for round := range o.rounds {
		for _, c := range o.instances {
			r, err := instancesOnce(o, filepath.Join(dir, fmt.Sprintf("i%d-%s", round, c), "pm.db"), c)
			if err != nil {
				return err
			}
			fmt.Printf("round %d instances %-3s: %.0f req/s (%s), p50 %.2f ms, p99 %.2f ms, server CPU %.1f µs/req; load %s\n",
				round+1, c, r.rate, r.statuses, ms(r.p50), ms(r.p99), r.cpuUS, loadAvg())
			results[c] = append(results[c], r)
		}
	}
	fmt.Println("\nsummary: median [min–max] over rounds")
	for _, c := range o.instances {
		var rate, p50, p99, cpu []float64
		for _, r := range results[c] {
			rate, p50, p99, cpu = append(rate, r.rate), append(p50, ms(r.p50)), append(p99, ms(r.p99)), append(cpu, r.cpuUS)
		}
		fmt.Printf("instances %-3s: %s req/s; p50 %s ms; p99 %s ms; server CPU %s µs/req\n",
			c, stats(rate, "%.0f"), stats(p50, "%.2f"), stats(p99, "%.2f"), stats(cpu, "%.1f"))
	}
	return nil
}

func instancesOnce(o opts, db, count string) (instanceRun, error) {
	var r instanceRun
	n, err := strconv.Atoi(strings.TrimSuffix(count, "m"))
	if err != nil || n < 1 {
		return r, fmt.Errorf("bad instance count %q", count)
	}
	if err := mkdirFor(db); err != nil {
		return r, err
	}
	tok, err := addUser(o.bin, db, "Bench")
	if err != nil {
		return r, err
	}
	var extra []string
	if !strings.HasSuffix(count, "m") {
		b := make([]byte, 6)
		_, _ = rand.Read(b)
		prefix := "loadgen:" + hex.EncodeToString(b) + ":"
		extra = []string{"--ratelimit", o.redis, "--ratelimit-prefix", prefix}
		defer dropPrefix(o.redis, prefix)
	} else if n > 1 {
		extra = []string{"--allow-split-limits"}
	}
	var srvs []*server
	defer func() {
		for _, s := range srvs {
			s.stop()
		}
	}()
	for i := range n {
		s, err := startServer(o.bin, db, "127.0.0.1:"+strconv.Itoa(o.port+i), extra...)
		if err != nil {
			return r, err
		}
		srvs = append(srvs, s)
		if _, err := s.waitHealthy(60 * time.Second); err != nil {
			return r, err
		}
	}
	srvs[0].token = tok
	keys, err := srvs[0].createKeys(o.keys[0], 0)
	if err != nil {
		return r, err
	}
	urls := make([]string, n)
	for i, s := range srvs {
		urls[i] = s.url
	}
	hc := srvs[0].hc
	loadAcross(hc, urls, o.route, keys, o.conc, time.Second, 0) // warm every instance's key cache
	for _, s := range srvs {
		s.waitIdle(30 * time.Second)
	}
	var c0 time.Duration
	for _, s := range srvs {
		c0 += s.cpu()
	}
	p := loadAcross(hc, urls, o.route, keys, o.conc, o.dur, 0)
	var c1 time.Duration
	for _, s := range srvs {
		s.waitIdle(60 * time.Second)
		c1 += s.cpu()
	}
	if p.n == 0 {
		return r, fmt.Errorf("no requests answered (errors %d)", p.errs)
	}
	r.rate = float64(p.n) / p.wall.Seconds()
	r.p50, r.p99 = p.p(0.5), p.p(0.99)
	r.cpuUS = float64((c1 - c0).Microseconds()) / float64(p.n)
	var parts []string
	for _, code := range []int{200, 429, 500, 503} {
		if v := p.byStatus[code]; v > 0 {
			parts = append(parts, fmt.Sprintf("%d×%d", code, v))
		}
	}
	if p.errs > 0 {
		parts = append(parts, fmt.Sprintf("transport errors×%d", p.errs))
	}
	r.statuses = strings.Join(parts, " ")
	return r, nil
}

// dropPrefix deletes the run's limiter keys.
func dropPrefix(url, prefix string) {
	opt, err := redis.ParseURL(url)
	if err != nil {
		return
	}
	rdb := redis.NewClient(opt)
	defer rdb.Close()
	ctx := context.Background()
	iter := rdb.Scan(ctx, 0, prefix+"*", 1000).Iterator()
	for iter.Next(ctx) {
		rdb.Del(ctx, iter.Val())
	}
}
