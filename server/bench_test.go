package server

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/penguinmails/pmdev/server/internal/servertest"

	"github.com/penguinmails/pmdev/models"
)

// benchServer is a real server on loopback whose clock moves 250 ms per
// reading, so the key's bucket refills faster than requests drain it and the
// product path measures successful requests, not 429s.
type benchServer struct {
	s      *Server
	hs     *httptest.Server
	key    string
	client *http.Client
}

func newBenchServer(tb testing.TB) *benchServer {
	tb.Helper()
	var ticks atomic.Int64
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	now := func() time.Time { return base.Add(time.Duration(ticks.Add(1)) * 250 * time.Millisecond) }
	s, err := Open(context.Background(), Config{DBPath: servertest.DB(tb, "bench.db"), WebhookKey: servertest.WebhookKey(), Now: now})
	if err != nil {
		tb.Fatal(err)
	}
	tok, err := s.AddUser(context.Background(), NewUser{Email: "bench@b.test", Role: models.RoleAdmin, Tenant: "Bench"})
	if err != nil {
		tb.Fatal(err)
	}
	b := &benchServer{s: s, hs: httptest.NewServer(s.Handler()),
		client: &http.Client{Transport: &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256}}}
	req, _ := http.NewRequest("POST", b.hs.URL+"/api/v1/platform/api-keys",
		stringsReader(`{"name":"Bench","permissions":["read_campaigns"]}`))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	var created models.CreatedAPIKey
	if err := b.doJSON(req, &created); err != nil {
		tb.Fatal(err)
	}
	b.key = created.Plaintext
	tb.Cleanup(func() {
		b.hs.Close()
		s.Close(context.Background())
	})
	return b
}

func (b *benchServer) get(path, key string) (int, error) {
	req, _ := http.NewRequest("GET", b.hs.URL+path, nil)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	res, err := b.client.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode, nil
}

func benchPath(b *testing.B, srv *benchServer, path, key string) {
	b.ReportAllocs()
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			st, err := srv.get(path, key)
			if err != nil || st != 200 {
				b.Errorf("status %d err %v", st, err)
				return
			}
		}
	})
}

func BenchmarkHealthz(b *testing.B) {
	srv := newBenchServer(b)
	benchPath(b, srv, "/healthz", "")
}

func BenchmarkProductRequest(b *testing.B) {
	srv := newBenchServer(b)
	benchPath(b, srv, "/api/v1/campaigns?limit=5", srv.key)
}

// rate runs path from 8 goroutines for d and returns successful requests/s.
func rate(tb testing.TB, srv *benchServer, path, key string, d time.Duration) float64 {
	var n atomic.Int64
	var wg sync.WaitGroup
	stop := time.Now().Add(d)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(stop) {
				if st, err := srv.get(path, key); err == nil && st == 200 {
					n.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	return float64(n.Load()) / d.Seconds()
}

// TestProductThroughputRatio reports the throughput bar: authenticated product
// requests/s against /healthz requests/s in the same run, over loopback with
// client and server in this process. Short slices alternate and the median
// pair ratio is taken, so load from other processes hits both sides alike; the
// CPU time per request (client + server + usage writer) is reported too, as a
// load-independent view of the same ratio. A shared 2-core machine keeps the
// throughput ratio noisy, so the 70% bar is enforced with PMDEV_ASSERT_RATIO=1
// (see BENCHMARKS.md); always, a CPU ratio under 50% (say, a synchronous database
// write per request) by CPU per request fails. Skipped under -race.
func TestProductThroughputRatio(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("throughput measurement (meaningless under -race)")
	}
	srv := newBenchServer(t)
	rate(t, srv, "/healthz", "", 200*time.Millisecond) // warm connections
	const pairs = 7
	const slice = 250 * time.Millisecond
	var h, p float64
	var hCPU, pCPU time.Duration
	var ratios []float64
	for i := 0; i < pairs; i++ {
		c0 := processCPU()
		hi := rate(t, srv, "/healthz", "", slice)
		c1 := processCPU()
		pi := rate(t, srv, "/api/v1/campaigns?limit=5", srv.key, slice)
		srv.s.Flush() // the writer's work counts for the product side
		c2 := processCPU()
		h, p = h+hi, p+pi
		hCPU, pCPU = hCPU+c1-c0, pCPU+c2-c1
		if hi > 0 {
			ratios = append(ratios, pi/hi)
		}
	}
	if h == 0 || p == 0 {
		t.Fatalf("no successful requests: healthz %.0f product %.0f", h, p)
	}
	sort.Float64s(ratios)
	ratio := ratios[len(ratios)/2]
	secs := (pairs * slice).Seconds()
	cpuH := float64(hCPU.Microseconds()) / (h * slice.Seconds())
	cpuP := float64(pCPU.Microseconds()) / (p * slice.Seconds())
	t.Logf("healthz %.0f req/s, product %.0f req/s over %.2fs each; median ratio %.2f (pairs %.2f)", h/pairs, p/pairs, secs, ratio, ratios)
	if cpuH > 0 && cpuP > 0 {
		t.Logf("CPU per request: healthz %.1f µs, product %.1f µs; CPU ratio %.2f", cpuH, cpuP, cpuH/cpuP)
	}
	switch {
	case os.Getenv("PMDEV_ASSERT_RATIO") == "1" && ratio < 0.70:
		t.Fatalf("product/healthz ratio %.2f < 0.70", ratio)
	case cpuH > 0 && cpuP > 0 && cpuH/cpuP < 0.50:
		t.Fatalf("product costs %.1f µs CPU per request, over twice healthz's %.1f µs", cpuP, cpuH)
	}
}
