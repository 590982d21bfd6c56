package server

import (
	"net/http"
	"strings"
	"testing"
)

// TestRateLimitMetricsNameTheBackend: /metrics carries the limiter's health,
// labelled with where the buckets live.
func TestRateLimitMetricsNameTheBackend(t *testing.T) {
	e := newEnv(t, "")
	r := e.do("GET", "/metrics", "", nil)
	if r.status != http.StatusOK {
		t.Fatalf("status %d", r.status)
	}
	for _, line := range []string{
		`pmdev_ratelimit_backend_errors_total{backend="memory"} 0`,
		`pmdev_ratelimit_fallback_total{backend="memory"} 0`,
		`pmdev_ratelimit_degraded{backend="memory"} 0`,
	} {
		if !strings.Contains(string(r.body), line+"\n") {
			t.Errorf("/metrics lacks %q:\n%s", line, r.body)
		}
	}
	if got := e.s.RateLimitBackend(); got != "memory" {
		t.Errorf("backend %q, want memory", got)
	}
}
