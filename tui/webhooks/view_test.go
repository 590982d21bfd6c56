package webhooks

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
	"github.com/penguinmails/pmdev/tui/common/commontest"
	"github.com/penguinmails/pmdev/tui/component/dialog"
)

func TestMain(m *testing.M) { commontest.Main(m) }

// fixtureSecret is obviously fake; real secrets never reach goldens.
const fixtureSecret = "whsec_FIXTURExNOTxAxREALxSECRETxxxxxxxxxxxxxxx="

func rate(f float64) *float64 { return &f }

func fakeWebhooks() []models.Webhook {
	now := commontest.Now
	return []models.Webhook{
		{ID: "wh_crm", URL: "https://crm.example.com/webhooks/penguinmails", Description: "CRM contact sync", Status: models.WebhookActive,
			Events: []string{"email.sent", "email.delivered", "email.opened", "email.clicked", "email.bounced"}, MaxRetries: 5,
			CreatedAt: now.Add(-30 * 24 * time.Hour), CreatedBy: "dev@acme.test", SecretPrefix: "whsec_Ab3d…",
			Health: models.WebhookHealth{SuccessRate24h: rate(99.2), AvgLatencyMS: 142, Deliveries24h: 1234, Failures24h: 10, LastDeliveryAt: commontest.Ago(2 * time.Minute), LastStatus: "success"}},
		{ID: "wh_bi", URL: "https://bi.example.org/ingest/penguin?source=pm", Description: "Analytics", Status: models.WebhookActive,
			Events: []string{"email.opened", "email.clicked"}, MaxRetries: 3, CreatedAt: now.Add(-3 * 24 * time.Hour), CreatedBy: "admin@acme.test",
			SecretPrefix: "whsec_Zz9q…",
			Health:       models.WebhookHealth{SuccessRate24h: rate(62.5), AvgLatencyMS: 3100, Deliveries24h: 16, Failures24h: 6, ConsecutiveFailures: 6, Failing: true, PendingRetries: 2, LastDeliveryAt: commontest.Ago(3 * time.Hour), LastStatus: "failed"}},
		{ID: "wh_old", URL: "https://old.example.net/hook", Status: models.WebhookDisabled, DisabledReason: "receiver answered 410 Gone",
			Events: []string{"contact.created"}, MaxRetries: 5, CreatedAt: now.Add(-90 * 24 * time.Hour), CreatedBy: "admin@acme.test", SecretPrefix: "whsec_Qq1w…"},
		{ID: "wh_paused", URL: "https://staging.example.com/pm", Status: models.WebhookPaused,
			Events: []string{"campaign.launched", "campaign.completed", "campaign.paused"}, MaxRetries: 10, CreatedAt: now.Add(-time.Hour), CreatedBy: "dev@acme.test", SecretPrefix: "whsec_Pp0o…"},
	}
}

func fakeDeliveries() []models.Delivery {
	now := commontest.Now
	next := now.Add(4 * time.Minute)
	payload := json.RawMessage(`{"id":"evt_abc123","type":"email.opened","created_at":"2026-11-30T14:29:00Z","data":{"email_id":"msg_xyz789","contact":{"email":"user@example.com"}}}`)
	hdr := map[string]string{"Content-Type": "application/json", "X-PenguinMails-Signature": "sha256=5f2b…", "X-PenguinMails-Event": "email.opened",
		"X-PenguinMails-Delivery-ID": "del_1", "webhook-id": "evt_abc123", "webhook-timestamp": "1796048940", "webhook-signature": "v1,Q2h…"}
	return []models.Delivery{
		{ID: "del_1", WebhookID: "wh_crm", EventType: "email.opened", EventID: "evt_abc123", Status: models.DeliverySuccess, Attempts: 1, MaxAttempts: 6,
			ResponseStatus: 200, LatencyMS: 142, ResponseExcerpt: "OK", RequestHeaders: hdr, Payload: payload, CreatedAt: now.Add(-time.Minute), UpdatedAt: now.Add(-time.Minute)},
		{ID: "del_2", WebhookID: "wh_crm", EventType: "email.bounced", EventID: "evt_def456", Status: models.DeliveryPendingRetry, Attempts: 2, MaxAttempts: 6,
			NextRetryAt: &next, ResponseStatus: 500, LatencyMS: 5000, ResponseExcerpt: "{\"error\":\"db down\"}", RequestHeaders: hdr, Payload: payload,
			CreatedAt: now.Add(-6 * time.Minute), UpdatedAt: now.Add(-time.Minute)},
		{ID: "del_3", WebhookID: "wh_crm", EventType: "email.clicked", EventID: "evt_ghi789", Status: models.DeliveryFailed, Attempts: 6, MaxAttempts: 6,
			Error: "timeout: no answer within 10s", LatencyMS: 10000, RequestHeaders: hdr, Payload: payload, CreatedAt: now.Add(-26 * time.Hour), UpdatedAt: now.Add(-2 * time.Hour)},
		{ID: "del_4", WebhookID: "wh_crm", EventType: "email.sent", EventID: "evt_test_1", Test: true, Status: models.DeliverySuccess, Attempts: 1, MaxAttempts: 1,
			ResponseStatus: 204, LatencyMS: 9, Payload: payload, CreatedAt: now.Add(-2 * time.Hour), UpdatedAt: now.Add(-2 * time.Hour)},
	}
}

func testModel(t testing.TB, w, h int, list []models.Webhook) *Model {
	t.Helper()
	ctx := commontest.Context(w, h, nil)
	ctx.Active = common.PaneWebhooks
	m := New(ctx)
	m.loaded = true
	m.list = list
	m.clampList()
	return m
}

func press(m *Model, keys ...string) { commontest.Press(m.Update, keys...) }

func typeText(m *Model, s string) { commontest.Type(m.Update, s) }

func keyMsg(s string) tea.KeyPressMsg { return commontest.Key(s) }

func checkSize(t *testing.T, m *Model) string {
	t.Helper()
	v := m.View()
	commontest.Fits(t, v, m.width, m.height)
	return v
}

// goldenThenDismiss pins the open dialog, then checks that key closes it.
func goldenThenDismiss(t *testing.T, m *Model, key string, open func() bool) {
	t.Helper()
	commontest.Golden(t, checkSize(t, m))
	press(m, key)
	if open() {
		t.Fatalf("%s did not cancel", key)
	}
}

func TestListGolden80x24(t *testing.T) {
	m := testModel(t, 80, 24, fakeWebhooks())
	press(m, "j")
	commontest.Golden(t, checkSize(t, m))
}

func TestListGolden160x48(t *testing.T) {
	m := testModel(t, 160, 48, fakeWebhooks())
	commontest.Golden(t, checkSize(t, m))
}

func TestListGoldenEmpty(t *testing.T) {
	m := testModel(t, 80, 24, nil)
	commontest.Golden(t, checkSize(t, m))
}

func TestListGoldenHostile(t *testing.T) {
	w := fakeWebhooks()[:1]
	w[0].URL = "https://evil.example.com/\x1b]52;c;aGVsbG8=\x07\x1b[2J\x1b[31mred"
	w[0].Description = "line\nbreak \x1b[H\u202eevil"
	m := testModel(t, 80, 24, w)
	v := checkSize(t, m)
	for _, bad := range []string{"\x1b]52", "\x1b[2J", "\x1b[H", "\u202e", "\x07"} {
		if strings.Contains(v, bad) {
			t.Fatalf("view contains %q", bad)
		}
	}
	commontest.Golden(t, v)
}

func detailModel(t *testing.T, w, h int) *Model {
	m := testModel(t, w, h, fakeWebhooks())
	press(m, "enter")
	if m.view != viewDetails {
		t.Fatal("enter did not open details")
	}
	m.detail.deliveries = fakeDeliveries()
	m.detail.rows.SetLen(len(m.detail.deliveries))
	return m
}

func TestDetailsGolden(t *testing.T) {
	m := detailModel(t, 100, 30)
	press(m, "j")
	commontest.Golden(t, checkSize(t, m))
}

func TestDetailsGolden80x24(t *testing.T) {
	m := detailModel(t, 80, 24)
	commontest.Golden(t, checkSize(t, m))
}

func TestDeliveryGolden(t *testing.T) {
	m := detailModel(t, 100, 40)
	press(m, "j", "enter")
	if m.view != viewDelivery {
		t.Fatal("enter did not open the delivery")
	}
	commontest.Golden(t, checkSize(t, m))
	press(m, "esc")
	if m.view != viewDetails {
		t.Fatal("esc did not go back to details")
	}
	press(m, "esc")
	if m.view != viewList {
		t.Fatal("esc did not go back to the list")
	}
}

func TestWizardGolden(t *testing.T) {
	m := testModel(t, 100, 30, nil)
	m.ctx.Sandbox = false
	press(m, "n")
	if !m.Captures(tea.KeyPressMsg{Code: 'q', Text: "q"}) {
		t.Fatal("wizard must capture q while typing")
	}
	press(m, "enter") // empty URL is refused
	if m.wizardD().step != 0 || m.wizardD().errs["url"] == "" {
		t.Fatal("empty URL accepted")
	}
	// The form is checked here; whether plain http is allowed is the
	// server's call (see TestPrivateWebhookURLIsTheServersCall).
	typeText(m, "ftp://crm.example.com/hook")
	press(m, "enter")
	if m.wizardD().step != 0 || !strings.Contains(m.wizardD().errs["url"], "HTTPS") {
		t.Fatalf("an ftp URL accepted: %q", m.wizardD().errs["url"])
	}
	for range len("ftp://crm.example.com/hook") {
		m.Update(tea.KeyPressMsg{Code: tea.KeyBackspace})
	}
	typeText(m, "https://crm.example.com/hook")
	press(m, "tab")
	typeText(m, "CRM sync")
	press(m, "tab", "space")
	commontest.Golden(t, checkSize(t, m))
}

// wizardAtEvents opens the create wizard at w×h and enters a valid URL:
// the wizard moves on to the events.
func wizardAtEvents(t *testing.T, w, h int) *Model {
	t.Helper()
	m := testModel(t, w, h, nil)
	press(m, "n")
	typeText(m, "https://crm.example.com/hook")
	press(m, "enter")
	if m.wizardD().step != 1 {
		t.Fatal("valid URL did not advance")
	}
	return m
}

func TestWizardEventsAndReviewGolden(t *testing.T) {
	m := wizardAtEvents(t, 100, 30)
	press(m, "c", "enter")
	if m.wizardD().step != 1 || m.wizardD().errs["events"] == "" {
		t.Fatal("no events accepted")
	}
	press(m, "e")
	if got := len(m.wizardD().events()); got != 7 {
		t.Fatalf("email events only selected %d", got)
	}
	press(m, "a")
	if got := len(m.wizardD().events()); got != len(models.WebhookEventNames()) {
		t.Fatalf("select all selected %d", got)
	}
	press(m, "space") // first row off
	press(m, "enter", "right", "right")
	if m.wizardD().step != 2 || m.wizardD().retries != 7 {
		t.Fatalf("step %d retries %d", m.wizardD().step, m.wizardD().retries)
	}
	commontest.Golden(t, checkSize(t, m))
}

// Every event type is reachable in the wizard on an 80×24 terminal (pane
// 80×20), each under its category heading.
func TestWizardEventListShowsEveryCategoryHeading(t *testing.T) {
	m := wizardAtEvents(t, 80, 20)
	names := models.WebhookEventNames()
	seen := map[string]bool{}
	for i := 0; i < len(names); i++ {
		v := commontest.Plain(checkSize(t, m))
		cur := names[m.wizardD().evCursor]
		heading := models.EventCategoryLabel(cur.Category) + " events"
		if !strings.Contains(v, cur.Type) {
			t.Fatalf("cursor on %s but it is not on screen:\n%s", cur.Type, v)
		}
		// The heading of the cursor's category is above it on screen.
		hi, ci := strings.Index(v, heading), strings.Index(v, "› [")
		if hi < 0 || hi > ci {
			t.Fatalf("%s shown without its %q heading:\n%s", cur.Type, heading, v)
		}
		seen[cur.Type] = true
		press(m, "down")
	}
	if len(seen) != len(names) {
		t.Fatalf("saw %d of %d event types", len(seen), len(names))
	}
}

func TestShowOnceGolden(t *testing.T) {
	m := testModel(t, 100, 40, nil)
	m.Update(createdMsg{webhook: fakeWebhooks()[0], secret: common.NewSecret(fixtureSecret)})
	if m.onceD() == nil {
		t.Fatal("no show-once modal")
	}
	press(m, "l")
	v := checkSize(t, m)
	if !strings.Contains(v, fixtureSecret) {
		t.Fatal("the new secret is not shown")
	}
	// Even a fixture secret stays out of golden files.
	commontest.Golden(t, strings.ReplaceAll(v, fixtureSecret, "whsec_<shown once>"))
	// Closing without copying warns once.
	press(m, "enter")
	if m.onceD() == nil || !strings.Contains(commontest.Plain(m.View()), "not copied") {
		t.Fatal("closing without copying did not warn")
	}
	press(m, "enter")
	if m.onceD() != nil || strings.Contains(m.View(), fixtureSecret) {
		t.Fatal("secret still shown after closing")
	}
	if s := (createdMsg{secret: common.NewSecret(fixtureSecret)}); strings.Contains(s.String(), "whsec") || strings.Contains(common.NewSecret(fixtureSecret).String(), "whsec") {
		t.Fatal("secret printable")
	}
}

// A copy only OSC 52 carried may not have arrived: closing still asks to
// check it; a copy the system clipboard took closes at once.
func TestShowOnceWarnsUntilTheCopyIsConfirmed(t *testing.T) {
	for _, c := range []struct {
		name   string
		copied common.CopiedMsg
		warns  bool
	}{
		{"osc52 only", common.CopiedMsg{What: "signing secret"}, true},
		{"system clipboard failed", common.CopiedMsg{What: "signing secret", System: true, Err: errors.New("exit status 1")}, true},
		{"system clipboard", common.CopiedMsg{What: "signing secret", System: true}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := testModel(t, 100, 40, nil)
			m.Update(createdMsg{webhook: fakeWebhooks()[0], secret: common.NewSecret(fixtureSecret)})
			press(m, "c")
			m.Update(c.copied)
			press(m, "enter")
			if warned := m.onceD() != nil && strings.Contains(commontest.Plain(m.View()), "unconfirmed"); warned != c.warns {
				t.Fatalf("warned %v, want %v:\n%s", warned, c.warns, commontest.Plain(m.View()))
			}
		})
	}
}

func TestTestModalGolden(t *testing.T) {
	m := testModel(t, 100, 34, fakeWebhooks())
	press(m, "t")
	if m.testD() == nil || m.testD().types[0] != "email.sent" {
		t.Fatal("test modal did not open with the subscribed types first")
	}
	m.Update(eventTypesMsg{types: []models.EventType{{Type: "email.delivered", Example: json.RawMessage(`{"id":"evt_example","type":"email.delivered","data":{"email_id":"msg_sample"}}`)}}})
	press(m, "j")
	m.testD().reqID = 1
	m.Update(testResultMsg{Result: res(1), id: "wh_crm", result: models.TestResult{Status: "failed", ResponseStatus: 500, LatencyMS: 87,
		BodyExcerpt: "internal error\nstack hidden", Payload: json.RawMessage(`{"id":"evt_test_x","type":"email.delivered"}`)}})
	commontest.Golden(t, checkSize(t, m))
}

func TestDeleteRequiresTypedURL(t *testing.T) {
	m := testModel(t, 100, 24, fakeWebhooks())
	press(m, "D")
	if m.delD() == nil {
		t.Fatal("D did not open the delete dialog")
	}
	typeText(m, "https://crm.example.com/wrong")
	press(m, "enter")
	if m.delD() == nil || m.delD().busy || m.delD().typed.Err == "" {
		t.Fatal("a wrong URL started the deletion")
	}
	goldenThenDismiss(t, m, "esc", func() bool { return m.delD() != nil })
}

func TestRotateConfirmGolden(t *testing.T) {
	m := testModel(t, 100, 24, fakeWebhooks())
	press(m, "S")
	if m.rotateD() == nil {
		t.Fatal("S did not ask")
	}
	goldenThenDismiss(t, m, "n", func() bool { return m.rotateD() != nil })
}

func TestCapturesAndStaleResults(t *testing.T) {
	m := testModel(t, 80, 24, fakeWebhooks())
	esc := tea.KeyPressMsg{Code: tea.KeyEscape}
	if m.Captures(esc) || m.Captures(tea.KeyPressMsg{Code: 'q', Text: "q"}) {
		t.Fatal("list view captures global keys")
	}
	press(m, "enter")
	if !m.Captures(esc) {
		t.Fatal("details must capture esc to go back")
	}
	// A stale list result (older request id) is dropped.
	m.poller.Start()
	old := m.list
	m.Update(listMsg{Result: res(99), list: models.WebhookList{Data: nil}})
	if len(m.list) != len(old) {
		t.Fatal("stale result replaced the list")
	}
}

// Before anything is typed the input shows its prompt, not a cut-off URL ("› h").
func TestDeleteInputStartsWithPrompt(t *testing.T) {
	m := testModel(t, 80, 24, fakeWebhooks())
	press(m, "D")
	if m.delD() == nil {
		t.Fatal("D did not open the delete dialog")
	}
	v := commontest.Plain(checkSize(t, m))
	for _, l := range strings.Split(v, "\n") {
		if strings.Contains(l, "›") && !strings.Contains(l, "type the endpoint URL") {
			t.Fatalf("input line %q: want the prompt", l)
		}
	}
	if !strings.Contains(v, "type the endpoint URL") {
		t.Fatalf("no prompt:\n%s", v)
	}
}

func (m *Model) wizardD() *wizard        { d, _ := dialog.Find[*wizard](&m.dialogs); return d }
func (m *Model) onceD() *showOnce        { d, _ := dialog.Find[*showOnce](&m.dialogs); return d }
func (m *Model) testD() *testModal       { d, _ := dialog.Find[*testModal](&m.dialogs); return d }
func (m *Model) delD() *deleteModal      { d, _ := dialog.Find[*deleteModal](&m.dialogs); return d }
func (m *Model) rotateD() *rotateConfirm { d, _ := dialog.Find[*rotateConfirm](&m.dialogs); return d }
func (m *Model) retryD() *retryAllConfirm {
	d, _ := dialog.Find[*retryAllConfirm](&m.dialogs)
	return d
}

// The details list the waits an endpoint's retries use, no more.
func TestRetryDelaysFollowTheEndpoint(t *testing.T) {
	for n, want := range map[int]string{0: "", 3: " · waits 1m, 5m, 15m", 5: " · waits 1m, 5m, 15m, 1h, 24h", 8: " · waits 1m, 5m, 15m, 1h, then every 24h"} {
		if got := retryDelays(n); got != want {
			t.Errorf("retryDelays(%d) = %q, want %q", n, got, want)
		}
	}
}

// The form says which URLs the server takes: in the sandbox plain http to
// any host, as the server run with private webhooks allowed accepts.
func TestFormSaysWhichURLsTheSandboxTakes(t *testing.T) {
	m := testModel(t, 100, 30, fakeWebhooks())
	m.ctx.Sandbox = true
	press(m, "n")
	if v := commontest.Plain(m.View()); !strings.Contains(v, "also plain http and private addresses") {
		t.Fatalf("create form in the sandbox:\n%s", v)
	}
}

// Wrapped field lines never pass their width, the separator that ends a
// broken line included.
func TestPackKeepsLinesWithinWidth(t *testing.T) {
	parts := []string{"99.2% success", "1234 deliveries", "10 failed or retrying", "a part longer than the width", "avg 142ms"}
	for _, w := range []int{12, 20, 30, 67} {
		for _, l := range pack(parts, " · ", w) {
			if lw := common.Width(l); lw > w {
				t.Errorf("width %d: line of %d cells: %q", w, lw, l)
			}
		}
	}
}
