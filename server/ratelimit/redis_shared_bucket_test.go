package ratelimit

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/penguinmails/pmdev/server/internal/servertest"
)

func newTestRedis(t *testing.T, log *slog.Logger) *Redis {
	t.Helper()
	url, prefix := servertest.Redis(t)
	l, err := NewRedis(context.Background(), url, prefix, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// TestRedisBucketMatchesMemory drains a key through two Redis limiters (two
// instances) and checks every answer against the in-memory bucket: the
// same remaining, reset and Retry-After, one burst between them.
func TestRedisBucketMatchesMemory(t *testing.T) {
	ctx := context.Background()
	a := newTestRedis(t, nil)
	b := &Redis{rdb: a.rdb, prefix: a.prefix, log: a.log, local: NewMemory()} // a second instance
	mem := NewMemory()
	now := time.Now()
	const limit, burst = 6, 10 // one token in 10 s: the test's own milliseconds refill nothing visible
	for i := range burst + 2 {
		l := a
		if i%2 == 1 {
			l = b
		}
		got := l.Take(ctx, nil, "t1", "k1", limit, burst, now)
		want := mem.Take(ctx, nil, "t1", "k1", limit, burst, now)
		if got != want {
			t.Fatalf("request %d: redis %+v, memory %+v", i+1, got, want)
		}
	}
	// Peek and the tenant view read the same bucket, from either instance.
	st := b.Peek(ctx, nil, "t1", "k1", limit, burst, now)
	if st.Remaining != 0 || st.Used != burst || st.ResetSeconds != 100 {
		t.Fatalf("peek %+v, want empty, reset in 100 s", st)
	}
	use, err := a.Tenant(ctx, "t1", time.Now())
	if err != nil || len(use) != 1 || use[0].KeyID != "k1" || use[0].Used != burst || use[0].ResetSeconds != 100 {
		t.Fatalf("tenant: %+v, %v", use, err)
	}
	if d := time.Until(use[0].ResetAt); d < 99*time.Second || d > 101*time.Second {
		t.Fatalf("reset_at in %v, want about 100 s", d)
	}
	states, err := b.States(ctx, "t1", []string{"k1", "never-used"}, time.Now())
	if err != nil || len(states) != 1 || states["k1"].Used != burst {
		t.Fatalf("states %+v, %v", states, err)
	}
	// A lower limit applies at once; revoking forgets the bucket everywhere.
	if r := a.Take(ctx, nil, "t1", "k1", limit, 4, now); r.Allowed || r.Burst != 4 || r.Remaining != 0 {
		t.Fatalf("after lowering the burst: %+v", r)
	}
	b.Forget(ctx, "t1", "k1")
	if use, _ := a.Tenant(ctx, "t1", time.Now()); len(use) != 0 {
		t.Fatalf("forgotten key still busy: %+v", use)
	}
	if r := a.Take(ctx, nil, "t1", "k1", limit, burst, now); !r.Allowed || r.Remaining != burst-1 {
		t.Fatalf("after forget: %+v, want a full bucket", r)
	}
}

// TestRedisConcurrentTake: 50 goroutines over three instances get exactly
// one burst.
func TestRedisConcurrentTake(t *testing.T) {
	ctx := context.Background()
	a := newTestRedis(t, nil)
	ls := []*Redis{a, {rdb: a.rdb, prefix: a.prefix, local: NewMemory()}, {rdb: a.rdb, prefix: a.prefix, local: NewMemory()}}
	var ok atomic.Int64
	var wg sync.WaitGroup
	for g := range 50 {
		wg.Go(func() {
			for range 20 {
				if ls[g%3].Take(ctx, nil, "t", "k", 1, 500, time.Now()).Allowed {
					ok.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if ok.Load() != 500 {
		t.Fatalf("successes = %d, want exactly the burst 500", ok.Load())
	}
}

// countingHandler counts the log records at each level.
type countingHandler struct {
	errors, warns atomic.Int64
}

func (h *countingHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *countingHandler) Handle(_ context.Context, r slog.Record) error {
	switch r.Level {
	case slog.LevelError:
		h.errors.Add(1)
	case slog.LevelWarn:
		h.warns.Add(1)
	}
	return nil
}
func (h *countingHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *countingHandler) WithGroup(string) slog.Handler      { return h }

// TestRedisDownFailsOpenToLocalBuckets: with Redis gone the limiter keeps
// limiting on this instance's buckets, logs once, counts, and goes back to
// Redis when it answers.
func TestRedisDownFailsOpenToLocalBuckets(t *testing.T) {
	ctx := context.Background()
	h := &countingHandler{}
	l := newTestRedis(t, slog.New(h))
	good := l.rdb
	l.rdb = redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", DialTimeout: 100 * time.Millisecond, MaxRetries: -1})
	defer l.rdb.Close()
	now := time.Now()
	allowed := 0
	for range 15 {
		if l.Take(ctx, nil, "t", "k", 6, 10, now).Allowed {
			allowed++
		}
	}
	st := l.Stats()
	if allowed != 10 {
		t.Fatalf("allowed %d with Redis down, want the local burst 10", allowed)
	}
	if !st.Degraded || st.Errors != 1 || st.Fallbacks != 15 || h.errors.Load() != 1 {
		t.Fatalf("stats %+v, %d error logs; want degraded, 1 error (then no retry for a second), 15 fallbacks, 1 log", st, h.errors.Load())
	}
	// Redis back: tried again after the pause, shared again, logged once.
	l.rdb = good
	l.retryAt.Store(0)
	if r := l.Take(ctx, nil, "t", "k", 6, 10, now); !r.Allowed || r.Remaining != 9 {
		t.Fatalf("after recovery: %+v, want the shared (full) bucket", r)
	}
	if l.Stats().Degraded || h.warns.Load() != 1 {
		t.Fatalf("stats %+v, %d warnings; want recovered and one warning", l.Stats(), h.warns.Load())
	}
}

// countHook counts the commands a client sends.
type countHook struct{ n atomic.Int64 }

func (h *countHook) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h *countHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		h.n.Add(1)
		return next(ctx, cmd)
	}
}
func (h *countHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

// TestRedisRefusalsStayLocal: once Redis refuses a key, this instance
// refuses it without asking again until a token can exist, with the same
// headers; a changed limit asks at once.
func TestRedisRefusalsStayLocal(t *testing.T) {
	ctx := context.Background()
	l := newTestRedis(t, nil)
	h := &countHook{}
	l.rdb.AddHook(h)
	now := time.Now()
	var last Result
	allowed := 0
	for range 110 {
		if last = l.Take(ctx, nil, "t", "k", 6, 10, now); last.Allowed {
			allowed++
		}
	}
	if allowed != 10 || h.n.Load() != 11 {
		t.Fatalf("%d allowed with %d Redis calls, want 10 and 11 (the first refusal only)", allowed, h.n.Load())
	}
	if last.Remaining != 0 || last.RetryAfter != 10 || last.ResetSeconds != 100 || last.Limit != 6 || last.Burst != 10 {
		t.Fatalf("local refusal %+v, want remaining 0, retry 10 s, reset 100 s", last)
	}
	if r := l.Take(ctx, nil, "t", "k", 60, 10, now); r.Allowed || r.RetryAfter != 1 || h.n.Load() != 12 {
		t.Fatalf("raised limit: %+v after %d calls, want Redis asked: a token within 1 s", r, h.n.Load())
	}
}
