package server

import (
	"testing"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server/internal/servertest"
)

// On a shared database a conditional analytics request to one instance
// sees usage another instance wrote: no 304 over someone else's write.
func TestSharedAnalyticsTagFollowsOtherInstances(t *testing.T) {
	if !servertest.Postgres() {
		t.Skip("instances share a database only on PostgreSQL (PMDEV_TEST_DB=postgres)")
	}
	a, b := sharedEnvs(t)
	tok := a.addUser("admin@a.test", models.RoleAdmin, "A", "")
	key := a.createKey(tok, models.CreateAPIKeyRequest{Name: "shared", Permissions: []string{"read_campaigns"}})
	const path = "/api/v1/tenant/analytics/api-usage?range=24h"
	tag := b.must("GET", path, tok, nil, 200, nil).header.Get("ETag")
	if tag == "" {
		t.Fatal("no ETag")
	}
	if r := b.do("GET", path, tok, nil, "If-None-Match", tag); r.status != 304 {
		t.Fatalf("unchanged data: %d, want 304", r.status)
	}
	a.must("GET", "/api/v1/campaigns", key.Plaintext, nil, 200, nil)
	a.s.Flush()
	if r := b.do("GET", path, tok, nil, "If-None-Match", tag); r.status != 200 {
		t.Fatalf("after a request through the other instance: %d, want 200 with the new usage", r.status)
	}
}
