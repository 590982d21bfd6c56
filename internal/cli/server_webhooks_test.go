package cli

import (
	"bytes"
	"context"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/penguinmails/pmdev/client"
	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server"
)

// A database whose webhook key file is lost: the user commands still work
// (they do not touch webhooks), rekey repairs it once and lists every
// endpoint with its new secret, and a second rekey has nothing to repair.
func TestServerWebhooksRekey(t *testing.T) {
	t.Setenv(server.WebhookKeyEnv, "")
	db := filepath.Join(t.TempDir(), "pm.db")
	ctx := context.Background()
	srv, err := server.Open(ctx, server.Config{DBPath: db, AllowPrivateWebhooks: true})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := srv.AddUser(ctx, server.NewUser{Email: "dev@acme.test", Role: models.RoleDeveloper, Tenant: "Acme"})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	api := client.New(client.Options{BaseURL: hs.URL, Token: tok, RetryCount: -1})
	wh, err := api.CreateWebhook(ctx, models.CreateWebhookRequest{URL: "http://127.0.0.1:9/hook", Events: []string{"email.sent"}})
	hs.Close()
	srv.Close(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(db + ".webhook-key"); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if code := Execute("test", []string{"server", "users", "add", "--db", db, "--email", "ops@acme.test", "--role", "admin"}, &out, &errOut); code != 0 {
		t.Fatalf("users add without the webhook key: exit %d %s", code, errOut.String())
	}
	out.Reset()
	errOut.Reset()
	if code := Execute("test", []string{"server", "webhooks", "rekey", "--db", db}, &out, &errOut); code != 0 {
		t.Fatalf("rekey: exit %d %s", code, errOut.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 || !strings.Contains(lines[1], wh.ID) || !strings.Contains(lines[1], "Acme") || !strings.Contains(lines[1], "whsec_") || strings.Contains(lines[1], wh.Secret) {
		t.Fatalf("rekey listing:\n%s", out.String())
	}
	if !strings.Contains(errOut.String(), "re-keyed 1 webhook endpoint(s)") || !strings.Contains(errOut.String(), db+".webhook-key") {
		t.Fatalf("rekey summary: %s", errOut.String())
	}
	if fi, err := os.Stat(db + ".webhook-key"); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("new key file: %v %v", fi, err)
	}
	errOut.Reset()
	if code := Execute("test", []string{"server", "webhooks", "rekey", "--db", db}, io.Discard, &errOut); code != 1 || !strings.Contains(errOut.String(), "nothing to repair") {
		t.Fatalf("second rekey: exit %d %s", code, errOut.String())
	}
	if err := server.CheckWebhookKey(ctx, server.Config{DBPath: db}); err != nil {
		t.Fatalf("after rekey the key does not open the secrets: %v", err)
	}
}
