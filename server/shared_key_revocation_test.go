package server

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server/internal/servertest"
)

// A key revoked through one instance stops working on another instance of
// the same PostgreSQL database within SharedKeyMaxAge, though that one
// had it cached.
func TestKeyRevokedOnOneInstanceRefusedByAnother(t *testing.T) {
	if !servertest.Postgres() {
		t.Skip("instances share a database only on PostgreSQL (PMDEV_TEST_DB=postgres)")
	}
	a, b := sharedEnvs(t)
	tok := a.addUser("admin@a.test", models.RoleAdmin, "A", "")
	key := a.createKey(tok, models.CreateAPIKeyRequest{Name: "shared", Permissions: []string{"read_campaigns"}})
	if r := b.do("GET", "/api/v1/campaigns", key.Plaintext, nil); r.status != 200 {
		t.Fatalf("before: %d %s", r.status, r.body)
	}
	a.must("DELETE", "/api/v1/platform/api-keys/"+key.KeyID, tok, nil, 200, nil)
	deadline := time.Now().Add(SharedKeyMaxAge + 2*time.Second)
	for {
		r := b.do("GET", "/api/v1/campaigns", key.Plaintext, nil)
		if r.status == 401 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("revoked key still answered %d on the other instance after %s", r.status, SharedKeyMaxAge+2*time.Second)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// sharedEnvs opens two instances on one PostgreSQL schema, each with its
// own limits: the tests using it are about what the database shares.
func sharedEnvs(t *testing.T) (a, b *testEnv) {
	t.Helper()
	db := servertest.DB(t, "pm.db")
	env := func() *testEnv {
		s, err := Open(context.Background(), Config{DBPath: db, WebhookKey: servertest.WebhookKey(), WebhookNoticeScan: -1,
			AllowSplitLimits: true})
		if err != nil {
			t.Fatal(err)
		}
		hs := httptest.NewServer(s.Handler())
		e := &testEnv{t: t, s: s, hs: hs, url: hs.URL, clock: newTestClock()}
		t.Cleanup(e.close)
		return e
	}
	return env(), env()
}
