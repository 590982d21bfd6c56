package webhook_test

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server/testkit"
	"github.com/penguinmails/pmdev/server/webhook"
)

// reconfigure restarts the direct service with cfg changed by fn.
func (d *direct) reconfigure(fn func(*webhook.Config)) {
	d.t.Helper()
	d.stop()
	fn(&d.cfg)
	d.start()
}

// A receiver that hangs costs only its own events: with 100 of them queued
// (and more arriving), another tenant's events are delivered within a
// second, and the hanging endpoint never gets more than its share of
// concurrent attempts.
func TestHangingEndpointDoesNotDelayOthers(t *testing.T) {
	d := newDirect(t, time.Hour) // failed attempts come back in an hour, not during the test
	d.reconfigure(func(c *webhook.Config) { c.Timeout = 3 * time.Second })
	release := make(chan struct{})
	var open, most atomic.Int32
	hang := newReceiver(t, func(n int, w http.ResponseWriter, r *http.Request) {
		cur := open.Add(1)
		defer open.Add(-1)
		for {
			m := most.Load()
			if cur <= m || most.CompareAndSwap(m, cur) {
				break
			}
		}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	defer close(release)
	var mu sync.Mutex
	arrived := map[string]time.Time{}
	fast := newReceiver(t, func(n int, w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		arrived[r.Header.Get("webhook-id")] = time.Now()
		mu.Unlock()
	})
	d.create(models.CreateWebhookRequest{URL: hang.URL, Events: []string{"email.sent"}})
	if _, err := d.other.CreateWebhook(context.Background(), models.CreateWebhookRequest{URL: fast.URL, Events: []string{"email.sent"}}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for range 100 {
		d.svc.Emit(ctx, d.tenantID, "email.sent", map[string]any{})
	}
	testkit.WaitFor(t, 2*time.Second, "the hanging endpoint's first attempts", func() bool { return open.Load() > 0 })
	// The other tenant's events, sent while the hang lasts (more than one
	// timeout, so attempts of the hanging endpoint end and restart).
	var worst time.Duration
	var delays []time.Duration
	for i := range 12 {
		before := len(fast.requests())
		start := time.Now()
		d.svc.Emit(ctx, d.otherID, "email.sent", map[string]any{"n": i})
		testkit.WaitFor(t, 5*time.Second, "the other tenant's delivery", func() bool { return len(fast.requests()) > before })
		delays = append(delays, time.Since(start).Round(time.Millisecond))
		worst = max(worst, time.Since(start))
		time.Sleep(400 * time.Millisecond)
	}
	t.Logf("other tenant's delays %v", delays)
	t.Logf("worst delay of the other tenant: %s; hanging endpoint: %d attempts, at most %d at once", worst, len(hang.requests()), most.Load())
	if worst > time.Second {
		t.Fatalf("a hanging endpoint delayed another tenant by %s", worst)
	}
	if m := most.Load(); m > webhook.DefaultPerEndpoint {
		t.Fatalf("hanging endpoint had %d attempts at once, the bound is %d", m, webhook.DefaultPerEndpoint)
	}
	if n := len(hang.requests()); n < 2 || n > 8 {
		t.Fatalf("hanging endpoint got %d attempts in ~5 s with a 3 s timeout and 2 slots", n)
	}
}

// With one slot for everything, endpoints with backlogs are served in
// turn, not oldest event first.
func TestEndpointsAreServedInTurn(t *testing.T) {
	d := newDirect(t)
	d.reconfigure(func(c *webhook.Config) { c.Workers = 1 })
	var mu sync.Mutex
	var order []string
	rec := func(name string) *receiver {
		return newReceiver(t, func(n int, w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			order = append(order, name)
			mu.Unlock()
			time.Sleep(5 * time.Millisecond)
		})
	}
	a, b, c := rec("a"), rec("b"), rec("c")
	d.create(models.CreateWebhookRequest{URL: a.URL, Events: []string{"email.sent"}})
	d.create(models.CreateWebhookRequest{URL: b.URL, Events: []string{"email.opened"}})
	if _, err := d.other.CreateWebhook(context.Background(), models.CreateWebhookRequest{URL: c.URL, Events: []string{"email.sent"}}); err != nil {
		t.Fatal(err)
	}
	// Pause the queue while the backlog builds: the first tenant's events first.
	d.stop()
	ctx := context.Background()
	for range 10 {
		d.svc.Emit(ctx, d.tenantID, "email.sent", map[string]any{})
	}
	for range 10 {
		d.svc.Emit(ctx, d.tenantID, "email.opened", map[string]any{})
	}
	for range 10 {
		d.svc.Emit(ctx, d.otherID, "email.sent", map[string]any{})
	}
	d.start()
	t0 := time.Now()
	testkit.WaitFor(t, 10*time.Second, "every delivery", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(order) == 30
	})
	t.Logf("delivered in %s", time.Since(t0))
	// Tenants alternate (Other gets every second slot) and so do the first
	// tenant's two endpoints.
	var acme []string
	for i, who := range order[:20] {
		if (who == "c") != (i%2 == 1) {
			t.Fatalf("tenants not served in turn: %v", order)
		}
		if who != "c" {
			acme = append(acme, who)
		}
	}
	for i := 1; i < len(acme); i++ {
		if acme[i] == acme[i-1] {
			t.Fatalf("endpoints of one tenant not served in turn: %v", order)
		}
	}
}
