package webhooks

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/penguinmails/pmdev/client"
	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server"
	"github.com/penguinmails/pmdev/tui/common"
	"github.com/penguinmails/pmdev/tui/common/commontest"
)

// againstServer is the pane on an API that is not the sandbox: the real
// reference server, run with or without --allow-private-webhooks.
func againstServer(t *testing.T, allowPrivate bool) *Model {
	t.Helper()
	srv, err := server.Open(context.Background(), server.Config{DBPath: filepath.Join(t.TempDir(), "pm.db"), AllowPrivateWebhooks: allowPrivate,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { hs.Close(); _ = srv.Close(context.Background()) })
	tok, err := srv.AddUser(context.Background(), server.NewUser{Email: "ops@acme.test", Role: models.RoleAdmin, Tenant: "Acme"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := commontest.Context(100, 36, client.New(client.Options{BaseURL: hs.URL, Token: tok}))
	ctx.Sandbox, ctx.APIURL = false, hs.URL
	ctx.Active = common.PaneWebhooks
	m := New(ctx)
	commontest.Drain(t, m.Update, m.Init())
	return m
}

// createHook drives the wizard with url to the server's answer.
func createHook(t *testing.T, m *Model, url string) {
	t.Helper()
	drive := func(keys ...string) {
		for _, k := range keys {
			commontest.Drain(t, m.Update, m.Update(commontest.Key(k)))
		}
	}
	drive("n")
	for _, r := range url {
		commontest.Drain(t, m.Update, m.Update(tea.KeyPressMsg{Code: r, Text: string(r)}))
	}
	drive("enter", "enter", "enter")
}

// The console does not refuse http://127.0.0.1 against a server that is not
// the sandbox: a server run with --allow-private-webhooks takes it (as curl
// gets 201), one without says why in its own words, shown in the wizard.
func TestPrivateWebhookURLIsTheServersCall(t *testing.T) {
	m := againstServer(t, true)
	createHook(t, m, "http://127.0.0.1:9/hooks/pm")
	if m.onceD() == nil {
		t.Fatalf("an allowing server's endpoint was not created:\n%s", commontest.Plain(m.View()))
	}

	m = againstServer(t, false)
	createHook(t, m, "http://127.0.0.1:9/hooks/pm")
	v := commontest.Plain(m.View())
	if m.onceD() != nil || strings.Contains(v, "only works against the local sandbox") || !strings.Contains(v, "--allow-private-webhooks") {
		t.Fatalf("the server's refusal is not shown as it says it:\n%s", v)
	}
	commontest.Golden(t, m.View())
}
