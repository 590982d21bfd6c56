package webhook_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/penguinmails/pmdev/server/internal/servertest"
	"github.com/penguinmails/pmdev/server/testkit"

	"github.com/penguinmails/pmdev/models"
)

func TestRetryScheduleAndRecords(t *testing.T) {
	schedule := []time.Duration{150 * time.Millisecond, 300 * time.Millisecond}
	d := newDirect(t, schedule...)
	rv := newReceiver(t, func(n int, w http.ResponseWriter, r *http.Request) {
		switch n {
		case 1:
			http.Error(w, "boom", http.StatusInternalServerError)
		case 2:
			w.WriteHeader(http.StatusServiceUnavailable)
		default:
			_, _ = w.Write([]byte("thanks"))
		}
	})
	wh := d.create(models.CreateWebhookRequest{URL: rv.URL + "/hook", Events: []string{"email.sent"}, MaxRetries: ptr(3)})
	d.svc.Emit(context.Background(), d.tenantID, "email.sent", map[string]any{"email_id": "msg_1"})

	del := d.waitDelivery(t, wh.ID, "", "delivery success", func(del models.Delivery) bool { return del.Status == models.DeliverySuccess })
	reqs := rv.requests()
	if len(reqs) != 3 {
		t.Fatalf("receiver got %d requests, want 3", len(reqs))
	}
	for i, r := range reqs {
		checkSignatures(t, r, wh.Secret)
		if string(r.body) != string(reqs[0].body) || r.header.Get("webhook-id") != reqs[0].header.Get("webhook-id") ||
			r.header.Get(models.HeaderWebhookDeliveryID) != del.ID || r.header.Get(models.HeaderWebhookEvent) != "email.sent" {
			t.Fatalf("attempt %d differs in body or ids: %v", i+1, r.header)
		}
	}
	for i, want := range schedule {
		gap := reqs[i+1].at.Sub(reqs[i].at)
		if gap < want || gap > want+time.Second {
			t.Errorf("gap before attempt %d = %s, want about %s", i+2, gap, want)
		}
	}
	var env struct {
		ID, Type string
		Data     map[string]any
	}
	if err := json.Unmarshal(reqs[0].body, &env); err != nil || env.Type != "email.sent" || env.Data["email_id"] != "msg_1" || env.ID != reqs[0].header.Get("webhook-id") {
		t.Fatalf("envelope %s (%v)", reqs[0].body, err)
	}
	if del.Attempts != 3 || del.MaxAttempts != 4 || del.ResponseStatus != 200 || del.ResponseExcerpt != "thanks" || del.NextRetryAt != nil || del.Error != "" {
		t.Fatalf("delivery record %+v", del)
	}
	if del.RequestHeaders[models.HeaderWebhookSignature] == "" || string(del.Payload) != string(reqs[0].body) {
		t.Fatalf("record lacks headers or payload: %+v", del.RequestHeaders)
	}
	atts, err := d.svc.Attempts(context.Background(), del.ID)
	if err != nil || len(atts) != 3 || atts[0].ResponseStatus != 500 || atts[1].ResponseStatus != 503 || atts[2].ResponseStatus != 200 {
		t.Fatalf("attempt history %+v (%v)", atts, err)
	}
	got, err := d.api.GetWebhook(context.Background(), wh.ID)
	if err != nil {
		t.Fatal(err)
	}
	h := got.Health
	if h.Deliveries24h != 1 || h.SuccessRate24h == nil || *h.SuccessRate24h != 100 || h.ConsecutiveFailures != 0 || h.LastStatus != models.DeliverySuccess || h.LastDeliveryAt == nil {
		t.Fatalf("health %+v", h)
	}
}

func TestPendingRetryThenExhausted(t *testing.T) {
	d := newDirect(t, 150*time.Millisecond, time.Hour)
	rv := newReceiver(t, func(n int, w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
		_, _ = w.Write([]byte(strings.Repeat("x", 5000)))
	})
	wh := d.create(models.CreateWebhookRequest{URL: rv.URL, Events: []string{"contact.created"}, MaxRetries: ptr(2)})
	start := time.Now()
	d.svc.Emit(context.Background(), d.tenantID, "contact.created", map[string]any{"id": "c1"})
	del := d.waitDelivery(t, wh.ID, models.DeliveryPendingRetry, "second attempt", func(del models.Delivery) bool { return del.Attempts == 2 })
	if del.NextRetryAt == nil || del.NextRetryAt.Sub(start) < 55*time.Minute || del.ResponseStatus != 502 || len(del.ResponseExcerpt) != models.WebhookExcerptLimit {
		t.Fatalf("after attempt 2: %+v", del)
	}
	// A failed manual retry is an extra attempt: it is in the history but the
	// automatic schedule (status, attempts, next retry) stays where it was.
	got, err := d.api.RetryDelivery(context.Background(), wh.ID, del.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != models.DeliveryPendingRetry || got.Attempts != 2 || got.NextRetryAt == nil || !got.NextRetryAt.Equal(*del.NextRetryAt) || got.ResponseStatus != 502 {
		t.Fatalf("after manual retry: %+v", got)
	}
	if n := len(rv.requests()); n != 3 {
		t.Fatalf("receiver got %d requests, want 3", n)
	}
	atts, err := d.svc.Attempts(context.Background(), del.ID)
	if err != nil || len(atts) != 3 || atts[0].Manual || atts[1].Manual || !atts[2].Manual || atts[2].N != 3 || atts[2].ResponseStatus != 502 {
		t.Fatalf("attempt history %+v (%v)", atts, err)
	}
	w, _ := d.api.GetWebhook(context.Background(), wh.ID)
	if w.Health.ConsecutiveFailures != 3 || !w.Health.Failing || w.DisplayStatus() != models.WebhookFailing || w.Health.Failures24h != 1 {
		t.Fatalf("health after failures %+v", w.Health)
	}
}

// Manual retries of an exhausted delivery do not change it until one works;
// then it succeeds without counting against the schedule.
func TestManualRetryOfExhaustedDelivery(t *testing.T) {
	d := newDirect(t, 50*time.Millisecond)
	var healthy sync.Mutex
	ok := false
	rv := newReceiver(t, func(n int, w http.ResponseWriter, r *http.Request) {
		healthy.Lock()
		defer healthy.Unlock()
		if !ok {
			w.WriteHeader(http.StatusInternalServerError)
		}
	})
	wh := d.create(models.CreateWebhookRequest{URL: rv.URL, Events: []string{"email.sent"}, MaxRetries: ptr(1)})
	d.svc.Emit(context.Background(), d.tenantID, "email.sent", map[string]any{})
	del := d.waitDelivery(t, wh.ID, models.DeliveryFailed, "exhausted", func(del models.Delivery) bool { return del.Attempts == 2 })
	for range 2 {
		got, err := d.api.RetryDelivery(context.Background(), wh.ID, del.ID)
		if err != nil || got.Status != models.DeliveryFailed || got.Attempts != 2 || got.NextRetryAt != nil {
			t.Fatalf("failed manual retry changed the schedule: %+v (%v)", got, err)
		}
	}
	healthy.Lock()
	ok = true
	healthy.Unlock()
	got, err := d.api.RetryDelivery(context.Background(), wh.ID, del.ID)
	if err != nil || got.Status != models.DeliverySuccess || got.Attempts != 2 || got.NextRetryAt != nil || got.ResponseStatus != 200 {
		t.Fatalf("successful manual retry: %+v (%v)", got, err)
	}
	atts, err := d.svc.Attempts(context.Background(), del.ID)
	if err != nil || len(atts) != 5 || atts[1].Manual || !atts[2].Manual || !atts[4].Manual || atts[4].N != 5 {
		t.Fatalf("attempt history %+v (%v)", atts, err)
	}
	time.Sleep(150 * time.Millisecond) // nothing is scheduled any more
	if n := len(rv.requests()); n != 5 {
		t.Fatalf("receiver got %d requests, want 5", n)
	}
}

func TestGoneDisablesEndpoint(t *testing.T) {
	d := newDirect(t, 50*time.Millisecond)
	rv := newReceiver(t, func(n int, w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusGone) })
	wh := d.create(models.CreateWebhookRequest{URL: rv.URL, Events: []string{"email.sent"}})
	d.svc.Emit(context.Background(), d.tenantID, "email.sent", map[string]any{})
	testkit.WaitFor(t, 3*time.Second, "endpoint disabled", func() bool {
		w, err := d.api.GetWebhook(context.Background(), wh.ID)
		return err == nil && w.Status == models.WebhookDisabled
	})
	l := d.deliveries(wh.ID, "")
	if len(l) != 1 || l[0].Status != models.DeliveryFailed || l[0].Attempts != 1 {
		t.Fatalf("deliveries %+v", l)
	}
	d.svc.Emit(context.Background(), d.tenantID, "email.sent", map[string]any{})
	time.Sleep(100 * time.Millisecond)
	if n := len(d.deliveries(wh.ID, "")); n != 1 || len(rv.requests()) != 1 {
		t.Fatalf("disabled endpoint got more: %d deliveries, %d requests", n, len(rv.requests()))
	}
	// Re-enabling clears the reason.
	active := models.WebhookActive
	w, err := d.api.UpdateWebhook(context.Background(), wh.ID, models.UpdateWebhookRequest{Status: &active})
	if err != nil || w.Status != models.WebhookActive || w.DisabledReason != "" {
		t.Fatalf("re-enable: %+v %v", w, err)
	}
}

func TestPausedAndFilteredReceiveNothing(t *testing.T) {
	d := newDirect(t, 50*time.Millisecond)
	rv := newReceiver(t, nil)
	paused := d.create(models.CreateWebhookRequest{URL: rv.URL + "/p", Status: ptr(models.WebhookPaused), Events: []string{"email.sent"}})
	filtered := d.create(models.CreateWebhookRequest{URL: rv.URL + "/f", Events: []string{"email.opened"}})
	d.svc.Emit(context.Background(), d.tenantID, "email.sent", map[string]any{})
	d.svc.Emit(context.Background(), "other-tenant", "email.opened", map[string]any{})
	time.Sleep(150 * time.Millisecond)
	if len(rv.requests()) != 0 || len(d.deliveries(paused.ID, "")) != 0 || len(d.deliveries(filtered.ID, "")) != 0 {
		t.Fatalf("paused/filtered endpoint received: %d requests", len(rv.requests()))
	}
	d.svc.Emit(context.Background(), d.tenantID, "email.opened", map[string]any{})
	testkit.WaitFor(t, 3*time.Second, "subscribed event", func() bool { return len(rv.requests()) == 1 })
	// Resume: new events flow again.
	active := models.WebhookActive
	if _, err := d.api.UpdateWebhook(context.Background(), paused.ID, models.UpdateWebhookRequest{Status: &active}); err != nil {
		t.Fatal(err)
	}
	d.svc.Emit(context.Background(), d.tenantID, "email.sent", map[string]any{})
	testkit.WaitFor(t, 3*time.Second, "resumed endpoint", func() bool { return len(rv.requests()) == 2 })
	if p := rv.requests()[1].header.Get(models.HeaderWebhookEvent); p != "email.sent" {
		t.Fatalf("event header %q", p)
	}
}

func TestRotationSignsWithBothSecretsAndNeverReturnsThem(t *testing.T) {
	d := newDirect(t, 50*time.Millisecond)
	rv := newReceiver(t, nil)
	wh := d.create(models.CreateWebhookRequest{URL: rv.URL, Events: []string{"email.sent"}})
	rot, err := d.api.RotateWebhookSecret(context.Background(), wh.ID)
	if err != nil {
		t.Fatal(err)
	}
	if rot.Secret == wh.Secret || !strings.HasPrefix(rot.Secret, "whsec_") || time.Until(rot.PreviousSecretExpiresAt) < 23*time.Hour {
		t.Fatalf("rotation %+v", rot)
	}
	d.svc.Emit(context.Background(), d.tenantID, "email.sent", map[string]any{})
	testkit.WaitFor(t, 3*time.Second, "delivery", func() bool { return len(rv.requests()) == 1 })
	checkSignatures(t, rv.requests()[0], rot.Secret, wh.Secret)

	// No GET returns a secret, and the database file holds none in plaintext.
	list, _ := d.api.ListWebhooks(context.Background())
	one, _ := d.api.GetWebhook(context.Background(), wh.ID)
	dl := d.deliveries(wh.ID, "")
	for _, v := range []any{list, one, dl} {
		b, _ := json.Marshal(v)
		if strings.Contains(string(b), wh.Secret[6:]) || strings.Contains(string(b), rot.Secret[6:]) {
			t.Fatalf("a GET leaked a secret: %s", b)
		}
	}
	d.stop()
	if servertest.Postgres() {
		// No file to read: the stored rows are what is at rest.
		var rows string
		if err := d.db.QueryRow(`SELECT string_agg(encode(secret_sealed, 'escape') || coalesce(encode(prev_secret_sealed, 'escape'), '') || secret_prefix, '|') FROM webhooks`).Scan(&rows); err != nil {
			t.Fatal(err)
		}
		for _, sec := range []string{wh.Secret, rot.Secret} {
			if strings.Contains(rows, sec[6:]) {
				t.Fatal("the webhooks table holds a plaintext secret")
			}
		}
		return
	}
	if _, err := d.db.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{d.path, d.path + "-wal"} {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, sec := range []string{wh.Secret, rot.Secret} {
			if strings.Contains(string(b), sec[6:]) {
				t.Fatalf("%s holds a plaintext secret", f)
			}
		}
	}
}

// A delivery in flight when the service stops is sent again after a restart
// on the same database; the receiver, de-duplicating on webhook-id,
// processes it exactly once, and a finished delivery is never resent.
func TestKillAndRestartDeliversExactlyOnce(t *testing.T) {
	d := newDirect(t, 100*time.Millisecond)
	release := make(chan struct{})
	var once sync.Once
	var mu sync.Mutex
	processed := map[string]int{}
	rv := newReceiver(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if n == 1 {
			// Hang until the sender gives up (the service is stopped meanwhile).
			select {
			case <-release:
			case <-r.Context().Done():
			}
			return
		}
		mu.Lock()
		processed[r.Header.Get("webhook-id")]++
		mu.Unlock()
		_, _ = w.Write([]byte("ok"))
	})
	t.Cleanup(func() { once.Do(func() { close(release) }) })
	wh := d.create(models.CreateWebhookRequest{URL: rv.URL, Events: []string{"email.sent"}})
	d.svc.Emit(context.Background(), d.tenantID, "email.sent", map[string]any{"n": 1})
	testkit.WaitFor(t, 3*time.Second, "first attempt in flight", func() bool { return len(rv.requests()) == 1 })

	d.stop() // mid-delivery
	l := d.deliveries2(wh.ID)
	if len(l) != 1 || l[0].Status != models.DeliveryPending || l[0].Attempts != 0 {
		t.Fatalf("after stop: %+v", l)
	}
	// A crash leaves the claim behind; simulate that too.
	if _, err := d.db.Exec(`UPDATE webhook_deliveries SET claimed_at = 1`); err != nil {
		t.Fatal(err)
	}

	d.start()
	testkit.WaitFor(t, 3*time.Second, "delivery after restart", func() bool {
		l := d.deliveries(wh.ID, models.DeliverySuccess)
		return len(l) == 1
	})
	// Restart once more: the finished delivery must not be sent again.
	d.stop()
	d.start()
	time.Sleep(300 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	if len(processed) != 1 {
		t.Fatalf("receiver processed %d distinct events, want 1", len(processed))
	}
	for id, n := range processed {
		if n != 1 || id != rv.requests()[0].header.Get("webhook-id") {
			t.Fatalf("event %s processed %d times", id, n)
		}
	}
	if n := len(rv.requests()); n != 2 {
		t.Fatalf("receiver saw %d requests, want 2 (the abandoned one and the redelivery)", n)
	}
}

// deliveries2 reads the queue straight from the database (the API is down).
func (d *direct) deliveries2(webhookID string) []models.Delivery {
	d.t.Helper()
	rows, err := d.db.Query(`SELECT status, attempts FROM webhook_deliveries WHERE webhook_id = ?`, webhookID)
	if err != nil {
		d.t.Fatal(err)
	}
	defer rows.Close()
	var out []models.Delivery
	for rows.Next() {
		var x models.Delivery
		if err := rows.Scan(&x.Status, &x.Attempts); err != nil {
			d.t.Fatal(err)
		}
		out = append(out, x)
	}
	return out
}
