package ratelimit

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestBucketMath(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	b := NewBucket(60, 100, now)
	for i := 0; i < 100; i++ {
		if r := b.Take(now); !r.Allowed {
			t.Fatalf("request %d refused with a full bucket", i)
		}
	}
	r := b.Take(now)
	if r.Allowed || r.RetryAfter != 1 {
		t.Fatalf("101st: allowed=%v retry=%d, want refused retry 1", r.Allowed, r.RetryAfter)
	}
	// 60/min = 1 token per second.
	now = now.Add(10 * time.Second)
	n := 0
	for b.Take(now).Allowed {
		n++
	}
	if n != 10 {
		t.Fatalf("after 10s got %d tokens, want 10", n)
	}
	if s := b.Snapshot(now); s.Remaining != 0 || s.ResetAt.Sub(now) != 100*time.Second {
		t.Fatalf("snapshot %+v", s)
	}
}

func TestConcurrentTake(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	l := NewMemory()
	var ok atomic.Int64
	var wg sync.WaitGroup
	for g := 0; g < 50; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 40; i++ {
				if l.Take(context.Background(), nil, "t", "k", 300, 500, now).Allowed {
					ok.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if ok.Load() != 500 {
		t.Fatalf("successes = %d, want exactly the burst 500", ok.Load())
	}
}

// TestSnapshotIsTheBucket checks that the rate-limits view reads the same
// bucket that refuses requests: used = burst - floor(tokens), reset = time
// until full, and a minute boundary changes nothing.
func TestSnapshotIsTheBucket(t *testing.T) {
	now := time.Unix(1_700_000_030, 0) // mid-minute: the old per-minute counter would reset in 30 s
	const limit, burst = 300, 500      // 5 tokens a second, 100 s from empty to full
	b := NewBucket(limit, burst, now)
	if s := b.Snapshot(now); s.Used != 0 || s.Remaining != burst || s.ResetSeconds != 0 || !s.ResetAt.Equal(now) {
		t.Fatalf("full bucket: %+v", s)
	}
	taken := 0
	for b.Take(now).Allowed {
		taken++
	}
	s := b.Snapshot(now)
	if taken != burst || s.Used != burst || s.Remaining != 0 || s.Used+s.Remaining != s.Burst {
		t.Fatalf("hammered: taken %d, snapshot %+v; want used == burst", taken, s)
	}
	if s.ResetSeconds != 100 || s.ResetAt.Sub(now) != 100*time.Second {
		t.Fatalf("hammered: reset %ds at +%v, want 100s (burst/rate*60)", s.ResetSeconds, s.ResetAt.Sub(now))
	}
	full := s.ResetAt

	// Across the minute boundary and halfway through the refill.
	now = now.Add(50 * time.Second)
	s = b.Snapshot(now)
	if s.Used != burst/2 || s.Remaining != burst/2 || s.ResetSeconds != 50 {
		t.Fatalf("half refilled: %+v, want used %d, reset 50s", s, burst/2)
	}
	if d := s.ResetAt.Sub(full); d < -time.Millisecond || d > time.Millisecond {
		t.Fatalf("reset_at moved by %v while nobody used the key", d)
	}
	// A fraction of a token does not count as available.
	now = now.Add(100 * time.Millisecond) // +0.5 token
	if s = b.Snapshot(now); s.Remaining != burst/2 || s.Used != burst/2 || s.ResetSeconds != 50 {
		t.Fatalf("+0.5 token: %+v", s)
	}
	// Take agrees with Snapshot on the reset it puts in X-RateLimit-Reset.
	if r := b.Take(now); !r.Allowed || r.Remaining != burst/2-1 || r.ResetSeconds != 51 {
		t.Fatalf("take: %+v", r)
	}
	if s = b.Snapshot(now); s.Used != burst/2+1 || s.ResetSeconds != 51 {
		t.Fatalf("after take: %+v", s)
	}
	now = now.Add(2 * time.Minute)
	if s = b.Snapshot(now); s.Used != 0 || s.ResetSeconds != 0 || !s.ResetAt.Equal(now) {
		t.Fatalf("refilled: %+v", s)
	}
}
