package usage

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/penguinmails/pmdev/server/ratelimit"
)

// busyLimiter is a tenant of 10,000 keys, each with a spent bucket.
func busyLimiter() (*ratelimit.Memory, time.Time) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	l := ratelimit.NewMemory()
	for i := range 10_000 {
		l.Bucket("t", fmt.Sprintf("key-%05d", i), 1, 2000, now).Take(now)
	}
	return l, now
}

// BenchmarkBusyKeys10k is the in-memory part of the rate-limit route at
// 10,000 busy keys: read every bucket, keep the busiest and a page of 100.
func BenchmarkBusyKeys10k(b *testing.B) {
	l, now := busyLimiter()
	b.ResetTimer()
	for range b.N {
		busy, _ := l.Tenant(context.Background(), "t", now)
		topAfter(busy, nil, 1)
		topAfter(busy, nil, 100)
	}
}

// BenchmarkBucketReads10k is reading the 10,000 buckets alone.
func BenchmarkBucketReads10k(b *testing.B) {
	l, now := busyLimiter()
	b.ResetTimer()
	for range b.N {
		_, _ = l.Tenant(context.Background(), "t", now)
	}
}
