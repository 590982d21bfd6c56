package usage

import (
	"fmt"
	"testing"
	"time"

	"github.com/penguinmails/pmdev/server/ratelimit"
)

// BenchmarkBusyKeys10k is the in-memory part of the rate-limit route at
// 10,000 busy keys: snapshot every bucket and order them.
func BenchmarkBusyKeys10k(b *testing.B) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	l := ratelimit.NewLimiter()
	for i := range 10_000 {
		l.Bucket("t", fmt.Sprintf("key-%05d", i), 1, 2000, now).Take(now)
	}
	b.ResetTimer()
	for range b.N {
		busy := l.Tenant("t", now)
		topAfter(busy, nil, 1)
		topAfter(busy, nil, 100)
	}
}

func BenchmarkSnapshot10k(b *testing.B) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	l := ratelimit.NewLimiter()
	for i := range 10_000 {
		l.Bucket("t", fmt.Sprintf("key-%05d", i), 1, 2000, now).Take(now)
	}
	b.ResetTimer()
	for range b.N {
		l.Tenant("t", now)
	}
}
