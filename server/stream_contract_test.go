package server

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/penguinmails/pmdev/models"
)

// The stream routes' refusals and the trigger go through the validating
// harness; a stream's 200 never ends, so its events are checked against
// their schemas here instead.
func TestStreamRoutesFollowTheContract(t *testing.T) {
	cs := NewContractServer(t, ContractOptions{Seed: "none", Configure: func(c *Config) { c.StreamMaxSubscribers = 1 }})
	admin := cs.AddUser(t, NewUser{Email: "admin@acme.test", Role: "admin", Tenant: "Acme"})
	member := cs.AddUser(t, NewUser{Email: "m@acme.test", Role: "member", Tenant: "Acme"})
	do := func(method, path, token string, body any) apiResp {
		t.Helper()
		return call(t, cs.URL, method, path, token, body)
	}
	for _, tc := range []struct {
		what, method, path, token string
		body                      any
		want                      int
	}{
		{"trigger", "POST", models.TriggerEventPath, admin, models.TriggerEventRequest{Type: "contact.created"}, 202},
		{"trigger merged", "POST", models.TriggerEventPath, admin, map[string]any{"type": "email.clicked", "data": map[string]any{"url": "https://example.com/x"}}, 202},
		{"trigger unknown", "POST", models.TriggerEventPath, admin, models.TriggerEventRequest{Type: "nope"}, 400},
		{"trigger bad field", "POST", models.TriggerEventPath, admin, map[string]any{"type": "email.sent", "data": map[string]any{"tags": "x"}}, 400},
		{"trigger malformed", "POST", models.TriggerEventPath, admin, "{", 400},
		{"trigger member", "POST", models.TriggerEventPath, member, models.TriggerEventRequest{Type: "email.sent"}, 403},
		{"trigger no token", "POST", models.TriggerEventPath, "", models.TriggerEventRequest{Type: "email.sent"}, 401},
		{"events bad type", "GET", models.StreamEventsPath + "?types=x", admin, nil, 400},
		{"requests bad status", "GET", models.StreamRequestsPath + "?status=1xx", admin, nil, 400},
		{"requests member", "GET", models.StreamRequestsPath, member, nil, 403},
		{"events no token", "GET", models.StreamEventsPath, "", nil, 401},
	} {
		expectStatus(t, tc.what, do(tc.method, tc.path, tc.token, tc.body), tc.want)
	}

	// The events a stream carries, each against its schema.
	doc := loadContract(t)
	check := func(schema string, data []byte) {
		t.Helper()
		var v any
		if err := json.Unmarshal(data, &v); err != nil {
			t.Fatal(err)
		}
		if err := doc.Components.Schemas[schema].Value.VisitJSON(v); err != nil {
			t.Errorf("%s: %v\n%s", schema, err, data)
		}
	}
	e := newEnv(t, "")
	tok := e.addUser("admin@a.test", models.RoleAdmin, "A", "")
	key := e.createKey(tok, models.CreateAPIKeyRequest{Name: "K", Permissions: []string{"read_campaigns"}}).Plaintext
	ev := openStream(t, e.url, models.StreamEventsPath, tok, "")
	rq := openStream(t, e.url, models.StreamRequestsPath, tok, "")
	e.must("POST", models.TriggerEventPath, tok, models.TriggerEventRequest{Type: "api_key.rotated"}, http.StatusAccepted, nil)
	e.do("GET", "/api/v1/campaigns", key, nil)
	e.do("POST", "/api/v1/emails/send", key, sendBody()) // 403: the key lacks send_email
	check("WebhookEvent", []byte(ev.next(t).Data))
	for range 2 {
		check("RequestLogEntry", []byte(rq.next(t).Data))
	}
	ev.close()
	e.s.Drain()
	d := rq.next(t)
	if d.Type != models.StreamEventDropped {
		t.Fatalf("last event %q, want dropped", d.Type)
	}
	check("StreamDropped", []byte(d.Data))
	rq.close()
}
