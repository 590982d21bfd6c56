package usage_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/penguinmails/pmdev/client"
	"github.com/penguinmails/pmdev/internal/sandbox/sandboxtest"
	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
	"github.com/penguinmails/pmdev/tui/common/commontest"
	"github.com/penguinmails/pmdev/tui/usage"
)

// TestAgainstRealServer fetches usage from the seeded reference server over
// HTTP and renders it; a second poll answers 304 and changes nothing.
func TestAgainstRealServer(t *testing.T) {
	// No demo seed: it costs ~15 s under -race and a few real requests show
	// the same thing.
	c := sandboxtest.Serve(t, sandboxtest.Options{}).Admin(t)
	traffic(t, c)

	pc := commontest.Context(120, 40, c)
	pc.Now = time.Now
	pc.Active = common.PaneUsage
	pc.WorkDir = t.TempDir()
	m := usage.New(pc)
	m.SetSize(120, 40)

	cmd := m.Update(common.TickMsg{Now: time.Now()})
	if cmd == nil {
		t.Fatal("visible pane did not poll")
	}
	if age, ok := run(t, m, cmd).(common.DataAgeMsg); !ok || age.Err != nil {
		t.Fatalf("first fetch: %#v", age)
	}
	v := commontest.Plain(m.View())
	for _, want := range []string{"Last 24 hours", "Request volume", "Endpoints", "Requests", "as of"} {
		if !strings.Contains(v, want) {
			t.Fatalf("view lacks %q:\n%s", want, v)
		}
	}
	if testing.Verbose() {
		t.Log("\n" + v)
	}
	if strings.Contains(v, "⚠") {
		t.Fatalf("error in view:\n%s", v)
	}

	// Refresh now: the server answers 304 and the frame stays byte-identical.
	before := m.View()
	if next := run(t, m, m.Update(common.RefreshMsg{})); next != nil {
		t.Fatalf("304 produced %#v", next)
	}
	if m.View() != before {
		t.Fatal("304 changed the view")
	}

	// Each preset range is served and rendered.
	for range 3 {
		if age, ok := run(t, m, m.Update(tea.KeyPressMsg{Code: 't', Text: "t"})).(common.DataAgeMsg); !ok || age.Err != nil {
			t.Fatalf("range fetch: %#v", age)
		}
	}
	if p := m.Params(); p.Range != "1h" {
		t.Fatalf("range after three t: %s", p.Range)
	}
	if v := commontest.Plain(m.View()); !strings.Contains(v, "Last hour") {
		t.Fatalf("1h view:\n%s", v)
	}

	// E pages through the server's error log into a CSV file.
	batch, ok := m.Update(tea.KeyPressMsg{Code: 'E', Text: "E"})().(tea.BatchMsg)
	if !ok {
		t.Fatal("E did not start an export")
	}
	var done string
	for _, c := range batch {
		if next := m.Update(c()); next != nil {
			if sm, ok := next().(common.StatusMsg); ok {
				done = sm.Text
			}
		}
	}
	_, path, found := strings.Cut(done, "exported 1 error to ")
	if !found {
		t.Fatalf("export status %q", done)
	}
	b, err := os.ReadFile(strings.TrimSuffix(path, " · y copies it to the clipboard"))
	if err != nil || !strings.Contains(string(b), "POST /api/v1/emails/send,400,invalid_email,") {
		t.Fatalf("export file %q: %v", b, err)
	}
}

// traffic sends a few product requests with a new key, one of them
// failing, and waits until the usage writer has stored them.
func traffic(t *testing.T, c *client.Client) {
	t.Helper()
	ctx := context.Background()
	k, err := c.CreateKey(ctx, models.CreateAPIKeyRequest{Name: "Usage test", Environment: models.EnvTest, Permissions: models.PresetFullAccess(false)})
	if err != nil {
		t.Fatal(err)
	}
	for _, body := range []string{`{"to":"a@example.com","subject":"s","html_body":"<p>x</p>"}`, `{"to":"b@example.com","subject":"s","html_body":"<p>y</p>"}`, `{"to":"not-an-address"}`} {
		if _, err := c.Raw(ctx, "POST", "/api/v1/emails/send", nil, []byte(body), k.Plaintext); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		u, err := c.APIUsage(ctx, models.UsageParams{Range: models.Range24h})
		if err == nil && u.Totals.Requests >= 3 && len(u.RecentErrors) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("usage never showed the traffic: %+v %v", u.Totals, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	c.ForgetETags()
}

// run executes cmd, feeds its message to the pane and returns what the pane
// answered with (executed once more), or nil.
func run(t *testing.T, m *usage.Model, cmd tea.Cmd) tea.Msg {
	t.Helper()
	if cmd == nil {
		t.Fatal("no command")
	}
	next := m.Update(cmd())
	if next == nil {
		return nil
	}
	return next()
}

// Usage by key marks the traffic of a key revoked since: the server's
// answer says each key's status now.
func TestRevokedKeyMarkedAgainstRealServer(t *testing.T) {
	c := sandboxtest.Serve(t, sandboxtest.Options{}).Admin(t)
	traffic(t, c)
	ctx := context.Background()
	l, err := c.ListKeys(ctx, models.KeyListParams{Q: "Usage test"})
	if err != nil || len(l.APIKeys) != 1 {
		t.Fatalf("key list: %+v %v", l.APIKeys, err)
	}
	if _, err := c.RevokeKey(ctx, l.APIKeys[0].KeyID); err != nil {
		t.Fatal(err)
	}
	c.ForgetETags()
	pc := commontest.Context(120, 60, c)
	pc.Now = time.Now
	pc.Active = common.PaneUsage
	m := usage.New(pc)
	m.SetSize(120, 60)
	if age, ok := run(t, m, m.Update(common.TickMsg{Now: time.Now()})).(common.DataAgeMsg); !ok || age.Err != nil {
		t.Fatalf("fetch: %#v", age)
	}
	if v := commontest.Plain(m.View()); !strings.Contains(v, "Usage test (revoked)") {
		t.Fatalf("revoked key not marked:\n%s", v)
	}
}
