package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/penguinmails/pmdev/models"
)

// TestContractDocument loads api/openapi.yaml as OpenAPI 3.1, validates it
// (examples included) and checks what the docs pane relies on.
func TestContractDocument(t *testing.T) {
	doc := loadContract(t)
	if !doc.IsOpenAPI31OrLater() || doc.OpenAPI != "3.1.0" {
		t.Fatalf("openapi = %q, want 3.1.0", doc.OpenAPI)
	}
	if err := doc.Validate(context.Background(), openapi3.EnableExamplesValidation()); err != nil {
		t.Fatalf("validate with examples: %v", err)
	}
	allowedTags := map[string]bool{"Emails": true, "Campaigns": true, "Contacts": true, "Analytics": true,
		"API keys": true, "Rate limits": true, "Account": true, "Webhooks": true, "Docs": true, "Streams": true}
	for _, tag := range doc.Tags {
		if !allowedTags[tag.Name] {
			t.Errorf("unexpected tag %q", tag.Name)
		}
		delete(allowedTags, tag.Name)
	}
	for name := range allowedTags {
		t.Errorf("tag %q is not defined", name)
	}
	ids := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			where := method + " " + path
			if op.OperationID == "" || ids[op.OperationID] {
				t.Errorf("%s: missing or duplicate operationId %q", where, op.OperationID)
			}
			ids[op.OperationID] = true
			if op.Summary == "" || len(op.Description) < 40 {
				t.Errorf("%s: needs a summary and a real description", where)
			}
			if len(op.Tags) != 1 {
				t.Errorf("%s: want exactly one tag, got %v", where, op.Tags)
			}
			if op.Security == nil {
				t.Errorf("%s: security must be explicit (empty list for public routes)", where)
			}
			for code, resp := range op.Responses.Map() {
				if !strings.HasPrefix(code, "4") && !strings.HasPrefix(code, "5") {
					continue
				}
				mt := resp.Value.Content.Get("application/problem+json")
				if mt == nil || len(resp.Value.Content) != 1 {
					t.Errorf("%s %s: errors must be application/problem+json only", where, code)
					continue
				}
				if mt.Schema == nil || mt.Schema.Ref != "#/components/schemas/Problem" {
					t.Errorf("%s %s: error schema must be Problem", where, code)
				}
				if len(mt.Examples) == 0 && mt.Example == nil {
					t.Errorf("%s %s: error response needs an example", where, code)
				}
			}
			// Whatever reads a body can meet a bad, stalled, large or coded one.
			for _, code := range []int{400, 408, 413, 415} {
				if op.RequestBody != nil && op.Responses.Status(code) == nil {
					t.Errorf("%s: reads a body but documents no %d", where, code)
				}
			}
			if resp := op.Responses.Status(http.StatusTooManyRequests); resp != nil && resp.Value.Headers["Retry-After"] == nil {
				t.Errorf("%s: 429 must document Retry-After", where)
			}
			if slices.ContainsFunc(op.Parameters, func(p *openapi3.ParameterRef) bool { return p.Value.Name == "If-None-Match" }) &&
				op.Responses.Status(http.StatusNotModified) == nil {
				t.Errorf("%s: takes If-None-Match but documents no 304", where)
			}
		}
	}
	// Example keys in the docs must pass the offline checksum, as real ones do.
	for name, ex := range doc.Components.Examples {
		if m, ok := ex.Value.Value.(map[string]any); ok {
			if k, ok := m["api_key"].(string); ok && !models.ValidKeyChecksum(k) {
				t.Errorf("example %s: api_key fails the checksum", name)
			}
		}
	}
}

// contractModels pairs every wire type with its schema, which is named
// after the Go type, so each name is written once.
func contractModels() map[string]any {
	m := map[string]any{}
	for _, v := range []any{
		models.Problem{}, models.FieldError{}, models.Plan{}, models.Tenant{}, models.Me{}, models.APIKey{},
		models.APIKeyList{}, models.CreateAPIKeyRequest{}, models.CreatedAPIKey{},
		models.UpdateAPIKeyRequest{}, models.RegenerateRequest{}, models.RevokeResult{}, models.DayUsage{},
		models.EndpointCount{}, models.APIKeyDetails{}, models.AuditEvent{}, models.KeyIP{},
		models.KeySecurity{}, models.RateLimitState{}, models.KeyRateLimit{}, models.RateLimits{},
		models.UsageTotals{}, models.UsageBucket{}, models.EndpointUsage{}, models.StatusCount{},
		models.RecentError{}, models.RateLimitPoint{}, models.RateLimitSeries{}, models.KeyUsage{},
		models.APIUsage{}, models.UsageErrorPage{}, models.SendEmailRequest{}, models.SendEmailResponse{},
		models.Campaign{}, models.CampaignList{}, models.ContactRequest{}, models.Contact{},
		models.CampaignAnalytics{}, models.DocsIndex{}, models.DocPageRef{}, models.DocPage{},
		models.Webhook{}, models.WebhookHealth{}, models.WebhookList{}, models.CreateWebhookRequest{},
		models.UpdateWebhookRequest{}, models.CreatedWebhook{}, models.RotateSecretResult{},
		models.EventType{}, models.EventTypeList{}, models.Delivery{}, models.DeliveryList{},
		models.RetryDeliveryResult{}, models.TestRequest{}, models.TestResult{}, models.KeyRecommendation{},
		models.KeyRotation{}, models.RotationTraffic{}, models.RotationBucket{},
		models.ExtendGraceRequest{}, models.RequestLogEntry{}, models.StreamDropped{},
		models.TriggerEventRequest{},
	} {
		name := reflect.TypeOf(v).Name()
		// A map literal rejected a repeated key at compile time; keep that.
		if _, dup := m[name]; dup {
			panic("contractModels: " + name + " listed twice")
		}
		m[name] = v
	}
	return m
}

// TestContractSchemasMatchModels keeps components/schemas and models/ in
// lockstep: same JSON names, required exactly when not omitempty, nullable
// exactly for pointers, matching types, closed objects.
func TestContractSchemasMatchModels(t *testing.T) {
	doc := loadContract(t)
	for name, v := range contractModels() {
		ref := doc.Components.Schemas[name]
		if ref == nil {
			t.Errorf("components/schemas/%s is missing", name)
			continue
		}
		checkStruct(t, name, ref.Value, reflect.TypeOf(v))
	}
}

type jsonField struct {
	name      string
	typ       reflect.Type
	omitempty bool
}

// jsonFields lists t's JSON fields as encoding/json sees them (embedded structs flattened).
func jsonFields(t reflect.Type) []jsonField {
	var out []jsonField
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			out = append(out, jsonFields(f.Type)...)
			continue
		}
		if !f.IsExported() || tag == "" {
			continue // untagged fields (e.g. KeyListParams) are not wire fields
		}
		out = append(out, jsonField{name: name, typ: f.Type, omitempty: slices.Contains(strings.Split(opts, ","), "omitempty")})
	}
	return out
}

// flattenAllOf merges the properties of an object composed with allOf
// (shared field sets) into one schema, and reports whether it is closed:
// additionalProperties: false, or unevaluatedProperties: false over allOf.
func flattenAllOf(s *openapi3.Schema) (*openapi3.Schema, bool) {
	closed := s.AdditionalProperties.Has != nil && !*s.AdditionalProperties.Has
	if len(s.AllOf) == 0 {
		return s, closed
	}
	closed = closed || (s.UnevaluatedProperties.Has != nil && !*s.UnevaluatedProperties.Has)
	flat := *s
	flat.Properties = openapi3.Schemas{}
	for _, part := range s.AllOf {
		sub, _ := flattenAllOf(part.Value)
		maps.Copy(flat.Properties, sub.Properties)
	}
	maps.Copy(flat.Properties, s.Properties)
	return &flat, closed
}

func checkStruct(t *testing.T, name string, s *openapi3.Schema, typ reflect.Type) {
	t.Helper()
	s, closed := flattenAllOf(s)
	if !closed {
		t.Errorf("%s: must set additionalProperties: false (or unevaluatedProperties: false with allOf)", name)
	}
	fields := jsonFields(typ)
	var goNames, required []string
	for _, f := range fields {
		goNames = append(goNames, f.name)
		if !f.omitempty {
			required = append(required, f.name)
		}
		prop := s.Properties[f.name]
		if prop == nil {
			t.Errorf("%s.%s: in models but not in the schema", name, f.name)
			continue
		}
		checkField(t, name+"."+f.name, prop, f.typ)
	}
	for p := range s.Properties {
		if !slices.Contains(goNames, p) {
			t.Errorf("%s.%s: in the schema but not in models", name, p)
		}
	}
	sort.Strings(required)
	gotReq := slices.Clone(s.Required)
	sort.Strings(gotReq)
	if !slices.Equal(required, gotReq) {
		t.Errorf("%s: required = %v, want the non-omitempty fields %v", name, gotReq, required)
	}
}

// nullableRef is the $ref of `anyOf: [$ref, {type: 'null'}]`, the way an
// object field that may be null is written; nil for any other schema.
func nullableRef(s *openapi3.Schema) *openapi3.SchemaRef {
	if s.Type != nil || len(s.AnyOf) != 2 {
		return nil
	}
	for i, alt := range s.AnyOf {
		if alt.Ref == "" && alt.Value.Type != nil && alt.Value.Type.Is("null") && s.AnyOf[1-i].Ref != "" {
			return s.AnyOf[1-i]
		}
	}
	return nil
}

func checkField(t *testing.T, where string, ref *openapi3.SchemaRef, typ reflect.Type) {
	t.Helper()
	if r := nullableRef(ref.Value); r != nil {
		if typ.Kind() != reflect.Pointer {
			t.Errorf("%s: only pointer fields may be null", where)
			return
		}
		checkField(t, where, r, typ.Elem())
		return
	}
	s := ref.Value
	nullable := s.Type != nil && s.Type.Includes("null")
	if typ.Kind() == reflect.Pointer {
		if !nullable {
			t.Errorf("%s: pointer field must be nullable (type: [..., 'null'])", where)
		}
		typ = typ.Elem()
	} else if nullable {
		t.Errorf("%s: only pointer fields may be null", where)
	}
	want := ""
	switch {
	case typ == reflect.TypeFor[json.RawMessage]():
		// Raw JSON is a document of its own, described by a $ref.
		if ref.Ref == "" {
			t.Errorf("%s: raw JSON needs a $ref to the schema of what it holds", where)
		}
		return
	case typ == reflect.TypeFor[time.Time]():
		if s.Format != "date-time" {
			t.Errorf("%s: time.Time needs format date-time", where)
		}
		want = "string"
	case typ.Kind() == reflect.String:
		want = "string"
	case typ.Kind() >= reflect.Int && typ.Kind() <= reflect.Uint64:
		want = "integer"
	case typ.Kind() == reflect.Float32 || typ.Kind() == reflect.Float64:
		want = "number"
	case typ.Kind() == reflect.Bool:
		want = "boolean"
	case typ.Kind() == reflect.Slice:
		want = "array"
		if s.Items == nil {
			t.Errorf("%s: array without items", where)
		} else {
			checkField(t, where+"[]", s.Items, typ.Elem())
		}
	case typ.Kind() == reflect.Map:
		want = "object"
		if s.AdditionalProperties.Schema == nil {
			t.Errorf("%s: map needs an additionalProperties schema", where)
		} else {
			checkField(t, where+"{}", s.AdditionalProperties.Schema, typ.Elem())
		}
	case typ.Kind() == reflect.Struct:
		if !strings.HasSuffix(ref.Ref, "/"+typ.Name()) {
			t.Errorf("%s: want $ref to components/schemas/%s, got %q", where, typ.Name(), ref.Ref)
		}
		return
	default:
		t.Errorf("%s: unhandled Go kind %s", where, typ.Kind())
		return
	}
	if s.Type == nil || !s.Type.Includes(want) {
		t.Errorf("%s: schema type %v, want %s", where, s.Type, want)
	}
}

// --------------------------------------------------------------- endpoint walk

type apiResp struct {
	status int
	header http.Header
	body   []byte
}

func (r apiResp) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %T: %v", v, err)
	}
}

func (r apiResp) problem(t *testing.T) models.Problem {
	t.Helper()
	var p models.Problem
	r.decode(t, &p)
	return p
}

// call sends one request; body may be nil, []byte/string (sent raw) or a value to marshal.
func call(t *testing.T, base, method, path, token string, body any, hdr ...string) apiResp {
	t.Helper()
	resp := send(t, base, method, path, token, body, hdr)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return apiResp{status: resp.StatusCode, header: resp.Header, body: b}
}

func expectStatus(t *testing.T, what string, r apiResp, want ...int) {
	t.Helper()
	if !slices.Contains(want, r.status) {
		t.Errorf("%s: status %d, want %v; body %s", what, r.status, want, redactSecrets(string(r.body)))
	}
}

// TestContractEndpoints drives every documented operation, success and error
// paths, through the validating harness.
func TestContractEndpoints(t *testing.T) {
	t.Parallel()
	// An empty database keeps this walk fast under -race; TestContractDemoData covers seeded data.
	// A frozen clock keeps buckets from refilling between a GET and its conditional repeat.
	frozen := time.Now().UTC()
	cs := NewContractServer(t, ContractOptions{Seed: "none", Now: func() time.Time { return frozen }})
	ctx := context.Background()
	addUser := func(email, role, tenant string) string {
		tok, err := cs.Server.AddUser(ctx, NewUser{Email: email, Role: role, Tenant: tenant})
		if err != nil {
			t.Fatalf("add %s: %v", email, err)
		}
		return tok
	}
	admin, dev, member := addUser("admin@acme.test", "admin", "Acme"), addUser("dev@acme.test", "developer", "Acme"), addUser("viewer@acme.test", "member", "Acme")
	other := addUser("eve@other.test", "admin", "Other Corp")
	var err error
	u := cs.URL
	do := func(method, path, token string, body any, hdr ...string) apiResp {
		t.Helper()
		return call(t, u, method, path, token, body, hdr...)
	}

	// Service and identity.
	expectStatus(t, "healthz", do("GET", "/healthz", "", nil), 200)
	expectStatus(t, "metrics", do("GET", "/metrics", "", nil), 200)
	expectStatus(t, "me admin", do("GET", "/api/v1/me", admin, nil), 200)
	expectStatus(t, "me member", do("GET", "/api/v1/me", member, nil), 200)
	expectStatus(t, "me no token", do("GET", "/api/v1/me", "", nil), 401)
	expectStatus(t, "me bad token", do("GET", "/api/v1/me", "pm_pat_nope", nil), 401)
	expectStatus(t, "unknown route", do("GET", "/api/v1/nope", admin, nil), 404)
	expectStatus(t, "wrong method", do("PUT", "/api/v1/me", admin, nil), 405)

	// Create.
	create := func(token string, req any) apiResp {
		t.Helper()
		return do("POST", "/api/v1/platform/api-keys", token, req)
	}
	r := create(admin, models.CreateAPIKeyRequest{Name: "Contract Full", Permissions: []string{"send_email", "read_campaigns", "write_contacts", "read_analytics"}})
	expectStatus(t, "create", r, 201)
	var full models.CreatedAPIKey
	r.decode(t, &full)
	if !models.ValidKeyChecksum(full.Plaintext) {
		t.Fatalf("created key fails its checksum")
	}
	exp := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Second)
	r = create(dev, models.CreateAPIKeyRequest{Name: "Contract Narrow", Description: "only campaigns", Environment: "test",
		Permissions: []string{"read_campaigns"}, RateLimit: new(120), ExpiresAt: &exp, AllowedIPs: []string{"127.0.0.1", "2001:db8::/32"}})
	expectStatus(t, "create narrow", r, 201)
	var narrow models.CreatedAPIKey
	r.decode(t, &narrow)
	r = create(admin, models.CreateAPIKeyRequest{Name: "Contract Elsewhere", Permissions: []string{"read_campaigns"}, AllowedIPs: []string{"203.0.113.0/24"}})
	expectStatus(t, "create ip-restricted", r, 201)
	var elsewhere models.CreatedAPIKey
	r.decode(t, &elsewhere)

	r = create(dev, models.CreateAPIKeyRequest{Name: "Escalate", Permissions: []string{"full_access"}})
	expectStatus(t, "developer grants admin permission", r, 403)
	if p := r.problem(t); p.Permission != "full_access" {
		t.Errorf("403 names permission %q, want full_access", p.Permission)
	}
	expectStatus(t, "member creates", create(member, models.CreateAPIKeyRequest{Name: "Nope", Permissions: []string{"send_email"}}), 403)
	r = create(admin, map[string]any{"name": "", "permissions": []string{}})
	expectStatus(t, "create invalid", r, 400)
	if p := r.problem(t); len(p.Errors) == 0 {
		t.Errorf("validation problem without errors[]")
	}
	expectStatus(t, "create bad ip", create(admin, map[string]any{"name": "Bad IP", "permissions": []string{"send_email"}, "allowed_ips": []string{"300.1.1.1"}}), 400)
	expectStatus(t, "create above plan", create(admin, map[string]any{"name": "Greedy", "permissions": []string{"send_email"}, "rate_limit": 100000}), 400)
	expectStatus(t, "create past expiry", create(admin, map[string]any{"name": "Old", "permissions": []string{"send_email"}, "expires_at": "2001-01-01T00:00:00Z"}), 400)

	// Malformed bodies.
	expectStatus(t, "malformed json", create(admin, `{"name": "x",`), 400)
	expectStatus(t, "unknown field", create(admin, `{"name":"X","permissions":["send_email"],"scopes":[]}`), 400)
	expectStatus(t, "wrong type", create(admin, `{"name":42,"permissions":["send_email"]}`), 400)
	expectStatus(t, "two values", create(admin, `{"name":"A","permissions":["send_email"]} {}`), 400)
	expectStatus(t, "control char", create(admin, "{\"name\":\"A\\u0007B\",\"permissions\":[\"send_email\"]}"), 400)
	expectStatus(t, "bidi char", create(admin, "{\"name\":\"A\u202eB\",\"permissions\":[\"send_email\"]}"), 400)
	expectStatus(t, "empty body", create(admin, ""), 400)
	expectStatus(t, "wrong content type", do("POST", "/api/v1/platform/api-keys", admin, `{"name":"A","permissions":["send_email"]}`, "Content-Type", "text/plain"), 415)
	huge := `{"name":"A","description":"` + strings.Repeat("x", 2<<20) + `","permissions":["send_email"]}`
	expectStatus(t, "body over 1 MiB", create(admin, huge), 413)

	// List with every filter and sort, and the ETag.
	list := func(q string) apiResp { t.Helper(); return do("GET", "/api/v1/platform/api-keys"+q, dev, nil) }
	for _, q := range []string{"", "?status=active", "?status=revoked", "?status=expired", "?status=all", "?sort=created",
		"?sort=last_used", "?sort=name", "?sort=requests", "?sort=attention", "?needs_attention=true", "?needs_attention=false",
		"?q=contract", "?q=" + full.KeyID[:8], "?q=live+send", "?q=camp:r+active", "?per_page=1000"} {
		expectStatus(t, "list "+q, list(q), 200)
	}
	var firstPage models.APIKeyList
	list("?per_page=2").decode(t, &firstPage)
	expectStatus(t, "list next page", list("?per_page=2&cursor="+url.QueryEscape(firstPage.NextCursor)), 200)
	for _, q := range []string{"?status=bogus", "?sort=bogus", "?page=0", "?page=2", "?cursor=nope", "?per_page=1001", "?per_page=x"} {
		expectStatus(t, "list "+q, list(q), 400)
	}
	r = list("")
	var kl models.APIKeyList
	r.decode(t, &kl)
	if kl.Total < 3 || len(kl.APIKeys) == 0 {
		t.Errorf("list: total %d with %d keys", kl.Total, len(kl.APIKeys))
	}
	etag := r.header.Get("ETag")
	expectStatus(t, "list If-None-Match", do("GET", "/api/v1/platform/api-keys", dev, nil, "If-None-Match", etag), 304)
	expectStatus(t, "list stale If-None-Match", do("GET", "/api/v1/platform/api-keys", dev, nil, "If-None-Match", `W/"stale"`), 200)
	expectStatus(t, "list member", do("GET", "/api/v1/platform/api-keys", member, nil), 403)
	expectStatus(t, "list api key as token", do("GET", "/api/v1/platform/api-keys", full.Plaintext, nil), 401)

	// Get, security, isolation.
	keyPath := "/api/v1/platform/api-keys/"
	expectStatus(t, "get", do("GET", keyPath+full.KeyID, dev, nil), 200)
	expectStatus(t, "get unknown", do("GET", keyPath+"00000000-0000-4000-8000-000000000000", dev, nil), 404)
	expectStatus(t, "get not a uuid", do("GET", keyPath+"not-a-uuid", dev, nil), 400, 404)
	expectStatus(t, "get other tenant", do("GET", keyPath+full.KeyID, other, nil), 404)
	expectStatus(t, "get member", do("GET", keyPath+full.KeyID, member, nil), 403)
	expectStatus(t, "security", do("GET", keyPath+full.KeyID+"/security", dev, nil), 200)
	expectStatus(t, "security other tenant", do("GET", keyPath+full.KeyID+"/security", other, nil), 404)

	// Patch.
	patch := func(id string, body any) apiResp { t.Helper(); return do("PATCH", keyPath+id, admin, body) }
	expectStatus(t, "patch name", patch(narrow.KeyID, map[string]any{"name": "Contract Narrower", "description": "renamed"}), 200)
	expectStatus(t, "patch permissions", patch(narrow.KeyID, map[string]any{"permissions": []string{"read_campaigns", "read_analytics"}, "rate_limit": 60}), 200)
	expectStatus(t, "patch ips", patch(narrow.KeyID, map[string]any{"allowed_ips": []string{}}), 200)
	expectStatus(t, "patch expiry", patch(narrow.KeyID, map[string]any{"expires_at": time.Now().Add(72 * time.Hour).UTC().Format(time.RFC3339)}), 200)
	expectStatus(t, "patch clear expiry", patch(narrow.KeyID, map[string]any{"clear_expiry": true}), 200)
	expectStatus(t, "patch nulls", patch(narrow.KeyID, map[string]any{"name": nil, "rate_limit": nil}), 200)
	expectStatus(t, "patch empty permissions", patch(narrow.KeyID, map[string]any{"permissions": []string{}}), 400)
	expectStatus(t, "patch rate above plan", patch(narrow.KeyID, map[string]any{"rate_limit": 100000}), 400)
	expectStatus(t, "patch unknown field", patch(narrow.KeyID, map[string]any{"status": "active"}), 400)
	expectStatus(t, "patch other tenant", do("PATCH", keyPath+narrow.KeyID, other, map[string]any{"name": "Mine"}), 404)
	r = do("PATCH", keyPath+narrow.KeyID, dev, map[string]any{"permissions": []string{"read_campaigns", "manage_billing"}})
	expectStatus(t, "developer patches in admin permission", r, 403)

	// Regenerate, then revoke twice.
	r = do("POST", keyPath+narrow.KeyID+"/regenerate", admin, nil)
	expectStatus(t, "regenerate without body", r, 200)
	var rotated models.CreatedAPIKey
	r.decode(t, &rotated)
	if rotated.OldKeyID != narrow.KeyID || rotated.OldKeyExpiresAt == nil {
		t.Errorf("regenerate: old_key_id %q, old_key_expires_at %v", rotated.OldKeyID, rotated.OldKeyExpiresAt)
	}
	expectStatus(t, "regenerate rotated key", do("POST", keyPath+narrow.KeyID+"/regenerate", admin, map[string]any{}), 409)
	// The rotation cockpit on both keys, and its grace.
	for _, id := range []string{narrow.KeyID, rotated.KeyID} {
		r = do("GET", keyPath+id, dev, nil)
		expectStatus(t, "key in a rotation", r, 200)
		var d models.APIKeyDetails
		r.decode(t, &d)
		if d.Rotation == nil || d.Rotation.OldKeyID != narrow.KeyID || d.Rotation.NewKeyID != rotated.KeyID || d.RotationTraffic == nil {
			t.Errorf("key %s: rotation %+v", id, d.Rotation)
		}
	}
	expectStatus(t, "extend grace", do("POST", keyPath+rotated.KeyID+"/grace/extend", dev, map[string]any{"hours": 24}), 200)
	expectStatus(t, "extend grace past the maximum", do("POST", keyPath+narrow.KeyID+"/grace/extend", dev, map[string]any{"hours": 168}), 400)
	expectStatus(t, "extend grace by nothing", do("POST", keyPath+narrow.KeyID+"/grace/extend", dev, map[string]any{"hours": 0}), 400)
	expectStatus(t, "extend grace malformed", do("POST", keyPath+narrow.KeyID+"/grace/extend", dev, `{"hours":`), 400)
	expectStatus(t, "extend grace of no rotation", do("POST", keyPath+full.KeyID+"/grace/extend", dev, map[string]any{"hours": 1}), 409)
	expectStatus(t, "extend grace other tenant", do("POST", keyPath+narrow.KeyID+"/grace/extend", other, map[string]any{"hours": 1}), 404)
	expectStatus(t, "end grace other tenant", do("POST", keyPath+narrow.KeyID+"/grace/end", other, nil), 404)
	expectStatus(t, "end grace member", do("POST", keyPath+narrow.KeyID+"/grace/end", member, nil), 403)
	r = do("POST", keyPath+rotated.KeyID+"/regenerate", admin, map[string]any{"grace_period_hours": 0})
	expectStatus(t, "regenerate grace 0", r, 200)
	var rotated2 models.CreatedAPIKey // read_campaigns + read_analytics, no send_email
	r.decode(t, &rotated2)
	expectStatus(t, "regenerate grace too long", do("POST", keyPath+full.KeyID+"/regenerate", admin, map[string]any{"grace_period_hours": 169}), 400)
	expectStatus(t, "regenerate unknown", do("POST", keyPath+"00000000-0000-4000-8000-000000000000/regenerate", admin, map[string]any{}), 404)
	r = do("POST", "/api/v1/platform/api-keys", admin, models.CreateAPIKeyRequest{Name: "Contract Doomed", Permissions: []string{"send_email"}})
	var doomed models.CreatedAPIKey
	r.decode(t, &doomed)
	expectStatus(t, "revoke", do("DELETE", keyPath+doomed.KeyID, dev, nil), 200)
	r = do("DELETE", keyPath+doomed.KeyID, dev, nil)
	expectStatus(t, "revoke again", r, 409)
	if p := r.problem(t); p.Error != "already_revoked" {
		t.Errorf("second revoke: error %q, want already_revoked", p.Error)
	}
	expectStatus(t, "patch revoked", patch(doomed.KeyID, map[string]any{"name": "Zombie"}), 409)
	expectStatus(t, "regenerate revoked", do("POST", keyPath+doomed.KeyID+"/regenerate", admin, nil), 409)
	expectStatus(t, "revoke other tenant", do("DELETE", keyPath+full.KeyID, other, nil), 404)

	// Product routes.
	pd := func(method, path, key string, body any, hdr ...string) apiResp {
		t.Helper()
		return do(method, path, key, body, hdr...)
	}
	send := map[string]any{"to": "user@example.com", "subject": "Hi", "html_body": "<p>Hi</p>", "tags": []string{"contract"}}
	r = pd("POST", "/api/v1/emails/send", full.Plaintext, send)
	expectStatus(t, "send email", r, 200)
	if r.header.Get("RateLimit-Policy") == "" {
		t.Errorf("send email: no RateLimit-Policy header")
	}
	expectStatus(t, "send email template", pd("POST", "/api/v1/emails/send", full.Plaintext, map[string]any{"to": "user@example.com", "template_id": "welcome-v1", "variables": map[string]string{"name": "Al"}}), 200)
	expectStatus(t, "send email bad address", pd("POST", "/api/v1/emails/send", full.Plaintext, map[string]any{"to": "nope", "subject": "x", "text_body": "x"}), 400)
	expectStatus(t, "send email no subject", pd("POST", "/api/v1/emails/send", full.Plaintext, map[string]any{"to": "user@example.com"}), 400)
	expectStatus(t, "send email malformed", pd("POST", "/api/v1/emails/send", full.Plaintext, `{"to":`), 400)
	expectStatus(t, "send email wrong type", pd("POST", "/api/v1/emails/send", full.Plaintext, `{"to":"a@b.test"}`, "Content-Type", "text/plain"), 415)
	expectStatus(t, "send email huge", pd("POST", "/api/v1/emails/send", full.Plaintext, `{"to":"a@b.test","text_body":"`+strings.Repeat("y", 2<<20)+`"}`), 413)
	r = pd("POST", "/api/v1/emails/send", rotated2.Plaintext, send)
	expectStatus(t, "send email without permission", r, 403)
	if p := r.problem(t); p.Permission != "send_email" {
		t.Errorf("403 names permission %q, want send_email", p.Permission)
	}
	expectStatus(t, "send email no key", pd("POST", "/api/v1/emails/send", "", send), 401)
	typo := []byte(full.Plaintext)
	if typo[len(typo)-1] == '0' { // still base62, checksum no longer matches
		typo[len(typo)-1] = '1'
	} else {
		typo[len(typo)-1] = '0'
	}
	expectStatus(t, "send email mistyped key", pd("POST", "/api/v1/emails/send", string(typo), send), 401)
	expectStatus(t, "send email with PAT", pd("POST", "/api/v1/emails/send", admin, send), 401)
	expectStatus(t, "send email revoked key", pd("POST", "/api/v1/emails/send", doomed.Plaintext, send), 401)
	expectStatus(t, "key cut off by a 0h rotation", pd("GET", "/api/v1/campaigns", rotated.Plaintext, nil), 401)
	expectStatus(t, "rotated key within its grace period", pd("GET", "/api/v1/campaigns", narrow.Plaintext, nil), 200)
	r = do("POST", keyPath+narrow.KeyID+"/grace/end", dev, nil)
	expectStatus(t, "end grace", r, 200)
	var ended models.APIKey
	if r.decode(t, &ended); ended.Status != models.KeyExpired {
		t.Errorf("grace ended: old key %s", ended.Status)
	}
	expectStatus(t, "end grace again", do("POST", keyPath+narrow.KeyID+"/grace/end", dev, nil), 409)
	expectStatus(t, "rotated key after its grace ended", pd("GET", "/api/v1/campaigns", narrow.Plaintext, nil), 401)

	r = pd("GET", "/api/v1/campaigns", full.Plaintext, nil)
	expectStatus(t, "campaigns", r, 200)
	var cl models.CampaignList
	r.decode(t, &cl)
	if len(cl.Campaigns) == 0 {
		t.Fatalf("no campaigns to drive analytics with")
	}
	for _, q := range []string{"?status=sent", "?status=draft&limit=1", "?limit=100"} {
		expectStatus(t, "campaigns "+q, pd("GET", "/api/v1/campaigns"+q, full.Plaintext, nil), 200)
	}
	for _, q := range []string{"?status=bogus", "?limit=0", "?limit=101"} {
		expectStatus(t, "campaigns "+q, pd("GET", "/api/v1/campaigns"+q, full.Plaintext, nil), 400)
	}
	expectStatus(t, "campaigns from outside the allow-list", pd("GET", "/api/v1/campaigns", elsewhere.Plaintext, nil), 403)

	contact := map[string]any{"email": "lead@example.com", "attributes": map[string]string{"source": "contract"}}
	expectStatus(t, "contact create", pd("POST", "/api/v1/contacts", full.Plaintext, contact), 201)
	expectStatus(t, "contact update", pd("POST", "/api/v1/contacts", full.Plaintext, contact), 200)
	expectStatus(t, "contact no attributes", pd("POST", "/api/v1/contacts", full.Plaintext, map[string]any{"email": "bare@example.com"}), 201)
	expectStatus(t, "contact bad email", pd("POST", "/api/v1/contacts", full.Plaintext, map[string]any{"email": "x"}), 400)
	expectStatus(t, "contact wrong type", pd("POST", "/api/v1/contacts", full.Plaintext, `{"email":"a@b.test"}`, "Content-Type", "application/xml"), 415)

	expectStatus(t, "campaign analytics", pd("GET", "/api/v1/analytics/campaigns/"+url.PathEscape(cl.Campaigns[0].ID), full.Plaintext, nil), 200)
	expectStatus(t, "campaign analytics unknown", pd("GET", "/api/v1/analytics/campaigns/cmp_nope", full.Plaintext, nil), 404)

	// 429: drain a starter-plan key's bucket outside the harness, then one validated request.
	tiny, err := cs.Server.AddUser(ctx, NewUser{Email: "tiny@tiny.test", Role: "admin", Tenant: "Tiny", Plan: "starter"})
	if err != nil {
		t.Fatal(err)
	}
	r = do("POST", "/api/v1/platform/api-keys", tiny, models.CreateAPIKeyRequest{Name: "Tiny", Permissions: []string{"read_campaigns"}, RateLimit: new(1)})
	var tk models.CreatedAPIKey
	r.decode(t, &tk)
	for i := 0; i < 200; i++ {
		req := httptest.NewRequest("GET", "/api/v1/campaigns", nil)
		req.Header.Set("Authorization", "Bearer "+tk.Plaintext)
		rec := httptest.NewRecorder()
		cs.Server.Handler().ServeHTTP(rec, req)
		if rec.Code == http.StatusTooManyRequests {
			break
		}
	}
	r = pd("GET", "/api/v1/campaigns", tk.Plaintext, nil)
	expectStatus(t, "rate limited", r, 429)
	if r.header.Get("Retry-After") == "" || r.problem(t).RetryAfter < 1 {
		t.Errorf("429 without Retry-After / retry_after")
	}

	// Rate limits with ETag.
	r = do("GET", "/api/v1/platform/rate-limits", dev, nil)
	expectStatus(t, "rate limits", r, 200)
	expectStatus(t, "rate limits 304", do("GET", "/api/v1/platform/rate-limits", dev, nil, "If-None-Match", r.header.Get("ETag")), 304)
	expectStatus(t, "rate limits page", do("GET", "/api/v1/platform/rate-limits?limit=1", dev, nil), 200)
	expectStatus(t, "rate limits bad limit", do("GET", "/api/v1/platform/rate-limits?limit=101", dev, nil), 400)
	expectStatus(t, "rate limits bad cursor", do("GET", "/api/v1/platform/rate-limits?cursor=x", dev, nil), 400)
	expectStatus(t, "rate limits member", do("GET", "/api/v1/platform/rate-limits", member, nil), 403)
	expectStatus(t, "rate limits no token", do("GET", "/api/v1/platform/rate-limits", "", nil), 401)

	// Usage analytics: every range, custom, key filter, errors, ETag.
	cs.Server.Flush()
	usage := "/api/v1/tenant/analytics/api-usage"
	from := time.Now().Add(-36 * time.Hour).UTC().Format(time.RFC3339)
	to := time.Now().UTC().Format(time.RFC3339)
	for _, q := range []string{"", "?range=1h", "?range=24h", "?range=7d", "?range=30d",
		"?range=custom&from=" + url.QueryEscape(from) + "&to=" + url.QueryEscape(to),
		"?range=custom&from=" + url.QueryEscape(from), "?range=1h&key_id=" + full.KeyID} {
		expectStatus(t, "usage "+q, do("GET", usage+q, dev, nil), 200)
	}
	for _, q := range []string{"?range=2h", "?range=custom", "?range=custom&from=yesterday", "?range=custom&from=" + url.QueryEscape(to) + "&to=" + url.QueryEscape(from)} {
		expectStatus(t, "usage "+q, do("GET", usage+q, dev, nil), 400)
	}
	r = do("GET", usage+"?range=7d", dev, nil)
	var au models.APIUsage
	r.decode(t, &au)
	if au.Totals.Requests == 0 || au.BucketSeconds != 3600 {
		t.Errorf("usage 7d: %d requests, bucket %ds", au.Totals.Requests, au.BucketSeconds)
	}
	expectStatus(t, "usage 304", do("GET", usage+"?range=7d", dev, nil, "If-None-Match", r.header.Get("ETag")), 304)
	expectStatus(t, "usage member", do("GET", usage, member, nil), 403)

	// The full error log: pages, cursor, limits, key filter, roles.
	errsURL := usage + "/errors?range=custom&from=" + url.QueryEscape(from) + "&to=" + url.QueryEscape(to)
	r = do("GET", errsURL+"&limit=1", dev, nil)
	expectStatus(t, "usage errors", r, 200)
	var ep models.UsageErrorPage
	r.decode(t, &ep)
	if len(ep.Errors) != 1 || ep.NextCursor == "" {
		t.Errorf("usage errors page 1: %d rows, cursor %q", len(ep.Errors), ep.NextCursor)
	}
	expectStatus(t, "usage errors page 2", do("GET", errsURL+"&limit=1&cursor="+url.QueryEscape(ep.NextCursor), dev, nil), 200)
	expectStatus(t, "usage errors key", do("GET", usage+"/errors?range=1h&key_id="+full.KeyID, admin, nil), 200)
	for _, q := range []string{"?limit=0", "?limit=5001", "?cursor=bogus", "?range=2h"} {
		expectStatus(t, "usage errors "+q, do("GET", usage+"/errors"+q, dev, nil), 400)
	}
	expectStatus(t, "usage errors unknown key", do("GET", usage+"/errors?key_id=00000000-0000-4000-8000-000000000000", dev, nil), 404)
	expectStatus(t, "usage errors member", do("GET", usage+"/errors", member, nil), 403)
	expectStatus(t, "usage errors no token", do("GET", usage+"/errors", "", nil), 401)

	// Docs routes answer 404 on a server without assets; drive them when it has some.
	probe := httptest.NewRecorder()
	cs.Server.Handler().ServeHTTP(probe, httptest.NewRequest("GET", "/api/v1/docs", nil))
	docsMounted := probe.Code != http.StatusNotFound
	if docsMounted {
		r = do("GET", "/api/v1/docs", "", nil)
		expectStatus(t, "docs index", r, 200)
		var idx models.DocsIndex
		r.decode(t, &idx)
		expectStatus(t, "docs index 304", do("GET", "/api/v1/docs", "", nil, "If-None-Match", r.header.Get("ETag")), 304)
		if len(idx.Pages) > 0 {
			expectStatus(t, "docs page", do("GET", "/api/v1/docs/"+idx.Pages[0].Slug, "", nil), 200)
		}
		expectStatus(t, "docs page unknown", do("GET", "/api/v1/docs/no-such-page", "", nil), 404)
	} else {
		t.Log("no docs assets; skipping the docs routes")
	}

	// Every operation (webhooks excepted: server/webhook drives them; streams: server/stream_*_test.go) got at least one 2xx.
	skip := []string{"Webhooks", "Streams"}
	if !docsMounted {
		skip = append(skip, "Docs")
	}
	if missing := cs.uncoveredOperations(skip...); len(missing) > 0 {
		t.Errorf("operations never exercised: %v", missing)
	}
	for op, statuses := range cs.Seen() {
		if !slices.ContainsFunc(statuses, func(s int) bool { return s >= 200 && s < 300 }) {
			t.Errorf("%s: no successful exchange (saw %v)", op, statuses)
		}
	}
	t.Logf("exercised: %v", fmt.Sprint(cs.Seen()))
}

// checkContractDemoViews validates the management views over the demo
// seed's 30 days of history: seeded key states, details, rate limits, every
// range. base must be behind the contract validator; TestDemoSeed calls it
// so the costly demo seed is built once.
func checkContractDemoViews(t *testing.T, base, tok string, now time.Time) {
	do := func(path string, hdr ...string) apiResp {
		t.Helper()
		return call(t, base, "GET", path, tok, nil, hdr...)
	}
	r := do("/api/v1/platform/api-keys?sort=last_used")
	expectStatus(t, "list", r, 200)
	var kl models.APIKeyList
	r.decode(t, &kl)
	statuses := map[string]bool{}
	for _, k := range kl.APIKeys {
		if statuses[k.Status] {
			continue
		}
		// One key per state keeps the -race run short; details are costly to aggregate.
		statuses[k.Status] = true
		expectStatus(t, "get "+k.Name, do("/api/v1/platform/api-keys/"+k.KeyID), 200)
		expectStatus(t, "security "+k.Name, do("/api/v1/platform/api-keys/"+k.KeyID+"/security"), 200)
	}
	if !statuses["active"] || !statuses["revoked"] || !statuses["expired"] {
		t.Errorf("demo seed key states %v, want active, revoked and expired", statuses)
	}
	expectStatus(t, "rate limits", do("/api/v1/platform/rate-limits"), 200)
	usage := "/api/v1/tenant/analytics/api-usage?range="
	r = do(usage + "1h")
	expectStatus(t, "usage 1h", r, 200)
	expectStatus(t, "usage 1h 304", do(usage+"1h", "If-None-Match", r.header.Get("ETag")), 304)
	expectStatus(t, "usage custom", do(usage+"custom&from="+url.QueryEscape(now.Add(-50*time.Hour).UTC().Format(time.RFC3339))), 200)
	for _, rng := range []string{"7d", "30d"} {
		r = do(usage + rng)
		expectStatus(t, "usage "+rng, r, 200)
		var au models.APIUsage
		r.decode(t, &au)
		if au.Totals.Requests == 0 || len(au.RecentErrors) == 0 || len(au.ByKey) == 0 || au.RateLimit.ExceededCount == 0 {
			t.Errorf("demo usage %s looks empty: %d requests, %d recent errors, %d keys, %d 429s", rng,
				au.Totals.Requests, len(au.RecentErrors), len(au.ByKey), au.RateLimit.ExceededCount)
		}
	}
}

// recordingTB captures harness failures so the harness itself can be tested.
type recordingTB struct {
	testing.TB
	errs []string
}

func (r *recordingTB) Helper() {}
func (r *recordingTB) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

// TestContractHarnessCatchesMismatches feeds the validator deliberately wrong
// exchanges (and one right one) to prove it fails tests when it should.
func TestContractHarnessCatchesMismatches(t *testing.T) {
	v := newContractValidator(t)
	me := `{"user_id":"u1","email":"a@b.test","role":"admin","tenant":{"id":"t","name":"A","plan":{"name":"starter","display_name":"Starter","limit_per_minute":60,"burst":100}},"created_at":"2025-01-01T00:00:00Z","can_manage_keys":true,"can_grant_admin":true}`
	problem := `{"type":"https://docs.penguinmails.com/errors/invalid_token","title":"Unauthorized","status":401,"error":"invalid_token","message":"no"}`
	campaigns := `{"campaigns":[],"total":0}`
	rateHeaders := func(h http.Header) {
		h.Set("X-RateLimit-Limit", "60")
		h.Set("X-RateLimit-Remaining", "5")
		h.Set("X-RateLimit-Reset", "3")
		h.Set("RateLimit-Policy", "60;w=60;burst=100")
		h.Set("RateLimit", "limit=60, remaining=5, reset=3")
	}
	key := "pm_live_" + strings.Repeat("a", 64)
	cases := []struct {
		name, method, path, token, reqBody string
		reqHeader                          []string
		status                             int
		ct, body                           string
		header                             func(http.Header)
		wantErr                            string // "" means the exchange must pass
	}{
		{name: "valid", method: "GET", path: "/api/v1/me", token: "pm_pat_x", status: 200, ct: "application/json", body: me},
		{name: "missing field", method: "GET", path: "/api/v1/me", token: "pm_pat_x", status: 200, ct: "application/json",
			body: strings.Replace(me, `"can_grant_admin":true`, `"extra":1`, 1), wantErr: "response violates"},
		{name: "null slice", method: "GET", path: "/api/v1/campaigns", token: key, status: 200, ct: "application/json",
			body: `{"campaigns":null,"total":0}`, header: rateHeaders, wantErr: "response violates"},
		{name: "no rate headers", method: "GET", path: "/api/v1/campaigns", token: key, status: 200, ct: "application/json",
			body: campaigns, wantErr: "response violates"},
		{name: "error as plain json", method: "GET", path: "/api/v1/me", status: 401, ct: "application/json", body: problem, wantErr: "response violates"},
		{name: "undocumented status", method: "GET", path: "/api/v1/me", token: "pm_pat_x", status: 418, ct: "application/problem+json", body: problem, wantErr: "status is not supported"},
		{name: "304 without ETag", method: "GET", path: "/api/v1/platform/rate-limits", token: "pm_pat_x", reqHeader: []string{"If-None-Match", `"x"`}, status: 304, wantErr: "lacks required header ETag"},
		{name: "304 not documented", method: "GET", path: "/api/v1/me", token: "pm_pat_x", reqHeader: []string{"If-None-Match", `"x"`}, status: 304, wantErr: "304 is not documented"},
		{name: "invalid request accepted", method: "GET", path: "/api/v1/platform/api-keys?per_page=0", token: "pm_pat_x", status: 200, ct: "application/json",
			body: `{"api_keys":[],"total":0,"page":1,"per_page":100}`, header: func(h http.Header) { h.Set("ETag", `"e"`) }, wantErr: "request violates"},
		{name: "unknown route served", method: "GET", path: "/api/v1/secret", status: 200, ct: "application/json", body: `{}`, wantErr: "undocumented route"},
		{name: "server error", method: "GET", path: "/healthz", status: 500, ct: "application/problem+json",
			body: `{"type":"https://docs.penguinmails.com/errors/internal_error","title":"x","status":500,"error":"internal_error","message":"x"}`, wantErr: "server error"},
		{name: "secret redacted", method: "GET", path: "/api/v1/me", token: "pm_pat_x", status: 200, ct: "application/json",
			body: `{"leak":"` + key + `"}`, wantErr: "pm_live_[REDACTED]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recordingTB{TB: t}
			v.tb = rec
			h := v.middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tc.ct != "" {
					w.Header().Set("Content-Type", tc.ct)
				}
				if tc.header != nil {
					tc.header(w.Header())
				}
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, tc.body)
			}))
			req := httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.reqBody))
			if tc.token != "" {
				req.Header.Set("Authorization", "Bearer "+tc.token)
			}
			for i := 0; i+1 < len(tc.reqHeader); i += 2 {
				req.Header.Set(tc.reqHeader[i], tc.reqHeader[i+1])
			}
			h.ServeHTTP(httptest.NewRecorder(), req)
			got := strings.Join(rec.errs, "\n")
			switch {
			case tc.wantErr == "" && got != "":
				t.Errorf("valid exchange flagged: %s", got)
			case tc.wantErr != "" && !strings.Contains(got, tc.wantErr):
				t.Errorf("want a failure containing %q, got %q", tc.wantErr, got)
			}
			if strings.Contains(got, key) {
				t.Errorf("harness output leaks an API key")
			}
		})
	}
}

// TestContractErrorCodesAndNameRule: the 403 code and the key-name rule the
// server applies are the ones the contract documents.
func TestContractErrorCodesAndNameRule(t *testing.T) {
	raw, err := readContract()
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, "")
	admin := e.addUser("admin@a.test", models.RoleAdmin, "A", "")
	dev := e.addUser("dev@a.test", models.RoleDeveloper, "A", "")
	k := e.createKey(admin, models.CreateAPIKeyRequest{Name: "Café prod-1_v2.0", Permissions: []string{"read_campaigns"}})
	if k.Name != "Café prod-1_v2.0" {
		t.Fatalf("name %q", k.Name)
	}
	p := e.do("POST", "/api/v1/emails/send", k.Plaintext, sendBody()).prob(t)
	if p.Status != 403 || p.Permission != "send_email" {
		t.Fatalf("missing permission: %+v", p)
	}
	p2 := e.do("POST", "/api/v1/platform/api-keys", dev, models.CreateAPIKeyRequest{Name: "x", Permissions: []string{"manage_billing"}}).prob(t)
	if p2.Status != 403 || p2.Permission != "manage_billing" || p2.Error != p.Error {
		t.Fatalf("developer granting admin permission: %+v (product 403 code %q)", p2, p.Error)
	}
	if !strings.Contains(raw, "error: "+p.Error+"\n") || strings.Contains(raw, "insufficient_permission\n") {
		t.Fatalf("contract examples do not use the server's 403 code %q", p.Error)
	}
	// A member is refused on every developer route with the same code.
	member := e.addUser("viewer@a.test", models.RoleMember, "A", "")
	for _, path := range []string{"/api/v1/platform/api-keys", "/api/v1/platform/rate-limits", "/api/v1/tenant/analytics/api-usage"} {
		if p := e.do("GET", path, member, nil).prob(t); p.Status != 403 || p.Error != "insufficient_role" {
			t.Fatalf("member GET %s: %+v", path, p)
		}
	}
	// The server and the contract's pattern agree on every name.
	pattern := loadContract(t).Components.Schemas["CreateAPIKeyRequest"].Value.Properties["name"].Value.Pattern
	re := regexp.MustCompile(pattern)
	names := []struct {
		name string
		ok   bool
	}{
		{"Production Server", true}, {"Café prod-1_v2.0", true}, {"日本語キー", true}, {"Prod 🐧", true},
		{"Zürich ops", true}, {"a/b", false}, {"semi;colon", false}, {"tab\there", false}, {"   ", false},
		{"bidi\u202eevil", false}, {"zero\u200bwidth", false}, {"nb\u00a0sp", false}, {"soft\u00adhyphen", false},
		{"bom\ufeff", false}, {"del\x7f", false}, {"c1\u0085", false}, {"ideo\u3000space", false},
	}
	for _, c := range names {
		if got := re.MatchString(c.name); got != c.ok {
			t.Errorf("contract pattern on %q: %v, want %v", c.name, got, c.ok)
		}
		if _, fe := models.CheckKeyName(c.name); (fe == nil) != c.ok {
			t.Errorf("models.CheckKeyName(%q) = %v, want ok=%v", c.name, fe, c.ok)
		}
		res := e.do("POST", "/api/v1/platform/api-keys", admin, models.CreateAPIKeyRequest{Name: c.name, Permissions: []string{"read_campaigns"}})
		if c.ok != (res.status == 201) {
			t.Errorf("server on name %q answered %d, want ok=%v", c.name, res.status, c.ok)
		}
		if !c.ok && res.status == 400 {
			if p := res.prob(t); !strings.Contains(p.Message, "letters, digits, spaces, hyphens, underscores and periods") && !strings.Contains(p.Message, "control") && !strings.Contains(p.Message, "required") {
				t.Errorf("name %q: message %q does not say the rule", c.name, p.Message)
			}
		}
	}
}

func readContract() (string, error) {
	b, err := os.ReadFile(contractPath)
	return string(b), err
}
