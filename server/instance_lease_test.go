package server

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/penguinmails/pmdev/server/internal/servertest"
	"github.com/penguinmails/pmdev/server/store"
	"github.com/penguinmails/pmdev/server/store/sqlite"
)

const testBeat = 50 * time.Millisecond

func openAt(t *testing.T, db string, allow bool) (*Server, error) {
	t.Helper()
	s, err := Open(context.Background(), Config{DBPath: db, InstanceBeat: testBeat, AllowSplitLimits: allow})
	if err == nil {
		t.Cleanup(func() { s.Close(context.Background()) })
	}
	return s, err
}

// TestInMemoryLimitsRefuseASecondInstance: two instances with in-memory
// buckets on one database would each grant a key its burst, so the second
// refuses to start, naming the first and the ways out.
func TestInMemoryLimitsRefuseASecondInstance(t *testing.T) {
	db := filepath.Join(t.TempDir(), "pmdev.db")
	first, err := openAt(t, db, false)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * testBeat) // the first is beating
	_, err = openAt(t, db, false)
	if !errors.Is(err, ErrSplitLimits) {
		t.Fatalf("second instance: %v, want ErrSplitLimits", err)
	}
	for _, want := range []string{"rate limits: memory", "--ratelimit redis://", "--allow-split-limits"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("refusal %q does not say %q", err, want)
		}
	}
	// An offline command (users, SSH keys) takes no lease and is not refused.
	off, err := Open(context.Background(), Config{DBPath: db, NoWebhooks: true})
	if err != nil {
		t.Fatalf("offline open: %v", err)
	}
	off.Close(context.Background())
	// Told to, it serves anyway; the refused one left no lease behind.
	if _, err := openAt(t, db, true); err != nil {
		t.Fatalf("with AllowSplitLimits: %v", err)
	}
	live, _ := sqlite.Store{}.LiveInstances(context.Background(), first.db, time.Now().Add(-time.Minute))
	if len(live) != 2 {
		t.Fatalf("live leases %+v, want the first and the allowed one", live)
	}
	// A clean stop releases the lease: the next one starts at once.
	first.Close(context.Background())
	if _, err := openAt(t, db, false); !errors.Is(err, ErrSplitLimits) {
		t.Fatalf("the allowed instance still serves: %v, want refused", err)
	}
}

// TestCrashedInstanceLeaseExpires: a lease left by a crashed instance
// (no clean stop) does not keep the next start out: a stale one is ignored
// at once, a fresh one once it fails to beat.
func TestCrashedInstanceLeaseExpires(t *testing.T) {
	for _, tc := range []struct {
		name string
		seen time.Duration
	}{{"stale", time.Minute}, {"fresh", testBeat / 2}} {
		t.Run(tc.name, func(t *testing.T) {
			db := filepath.Join(t.TempDir(), "pmdev.db")
			s, err := openAt(t, db, false)
			if err != nil {
				t.Fatal(err)
			}
			crashed := store.Instance{ID: "crashed", Host: "h", PID: 1, Limiter: "memory", StartedAt: time.Now().Add(-time.Hour), SeenAt: time.Now().Add(-tc.seen)}
			if err := (sqlite.Store{}).BeatInstance(context.Background(), s.db, crashed); err != nil {
				t.Fatal(err)
			}
			s.instance.release(context.Background()) // as if s had never been there
			s.instance = nil
			start := time.Now()
			if _, err := openAt(t, db, false); err != nil {
				t.Fatalf("after a crash: %v", err)
			}
			if d := time.Since(start); d > time.Duration(instanceStaleBeats+2)*testBeat+time.Second {
				t.Fatalf("start took %v", d)
			}
		})
	}
}

// TestRedisInstanceRefusedNextToInMemoryOne: an instance sharing limits
// through Redis cannot share them with one keeping its own, nor with one on
// another prefix; with the same Redis and prefix they serve together.
func TestRedisInstanceRefusedNextToInMemoryOne(t *testing.T) {
	url, prefix := servertest.Redis(t)
	db := filepath.Join(t.TempDir(), "pmdev.db")
	open := func(prefix string) (*Server, error) {
		s, err := Open(context.Background(), Config{DBPath: db, InstanceBeat: testBeat, RateLimit: url, RateLimitPrefix: prefix})
		if err == nil {
			t.Cleanup(func() { s.Close(context.Background()) })
		}
		return s, err
	}
	mem, err := openAt(t, db, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := open(prefix); !errors.Is(err, ErrSplitLimits) || !strings.Contains(err.Error(), "rate limits: memory") {
		t.Fatalf("next to an in-memory instance: %v, want refused", err)
	}
	mem.Close(context.Background())
	if _, err := open(prefix); err != nil {
		t.Fatal(err)
	}
	if _, err := open(prefix); err != nil {
		t.Fatalf("same Redis and prefix: %v", err)
	}
	if _, err := open(prefix + "other:"); !errors.Is(err, ErrSplitLimits) {
		t.Fatalf("another prefix: %v, want refused", err)
	}
}
