package server

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server/internal/servertest"
)

// eventCounter is a receiver counting deliveries per event id, slowly
// enough that sends are in flight when an instance is killed.
type eventCounter struct {
	mu   sync.Mutex
	seen map[string]int
}

func (c *eventCounter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var env struct{ ID string }
	b, _ := io.ReadAll(r.Body)
	_ = json.Unmarshal(b, &env)
	select {
	case <-r.Context().Done():
		return // the sender gave up: not delivered
	case <-time.After(20 * time.Millisecond):
	}
	c.mu.Lock()
	c.seen[env.ID]++
	c.mu.Unlock()
}

// counts is how many ids arrived, and how many of those more than once.
func (c *eventCounter) counts(ids []string) (got, dup int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, id := range ids {
		if n := c.seen[id]; n > 0 {
			got++
			if n > 1 {
				dup++
			}
		}
	}
	return got, dup
}

func (c *eventCounter) waitFor(t *testing.T, ids []string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		got, _ := c.counts(ids)
		if got == len(ids) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d events delivered within %s", got, len(ids), within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Two instances on one PostgreSQL database share the delivery queue: each
// event reaches the receiver once, and when one instance is killed
// mid-way the other delivers what it left, claimed or not.
func TestTwoInstancesDeliverEachEventOnce(t *testing.T) {
	if !servertest.Postgres() {
		t.Skip("instances share a database only on PostgreSQL (PMDEV_TEST_DB=postgres)")
	}
	db := servertest.DB(t, "pm.db")
	ctx := context.Background()
	rcv := &eventCounter{seen: map[string]int{}}
	hook := httptest.NewServer(rcv)
	defer hook.Close()
	open := func() *Server {
		s, err := Open(ctx, Config{DBPath: db, WebhookKey: servertest.WebhookKey(), AllowPrivateWebhooks: true,
			WebhookNoticeScan: -1, WebhookClaimTimeout: 3 * time.Second, AllowSplitLimits: true})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	a := open()
	hs := httptest.NewServer(a.Handler())
	defer hs.Close()
	e := &testEnv{t: t, s: a, hs: hs, url: hs.URL, clock: newTestClock()}
	tok := e.addUser("dev@a.test", models.RoleDeveloper, "A", "")
	r := e.do("POST", "/api/v1/platform/webhooks", tok, models.CreateWebhookRequest{URL: hook.URL, Events: []string{"email.sent"}})
	if r.status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	var tenantID string
	if err := a.db.QueryRow(`SELECT tenant_id FROM webhooks`).Scan(&tenantID); err != nil {
		t.Fatal(err)
	}
	b := open() // sees the endpoint from the start
	defer b.Close(ctx)
	emit := func(s *Server, n int) []string {
		before := map[string]bool{}
		rows, _ := a.db.Query(`SELECT event_id FROM webhook_deliveries`)
		for rows.Next() {
			var id string
			rows.Scan(&id)
			before[id] = true
		}
		rows.Close()
		for i := range n {
			s.webhooks.Emit(ctx, tenantID, "email.sent", map[string]any{"n": i})
		}
		var ids []string
		rows, err := a.db.Query(`SELECT event_id FROM webhook_deliveries`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			if !before[id] {
				ids = append(ids, id)
			}
		}
		if len(ids) != n {
			t.Fatalf("%d deliveries queued, want %d", len(ids), n)
		}
		return ids
	}

	// Both running: every event once.
	ids := append(emit(a, 40), emit(b, 40)...)
	rcv.waitFor(t, ids, 30*time.Second)
	time.Sleep(300 * time.Millisecond) // a second send would arrive by now
	if _, dup := rcv.counts(ids); dup > 0 {
		t.Fatalf("%d events delivered more than once by two live instances", dup)
	}

	// a killed mid-way: its database gone first, so it records nothing
	// more (claims stay, as when a process dies), then stopped without a
	// drain deadline.
	ids = emit(a, 60)
	for got, _ := rcv.counts(ids); got < 10; got, _ = rcv.counts(ids) {
		time.Sleep(5 * time.Millisecond)
	}
	a.db.Close()
	dead, cancel := context.WithCancel(ctx)
	cancel()
	a.Close(dead)

	rcv.waitFor(t, ids, 30*time.Second)
	// Only sends in flight at the kill may arrive twice (receivers
	// de-duplicate on webhook-id); at most the per-endpoint bound of a.
	if _, dup := rcv.counts(ids); dup > 2 {
		t.Fatalf("%d events delivered twice after the kill; only sends in flight may be", dup)
	}
}
