package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/penguinmails/pmdev/client"
	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server/internal/servertest"
	"github.com/penguinmails/pmdev/server/simulate"
	"github.com/penguinmails/pmdev/server/webhook/events"
)

// take returns and forgets the typed data recorded so far.
func (r *recordedEvents) take() []events.Data {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.data
	r.data = nil
	return out
}

// count is how many events of eventType are recorded (and not taken).
func (r *recordedEvents) count(eventType string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, e := range r.data {
		if e.EventType() == eventType {
			n++
		}
	}
	return n
}

// noticeServer is a server on a test clock whose expiry scan runs only by
// hand, and an admin's client of it.
func noticeServer(t *testing.T, configure func(*Config)) (*servertest.Clock, *Server, *client.Client, Config) {
	t.Helper()
	clock := newTestClock()
	cfg := Config{DBPath: servertest.DB(t, "pmdev.db"), WebhookKey: servertest.WebhookKey(), Now: clock.Now, WebhookNoticeScan: -1}
	if configure != nil {
		configure(&cfg)
	}
	srv, err := Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { ts.Close(); _ = srv.Close(context.Background()) })
	tok, err := srv.AddUser(context.Background(), NewUser{Email: "admin@acme.test", Role: models.RoleAdmin, Tenant: "Acme", Plan: models.PlanStarter})
	if err != nil {
		t.Fatal(err)
	}
	return clock, srv, client.New(client.Options{BaseURL: ts.URL, Token: tok, RetryCount: -1}), cfg
}

func expiring(list []events.Data) map[string]int {
	out := map[string]int{}
	for _, d := range list {
		if e, ok := d.(events.APIKeyExpiringData); ok {
			out[e.Name] = e.NoticeDays
		}
	}
	return out
}

func TestKeyExpiringNotices(t *testing.T) {
	clock, srv, api, cfg := noticeServer(t, nil)
	ctx := context.Background()
	tap := tapEvents(t, srv)
	t0 := clock.Now()
	key := func(name string, in time.Duration) models.CreatedAPIKey {
		exp := t0.Add(in)
		k, err := api.CreateKey(ctx, models.CreateAPIKeyRequest{Name: name, Permissions: []string{"send_email"}, ExpiresAt: &exp})
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	const day = 24 * time.Hour
	key("later", 10*day)
	key("soon", 3*day)
	key("tomorrow", 12*time.Hour)
	revoked := key("revoked", 5*day)
	rotated := key("rotated", 5*day)
	if _, err := api.RevokeKey(ctx, revoked.KeyID); err != nil {
		t.Fatal(err)
	}
	// The replacement inherits the expiry; the old key's grace end is no expiry notice.
	if _, err := api.RegenerateKey(ctx, rotated.KeyID, models.RegenerateRequest{}); err != nil {
		t.Fatal(err)
	}
	tap.take()
	scan := func(want map[string]int) {
		t.Helper()
		if _, err := srv.notify.ScanExpiring(ctx); err != nil {
			t.Fatal(err)
		}
		got := expiring(tap.take())
		if len(got) != len(want) {
			t.Fatalf("at +%s notices %v, want %v", clock.Now().Sub(t0), got, want)
		}
		for k, v := range want {
			if got[k] != v {
				t.Fatalf("at +%s notices %v, want %v", clock.Now().Sub(t0), got, want)
			}
		}
	}
	// A key created inside a notice window gets the nearest notice passed, once.
	scan(map[string]int{"soon": 7, "tomorrow": 1, "rotated": 7})
	scan(nil)
	clock.Advance(3*day + time.Minute) // "later" is 7 days out; "soon" has expired
	scan(map[string]int{"later": 7})
	clock.Advance(day) // "rotated" (its replacement) is under a day out
	scan(map[string]int{"rotated": 1})
	// A new expires_at re-arms the notices.
	later := t0.Add(10 * day)
	var laterID string
	l, _ := api.ListKeys(ctx, models.KeyListParams{Q: "later"})
	for _, k := range l.APIKeys {
		if k.Name == "later" && k.ExpiresAt != nil && k.ExpiresAt.Equal(later) {
			laterID = k.KeyID
		}
	}
	moved := clock.Now().Add(5 * day)
	if _, err := api.UpdateKey(ctx, laterID, models.UpdateAPIKeyRequest{ExpiresAt: &moved}); err != nil {
		t.Fatal(err)
	}
	scan(map[string]int{"later": 7})
	// A restart (or another instance on the database) does not repeat them.
	cfg.AllowSplitLimits = true // both serve: their rate limits do not matter here
	srv2, err := Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer srv2.Close(ctx)
	tap2 := tapEvents(t, srv2)
	if n, err := srv2.notify.ScanExpiring(ctx); err != nil || n != 0 || len(tap2.take()) != 0 {
		t.Fatalf("after restart: %d notices (%v)", n, err)
	}
}

// spend sends product requests in process until the key's bucket has at
// most left tokens; it returns how many it sent.
func spend(t *testing.T, srv *Server, key string, left int) int {
	t.Helper()
	for i := 1; i < 5000; i++ {
		req := httptest.NewRequest("GET", "/api/v1/campaigns?limit=1", nil)
		req.Header.Set("Authorization", "Bearer "+key)
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, req)
		if rec.Code != http.StatusOK && rec.Code != http.StatusTooManyRequests {
			t.Fatalf("request %d: %d %s", i, rec.Code, rec.Body)
		}
		if rem := rec.Header().Get("X-RateLimit-Remaining"); rem != "" && atoi(rem) <= left {
			return i
		}
	}
	t.Fatal("the bucket never ran low")
	return 0
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

func TestRateLimitThresholdNotices(t *testing.T) {
	clock, srv, api, cfg := noticeServer(t, nil)
	ctx := context.Background()
	tap := tapEvents(t, srv)
	k, err := api.CreateKey(ctx, models.CreateAPIKeyRequest{Name: "Busy", Permissions: []string{"read_campaigns"}})
	if err != nil {
		t.Fatal(err)
	}
	wait := func(n int) []events.RateLimitThresholdData {
		t.Helper()
		var got []events.RateLimitThresholdData
		deadline := time.Now().Add(3 * time.Second)
		for {
			for _, d := range tap.take() {
				if e, ok := d.(events.RateLimitThresholdData); ok {
					got = append(got, e)
				}
			}
			if len(got) >= n || time.Now().After(deadline) {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		time.Sleep(50 * time.Millisecond) // nothing more comes
		for _, d := range tap.take() {
			if e, ok := d.(events.RateLimitThresholdData); ok {
				got = append(got, e)
			}
		}
		if len(got) != n {
			t.Fatalf("at +%s: %d threshold events %+v, want %d", clock.Now().Sub(newTestClock().Now()), len(got), got, n)
		}
		return got
	}
	// Starter: burst 100. 80 % spent leaves 20 tokens, 95 % leaves 5.
	spend(t, srv, k.Plaintext, 20)
	got := wait(1)
	if e := got[0]; e.ThresholdPercent != 80 || e.SpentPercent < 80 || e.Burst != 100 || e.KeyID != k.KeyID || e.MaskedKey != k.MaskedKey {
		t.Fatalf("80 %% event %+v", e)
	}
	spend(t, srv, k.Plaintext, 0)
	spend(t, srv, k.Plaintext, 0) // into 429s: no more events
	if e := wait(1)[0]; e.ThresholdPercent != 95 || e.Remaining > 5 {
		t.Fatalf("95 %% event %+v", e)
	}
	// Refilled and spent again within the hour: nothing.
	clock.Advance(30 * time.Minute)
	spend(t, srv, k.Plaintext, 0)
	wait(0)
	// A restart within the hour does not send them again either.
	srv.Close(ctx)
	srv2, err := Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer srv2.Close(ctx)
	tap = tapEvents(t, srv2)
	spend(t, srv2, k.Plaintext, 0)
	wait(0)
	// The new process learns when the hour ends from its refused claims;
	// let them finish before the clock passes it.
	for deadline := time.Now().Add(5 * time.Second); srv2.notify.Pending() > 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d threshold crossings still being handled after 5 s", srv2.notify.Pending())
		}
	}
	// After the hour both thresholds are sent again.
	clock.Advance(31 * time.Minute)
	spend(t, srv2, k.Plaintext, 0)
	if got := wait(2); got[0].ThresholdPercent+got[1].ThresholdPercent != 175 {
		t.Fatalf("after an hour: %+v", got)
	}
}

// Simulated traffic sends at most one event of each type per interval,
// its product requests included; other keys' events are never held back.
func TestSimulatedTrafficPacesWebhookEvents(t *testing.T) {
	for _, tc := range []struct {
		name  string
		every time.Duration
		max   int // events of one type in the first interval
	}{
		{"default", 0, 1},
		{"off", -1, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock, srv, api, _ := noticeServer(t, func(c *Config) { c.SimulatedWebhookEvery = tc.every })
			ctx := context.Background()
			hs := httptest.NewServer(srv.Handler())
			defer hs.Close()
			sim, err := simulate.New(ctx, srv.simulateConfig(), hs.URL, &http.Client{Timeout: 5 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			tap := tapEvents(t, srv)
			round := func() {
				for range 10 {
					sim.Request(ctx, 0)  // send
					sim.Request(ctx, 75) // contact
					sim.MakeEvent(ctx)
				}
			}
			round()
			types := []string{events.EmailSent, events.ContactCreated, events.EmailDelivered, events.EmailOpened,
				events.CampaignLaunched, events.ContactUnsubscribed}
			for _, typ := range types {
				if n := tap.count(typ); n != tc.max {
					t.Errorf("%s: %d events in the first minute, want %d", typ, n, tc.max)
				}
			}
			clock.Advance(61 * time.Second)
			round()
			for _, typ := range types {
				if n := tap.count(typ); n != 2*tc.max {
					t.Errorf("%s: %d events after two minutes, want %d", typ, n, 2*tc.max)
				}
			}
			// The user's own key is not paced.
			tap.take()
			k, err := api.CreateKey(ctx, models.CreateAPIKeyRequest{Name: "Mine", Permissions: []string{"send_email"}})
			if err != nil {
				t.Fatal(err)
			}
			for range 5 {
				if _, _, err := api.SendEmail(ctx, k.Plaintext, models.SendEmailRequest{To: "a@example.com", Subject: "s", TextBody: "b"}); err != nil {
					t.Fatal(err)
				}
			}
			if n := tap.count(events.EmailSent); n != 5 {
				t.Fatalf("own key: %d email.sent, want 5", n)
			}
		})
	}
}
