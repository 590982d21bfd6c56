package lease_test

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/penguinmails/pmdev/server/internal/servertest"
	"github.com/penguinmails/pmdev/server/lease"
	"github.com/penguinmails/pmdev/server/testkit"
)

// On SQLite the one process holds every lease; on PostgreSQL exactly one
// instance does, and another takes it over when the holder goes.
func TestOneHolderAndTakeover(t *testing.T) {
	db := servertest.DB(t, "pm.db")
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	lease.Every = 100 * time.Millisecond // before any lease reads it
	a := lease.Take(servertest.OpenDB(t, db), "singletons", log)
	defer a.Close()
	if !servertest.Postgres() {
		if !a.Held() {
			t.Fatal("a SQLite lease is not held")
		}
		return
	}
	b := lease.Take(servertest.OpenDB(t, db), "singletons", log)
	defer b.Close()
	other := lease.Take(servertest.OpenDB(t, db), "another", log)
	defer other.Close()
	testkit.WaitFor(t, 10*time.Second, "one instance to hold the lease", func() bool { return a.Held() || b.Held() })
	time.Sleep(3 * lease.Every)
	if a.Held() == b.Held() {
		t.Fatalf("held by a %v, by b %v: want exactly one", a.Held(), b.Held())
	}
	if !other.Held() {
		t.Fatal("a lease of another name waits on this one")
	}
	holder, rest := a, b
	if b.Held() {
		holder, rest = b, a
	}
	holder.Close()
	testkit.WaitFor(t, 10*time.Second, "the other instance to take the lease", rest.Held)
}
