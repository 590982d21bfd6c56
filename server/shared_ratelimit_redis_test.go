package server

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server/internal/servertest"
)

// redisInstances opens n servers on one SQLite file sharing one Redis
// limiter (a prefix of the test's own), each behind its own listener.
func redisInstances(t *testing.T, n int) ([]*Server, []string) {
	t.Helper()
	url, prefix := servertest.Redis(t)
	db := filepath.Join(t.TempDir(), "pmdev.db")
	var srvs []*Server
	var urls []string
	for range n {
		s, err := Open(context.Background(), Config{DBPath: db, RateLimit: url, RateLimitPrefix: prefix})
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		hs := httptest.NewServer(s.Handler())
		t.Cleanup(func() {
			hs.Close()
			if err := s.Close(context.Background()); err != nil {
				t.Errorf("Close: %v", err)
			}
		})
		srvs, urls = append(srvs, s), append(urls, hs.URL)
	}
	return srvs, urls
}

// redisKey is three instances on one Redis limiter, an admin of tenant
// Scale (professional plan) and a key of theirs named name, made through
// the first instance (e).
func redisKey(t *testing.T, name string) (urls []string, e *testEnv, tok string, key models.CreatedAPIKey) {
	t.Helper()
	srvs, urls := redisInstances(t, 3)
	tok, err := srvs[0].AddUser(context.Background(), NewUser{Email: "dev@scale.test", Role: models.RoleAdmin, Tenant: "Scale", Plan: models.PlanProfessional})
	if err != nil {
		t.Fatal(err)
	}
	e = &testEnv{t: t, url: urls[0]}
	return urls, e, tok, e.createKey(tok, models.CreateAPIKeyRequest{Name: name, Permissions: []string{"read_campaigns"}})
}

var rateHeaders = []string{"X-Ratelimit-Limit", "X-Ratelimit-Remaining", "X-Ratelimit-Reset", "Ratelimit-Policy", "Ratelimit"}

// TestRedisLimitSharedByThreeInstances hammers one key through three
// instances from 50 clients: together they accept one bucket's worth
// (burst + rate × elapsed, ± 1 %), every answer carries consistent
// RateLimit headers, and any instance's rate-limits view shows the key spent.
func TestRedisLimitSharedByThreeInstances(t *testing.T) {
	urls, _, tok, key := redisKey(t, "hammered")
	plan := models.PlanOrDefault(models.PlanProfessional) // 300 a minute, burst 500

	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}, Timeout: 10 * time.Second}
	const clients, dur = 50, 3 * time.Second
	var mu sync.Mutex
	counts := map[int]int{}
	var bad []string
	start := time.Now()
	stop := start.Add(dur)
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			for i := c; time.Now().Before(stop); i++ {
				req, _ := http.NewRequest("GET", urls[i%3]+"/api/v1/campaigns?limit=5", nil)
				req.Header.Set("Authorization", "Bearer "+key.Plaintext)
				res, err := hc.Do(req)
				if err != nil {
					mu.Lock()
					bad = append(bad, err.Error())
					mu.Unlock()
					return
				}
				res.Body.Close()
				problem := checkRateHeaders(res, plan)
				mu.Lock()
				counts[res.StatusCode]++
				if problem != "" && len(bad) < 5 {
					bad = append(bad, problem)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if len(bad) > 0 {
		t.Fatalf("bad answers: %v", bad)
	}
	want := float64(plan.Burst) + float64(plan.LimitPerMinute)/60*elapsed.Seconds()
	got := float64(counts[http.StatusOK])
	t.Logf("%v: %d accepted, %d refused; bucket math %.1f", elapsed.Round(time.Millisecond), counts[200], counts[429], want)
	if counts[http.StatusTooManyRequests] == 0 || len(counts) != 2 {
		t.Fatalf("statuses %v: want 200s and 429s only (the bucket drained)", counts)
	}
	if got < want*0.99 || got > want*1.01 {
		t.Fatalf("accepted %v, want %.1f ± 1%% (burst %d + %d/min × %v)", got, want, plan.Burst, plan.LimitPerMinute, elapsed)
	}
	// Each instance's view reads the shared bucket; Redis never failed.
	for i, u := range urls {
		m := (&testEnv{t: t, url: u}).do("GET", "/metrics", "", nil)
		for _, line := range []string{`pmdev_ratelimit_backend_errors_total{backend="redis"} 0`, `pmdev_ratelimit_degraded{backend="redis"} 0`} {
			if !strings.Contains(string(m.body), line+"\n") {
				t.Errorf("instance %d /metrics lacks %q", i, line)
			}
		}
		var rl models.RateLimits
		(&testEnv{t: t, url: u}).must("GET", "/api/v1/platform/rate-limits", tok, nil, http.StatusOK, &rl)
		if rl.BusiestKeyID != key.KeyID || rl.BusyKeys != 1 || rl.Tenant.Used < plan.Burst-10 {
			t.Fatalf("instance %d: busiest %q, busy %d, tenant %+v; want the hammered key nearly empty", i, rl.BusiestKeyID, rl.BusyKeys, rl.Tenant)
		}
	}
}

// checkRateHeaders is what is wrong with an answer's rate-limit headers.
func checkRateHeaders(res *http.Response, plan models.Plan) string {
	h := res.Header
	if h.Get("X-Ratelimit-Limit") != strconv.Itoa(plan.LimitPerMinute) || h.Get("Ratelimit-Policy") != strconv.Itoa(plan.LimitPerMinute)+";w=60;burst="+strconv.Itoa(plan.Burst) {
		return "limit headers " + h.Get("X-Ratelimit-Limit") + " / " + h.Get("Ratelimit-Policy")
	}
	rem, err := strconv.Atoi(h.Get("X-Ratelimit-Remaining"))
	if err != nil || rem < 0 || rem >= plan.Burst {
		return "remaining " + h.Get("X-Ratelimit-Remaining")
	}
	reset, err := strconv.Atoi(h.Get("X-Ratelimit-Reset"))
	if err != nil || reset < 1 || reset > plan.Burst*60/plan.LimitPerMinute {
		return "reset " + h.Get("X-Ratelimit-Reset")
	}
	if res.StatusCode == http.StatusTooManyRequests {
		if ra, err := strconv.Atoi(h.Get("Retry-After")); err != nil || ra < 1 || rem != 0 {
			return "429 with Retry-After " + h.Get("Retry-After") + ", remaining " + h.Get("X-Ratelimit-Remaining")
		}
	}
	return ""
}

// TestRedisLimitHeadersMatchOneInstance: a fresh key's first requests, spread
// over three Redis-limited instances, carry the very headers one in-memory
// instance sends.
func TestRedisLimitHeadersMatchOneInstance(t *testing.T) {
	srvs, urls := redisInstances(t, 3)
	one := newEnv(t, "")
	user := NewUser{Email: "dev@scale.test", Role: models.RoleAdmin, Tenant: "Scale", Plan: models.PlanProfessional}
	var seqs [2][]string
	for i, s := range []*Server{srvs[0], one.s} {
		bases := urls
		if i == 1 {
			bases = []string{one.url}
		}
		tok, err := s.AddUser(context.Background(), user)
		if err != nil {
			t.Fatal(err)
		}
		key := (&testEnv{t: t, url: bases[0]}).createKey(tok, models.CreateAPIKeyRequest{Name: "k", Permissions: []string{"read_campaigns"}})
		for n := range 7 {
			r := (&testEnv{t: t, url: bases[n%len(bases)]}).do("GET", "/api/v1/campaigns?limit=5", key.Plaintext, nil)
			for _, h := range rateHeaders {
				seqs[i] = append(seqs[i], fmt.Sprintf("request %d %s: %s", n+1, h, r.header.Get(h)))
			}
		}
	}
	for j := range seqs[0] {
		if seqs[0][j] != seqs[1][j] {
			t.Fatalf("three instances sent %q, one sent %q", seqs[0][j], seqs[1][j])
		}
	}
}

// TestRedisKeyChangeReachesEveryInstance: each instance caches keys; a key
// revoked through one is refused by the others, which had it cached, at
// once (the change is announced through Redis).
func TestRedisKeyChangeReachesEveryInstance(t *testing.T) {
	urls, e, tok, key := redisKey(t, "revoked")
	for _, u := range urls { // cached by every instance
		(&testEnv{t: t, url: u}).must("GET", "/api/v1/campaigns?limit=5", key.Plaintext, nil, http.StatusOK, nil)
	}
	e.must("DELETE", "/api/v1/platform/api-keys/"+key.KeyID, tok, nil, http.StatusOK, nil)
	for i, u := range urls[1:] {
		deadline := time.Now().Add(2 * time.Second)
		for {
			r := (&testEnv{t: t, url: u}).do("GET", "/api/v1/campaigns?limit=5", key.Plaintext, nil)
			if r.status == http.StatusUnauthorized {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("instance %d still answers %d for a key revoked elsewhere", i+1, r.status)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}
