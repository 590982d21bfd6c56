package server

import (
	"context"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server/simulate"
	"github.com/penguinmails/pmdev/server/webhook/events"
)

// recordedEvents records events and passes them on to the real hook.
type recordedEvents struct {
	next   Events
	mu     sync.Mutex
	events []string      // "tenant type"
	data   []events.Data // the typed data, in order
}

// tapEvents installs a recorder in front of the server's hook until the test ends.
func tapEvents(t *testing.T, s *Server) *recordedEvents {
	ev := &recordedEvents{next: s.currentEvents()}
	s.setEvents(ev)
	t.Cleanup(func() { s.setEvents(ev.next) })
	return ev
}

func (r *recordedEvents) Emit(ctx context.Context, tenantID, eventType string, data any) {
	r.mu.Lock()
	r.events = append(r.events, tenantID+" "+eventType)
	if d, ok := data.(events.Data); ok {
		r.data = append(r.data, d)
	}
	r.mu.Unlock()
	r.next.Emit(ctx, tenantID, eventType, data)
}

func (r *recordedEvents) list() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.events...)
}

func TestSimulateTrafficAndEvents(t *testing.T) {
	e := newEnv(t, "")
	e.addUser("admin@acme.test", models.RoleAdmin, "Acme", "")
	ev := tapEvents(t, e.s)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); e.s.SimulateTraffic(ctx, e.url) }()
	admin, _ := e.s.MintToken(context.Background(), "admin@acme.test", time.Hour)
	var l models.APIKeyList
	// Wait until a few requests and at least one event went through (≈3 req/s).
	for deadline := time.Now().Add(15 * time.Second); ; {
		time.Sleep(300 * time.Millisecond)
		e.s.Flush()
		e.must("GET", "/api/v1/platform/api-keys?q=Simulator&sort=name", admin, nil, 200, &l)
		if len(l.APIKeys) == 2 && l.APIKeys[0].RequestCount >= 3 && len(ev.list()) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("simulator keys %+v, events %v", l.APIKeys, ev.list())
		}
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("SimulateTraffic did not stop with its context")
	}
	if l.APIKeys[0].Name != "Simulator Web App" || l.APIKeys[1].Name != "Simulator Worker" {
		t.Fatalf("simulator keys: %+v", l.APIKeys)
	}

	// A new run reissues the same keys (same ids, fresh secrets) and its
	// bursts push the worker key into 429s.
	sim, err := simulate.New(context.Background(), e.s.simulateConfig(), e.url, &http.Client{})
	if err != nil {
		t.Fatal(err)
	}
	web, worker := sim.Keys()
	if web.ID != l.APIKeys[0].KeyID || worker.ID != l.APIKeys[1].KeyID {
		t.Fatalf("reissue: %s %s", web.ID, worker.ID)
	}
	sim.Burst(context.Background())
	e.s.Flush()
	var u models.APIUsage
	e.must("GET", "/api/v1/tenant/analytics/api-usage?range=1h&key_id="+worker.ID, admin, nil, 200, &u)
	if u.Totals.RateLimited < 10 || u.RateLimit.ExceededCount != u.Totals.RateLimited {
		t.Fatalf("burst: %+v", u.Totals)
	}
}

func TestProductEventsEmitted(t *testing.T) {
	e := newEnv(t, "")
	ev := tapEvents(t, e.s)
	tok := e.addUser("admin@a.test", models.RoleAdmin, "A", "")
	k := e.createKey(tok, models.CreateAPIKeyRequest{Name: "E", Permissions: []string{"send_email", "write_contacts"}})
	e.must("POST", "/api/v1/emails/send", k.Plaintext, sendBody(), 200, nil)
	var c models.Contact
	e.must("POST", "/api/v1/contacts", k.Plaintext, models.ContactRequest{Email: "lead@example.com", Attributes: map[string]string{"a": "1"}}, 201, &c)
	e.must("POST", "/api/v1/contacts", k.Plaintext, models.ContactRequest{Email: "lead@example.com", Attributes: map[string]string{"b": "2"}}, 200, &c)
	if c.Created || c.Attributes["a"] != "1" || c.Attributes["b"] != "2" {
		t.Fatalf("contact merge: %+v", c)
	}
	var me models.Me
	e.must("GET", "/api/v1/me", tok, nil, 200, &me)
	got := ev.list()
	want := []string{me.Tenant.ID + " api_key.created", me.Tenant.ID + " email.sent", me.Tenant.ID + " contact.created", me.Tenant.ID + " contact.updated"}
	if !slices.Equal(got, want) {
		t.Fatalf("events %v, want %v", got, want)
	}
}
