package webhook_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/penguinmails/pmdev/server/internal/servertest"
	"github.com/penguinmails/pmdev/server/testkit"

	"github.com/penguinmails/pmdev/client"
	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server"
	"github.com/penguinmails/pmdev/server/webhook"
)

type stack struct {
	rt   *contractRT
	srv  *server.Server
	url  string
	tok  map[string]string // email -> PAT
	path string
}

func newStack(t *testing.T, allowPrivate bool) *stack {
	t.Helper()
	ctx := context.Background()
	path := servertest.DB(t, "pm.db")
	srv, err := server.Open(ctx, server.Config{DBPath: path, WebhookKey: servertest.WebhookKey(), AllowPrivateWebhooks: allowPrivate,
		WebhookRetrySchedule: []time.Duration{50 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { ts.Close(); _ = srv.Close(context.Background()) })
	st := &stack{rt: newContractRT(t), srv: srv, url: ts.URL, tok: map[string]string{}, path: path}
	for _, u := range []server.NewUser{
		{Email: "admin@acme.test", Role: models.RoleAdmin, Tenant: "Acme"},
		{Email: "dev@acme.test", Role: models.RoleDeveloper, Tenant: "Acme"},
		{Email: "viewer@acme.test", Role: models.RoleMember, Tenant: "Acme"},
		{Email: "eve@other.test", Role: models.RoleAdmin, Tenant: "Other"},
	} {
		tok, err := srv.AddUser(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		st.tok[u.Email] = tok
	}
	return st
}

func (st *stack) as(email string) *client.Client {
	// Every call goes through the contract checker.
	return client.New(client.Options{BaseURL: st.url, Token: st.tok[email], RetryCount: -1, Transport: st.rt})
}

func ptr[T any](v T) *T { return &v }

func status(err error) int {
	if e, ok := client.AsError(err); ok {
		return e.Status
	}
	return 0
}

func TestRolesIsolationAndETag(t *testing.T) {
	st := newStack(t, true)
	ctx := context.Background()
	rv := newReceiver(t, nil)
	dev := st.as("dev@acme.test")
	wh, err := dev.CreateWebhook(ctx, models.CreateWebhookRequest{URL: rv.URL, Description: "CRM sync", Events: []string{"email.sent", "email.opened"}})
	if err != nil {
		t.Fatal(err)
	}
	if wh.CreatedBy != "dev@acme.test" || wh.MaxRetries != 5 || wh.Status != models.WebhookActive || !strings.HasPrefix(wh.SecretPrefix, "whsec_") {
		t.Fatalf("created %+v", wh.Webhook)
	}
	// Admins see it too; members get the same insufficient_role as on the key routes.
	if l, err := st.as("admin@acme.test").ListWebhooks(ctx); err != nil || len(l.Data) != 1 {
		t.Fatalf("admin list %+v %v", l, err)
	}
	_, err = st.as("viewer@acme.test").ListWebhooks(ctx)
	if e, ok := client.AsError(err); !ok || e.Status != 403 || e.Problem == nil || e.Problem.Error != "insufficient_role" || e.Problem.Permission != "" {
		t.Fatalf("member list: %v", err)
	}
	// Another tenant gets 404 for everything of ours.
	eve := st.as("eve@other.test")
	if l, err := eve.ListWebhooks(ctx); err != nil || len(l.Data) != 0 {
		t.Fatalf("other tenant list %+v %v", l, err)
	}
	if _, err := eve.GetWebhook(ctx, wh.ID); status(err) != 404 {
		t.Fatalf("other tenant get: %v", err)
	}
	if err := eve.DeleteWebhook(ctx, wh.ID); status(err) != 404 {
		t.Fatalf("other tenant delete: %v", err)
	}
	if _, err := eve.TestWebhook(ctx, wh.ID, models.TestRequest{}); status(err) != 404 {
		t.Fatalf("other tenant test: %v", err)
	}
	if _, err := eve.RotateWebhookSecret(ctx, wh.ID); status(err) != 404 {
		t.Fatalf("other tenant rotate: %v", err)
	}
	// The list is conditional.
	if _, err := dev.ListWebhooks(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := dev.ListWebhooks(ctx); !errors.Is(err, client.ErrNotModified) {
		t.Fatalf("second list: %v, want not modified", err)
	}
	// Test event: the receiver's answer comes back.
	res, err := dev.TestWebhook(ctx, wh.ID, models.TestRequest{EventType: "email.clicked"})
	if err != nil || res.Status != models.DeliverySuccess || res.ResponseStatus != 200 || res.BodyExcerpt != "ok" || !strings.Contains(string(res.Payload), `"email.clicked"`) {
		t.Fatalf("test: %+v %v", res, err)
	}
	r := rv.requests()[0]
	checkSignatures(t, r, wh.Secret)
	if !strings.HasPrefix(r.header.Get("webhook-id"), "evt_test_") {
		t.Fatalf("test event id %q", r.header.Get("webhook-id"))
	}
	// Deleting removes it.
	if err := dev.DeleteWebhook(ctx, wh.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := dev.GetWebhook(ctx, wh.ID); status(err) != 404 {
		t.Fatalf("get after delete: %v", err)
	}
}

func TestValidationAndSSRFRejections(t *testing.T) {
	st := newStack(t, false)
	ctx := context.Background()
	dev := st.as("dev@acme.test")
	for name, req := range map[string]models.CreateWebhookRequest{
		"loopback":      {URL: "https://127.0.0.1/h", Events: []string{"email.sent"}},
		"ten":           {URL: "https://10.1.2.3/h", Events: []string{"email.sent"}},
		"metadata":      {URL: "https://169.254.169.254/latest", Events: []string{"email.sent"}},
		"ipv6 loopback": {URL: "https://[::1]:8443/h", Events: []string{"email.sent"}},
		"http":          {URL: "http://example.com/h", Events: []string{"email.sent"}},
		"malformed":     {URL: "not a url", Events: []string{"email.sent"}},
		"unknown event": {URL: "https://example.com/h", Events: []string{"email.teleported"}},
		"no events":     {URL: "https://example.com/h"},
		"retries":       {URL: "https://example.com/h", Events: []string{"email.sent"}, MaxRetries: ptr(11)},
		"status":        {URL: "https://example.com/h", Events: []string{"email.sent"}, Status: ptr("disabled")},
	} {
		_, err := dev.CreateWebhook(ctx, req)
		e, ok := client.AsError(err)
		if !ok || e.Status != 400 || e.Problem == nil || len(e.Problem.Errors) == 0 {
			t.Errorf("%s: got %v, want a 400 problem with field errors", name, err)
		}
	}
	wh, err := dev.CreateWebhook(ctx, models.CreateWebhookRequest{URL: "https://hooks.example.com/pm", Events: []string{"email.sent"}})
	if err != nil {
		t.Fatal(err)
	}
	bad := "https://192.168.0.10/x"
	if _, err := dev.UpdateWebhook(ctx, wh.ID, models.UpdateWebhookRequest{URL: &bad}); status(err) != 400 {
		t.Fatalf("patch to private URL: %v", err)
	}
	if _, err := dev.TestWebhook(ctx, wh.ID, models.TestRequest{EventType: "nope"}); status(err) != 400 {
		t.Fatalf("test unknown type: %v", err)
	}
	if _, err := dev.ListDeliveries(ctx, wh.ID, "weird", 0); status(err) != 400 {
		t.Fatalf("bad status filter: %v", err)
	}
	types, err := dev.WebhookEventTypes(ctx)
	if err != nil || len(types.Data) != len(models.WebhookEventNames()) || len(types.Data[0].Example) == 0 {
		t.Fatalf("event types %d %v", len(types.Data), err)
	}
}

// The product endpoint emits email.sent through the server's Events hook.
func TestProductSendEmitsEmailSent(t *testing.T) {
	st := newStack(t, true)
	ctx := context.Background()
	rv := newReceiver(t, nil)
	dev := st.as("dev@acme.test")
	wh, err := dev.CreateWebhook(ctx, models.CreateWebhookRequest{URL: rv.URL, Events: []string{"email.sent"}})
	if err != nil {
		t.Fatal(err)
	}
	key, err := dev.CreateKey(ctx, models.CreateAPIKeyRequest{Name: "sender", Permissions: []string{"send_email"}})
	if err != nil {
		t.Fatal(err)
	}
	sent, _, err := dev.SendEmail(ctx, key.Plaintext, models.SendEmailRequest{To: "a@example.com", Subject: "Hi", TextBody: "x"})
	if err != nil {
		t.Fatal(err)
	}
	testkit.WaitFor(t, 3*time.Second, "email.sent delivery", func() bool { return len(rv.requests()) == 1 })
	r := rv.requests()[0]
	checkSignatures(t, r, wh.Secret)
	if r.header.Get(models.HeaderWebhookEvent) != "email.sent" || !strings.Contains(string(r.body), sent.ID) {
		t.Fatalf("delivery %v %s", r.header, r.body)
	}
	if got := r.header.Get("User-Agent"); got != "PenguinMails-Webhooks/1.0" {
		t.Fatalf("user agent %q", got)
	}
}

// Every spelling of a blocked address is refused when an endpoint is
// created and when its URL is changed, with the message 127.0.0.1 gets,
// and nothing is stored.
func TestSSRFSpellingsRefusedOnCreateAndPatch(t *testing.T) {
	st := newStack(t, false)
	ctx := context.Background()
	dev := st.as("dev@acme.test")
	wh, err := dev.CreateWebhook(ctx, models.CreateWebhookRequest{URL: "https://93.184.216.34/hook", Events: []string{"email.sent"}})
	if err != nil {
		t.Fatal(err)
	}
	field := func(err error) string {
		if e, ok := client.AsError(err); ok && e.Status == 400 && e.Problem != nil && len(e.Problem.Errors) == 1 && e.Problem.Errors[0].Field == "url" {
			return e.Problem.Errors[0].Message
		}
		return fmt.Sprintf("not a 400 on url: %v", err)
	}
	_, err = dev.CreateWebhook(ctx, models.CreateWebhookRequest{URL: "https://127.0.0.1/hook", Events: []string{"email.sent"}})
	want := field(err)
	for _, u := range webhook.BlockedSpellings {
		_, err := dev.CreateWebhook(ctx, models.CreateWebhookRequest{URL: u, Events: []string{"email.sent"}})
		if got := field(err); got != want {
			t.Errorf("create %s: %q, want %q", u, got, want)
		}
		_, err = dev.UpdateWebhook(ctx, wh.ID, models.UpdateWebhookRequest{URL: &u})
		if got := field(err); got != want {
			t.Errorf("patch %s: %q, want %q", u, got, want)
		}
	}
	l, err := dev.ListWebhooks(ctx)
	if err != nil || len(l.Data) != 1 || l.Data[0].URL != "https://93.184.216.34/hook" {
		t.Fatalf("stored endpoints: %+v %v", l.Data, err)
	}
}
