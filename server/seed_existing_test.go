package server

import (
	"context"
	"github.com/penguinmails/pmdev/server/internal/servertest"
	"strings"
	"testing"

	"github.com/penguinmails/pmdev/models"
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
