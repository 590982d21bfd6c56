package ratelimit

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// TestMemoryTakeAllocatesNothing: the default limiter behind the Limiter
// interface costs the product route no allocation per request.
func TestMemoryTakeAllocatesNothing(t *testing.T) {
	var l Limiter = NewMemory()
	ctx, now := context.Background(), time.Now()
	l.Take(ctx, nil, "t", "k", 300, 500, now) // the bucket exists from here on
	if n := testing.AllocsPerRun(1000, func() {
		l.Take(ctx, nil, "t", "k", 300, 500, now)
		l.Peek(ctx, nil, "t", "k", 300, 500, now)
	}); n != 0 {
		t.Fatalf("%v allocations per Take and Peek, want 0", n)
	}
}

func BenchmarkMemoryTake(b *testing.B) {
	var l Limiter = NewMemory()
	ctx, now := context.Background(), time.Now()
	b.ReportAllocs()
	for range b.N {
		l.Take(ctx, nil, "t", "k", 300, 500, now)
	}
}

// TestSlotSharesTheKeysBucket: a request through a slot spends the same
// tokens as one by id, a fresh slot (a changed key's new cache entry) finds
// the same bucket, and taking through a filled slot allocates nothing.
func TestSlotSharesTheKeysBucket(t *testing.T) {
	l := NewMemory()
	ctx, now := context.Background(), time.Now()
	var slot Slot
	if r := l.Take(ctx, &slot, "t", "k", 60, 5, now); !r.Allowed || r.Remaining != 4 {
		t.Fatalf("first take through the slot: %+v", r)
	}
	if r := l.Take(ctx, nil, "t", "k", 60, 5, now); r.Remaining != 3 {
		t.Fatalf("by id after the slot: remaining %d, want 3 (one bucket)", r.Remaining)
	}
	if b := l.Bucket("t", "k", 60, 5, now); slot.b.Load() != b {
		t.Fatal("the slot does not hold the key's bucket")
	}
	var fresh Slot
	if r := l.Take(ctx, &fresh, "t", "k", 60, 5, now); r.Remaining != 2 {
		t.Fatalf("through a fresh slot: remaining %d, want 2", r.Remaining)
	}
	if st := l.Peek(ctx, &slot, "t", "k", 60, 5, now); st.Remaining != 2 {
		t.Fatalf("peek through the first slot: remaining %d, want 2", st.Remaining)
	}
	if n := testing.AllocsPerRun(100, func() { l.Take(ctx, &slot, "t", "k", 60, 5, now) }); n != 0 {
		t.Fatalf("%v allocations per Take through a slot, want 0", n)
	}
	// A forgotten key's bucket starts full again for a new entry's slot;
	// a filled slot is taken from without a lookup (a revoked key's entry is
	// dropped from the key cache before its bucket is forgotten).
	l.Forget(ctx, "t", "k")
	if r := l.Take(ctx, &Slot{}, "t", "k", 60, 5, now); r.Remaining != 4 {
		t.Fatalf("after Forget, a new slot: remaining %d, want 4", r.Remaining)
	}
	if r := l.Take(ctx, &slot, "t", "k", 60, 5, now); r.Remaining >= 2 {
		t.Fatalf("the filled slot: remaining %d, want the old bucket's (below 2)", r.Remaining)
	}
}

// BenchmarkTake1000Keys: requests spread over 1,000 keys, by id and
// through each key's slot.
func BenchmarkTake1000Keys(b *testing.B) {
	ctx, now := context.Background(), time.Now()
	ids := make([]string, 1000)
	for i := range ids {
		ids[i] = fmt.Sprintf("%08d-0000-4000-8000-%012d", i, i)
	}
	for _, mode := range []string{"by-id", "slot"} {
		b.Run(mode, func(b *testing.B) {
			l, slots := NewMemory(), make([]Slot, len(ids)) // slots of this limiter's buckets
			b.ReportAllocs()
			for i := range b.N {
				j := (i * 7919) % len(ids)
				var s *Slot
				if mode == "slot" {
					s = &slots[j]
				}
				l.Take(ctx, s, "t", ids[j], 1e9, 1e9, now)
			}
		})
	}
}
