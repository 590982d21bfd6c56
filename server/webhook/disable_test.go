package webhook_test

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server/internal/servertest"
	"github.com/penguinmails/pmdev/server/testkit"
	"github.com/penguinmails/pmdev/server/webhook"
)

// An endpoint is disabled for failing for days, not for failing often: a
// busy endpoint whose receiver is briefly down stays on, one failing every
// attempt for 72 hours (with at least 10 failures) is switched off.
func TestDisableAfterFailingForDays(t *testing.T) {
	d := newDirect(t)
	d.stop()
	clock := servertest.NewClock(time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC))
	// Retries are never due within the test: every attempt comes from an Emit.
	d.cfg.Now, d.cfg.Schedule = clock.Now, []time.Duration{10000 * time.Hour}
	d.start()
	var ok atomic.Bool
	rv := newReceiver(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if !ok.Load() {
			w.WriteHeader(http.StatusInternalServerError)
		}
	})
	wh := d.create(models.CreateWebhookRequest{URL: rv.URL, Events: []string{"email.sent"}})
	attempts := 0
	state := func() (status string, streak int, reason string) {
		t.Helper()
		if err := d.db.QueryRow(`SELECT status, consecutive_failures, disabled_reason FROM webhooks WHERE id = ?`, wh.ID).Scan(&status, &streak, &reason); err != nil {
			t.Fatal(err)
		}
		return
	}
	// emit sends n events and waits until each has been attempted.
	emit := func(n int) {
		t.Helper()
		for range n {
			d.svc.Emit(context.Background(), d.tenantID, "email.sent", map[string]any{})
		}
		attempts += n
		testkit.WaitFor(t, 10*time.Second, "attempts recorded", func() bool {
			var got int
			err := d.db.QueryRow(`SELECT COUNT(*) FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id WHERE d.webhook_id = ?`, wh.ID).Scan(&got)
			return err == nil && got >= attempts
		})
	}
	expect := func(what, status string, streak int) {
		t.Helper()
		st, n, reason := state()
		if st != status || n != streak {
			t.Fatalf("%s: status %s, %d failures in a row (%q); want %s, %d", what, st, n, reason, status, streak)
		}
	}

	// Well over a hundred failures within a minute: still active.
	emit(120)
	expect("burst of failures", models.WebhookActive, 120)
	clock.Advance(webhook.DisableAfter - time.Minute)
	emit(1)
	expect("just under 72 hours", models.WebhookActive, 121)
	clock.Advance(2 * time.Minute)
	emit(1)
	expect("72 hours of failures", models.WebhookDisabled, 122)
	if _, _, reason := state(); !strings.Contains(reason, "72 hours") {
		t.Errorf("disabled_reason %q does not say how long it failed", reason)
	}

	// Re-enabled: a success ends the streak, and the clock restarts with the next failure.
	active := models.WebhookActive
	if _, err := d.api.UpdateWebhook(context.Background(), wh.ID, models.UpdateWebhookRequest{Status: &active}); err != nil {
		t.Fatal(err)
	}
	emit(12)
	ok.Store(true)
	emit(1)
	ok.Store(false)
	expect("after a success", models.WebhookActive, 0)
	clock.Advance(80 * time.Hour)
	emit(3)
	clock.Advance(webhook.DisableAfter)
	emit(1)
	expect("72 hours but few failures", models.WebhookActive, 4)
	emit(webhook.DisableMinFailures - 5)
	expect("one failure short", models.WebhookActive, webhook.DisableMinFailures-1)
	emit(1)
	expect("72 hours and enough failures", models.WebhookDisabled, webhook.DisableMinFailures)
}
