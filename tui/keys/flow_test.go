package keys_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/penguinmails/pmdev/client"
	"github.com/penguinmails/pmdev/internal/sandbox/sandboxtest"
	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server"
	"github.com/penguinmails/pmdev/tui/common"
	"github.com/penguinmails/pmdev/tui/common/commontest"
	"github.com/penguinmails/pmdev/tui/keys"
)

// host is the smallest root a pane needs: it forwards everything and
// renders the pane full screen.
type host struct {
	pane *keys.Model
	ctx  *common.Context
}

func (h host) Init() tea.Cmd { return h.pane.Init() }

func (h host) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		h.ctx.Width, h.ctx.Height = msg.Width, msg.Height
		h.pane.SetSize(msg.Width, msg.Height)
		return h, nil
	case common.StatusMsg, common.DataAgeMsg:
		return h, nil
	}
	return h, h.pane.Update(msg)
}

func (h host) View() tea.View { return tea.NewView(h.pane.View()) }

// sandbox serves the demo data and returns an admin client and who it is.
func sandbox(t *testing.T) (string, *client.Client, models.Me) {
	t.Helper()
	env := sandboxtest.Serve(t, sandboxtest.Options{Seed: "demo"})
	c := env.Admin(t)
	me, err := c.Me(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return env.URL, c, me
}

// sendWith sends a test email with an API key and returns the HTTP status.
func sendWith(t *testing.T, c *client.Client, key string) int {
	t.Helper()
	_, _, err := c.SendEmail(context.Background(), key, models.SendEmailRequest{To: "user@example.com", Subject: "Hi", TextBody: "Hello"})
	if err == nil {
		return http.StatusOK
	}
	if s := client.StatusOf(err); s != 0 {
		return s
	}
	t.Fatal(err)
	return 0
}

var osc52 = regexp.MustCompile(`\x1b\]52;c;([A-Za-z0-9+/=]+)(?:\x07|\x1b\\)`)

// waitClipboard waits for the next OSC 52 write and decodes it.
func waitClipboard(t *testing.T, tm *teatest.TestModel) string {
	t.Helper()
	var got string
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		if m := osc52.FindSubmatch(b); m != nil {
			v, err := base64.StdEncoding.DecodeString(string(m[1]))
			if err == nil {
				got = string(v)
				return true
			}
		}
		return false
	}, teatest.WithDuration(10*time.Second))
	return got
}

func waitText(t *testing.T, tm *teatest.TestModel, s string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(s)) },
		teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
}

// TestSandboxCreateCopyRotateRevoke drives the pane against a real server:
// create a key in the wizard, copy it (OSC 52), prove it sends email, rotate
// it, copy the new one, revoke that, and prove the revoked key gets 401.
func TestSandboxCreateCopyRotateRevoke(t *testing.T) {
	url, c, me := sandbox(t)
	ctx := commontest.Context(120, 40, c)
	ctx.Me = me
	ctx.Active = common.PaneKeys
	ctx.Now = time.Now
	ctx.APIURL = url
	ctx.WorkDir = t.TempDir()
	pane := keys.New(ctx)
	tm := teatest.NewTestModel(t, host{pane: pane, ctx: ctx}, teatest.WithInitialTermSize(120, 40))
	t.Cleanup(func() { _ = tm.Quit() })

	waitText(t, tm, "API Keys")
	tm.Send(commontest.Key("n"))
	waitText(t, tm, "Create API Key")
	tm.Type("Flow test key")
	for range 4 {
		tm.Send(commontest.Key("enter"))
	}
	waitText(t, tm, "API Key Created Successfully")
	tm.Send(commontest.Key("c"))
	first := waitClipboard(t, tm)
	if !models.ValidKeyChecksum(first) {
		t.Fatal("clipboard does not hold a valid API key")
	}
	if code := sendWith(t, c, first); code != http.StatusOK {
		t.Fatalf("new key: send status %d", code)
	}
	tm.Send(commontest.Key("enter"))
	waitText(t, tm, "will not be shown again")
	tm.Send(commontest.Key("y"))

	// The cursor is on the new key: rotate it with the default 24 h grace.
	tm.Send(commontest.Key("R"))
	waitText(t, tm, "Rotate API key?")
	tm.Send(commontest.Key("enter"))
	waitText(t, tm, "API Key Rotated")
	tm.Send(commontest.Key("c"))
	second := waitClipboard(t, tm)
	if second == first || !models.ValidKeyChecksum(second) {
		t.Fatal("rotation did not produce a new key")
	}
	tm.Send(commontest.Key("enter"))
	tm.Send(commontest.Key("y"))
	waitText(t, tm, "rotated · 24 h") // a 24 h grace read a moment later still rounds to 24 h
	if code := sendWith(t, c, first); code != http.StatusOK {
		t.Fatalf("old key during grace: status %d", code)
	}

	// Revoke the new key by typing its name; the dialog offers to revoke
	// the old one (still in its grace period) too, and does by default.
	// Both keys are named "Flow test key" now: the name cannot say which
	// to revoke, so the dialog asks for this key's last four characters.
	tm.Send(commontest.Key("D"))
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		return bytes.Contains(b, []byte("Two working keys have this name")) && bytes.Contains(b, []byte("The previous key"))
	}, teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
	tm.Type("Flow test key")
	tm.Send(commontest.Key("enter"))
	waitText(t, tm, "not this key's last four characters")
	for range len("Flow test key") {
		tm.Send(commontest.Key("backspace"))
	}
	tm.Type(second[len(second)-4:])
	tm.Send(commontest.Key("enter"))
	waitText(t, tm, "Revoked Flow test key (new) and the previous key")
	if code := sendWith(t, c, second); code != http.StatusUnauthorized {
		t.Fatalf("revoked key: status %d, want 401", code)
	}
	if code := sendWith(t, c, first); code != http.StatusUnauthorized {
		t.Fatalf("previous key after revoking both: status %d, want 401", code)
	}
	list, err := c.ListKeys(context.Background(), models.KeyListParams{Q: "Flow test key", PerPage: 100})
	if err != nil {
		t.Fatal(err)
	}
	revoked := 0
	for _, k := range list.APIKeys {
		if k.Status == models.KeyRevoked {
			revoked++
		}
	}
	if revoked != 2 {
		t.Fatalf("server has %d revoked flow keys, want 2", revoked)
	}
}

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
