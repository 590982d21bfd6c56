package server

import (
	"context"
	"fmt"
	"io"

	"github.com/penguinmails/pmdev/server/ratelimit"
)

// openLimiter is the in-process limiter, or the Redis one cfg.RateLimit names.
func openLimiter(ctx context.Context, cfg Config) (ratelimit.Limiter, error) {
	if cfg.RateLimit == "" {
		return ratelimit.NewMemory(), nil
	}
	return ratelimit.NewRedis(ctx, cfg.RateLimit, cfg.RateLimitPrefix, cfg.Logger)
}

func closeLimiter(l ratelimit.Limiter) error {
	if c, ok := l.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

// limiterID names where this instance's buckets live, for the instance
// lease: instances agreeing on it share their limits.
func limiterID(l ratelimit.Limiter) string {
	if d, ok := l.(interface{ Describe() string }); ok {
		return d.Describe()
	}
	return "memory"
}

// writeLimiterMetrics adds the limiter's health to /metrics.
func writeLimiterMetrics(w io.Writer, st ratelimit.Stats) {
	degraded := 0
	if st.Degraded {
		degraded = 1
	}
	fmt.Fprintf(w, "# HELP pmdev_ratelimit_backend_errors_total Rate-limiter calls to Redis that failed.\n# TYPE pmdev_ratelimit_backend_errors_total counter\npmdev_ratelimit_backend_errors_total{backend=%q} %d\n", st.Backend, st.Errors)
	fmt.Fprintf(w, "# HELP pmdev_ratelimit_fallback_total Product requests limited by this instance's own bucket because Redis failed.\n# TYPE pmdev_ratelimit_fallback_total counter\npmdev_ratelimit_fallback_total{backend=%q} %d\n", st.Backend, st.Fallbacks)
	fmt.Fprintf(w, "# HELP pmdev_ratelimit_degraded 1 while Redis is unreachable and limits are per instance.\n# TYPE pmdev_ratelimit_degraded gauge\npmdev_ratelimit_degraded{backend=%q} %d\n", st.Backend, degraded)
}

// DefaultRateLimitPrefix prefixes the limiter's Redis keys unless
// Config.RateLimitPrefix says otherwise.
const DefaultRateLimitPrefix = ratelimit.DefaultRedisPrefix

// RateLimitBackend names where this instance's rate-limit buckets live:
// "memory", or the Redis address, database and key prefix (no password).
func (s *Server) RateLimitBackend() string { return limiterID(s.limiter) }
