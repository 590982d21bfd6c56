package webhooks

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/penguinmails/pmdev/client"
	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common/commontest"
)

// patchServer answers PATCH /platform/webhooks/wh_crm with answer (status,
// body) and records the request bodies.
type patchServer struct {
	mu     sync.Mutex
	bodies []map[string]json.RawMessage
}

func newPatchServer(t *testing.T, status int, answer any) (*patchServer, *client.Client) {
	t.Helper()
	ps := &patchServer{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPatch || r.URL.Path != "/api/v1/platform/webhooks/wh_crm" {
			http.NotFound(w, r)
			return
		}
		b, _ := io.ReadAll(r.Body)
		var got map[string]json.RawMessage
		_ = json.Unmarshal(b, &got)
		ps.mu.Lock()
		ps.bodies = append(ps.bodies, got)
		ps.mu.Unlock()
		if status >= 400 {
			w.Header().Set("Content-Type", "application/problem+json")
		} else {
			w.Header().Set("Content-Type", "application/json")
		}
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(answer)
	}))
	t.Cleanup(srv.Close)
	return ps, client.New(client.Options{BaseURL: srv.URL, Token: "pm_pat_test", RetryCount: -1})
}

// editEverything opens e on wh_crm and changes URL, description, events and retries.
func editEverything(t *testing.T, m *Model) {
	t.Helper()
	press(m, "e")
	if m.wizardD() == nil || m.wizardD().orig == nil || m.wizardD().orig.ID != "wh_crm" {
		t.Fatal("e did not open the edit form on the selected endpoint")
	}
	if got := m.wizardD().url.Value(); got != fakeWebhooks()[0].URL {
		t.Fatalf("URL not prefilled: %q", got)
	}
	typeText(m, "/v2")
	press(m, "tab")
	typeText(m, " v2")
	press(m, "tab")
	if m.wizardD().focus != 0 {
		t.Fatal("edit has no status field: focus should wrap to the URL")
	}
	press(m, "enter")
	press(m, "space") // drop email.sent
	press(m, "j", "j", "j", "j", "j", "space")
	press(m, "enter", "right", "right") // retries 5 → 7
	if m.wizardD().step != 2 {
		t.Fatalf("step %d, want the review", m.wizardD().step)
	}
}

func TestEditShowsDiffAndPatchesOnlyChanges(t *testing.T) {
	updated := fakeWebhooks()[0]
	updated.URL += "/v2"
	ps, c := newPatchServer(t, http.StatusOK, updated)
	m := testModel(t, 80, 20, fakeWebhooks())
	m.ctx.Client = c
	editEverything(t, m)
	v := commontest.Plain(checkSize(t, m))
	for _, want := range []string{"Edit wh_crm", "- https://crm.example.com/webhooks/penguinmails",
		"+ https://crm.example.com/webhooks/penguinmails/v2", "- CRM contact sync", "+ CRM contact sync v2", "-email.sent", "5 → 7", "enter save"} {
		if !strings.Contains(v, want) {
			t.Errorf("review lacks %q:\n%s", want, v)
		}
	}
	commontest.Golden(t, v)
	msgs := commontest.Drain(t, func(msg tea.Msg) tea.Cmd { return m.Update(msg) }, m.Update(keyMsg("enter")))
	_ = msgs
	if len(ps.bodies) != 1 {
		t.Fatalf("%d PATCH requests", len(ps.bodies))
	}
	body := ps.bodies[0]
	for _, f := range []string{"url", "description", "events", "max_retries"} {
		if _, ok := body[f]; !ok {
			t.Errorf("PATCH lacks %s: %v", f, body)
		}
	}
	if _, ok := body["status"]; ok {
		t.Error("an edit must not send the status")
	}
	var events []string
	_ = json.Unmarshal(body["events"], &events)
	if len(events) != 5 || events[0] == "email.sent" {
		t.Errorf("events sent: %v", events)
	}
	if m.wizardD() != nil || m.list[0].URL != updated.URL || !strings.Contains(m.notice, "updated") {
		t.Fatalf("after save: wizard %v, url %q, notice %q", m.wizardD() != nil, m.list[0].URL, m.notice)
	}
}

func TestEditServerErrorsNextToFields(t *testing.T) {
	problem := models.Problem{Status: 422, Title: "Validation failed", Error: "validation_error", Message: "invalid webhook",
		Errors: []models.FieldError{{Field: "url", Message: "URL resolves to a private address"}, {Field: "max_retries", Message: "max_retries must be between 1 and 10"}}}
	_, c := newPatchServer(t, http.StatusUnprocessableEntity, problem)
	m := testModel(t, 80, 20, fakeWebhooks())
	m.ctx.Client = c
	editEverything(t, m)
	commontest.Drain(t, func(msg tea.Msg) tea.Cmd { return m.Update(msg) }, m.Update(keyMsg("enter")))
	w := m.wizardD()
	if w == nil || w.step != 0 || w.busy {
		t.Fatalf("form should stay open on the first step with an error: %+v", w)
	}
	if !strings.HasSuffix(w.url.Value(), "/v2") {
		t.Fatal("what was typed is lost")
	}
	lines := strings.Split(commontest.Plain(checkSize(t, m)), "\n")
	for i, l := range lines {
		if strings.Contains(l, "Endpoint URL") {
			if i+1 >= len(lines) || !strings.Contains(lines[i+1], "URL resolves to a private address") {
				t.Fatalf("the url error is not under its field:\n%s", strings.Join(lines, "\n"))
			}
		}
	}
	press(m, "enter", "enter")
	if v := commontest.Plain(m.View()); !strings.Contains(v, "max_retries must be between 1 and 10") {
		t.Fatalf("the retries error is not on the retries step:\n%s", v)
	}
}

func TestEditWithoutChangesSendsNothing(t *testing.T) {
	ps, c := newPatchServer(t, http.StatusOK, fakeWebhooks()[0])
	m := testModel(t, 80, 20, fakeWebhooks())
	m.ctx.Client = c
	press(m, "e", "enter", "enter")
	if cmd := m.Update(keyMsg("enter")); cmd != nil {
		t.Fatal("saving with no change sent a request")
	}
	if !strings.Contains(commontest.Plain(m.View()), "no changes yet") || len(ps.bodies) != 0 {
		t.Fatal("no-change review is not explained")
	}
}

func TestEmptyListOffersOnlyCreate(t *testing.T) {
	m := testModel(t, 80, 20, nil)
	for _, b := range m.KeyMap().ShortHelp() {
		if k := b.Help().Key; k != "n" {
			t.Errorf("empty list offers %q", k)
		}
	}
	for _, g := range m.KeyMap().FullHelp() {
		for _, b := range g {
			if strings.ContainsAny(b.Help().Key, "tPSRAD") {
				t.Errorf("full help on an empty list offers %q", b.Help().Key)
			}
		}
	}
	m.list = fakeWebhooks()
	m.clampList()
	if n := len(m.KeyMap().ShortHelp()); n < 5 {
		t.Fatalf("a list with endpoints offers only %d keys", n)
	}
}

func TestRetryAllAsksWithTheCount(t *testing.T) {
	m := detailModel(t, 80, 20)
	if cmd := m.Update(keyMsg("A")); cmd != nil || m.retryD() == nil {
		t.Fatal("A retried without asking")
	}
	plain := commontest.Plain(checkSize(t, m))
	if strings.Contains(plain, "…") {
		t.Fatalf("the confirmation is cut at 80 columns:\n%s", plain)
	}
	v := strings.Join(strings.Fields(plain), " ")
	if !strings.Contains(v, "Send 2 failed deliveries again now") {
		t.Fatalf("confirmation does not name the count:\n%s", v)
	}
	if !m.CapturingAll() {
		t.Fatal("the confirmation must hold the keyboard")
	}
	press(m, "n")
	if m.retryD() != nil || m.detail.busy {
		t.Fatal("n did not cancel")
	}
	m.Update(keyMsg("A"))
	if cmd := m.Update(keyMsg("y")); cmd == nil || !m.detail.busy || m.retryD() != nil {
		t.Fatal("y did not start the retries")
	}
}

func TestDetailsWrapEventsAndHealthAt80(t *testing.T) {
	m := detailModel(t, 80, 20)
	v := commontest.Plain(checkSize(t, m))
	for _, l := range strings.Split(v, "\n") {
		if (strings.HasPrefix(l, "Events") || strings.HasPrefix(l, "Health")) && strings.HasSuffix(l, "…") {
			t.Errorf("cut instead of wrapped: %q", l)
		}
	}
	for _, want := range []string{"email.bounced", "last 2 minutes ago"} {
		if !strings.Contains(v, want) {
			t.Errorf("%q is not shown at 80 columns:\n%s", want, v)
		}
	}
}
