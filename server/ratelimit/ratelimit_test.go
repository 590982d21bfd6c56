package ratelimit

import (
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
	l := NewLimiter()
	var ok atomic.Int64
	var wg sync.WaitGroup
	for g := 0; g < 50; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 40; i++ {
				if l.Bucket("k", 300, 500, now).Take(now).Allowed {
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
