package ratelimit

import (
	"context"
	"testing"
	"time"
)

// TestMemoryTakeAllocatesNothing: the default limiter behind the Limiter
// interface costs the product route no allocation per request.
func TestMemoryTakeAllocatesNothing(t *testing.T) {
	var l Limiter = NewMemory()
	ctx, now := context.Background(), time.Now()
	l.Take(ctx, "t", "k", 300, 500, now) // the bucket exists from here on
	if n := testing.AllocsPerRun(1000, func() {
		l.Take(ctx, "t", "k", 300, 500, now)
		l.Peek(ctx, "t", "k", 300, 500, now)
	}); n != 0 {
		t.Fatalf("%v allocations per Take and Peek, want 0", n)
	}
}

func BenchmarkMemoryTake(b *testing.B) {
	var l Limiter = NewMemory()
	ctx, now := context.Background(), time.Now()
	b.ReportAllocs()
	for range b.N {
		l.Take(ctx, "t", "k", 300, 500, now)
	}
}
