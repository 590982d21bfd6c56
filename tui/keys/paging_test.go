package keys_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/penguinmails/pmdev/client"
	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server"
	"github.com/penguinmails/pmdev/tui/common"
	"github.com/penguinmails/pmdev/tui/common/commontest"
	"github.com/penguinmails/pmdev/tui/keys"
)

// pagingServer is a real server with n keys whose list requests are counted.
func pagingServer(t *testing.T, n int) (*client.Client, *int) {
	t.Helper()
	ctx := context.Background()
	srv, err := server.Open(ctx, server.Config{DBPath: filepath.Join(t.TempDir(), "pm.db"), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	lists := 0
	h := srv.Handler()
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == "GET" && r.URL.Path == "/api/v1/platform/api-keys" {
			lists++
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(func() {
		hs.Close()
		_ = srv.Close(context.Background())
	})
	tok, err := srv.AddUser(ctx, server.NewUser{Email: "admin@p.test", Role: models.RoleAdmin, Tenant: "P", Plan: models.PlanBusiness})
	if err != nil {
		t.Fatal(err)
	}
	c := client.New(client.Options{BaseURL: hs.URL, Token: tok})
	for i := range n {
		name := fmt.Sprintf("Service %03d", i)
		if i%50 == 7 {
			name = fmt.Sprintf("Needle %03d", i)
		}
		if _, err := c.CreateKey(ctx, models.CreateAPIKeyRequest{Name: name, Permissions: []string{"read_campaigns"}}); err != nil {
			t.Fatal(err)
		}
	}
	return c, &lists
}

// pagedPane is the Keys pane, loaded, on a server with 450 keys.
func pagedPane(t *testing.T) (*keys.Model, *int) {
	t.Helper()
	c, lists := pagingServer(t, 450)
	ctx := commontest.Context(120, 30, c)
	ctx.Active = common.PaneKeys
	ctx.Now = time.Now
	m := keys.New(ctx)
	m.SetSize(120, 30)
	commontest.Drain(t, m.Update, m.Init())
	return m, lists
}

// The pane reads one page at first and the next ones as the cursor nears
// the end, never the whole list at once.
func TestKeysPanePagesAsTheCursorMoves(t *testing.T) {
	m, lists := pagedPane(t)
	v := commontest.Plain(m.View())
	if *lists != 1 || !strings.Contains(v, "200 of 450 keys") {
		t.Fatalf("first load: %d list requests; view:\n%s", *lists, v)
	}
	// Paging down through the first page loads the second, then the third.
	for range 20 {
		commontest.Drain(t, m.Update, m.Update(tea.KeyPressMsg{Code: tea.KeyPgDown}))
	}
	v = commontest.Plain(m.View())
	if title := strings.SplitN(v, "\n", 2)[0]; *lists != 3 || !strings.Contains(title, "  450 keys") {
		t.Fatalf("after paging down: %d list requests; view:\n%s", *lists, v)
	}
	if !strings.Contains(v, "Service 000") && !strings.Contains(v, "Needle 007") {
		t.Fatalf("the oldest key is not at the end:\n%s", v)
	}
	// The whole list is loaded now: a search runs here, over the rows as
	// shown, without asking again.
	before := *lists
	commontest.Drain(t, m.Update, m.Update(tea.KeyPressMsg{Code: '/', Text: "/"}))
	for _, r := range "Needle" {
		commontest.Drain(t, m.Update, m.Update(tea.KeyPressMsg{Code: r, Text: string(r)}))
	}
	v = commontest.Plain(m.View())
	if *lists != before || !strings.Contains(v, "9 of 450 keys") || !strings.Contains(v, "Needle 407") || !strings.Contains(v, "Needle 007") {
		t.Fatalf("search over the loaded list: %d list requests; view:\n%s", *lists-before, v)
	}
}

// While only part of the list is loaded, a search is answered by the
// server from the whole list (names and ids).
func TestKeysPaneSearchesTheServerWhilePaged(t *testing.T) {
	m, lists := pagedPane(t)
	before := *lists
	commontest.Drain(t, m.Update, m.Update(tea.KeyPressMsg{Code: '/', Text: "/"}))
	for _, r := range "Needle" {
		commontest.Drain(t, m.Update, m.Update(tea.KeyPressMsg{Code: r, Text: string(r)}))
	}
	v := commontest.Plain(m.View())
	if *lists <= before || !strings.Contains(v, "9 keys") || !strings.Contains(v, "Needle 407") || !strings.Contains(v, "Needle 007") {
		t.Fatalf("search: %d list requests; view:\n%s", *lists-before, v)
	}
}
