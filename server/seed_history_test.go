package server

import (
	"context"
	"github.com/penguinmails/pmdev/server/internal/servertest"
	"log/slog"
	"strings"
	"testing"
)

// The sandbox's seed writes what the first screens show first and the
// usage history after: the history is written by WriteSeedHistory, a start
// stopped before it gets it at the next Open, and the analytics version
// changes when it lands.
func TestSeedHistoryLaterIsWrittenOrResumed(t *testing.T) {
	t.Parallel()
	path := servertest.DB(t, "pm.db")
	clock := newTestClock()
	open := func() (*Server, *logBuf) {
		return openSeeded(t, Config{DBPath: path, WebhookKey: servertest.WebhookKey(), Seed: "demo", SeedHistoryLater: true, Now: clock.Now})
	}
	count := func(s *Server, q string) int { return countRows(t, s, q) }
	const rollups = `SELECT COUNT(*) FROM usage_tenant_rollup`
	s, _ := open()
	if n := count(s, `SELECT COUNT(*) FROM api_keys WHERE request_count > 0`); n == 0 {
		t.Fatal("the first transaction left the keys without their counters")
	}
	if n := count(s, rollups); n != 0 {
		t.Fatalf("%d rollups before WriteSeedHistory", n)
	}
	// Stopped before the history was written: the next start writes it.
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	s, lb := open()
	if !strings.Contains(lb.String(), "writing it again") {
		t.Fatalf("missing history not noticed; log:\n%s", lb.String())
	}
	var tenant string
	if err := s.db.QueryRow(`SELECT id FROM tenants WHERE name = 'Acme'`).Scan(&tenant); err != nil {
		t.Fatal(err)
	}
	v0 := s.usageVersion(tenant)
	if err := s.WriteSeedHistory(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := count(s, rollups); n == 0 {
		t.Fatal("no rollups after WriteSeedHistory")
	}
	if n := count(s, `SELECT COUNT(*) FROM usage_events`); n == 0 {
		t.Fatal("no failed-request log after WriteSeedHistory")
	}
	if s.usageVersion(tenant) == v0 {
		t.Error("analytics version unchanged: clients would keep a 304 of the empty history")
	}
	if err := s.WriteSeedHistory(context.Background()); err != nil { // once only
		t.Fatal(err)
	}
	n := count(s, rollups)
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	s, lb = open()
	defer s.Close(context.Background())
	if !s.SeedSkipped() || strings.Contains(lb.String(), "writing it again") || count(s, rollups) != n {
		t.Fatalf("complete demo seeded again; log:\n%s", lb.String())
	}
}

// openSeeded opens a server on cfg with its log captured.
func openSeeded(t *testing.T, cfg Config) (*Server, *logBuf) {
	t.Helper()
	lb := &logBuf{}
	cfg.Logger = slog.New(slog.NewTextHandler(lb, nil))
	s, err := Open(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Open(seed %q): %v", cfg.Seed, err)
	}
	return s, lb
}

// countRows runs a COUNT query on the server's database.
func countRows(t *testing.T, s *Server, q string) int {
	t.Helper()
	var n int
	if err := s.db.QueryRow(q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
