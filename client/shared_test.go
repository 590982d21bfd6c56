package client

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeClock is advanced by hand so TTL tests need no sleeps.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (f *fakeClock) Now() time.Time { f.mu.Lock(); defer f.mu.Unlock(); return f.t }
func (f *fakeClock) Add(d time.Duration) {
	f.mu.Lock()
	f.t = f.t.Add(d)
	f.mu.Unlock()
}

func sharedTestServer(t *testing.T, hits *atomic.Int64, gate chan struct{}) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if gate != nil {
			<-gate
		}
		if r.Header.Get("Authorization") == "Bearer bad" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Header().Set("ETag", `W/"v1"`)
		if r.Header.Get("If-None-Match") == `W/"v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		_, _ = io.WriteString(w, `{"path":"`+r.URL.Path+`"}`)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, rt http.RoundTripper, url, token, inm string) (int, string) {
	t.Helper()
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if inm != "" {
		req.Header.Set("If-None-Match", inm)
	}
	resp, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestSharedCacheReusesWithinTTLPerScope(t *testing.T) {
	var hits atomic.Int64
	srv := sharedTestServer(t, &hits, nil)
	clk := &fakeClock{t: time.Unix(1_800_000_000, 0)}
	c := NewSharedCache(SharedOptions{TTL: map[string]time.Duration{"/api/v1/platform/rate-limits": 2 * time.Second}, Now: clk.Now})
	a, b, other := c.Scope("t1|admin"), c.Scope("t1|admin"), c.Scope("t2|admin")
	url := srv.URL + "/api/v1/platform/rate-limits"

	if st, body := get(t, a, url, "pm_pat_a", ""); st != 200 || body == "" {
		t.Fatalf("first GET = %d %q", st, body)
	}
	if st, _ := get(t, b, url, "pm_pat_b", ""); st != 200 {
		t.Fatalf("second GET = %d", st)
	}
	if got := hits.Load(); got != 1 {
		t.Fatalf("same scope within TTL: upstream hits = %d, want 1", got)
	}
	// The session's own ETag matches the shared answer: 304, no body.
	if st, body := get(t, b, url, "pm_pat_b", `W/"v1"`); st != http.StatusNotModified || body != "" {
		t.Fatalf("conditional GET = %d %q, want 304 without body", st, body)
	}
	get(t, other, url, "pm_pat_c", "")
	if got := hits.Load(); got != 2 {
		t.Fatalf("another scope must not reuse: hits = %d, want 2", got)
	}
	clk.Add(2 * time.Second)
	if st, body := get(t, a, url, "pm_pat_a", ""); st != 200 || body == "" {
		t.Fatalf("after TTL (revalidated by 304 upstream) = %d %q", st, body)
	}
	if got := hits.Load(); got != 3 {
		t.Fatalf("after TTL: hits = %d, want 3", got)
	}
}

func TestSharedCacheMergesConcurrentGETs(t *testing.T) {
	var hits atomic.Int64
	gate := make(chan struct{})
	srv := sharedTestServer(t, &hits, gate)
	c := NewSharedCache(SharedOptions{})
	var wg sync.WaitGroup
	codes := make(chan int, 20)
	for range 20 {
		wg.Go(func() {
			st, _ := get(t, c.Scope("t1|developer"), srv.URL+"/api/v1/platform/api-keys", "pm_pat_x", "")
			codes <- st
		})
	}
	// Let every goroutine join the flight before the upstream answers.
	time.Sleep(100 * time.Millisecond)
	close(gate)
	wg.Wait()
	close(codes)
	for st := range codes {
		if st != 200 {
			t.Fatalf("status %d", st)
		}
	}
	if got := hits.Load(); got != 1 {
		t.Fatalf("20 concurrent GETs made %d upstream requests, want 1", got)
	}
}

func TestSharedCacheWritesInvalidateAndAPIKeysBypass(t *testing.T) {
	var hits atomic.Int64
	srv := sharedTestServer(t, &hits, nil)
	c := NewSharedCache(SharedOptions{DefaultTTL: time.Hour})
	rt := c.Scope("t1|admin")
	url := srv.URL + "/api/v1/platform/api-keys"
	get(t, rt, url, "pm_pat_a", "")
	req, _ := http.NewRequest(http.MethodPost, url, nil)
	resp, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	get(t, rt, url, "pm_pat_a", "")
	if got := hits.Load(); got != 3 {
		t.Fatalf("GET after a write must go upstream: hits = %d, want 3", got)
	}
	get(t, rt, srv.URL+"/api/v1/campaigns", "pm_live_abc", "")
	get(t, rt, srv.URL+"/api/v1/campaigns", "pm_live_abc", "")
	if got := hits.Load(); got != 5 {
		t.Fatalf("API-key GETs must not be shared: hits = %d, want 5", got)
	}
	priv := NewSharedCache(SharedOptions{DefaultTTL: time.Hour, Private: []string{"/api/v1/me"}}).Scope("t1|admin")
	get(t, priv, srv.URL+"/api/v1/me", "pm_pat_alice", "")
	get(t, priv, srv.URL+"/api/v1/me", "pm_pat_bob", "")
	if got := hits.Load(); got != 7 {
		t.Fatalf("private paths must not be shared: hits = %d, want 7", got)
	}
}

func TestAuthTransportAddsTokenAndHeaders(t *testing.T) {
	var gotAuth, gotFP string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotAuth, gotFP = r.Header.Get("Authorization"), r.Header.Get("X-PM-Actor-Fingerprint")
	}))
	defer srv.Close()
	rt := &AuthTransport{
		Token:   func(context.Context) (string, error) { return "pm_pat_minted", nil },
		Headers: map[string]string{"X-PM-Actor-Fingerprint": "SHA256:abc"},
	}
	get(t, rt, srv.URL, "", "")
	if gotAuth != "Bearer pm_pat_minted" || gotFP != "SHA256:abc" {
		t.Fatalf("auth %q fp %q", gotAuth, gotFP)
	}
}

func TestSharedCacheDropsAnswersFetchedBeforeAWrite(t *testing.T) {
	var hits atomic.Int64
	gate := make(chan struct{})
	srv := sharedTestServer(t, &hits, gate)
	c := NewSharedCache(SharedOptions{DefaultTTL: time.Hour})
	rt := c.Scope("t1|admin")
	url := srv.URL + "/api/v1/platform/api-keys"
	done := make(chan struct{})
	go func() { get(t, rt, url, "pm_pat_a", ""); close(done) }()
	time.Sleep(50 * time.Millisecond) // the GET is now waiting upstream
	c.invalidate("t1|admin")          // what a POST in another session does
	close(gate)
	<-done
	get(t, rt, url, "pm_pat_a", "")
	if got := hits.Load(); got != 2 {
		t.Fatalf("a list fetched before the write was reused: hits = %d, want 2", got)
	}
}
