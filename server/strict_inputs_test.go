package server

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server/webhook"
)

// TestStrictInputs: what encoding/json and url.Values would let through
// quietly is refused with a 400 naming the field (or a 415 for a coded
// body), on every route that reads a body or a query, through the contract
// harness.
func TestStrictInputs(t *testing.T) {
	t.Parallel()
	cs := newLocalHooksServer(t)
	admin := cs.AddUser(t, NewUser{Email: "admin@s.test", Role: models.RoleAdmin, Tenant: "S"})
	do := func(method, path, tok string, body any, hdr ...string) apiResp {
		t.Helper()
		return call(t, cs.URL, method, path, tok, body, hdr...)
	}
	var k models.CreatedAPIKey
	r := do("POST", "/api/v1/platform/api-keys", admin, map[string]any{"name": "Strict", "permissions": []string{"send_email", "read_campaigns", "write_contacts"}})
	expectStatus(t, "create", r, 201)
	r.decode(t, &k)
	var wh models.CreatedWebhook
	r = do("POST", "/api/v1/platform/webhooks", admin, map[string]any{"url": "http://127.0.0.1:9/hook", "events": []string{"email.sent"}})
	expectStatus(t, "create webhook", r, 201)
	r.decode(t, &wh)
	keyPath := "/api/v1/platform/api-keys/" + k.KeyID

	// Empty, bare and repeated query parameters.
	for _, c := range []struct{ path, tok, field string }{
		{"/api/v1/platform/api-keys?q=", admin, "q"},
		{"/api/v1/platform/api-keys?status=", admin, "status"},
		{"/api/v1/platform/api-keys?sort", admin, "sort"},
		{"/api/v1/platform/api-keys?page=", admin, "page"},
		{"/api/v1/platform/api-keys?per_page=&status=active", admin, "per_page"},
		{"/api/v1/platform/api-keys?status=active&status=revoked", admin, "status"},
		{"/api/v1/platform/api-keys?status=%zz", admin, "query"},
		{"/api/v1/tenant/analytics/api-usage?range=", admin, "range"},
		{"/api/v1/tenant/analytics/api-usage?range=custom&from=", admin, "from"},
		{"/api/v1/tenant/analytics/api-usage?range=custom&from=2026-01-01T00:00:00Z&to=", admin, "to"},
		{"/api/v1/tenant/analytics/api-usage?key_id=", admin, "key_id"},
		{"/api/v1/tenant/analytics/api-usage/errors?cursor=", admin, "cursor"},
		{"/api/v1/tenant/analytics/api-usage/errors?limit=", admin, "limit"},
		{"/api/v1/tenant/analytics/api-usage/errors?range=1h&range=24h", admin, "range"},
		{"/api/v1/campaigns?status=", k.Plaintext, "status"},
		{"/api/v1/campaigns?limit=", k.Plaintext, "limit"},
		{"/api/v1/campaigns?limit=5&limit=6", k.Plaintext, "limit"},
	} {
		r := do("GET", c.path, c.tok, nil)
		expectStatus(t, c.path, r, 400)
		if p := r.problem(t); p.Error != "invalid_parameter" || len(p.Errors) != 1 || p.Errors[0].Field != c.field {
			t.Errorf("%s: %+v, want invalid_parameter on %s", c.path, p, c.field)
		}
	}
	// Parameters a route does not read stay ignored, empty or not.
	expectStatus(t, "unread parameter", do("GET", "/api/v1/platform/api-keys?utm=", admin, nil), 200)

	// Bodies: null, key case, duplicates, null for a non-nullable field, 0 for a minimum of 1.
	type bodyCase struct {
		method, path, tok, body string
		code, field             string
	}
	bodies := []bodyCase{
		{"POST", "/api/v1/platform/api-keys", admin, `null`, "malformed_json", ""},
		{"POST", "/api/v1/platform/api-keys", admin, `{"name":"A","permissions":["send_email"],"rate_limit":0}`, "validation_error", "rate_limit"},
		{"POST", "/api/v1/platform/api-keys", admin, `{"Name":"A","permissions":["send_email"]}`, "unknown_field", "Name"},
		{"POST", "/api/v1/platform/api-keys", admin, `{"name":"A","name":"B","permissions":["send_email"]}`, "duplicate_field", "name"},
		{"POST", "/api/v1/platform/api-keys", admin, `{"name":"A","permissions":null}`, "invalid_type", "permissions"},
		{"PATCH", keyPath, admin, `null`, "malformed_json", ""},
		{"PATCH", keyPath, admin, ` null `, "malformed_json", ""},
		{"PATCH", keyPath, admin, `{"Description":"x"}`, "unknown_field", "Description"},
		{"PATCH", keyPath, admin, `{"description":"x","description":"y"}`, "duplicate_field", "description"},
		{"PATCH", keyPath, admin, `{"clear_expiry":null}`, "invalid_type", "clear_expiry"},
		{"POST", keyPath + "/regenerate", admin, `null`, "malformed_json", ""},
		{"POST", keyPath + "/regenerate", admin, `{"grace_period_hours":1,"grace_period_hours":2}`, "duplicate_field", "grace_period_hours"},
		{"POST", "/api/v1/emails/send", k.Plaintext, `null`, "malformed_json", ""},
		{"POST", "/api/v1/emails/send", k.Plaintext, `{"To":"a@example.com","subject":"s","text_body":"b"}`, "unknown_field", "To"},
		{"POST", "/api/v1/emails/send", k.Plaintext, `{"to":"a@example.com","template_id":"t","variables":{"k":null}}`, "invalid_type", "variables.k"},
		{"POST", "/api/v1/emails/send", k.Plaintext, `{"to":"a@example.com","template_id":"t","variables":{"k":"1","k":"2"}}`, "duplicate_field", "variables.k"},
		{"POST", "/api/v1/contacts", k.Plaintext, `{"email":"a@example.com","attributes":{"a":"1","a":"2"}}`, "duplicate_field", "attributes.a"},
		{"POST", "/api/v1/contacts", k.Plaintext, `{"email":"a@example.com","attributes":null}`, "invalid_type", "attributes"},
		{"POST", "/api/v1/platform/webhooks", admin, `null`, "malformed_json", ""},
		{"POST", "/api/v1/platform/webhooks", admin, `{"url":"http://127.0.0.1:9/x","URL":"http://127.0.0.1:9/y","events":["email.sent"]}`, "unknown_field", "URL"},
		{"PATCH", "/api/v1/platform/webhooks/" + wh.ID, admin, `null`, "malformed_json", ""},
	}
	for _, c := range bodies {
		what := c.method + " " + c.path + " " + c.body
		r := do(c.method, c.path, c.tok, c.body)
		expectStatus(t, what, r, 400)
		p := r.problem(t)
		if p.Error != c.code || (c.field != "" && (len(p.Errors) != 1 || p.Errors[0].Field != c.field)) {
			t.Errorf("%s: %+v, want %s on %q", what, p, c.code, c.field)
		}
	}
	// A key created with rate_limit null gets the plan's limit, as when it is left out.
	var def models.CreatedAPIKey
	r = do("POST", "/api/v1/platform/api-keys", admin, `{"name":"Default limit","permissions":["send_email"],"rate_limit":null}`)
	expectStatus(t, "rate_limit null", r, 201)
	if r.decode(t, &def); def.RateLimit != models.PlanOrDefault("").LimitPerMinute {
		t.Errorf("rate_limit null gave %d", def.RateLimit)
	}

	// Content codings other than identity are refused on every body route.
	for _, c := range []struct{ method, path, tok, body string }{
		{"POST", "/api/v1/platform/api-keys", admin, `{"name":"Z","permissions":["send_email"]}`},
		{"PATCH", keyPath, admin, `{"description":"z"}`},
		{"POST", keyPath + "/regenerate", admin, `{}`},
		{"POST", "/api/v1/emails/send", k.Plaintext, `{"to":"a@example.com","subject":"s","text_body":"b"}`},
		{"POST", "/api/v1/contacts", k.Plaintext, `{"email":"a@example.com"}`},
		{"POST", "/api/v1/platform/webhooks", admin, `{"url":"http://127.0.0.1:9/z","events":["email.sent"]}`},
		{"PATCH", "/api/v1/platform/webhooks/" + wh.ID, admin, `{"description":"z"}`},
	} {
		for _, enc := range []string{"gzip", "br", "identity, gzip"} {
			r := do(c.method, c.path, c.tok, c.body, "Content-Encoding", enc)
			expectStatus(t, c.method+" "+c.path+" encoded "+enc, r, 415)
			if p := r.problem(t); p.Error != "unsupported_media_type" || !strings.Contains(p.Message, "Content-Encoding") {
				t.Errorf("%s %s encoded %s: %+v", c.method, c.path, enc, p)
			}
		}
	}
	expectStatus(t, "identity coding", do("PATCH", keyPath, admin, `{"description":"plain"}`, "Content-Encoding", "identity"), 200)
}

// The webhook routes refuse what their schemas forbid, through the
// contract harness: empty, bare, repeated and unknown query values; an
// empty status or 0 retries instead of the default; URLs that are no URI;
// text with control or bidi characters; lengths counted as sent. What the
// schemas allow (null for a default, {} for a test) is served.
func TestWebhookInputsAreAsStrictAsTheContract(t *testing.T) {
	t.Parallel()
	cs := newLocalHooksServer(t)
	admin := cs.AddUser(t, NewUser{Email: "admin@wh.test", Role: models.RoleAdmin, Tenant: "WH"})
	do := func(method, path string, body any) apiResp {
		t.Helper()
		return call(t, cs.URL, method, path, admin, body)
	}
	var wh models.CreatedWebhook
	r := do("POST", "/api/v1/platform/webhooks", map[string]any{"url": "http://127.0.0.1:9/hook", "events": []string{"email.sent", "email.opened"}})
	expectStatus(t, "create", r, 201)
	r.decode(t, &wh)
	hook := "/api/v1/platform/webhooks/" + wh.ID

	deliveries := hook + "/deliveries"
	for _, c := range []struct{ query, field string }{
		{"?status=", "status"},
		{"?status", "status"},
		{"?limit=", "limit"},
		{"?limit", "limit"},
		{"?status=failed&status=success", "status"},
		{"?limit=5&limit=6", "limit"},
		{"?status=%zz", "query"},
		{"?status=weird", "status"},
		{"?limit=0", "limit"},
		{"?limit=201", "limit"},
		{"?limit=ten", "limit"},
	} {
		r := do("GET", deliveries+c.query, nil)
		expectStatus(t, "deliveries"+c.query, r, 400)
		if p := r.problem(t); p.Error != "invalid_parameter" || len(p.Errors) != 1 || p.Errors[0].Field != c.field {
			t.Errorf("deliveries%s: %+v, want invalid_parameter on %s", c.query, p, c.field)
		}
	}
	for _, q := range []string{"", "?status=failed&limit=5", "?limit=200", "?utm="} {
		expectStatus(t, "deliveries"+q, do("GET", deliveries+q, nil), 200)
	}

	longDesc := strings.Repeat("é", 499) + "  " // 501 characters as sent, 499 once trimmed
	for _, c := range []struct {
		method, path, body string
		code, field        string
	}{
		{"POST", "/api/v1/platform/webhooks", `{"url":"http://127.0.0.1:9/a","events":["email.sent"],"max_retries":0}`, "validation_error", "max_retries"},
		{"POST", "/api/v1/platform/webhooks", `{"url":"http://127.0.0.1:9/a","events":["email.sent"],"max_retries":11}`, "validation_error", "max_retries"},
		{"POST", "/api/v1/platform/webhooks", `{"url":"http://127.0.0.1:9/a","events":["email.sent"],"status":""}`, "validation_error", "status"},
		{"POST", "/api/v1/platform/webhooks", `{"url":"http://127.0.0.1:9/a","events":["email.sent"],"status":"disabled"}`, "validation_error", "status"},
		{"POST", "/api/v1/platform/webhooks", `{"url":"","events":["email.sent"]}`, "validation_error", "url"},
		{"POST", "/api/v1/platform/webhooks", `{"url":" http://127.0.0.1:9/a","events":["email.sent"]}`, "validation_error", "url"},
		{"POST", "/api/v1/platform/webhooks", `{"url":"http://bücher.example/a","events":["email.sent"]}`, "validation_error", "url"},
		{"POST", "/api/v1/platform/webhooks", `{"url":"http://127.0.0.1:9/a b","events":["email.sent"]}`, "validation_error", "url"},
		{"POST", "/api/v1/platform/webhooks", `{"url":"http://127.0.0.1:9/a#b","events":["email.sent"]}`, "validation_error", "url"},
		{"POST", "/api/v1/platform/webhooks", `{"url":"http://127.0.0.1:9/\u202ea","events":["email.sent"]}`, "invalid_characters", "url"},
		{"POST", "/api/v1/platform/webhooks", `{"url":"http://127.0.0.1:9/a","events":["email.sent"],"description":"bell\u0007"}`, "invalid_characters", "description"},
		{"POST", "/api/v1/platform/webhooks", `{"url":"http://127.0.0.1:9/a","events":["email.sent"],"description":"` + longDesc + `"}`, "validation_error", "description"},
		{"POST", "/api/v1/platform/webhooks", `{"url":"http://127.0.0.1:9/a","events":["email.sent"],"description":null}`, "invalid_type", "description"},
		{"POST", "/api/v1/platform/webhooks", `{"url":"http://127.0.0.1:9/a","events":[]}`, "validation_error", "events"},
		{"POST", "/api/v1/platform/webhooks", `{"url":"http://127.0.0.1:9/a","events":null}`, "invalid_type", "events"},
		{"POST", "/api/v1/platform/webhooks", `{"url":"http://127.0.0.1:9/a","events":["email.sent"],"events":["email.opened"]}`, "duplicate_field", "events"},
		{"PATCH", hook, `{"url":""}`, "validation_error", "url"},
		{"PATCH", hook, `{"url":"http://127.0.0.1:9/a "}`, "validation_error", "url"},
		{"PATCH", hook, `{"description":"x\u2066y"}`, "invalid_characters", "description"},
		{"PATCH", hook, `{"description":"` + longDesc + `"}`, "validation_error", "description"},
		{"PATCH", hook, `{"status":""}`, "validation_error", "status"},
		{"PATCH", hook, `{"status":"disabled"}`, "validation_error", "status"},
		{"PATCH", hook, `{"events":[]}`, "validation_error", "events"},
		{"PATCH", hook, `{"max_retries":0}`, "validation_error", "max_retries"},
		{"POST", hook + "/test", `{"event_type":"email.teleported"}`, "validation_error", "event_type"},
		{"POST", hook + "/test", `{"event_type":"email.sent\u0000"}`, "invalid_characters", "event_type"},
		{"POST", hook + "/test", `{"event_type":null}`, "invalid_type", "event_type"},
		{"POST", hook + "/test", `null`, "malformed_json", ""},
	} {
		what := c.method + " " + c.path + " " + c.body
		r := do(c.method, c.path, c.body)
		expectStatus(t, what, r, 400)
		p := r.problem(t)
		if p.Error != c.code || (c.field != "" && (len(p.Errors) == 0 || p.Errors[0].Field != c.field)) {
			t.Errorf("%s: %+v, want %s on %q", what, p, c.code, c.field)
		}
	}

	// null and absent take the defaults; 500 characters is the most.
	var made models.CreatedWebhook
	r = do("POST", "/api/v1/platform/webhooks", `{"url":"http://127.0.0.1:9/n","events":["email.sent","email.sent"],"status":null,"max_retries":null,"description":"`+strings.Repeat("é", 500)+`"}`)
	expectStatus(t, "create with nulls", r, 201)
	if r.decode(t, &made); made.MaxRetries != models.WebhookDefaultMaxRetries || made.Status != models.WebhookActive || len(made.Events) != 1 {
		t.Errorf("null status and max_retries gave %q %d, events %v", made.Status, made.MaxRetries, made.Events)
	}
	r = do("POST", "/api/v1/platform/webhooks", `{"url":"http://127.0.0.1:9/p","events":["email.sent"],"status":"paused","max_retries":1}`)
	expectStatus(t, "create paused", r, 201)
	if r.decode(t, &made); made.MaxRetries != 1 || made.Status != models.WebhookPaused {
		t.Errorf("explicit status and max_retries gave %q %d", made.Status, made.MaxRetries)
	}
	// A PATCH of nulls, or of nothing, changes nothing.
	for _, body := range []string{`{}`, `{"url":null,"description":null,"status":null,"events":null,"max_retries":null}`} {
		var after models.Webhook
		r := do("PATCH", hook, body)
		expectStatus(t, "patch "+body, r, 200)
		if r.decode(t, &after); after.URL != wh.URL || after.Description != wh.Description || after.Status != wh.Status ||
			after.MaxRetries != wh.MaxRetries || strings.Join(after.Events, ",") != strings.Join(wh.Events, ",") {
			t.Errorf("patch %s changed the endpoint: %+v, was %+v", body, after, wh.Webhook)
		}
	}
	// A test with no choice sends the first subscribed type.
	for _, body := range []any{nil, `{}`, `{"event_type":""}`} {
		var res models.TestResult
		r := do("POST", hook+"/test", body)
		expectStatus(t, "test", r, 200)
		if r.decode(t, &res); !strings.Contains(string(res.Payload), `"type":"email.sent"`) {
			t.Errorf("test with %v sent %s", body, res.Payload)
		}
	}
}

// A webhook body that stops arriving is answered 408 at the bound, as the
// contract documents for each webhook operation with a body.
func TestStalledWebhookBodiesAnswer408(t *testing.T) {
	t.Parallel()
	cs := newLocalHooksServer(t)
	admin := cs.AddUser(t, NewUser{Email: "admin@stall.test", Role: models.RoleAdmin, Tenant: "Stall"})
	var wh models.CreatedWebhook
	r := call(t, cs.URL, "POST", "/api/v1/platform/webhooks", admin, map[string]any{"url": "http://127.0.0.1:9/hook", "events": []string{"email.sent"}})
	expectStatus(t, "create", r, 201)
	r.decode(t, &wh)
	const bound = 300 * time.Millisecond
	addr := limitsServer(t, cs.Server.Handler(), HTTPOptions{BodyTimeout: bound})
	doc := loadContract(t)
	for _, c := range []struct{ method, path, template string }{
		{"POST", "/api/v1/platform/webhooks", "/api/v1/platform/webhooks"},
		{"PATCH", "/api/v1/platform/webhooks/" + wh.ID, "/api/v1/platform/webhooks/{id}"},
		{"POST", "/api/v1/platform/webhooks/" + wh.ID + "/test", "/api/v1/platform/webhooks/{id}/test"},
	} {
		req := c.method + " " + c.path + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: Bearer " + admin +
			"\r\nContent-Length: 1000\r\n\r\n{\"ur"
		a := rawExchange(t, addr, req, bound+3*time.Second)
		if p := a.problem(t); a.status != 408 || p.Error != "request_timeout" || a.answered < bound {
			t.Errorf("%s %s stalled: %d %s after %v, want 408 request_timeout at %v", c.method, c.template, a.status, p.Error, a.answered, bound)
		}
		if op := doc.Paths.Find(c.template).GetOperation(c.method); op == nil || op.Responses.Status(408) == nil {
			t.Errorf("%s %s: the contract does not document 408", c.method, c.template)
		}
	}
}

// The webhook 409s carry the codes the contract documents for them.
func TestWebhookConflictsAreTheDocumentedOnes(t *testing.T) {
	t.Parallel()
	cs := newLocalHooksServer(t)
	admin := cs.AddUser(t, NewUser{Email: "admin@many.test", Role: models.RoleAdmin, Tenant: "Many"})
	rv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	t.Cleanup(rv.Close)
	var first models.CreatedWebhook
	for i := range webhook.MaxPerTenant {
		r := call(t, cs.URL, "POST", "/api/v1/platform/webhooks", admin, map[string]any{"url": fmt.Sprintf("%s/%d", rv.URL, i), "events": []string{"email.sent"}})
		expectStatus(t, "create", r, 201)
		if i == 0 {
			r.decode(t, &first)
		}
	}
	r := call(t, cs.URL, "POST", "/api/v1/platform/webhooks", admin, map[string]any{"url": rv.URL + "/one-too-many", "events": []string{"email.sent"}})
	expectStatus(t, "create past the limit", r, 409)
	if p := r.problem(t); p.Error != "limit_reached" {
		t.Errorf("past the limit: %+v", p)
	}
	var res models.TestResult
	r = call(t, cs.URL, "POST", "/api/v1/platform/webhooks/"+first.ID+"/test", admin, nil)
	expectStatus(t, "test", r, 200)
	if r.decode(t, &res); res.Status != models.DeliverySuccess {
		t.Fatalf("test delivery %+v", res)
	}
	r = call(t, cs.URL, "POST", "/api/v1/platform/webhooks/"+first.ID+"/deliveries/"+res.DeliveryID+"/retry", admin, nil)
	expectStatus(t, "retry a success", r, 409)
	if p := r.problem(t); p.Error != "already_delivered" {
		t.Errorf("retry a success: %+v", p)
	}
	raw, err := readContract()
	if err != nil {
		t.Fatal(err)
	}
	for _, code := range []string{"limit_reached", "already_delivered", "delivery_in_progress"} {
		if !strings.Contains(raw, "error: "+code+"\n") || !strings.Contains(raw, "`"+code+"`") {
			t.Errorf("%s: no example or mention in the contract", code)
		}
	}
}
