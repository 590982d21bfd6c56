package usage

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/penguinmails/pmdev/server/internal/servertest"
	"github.com/penguinmails/pmdev/server/store"
)

// blockingStore holds every write until released, and remembers batches.
type blockingStore struct {
	release chan struct{}
	mu      sync.Mutex
	batches []*store.UsageBatch
}

func (s *blockingStore) WriteUsage(ctx context.Context, _ store.Handle, b *store.UsageBatch) error {
	select {
	case <-s.release:
	case <-ctx.Done():
		return ctx.Err()
	}
	s.mu.Lock()
	s.batches = append(s.batches, b)
	s.mu.Unlock()
	return nil
}

func (s *blockingStore) PruneTargets(context.Context, store.Handle, time.Time, time.Duration, int) ([]store.PruneTarget, error) {
	return nil, nil
}

// txOnly is a database/sql driver whose transactions do nothing, so the
// writer's store.Tx runs around a fake store.
type txOnly struct{}

func (txOnly) Open(string) (driver.Conn, error)    { return txOnly{}, nil }
func (txOnly) Prepare(string) (driver.Stmt, error) { return nil, errors.New("no statements") }
func (txOnly) Close() error                        { return nil }
func (txOnly) Begin() (driver.Tx, error)           { return txOnly{}, nil }
func (txOnly) Commit() error                       { return nil }
func (txOnly) Rollback() error                     { return nil }

func init() { sql.Register("usage-txonly", txOnly{}) }

func openNoDB(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("usage-txonly", "")
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// While the database write is stuck, requests keep being recorded without
// waiting; past the memory bound they are counted as dropped and logged,
// never blocked.
func TestRecordNeverWaitsAndCountsWhatItDrops(t *testing.T) {
	db := openNoDB(t)
	defer db.Close()
	st := &blockingStore{release: make(chan struct{})}
	lb := &servertest.Log{}
	clock := servertest.NewClock(time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC))
	w := NewWriter(db, st, slog.New(slog.NewTextHandler(lb, nil)), clock.Now, time.Hour, nil)
	w.mu.Lock()
	w.groups = 50
	w.mu.Unlock()
	start := time.Now()
	for i := range 80 { // 80 keys: 80 groups, 30 over the bound
		w.Record(store.UsageEvent{At: clock.Now(), TenantID: "t", KeyID: fmt.Sprintf("k%02d", i), Method: "GET", Route: "/r", Status: 200})
	}
	for range 1000 { // more of one group: counted
		w.Record(store.UsageEvent{At: clock.Now(), TenantID: "t", KeyID: "k00", Method: "GET", Route: "/r", Status: 200})
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("1,080 records took %s with the database stuck", d)
	}
	st0 := w.Stats()
	if st0.Dropped != 30 || st0.Requests != 1050 || st0.Pending != 1050 {
		t.Fatalf("stats %+v, want 30 dropped, 1,050 recorded and pending", st0)
	}
	if !strings.Contains(lb.String(), "usage requests dropped") {
		t.Fatalf("no warning logged:\n%s", lb.String())
	}
	close(st.release)
	w.Flush()
	if err := w.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, b := range st.batches {
		for k, v := range b.Rollups {
			if k.Res == 60 {
				n += v.N
			}
		}
	}
	if n != 1050 || w.Stats().Pending != 0 || w.Stats().Lost != 0 {
		t.Fatalf("minute rollups count %d requests, stats %+v; want 1,050 written", n, w.Stats())
	}
}
