package server

import (
	"strings"
	"testing"

	"github.com/penguinmails/pmdev/models"
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
