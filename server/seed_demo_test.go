package server

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server/internal/servertest"
)

// --seed demo seeds a database that already holds other tenants' data, and
// says so plainly when the demo tenant is already there.
func TestSeedDemoOverExistingData(t *testing.T) {
	t.Parallel()
	path := servertest.DB(t, "pm.db")
	open := func(seed string) (*Server, *logBuf) {
		return openSeeded(t, Config{DBPath: path, WebhookKey: servertest.WebhookKey(), Seed: seed, Now: newTestClock().Now})
	}
	count := func(s *Server, q string) int { return countRows(t, s, q) }
	// What `pmdev server users add` leaves: another tenant, one demo address among its users.
	s, _ := open("")
	for _, email := range []string{"me@corp.test", "admin@acme.test"} {
		if _, err := s.AddUser(context.Background(), NewUser{Email: email, Role: models.RoleAdmin}); err != nil {
			t.Fatal(err)
		}
	}
	s.Close(context.Background())

	s, lb := open("demo")
	if s.SeedSkipped() || !strings.Contains(lb.String(), "seeded demo data") {
		t.Fatalf("demo not seeded over other data; log:\n%s", lb.String())
	}
	keys := count(s, `SELECT COUNT(*) FROM api_keys k JOIN tenants t ON t.id = k.tenant_id WHERE t.name = 'Acme'`)
	if keys == 0 || count(s, `SELECT COUNT(*) FROM usage_events`) == 0 {
		t.Fatalf("Acme has %d keys after the seed", keys)
	}
	if n := count(s, `SELECT COUNT(*) FROM users u JOIN tenants t ON t.id = u.tenant_id WHERE t.name = 'Default'`); n != 2 {
		t.Errorf("the existing tenant has %d users after the seed, want its 2", n)
	}
	s.Close(context.Background())

	s, lb = open("demo")
	defer s.Close(context.Background())
	if !s.SeedSkipped() || !strings.Contains(lb.String(), "demo data already present; --seed demo skipped") {
		t.Errorf("second seed not reported as skipped; log:\n%s", lb.String())
	}
	if n := count(s, `SELECT COUNT(*) FROM api_keys`); n != keys {
		t.Errorf("%d keys after the second seed, want %d", n, keys)
	}
}

// The README's order, a user added to Acme before the first --seed demo:
// the demo goes into that Acme (it has no keys) instead of being reported
// as present, and the user keeps its role.
func TestSeedDemoFillsAnAcmeWithoutKeys(t *testing.T) {
	t.Parallel()
	path := servertest.DB(t, "pm.db")
	open := func(seed string) (*Server, *logBuf) {
		return openSeeded(t, Config{DBPath: path, WebhookKey: servertest.WebhookKey(), Seed: seed, Now: newTestClock().Now})
	}
	s, _ := open("")
	if _, err := s.AddUser(context.Background(), NewUser{Email: "you@example.com", Role: models.RoleDeveloper, Tenant: "Acme"}); err != nil {
		t.Fatal(err)
	}
	s.Close(context.Background())
	s, lb := open("demo")
	defer s.Close(context.Background())
	if s.SeedSkipped() || !strings.Contains(lb.String(), "seeded demo data") {
		t.Fatalf("demo not seeded into the Acme made by users add; log:\n%s", lb.String())
	}
	if n := countRows(t, s, `SELECT COUNT(*) FROM tenants WHERE name = 'Acme'`); n != 1 {
		t.Errorf("%d tenants called Acme, want 1", n)
	}
	if n := countRows(t, s, `SELECT COUNT(*) FROM api_keys k JOIN tenants t ON t.id = k.tenant_id WHERE t.name = 'Acme'`); n != 7 {
		t.Errorf("Acme has %d keys, want the demo's 7", n)
	}
	if n := countRows(t, s, `SELECT COUNT(*) FROM users u JOIN tenants t ON t.id = u.tenant_id WHERE t.name = 'Acme' AND u.email = 'you@example.com' AND u.role = 'developer'`); n != 1 {
		t.Error("the user added before the seed lost its place or role")
	}
}

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
	v0 := s.usageVersion(context.Background(), tenant)
	if err := s.WriteSeedHistory(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := count(s, rollups); n == 0 {
		t.Fatal("no rollups after WriteSeedHistory")
	}
	if n := count(s, `SELECT COUNT(*) FROM usage_events`); n == 0 {
		t.Fatal("no failed-request log after WriteSeedHistory")
	}
	if s.usageVersion(context.Background(), tenant) == v0 {
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
