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
	a, b, tok, key := sharedEnvs(t)
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

// On a shared database a conditional analytics request to one instance
// sees usage another instance wrote: no 304 over someone else's write.
func TestSharedAnalyticsTagFollowsOtherInstances(t *testing.T) {
	a, b, tok, key := sharedEnvs(t)
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

// sharedEnvs opens two instances on one PostgreSQL schema, each with its
// own limits (the tests using it are about what the database shares), and
// makes an admin of tenant A and one of their keys through a. Elsewhere
// than on PostgreSQL the test is skipped.
func sharedEnvs(t *testing.T) (a, b *testEnv, tok string, key models.CreatedAPIKey) {
	t.Helper()
	if !servertest.Postgres() {
		t.Skip("instances share a database only on PostgreSQL (PMDEV_TEST_DB=postgres)")
	}
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
	a, b = env(), env()
	tok = a.addUser("admin@a.test", models.RoleAdmin, "A", "")
	key = a.createKey(tok, models.CreateAPIKeyRequest{Name: "shared", Permissions: []string{"read_campaigns"}})
	return a, b, tok, key
}

// A lone instance on PostgreSQL, with limits of its own, trusts its key
// cache: any other instance would be refused next to it.
func TestLoneInstanceTrustsItsKeyCache(t *testing.T) {
	if !servertest.Postgres() {
		t.Skip("instances share a database only on PostgreSQL (PMDEV_TEST_DB=postgres)")
	}
	e := newEnv(t, "")
	if d := e.s.keyring.MaxAge(); d != 0 {
		t.Fatalf("a lone instance re-reads its keys every %s", d)
	}
}

// Next to another instance (--allow-split-limits) keys are read again
// every SharedKeyMaxAge: at once on the instance that found the other at
// its start, and on the older one from the heartbeat that finds the newer,
// so a key revoked through the newer stops working on the older too.
func TestKeyRevokedOnTheNewerInstanceRefusedByTheOlder(t *testing.T) {
	a, b, tok, key := sharedEnvs(t)
	if d := b.s.keyring.MaxAge(); d != SharedKeyMaxAge {
		t.Fatalf("the second instance trusts keys for %s, want %s", d, SharedKeyMaxAge)
	}
	if r := a.do("GET", "/api/v1/campaigns", key.Plaintext, nil); r.status != 200 {
		t.Fatalf("before: %d %s", r.status, r.body)
	}
	b.must("DELETE", "/api/v1/platform/api-keys/"+key.KeyID, tok, nil, 200, nil)
	limit := DefaultInstanceBeat + SharedKeyMaxAge + 2*time.Second
	deadline := time.Now().Add(limit)
	for {
		r := a.do("GET", "/api/v1/campaigns", key.Plaintext, nil)
		if r.status == 401 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("revoked key still answered %d on the older instance after %s", r.status, limit)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if d := a.s.keyring.MaxAge(); d != SharedKeyMaxAge {
		t.Fatalf("the older instance trusts keys for %s after finding the newer, want %s", d, SharedKeyMaxAge)
	}
}
