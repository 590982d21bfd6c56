package server

import (
	"context"
	"testing"
	"time"

	"github.com/penguinmails/pmdev/models"
)

// Minted tokens (one per SSH session or sandbox start) must not pile up:
// the hourly prune drops those expired for more than a day.
func TestPruneDropsExpiredTokens(t *testing.T) {
	e := newEnv(t, "")
	plain := e.addUser("admin@a.test", models.RoleAdmin, "A", "")
	ctx := context.Background()
	short, err := e.s.MintToken(ctx, "admin@a.test", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	long, err := e.s.MintToken(ctx, "admin@a.test", 72*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	count := func() int {
		var n int
		if err := e.s.db.QueryRow(`SELECT COUNT(*) FROM tokens`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	// Expired, but within the day it is kept: still answers "expired".
	e.clock.Advance(2 * time.Hour)
	e.s.usage.Prune()
	if n := count(); n != 3 {
		t.Fatalf("tokens after early prune = %d, want 3", n)
	}
	if p := e.do("GET", "/api/v1/me", short, nil).prob(t); p.Error != "token_expired" {
		t.Fatalf("recently expired token: %+v", p)
	}
	e.clock.Advance(24 * time.Hour)
	e.s.usage.Prune()
	if n := count(); n != 2 {
		t.Fatalf("tokens after prune = %d, want 2 (the PAT and the unexpired minted one)", n)
	}
	if p := e.do("GET", "/api/v1/me", short, nil).prob(t); p.Error != "invalid_token" {
		t.Fatalf("purged token: %+v", p)
	}
	e.must("GET", "/api/v1/me", long, nil, 200, nil)
	e.must("GET", "/api/v1/me", plain, nil, 200, nil)
}
