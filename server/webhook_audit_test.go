package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/penguinmails/pmdev/server/internal/servertest"

	"github.com/penguinmails/pmdev/models"
)

// Webhook changes made through an SSH session (a minted token naming the
// actor's key) are audited with the actor's email and key fingerprint.
func TestWebhookChangesAreAudited(t *testing.T) {
	clock := newTestClock()
	ctx := context.Background()
	s, err := Open(ctx, Config{DBPath: servertest.DB(t, "pm.db"), WebhookKey: servertest.WebhookKey(), Now: clock.Now, AllowPrivateWebhooks: true})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s.Handler())
	defer func() { hs.Close(); s.Close(ctx) }()
	e := &testEnv{t: t, s: s, hs: hs, url: hs.URL, clock: clock}
	plain := e.addUser("dev@a.test", models.RoleDeveloper, "A", "")
	minted, err := s.MintToken(ctx, "dev@a.test", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	const fp = "SHA256:webhookActorFingerprint0123"
	var wh models.CreatedWebhook
	r := e.do("POST", "/api/v1/platform/webhooks", minted,
		models.CreateWebhookRequest{URL: "http://127.0.0.1:9/hook", Events: []string{"email.sent"}}, ActorFingerprintHeader, fp)
	if r.status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	r.into(t, &wh)
	paused := models.WebhookPaused
	if r := e.do("PATCH", "/api/v1/platform/webhooks/"+wh.ID, minted, models.UpdateWebhookRequest{Status: &paused}, ActorFingerprintHeader, fp); r.status != 200 {
		t.Fatalf("pause: %d %s", r.status, r.body)
	}
	desc := "CRM"
	// A plain PAT cannot claim a fingerprint.
	if r := e.do("PATCH", "/api/v1/platform/webhooks/"+wh.ID, plain, models.UpdateWebhookRequest{Description: &desc}, ActorFingerprintHeader, fp); r.status != 200 {
		t.Fatalf("update: %d %s", r.status, r.body)
	}
	if r := e.do("POST", "/api/v1/platform/webhooks/"+wh.ID+"/rotate-secret", minted, nil, ActorFingerprintHeader, fp); r.status != 200 {
		t.Fatalf("rotate: %d %s", r.status, r.body)
	}
	if r := e.do("DELETE", "/api/v1/platform/webhooks/"+wh.ID, minted, nil, ActorFingerprintHeader, fp); r.status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	if r := e.do("DELETE", "/api/v1/platform/webhooks/"+wh.ID, minted, nil, ActorFingerprintHeader, fp); r.status != http.StatusNotFound {
		t.Fatalf("second delete: %d %s", r.status, r.body)
	}

	rows, err := s.db.Query(`SELECT action, actor, actor_key_fingerprint, detail FROM audit_events
		WHERE target_type = 'webhook' AND key_id = ? ORDER BY rowid`, wh.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	type rec struct{ action, actor, fp, detail string }
	var got []rec
	for rows.Next() {
		var x rec
		if err := rows.Scan(&x.action, &x.actor, &x.fp, &x.detail); err != nil {
			t.Fatal(err)
		}
		got = append(got, x)
	}
	want := []rec{
		{"created", "dev@a.test", fp, "http://127.0.0.1:9/hook"},
		{"paused", "dev@a.test", fp, "was active"},
		{"updated", "dev@a.test", "", "changed description"},
		{"secret_rotated", "dev@a.test", fp, ""},
		{"deleted", "dev@a.test", fp, "http://127.0.0.1:9/hook"},
	}
	if len(got) != len(want) {
		t.Fatalf("audit records %+v, want %d", got, len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.action != w.action || g.actor != w.actor || g.fp != w.fp || (w.detail != "" && g.detail != w.detail) {
			t.Errorf("record %d = %+v, want %+v", i, g, w)
		}
	}
	// Webhook records stay out of any key's security view.
	var n int
	if err := s.db.QueryRow(`SELECT COUNT(*) FROM audit_events WHERE target_type = 'api_key'`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("key audit rows = %d, %v", n, err)
	}
}
