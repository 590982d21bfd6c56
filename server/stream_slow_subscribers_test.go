package server

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/penguinmails/pmdev/models"
)

// latencies makes n product requests one after another and returns their
// wall times, sorted.
func latencies(t *testing.T, e *testEnv, key string, n int) []time.Duration {
	t.Helper()
	client := &http.Client{}
	out := make([]time.Duration, 0, n)
	for range n {
		req, _ := http.NewRequest("GET", e.url+"/api/v1/campaigns", nil)
		req.Header.Set("Authorization", "Bearer "+key)
		start := time.Now()
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		out = append(out, time.Since(start))
		if res.StatusCode != http.StatusOK {
			t.Fatalf("status %d", res.StatusCode)
		}
	}
	slices.Sort(out)
	return out
}

func pct(d []time.Duration, p float64) time.Duration { return d[int(float64(len(d)-1)*p)] }

// slowSubscriber opens the request log stream over a raw connection and
// never reads past the headers.
func slowSubscriber(t *testing.T, base, token string) net.Conn {
	t.Helper()
	addr := strings.TrimPrefix(base, "http://")
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	// A tiny receive buffer, so the server's writes back up soon.
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetReadBuffer(1024)
	}
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nAccept: text/event-stream\r\n\r\n", models.StreamRequestsPath, addr, token)
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || !strings.Contains(line, "200") {
		t.Fatalf("slow subscriber: %q %v", line, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestSlowSubscribersDoNotSlowProductRoutes(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("latency measurement (not under the race detector)")
	}
	e := newEnv(t, "")
	// Business: a burst of 2000, more than the requests made (the test clock stands still).
	tok := e.addUser("admin@a.test", models.RoleAdmin, "A", models.PlanBusiness)
	key := e.createKey(tok, models.CreateAPIKeyRequest{Name: "K", Permissions: []string{"read_campaigns"}}).Plaintext
	const n = 400
	latencies(t, e, key, 50) // warm-up
	base := latencies(t, e, key, n)

	for range 50 {
		slowSubscriber(t, e.url, tok)
	}
	with := latencies(t, e, key, n)

	p50, p99 := pct(base, .5), pct(base, .99)
	w50, w99 := pct(with, .5), pct(with, .99)
	t.Logf("product route latency over %d requests: without subscribers p50 %v p99 %v; with 50 slow subscribers p50 %v p99 %v; items lost by the hub %d",
		n, p50, p99, w50, w99, e.s.streams.Lost())
	// Generous bounds: the machine is shared and the race detector may be on.
	if w50 > 3*p50+2*time.Millisecond {
		t.Errorf("p50 %v with slow subscribers, %v without", w50, p50)
	}
	if w99 > 4*p99+25*time.Millisecond {
		t.Errorf("p99 %v with slow subscribers, %v without", w99, p99)
	}
}
