package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/penguinmails/pmdev/client"
	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server/simulate"
	"github.com/penguinmails/pmdev/server/webhook/events"
)

// eventSink is a receiver that keeps every delivery body by event type.
type eventSink struct {
	mu     sync.Mutex
	bodies map[string][][]byte
}

func newEventSink(t *testing.T) (*eventSink, string) {
	s := &eventSink{bodies: map[string][][]byte{}}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.bodies[r.Header.Get(models.HeaderWebhookEvent)] = append(s.bodies[r.Header.Get(models.HeaderWebhookEvent)], b)
		s.mu.Unlock()
	}))
	t.Cleanup(ts.Close)
	return s, ts.URL
}

// split returns the real and the test deliveries of a type.
func (s *eventSink) split(eventType string) (real, test [][]byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, b := range s.bodies[eventType] {
		var env struct{ ID string }
		_ = json.Unmarshal(b, &env)
		if strings.HasPrefix(env.ID, "evt_test_") {
			test = append(test, b)
		} else {
			real = append(real, b)
		}
	}
	return real, test
}

func eventSchema(t *testing.T, doc *openapi3.T, spec events.Spec) *openapi3.Schema {
	t.Helper()
	name := strings.TrimSuffix(spec.Schema, "Data") + "Event"
	ref := doc.Components.Schemas[name]
	if ref == nil {
		t.Fatalf("components/schemas/%s is missing", name)
	}
	return ref.Value
}

func validateEvent(schema *openapi3.Schema, body []byte) error {
	v, err := decodeJSONValue(body)
	if err != nil {
		return err
	}
	return schema.VisitJSON(v, openapi3.EnableJSONSchema2020())
}

// Every event type reaches a receiver for real (from the server's own
// emission points: the product API, the key routes, the expiry scan, the
// rate limiter and the traffic simulator) and as a test event, and both
// validate against the one schema the contract gives that type.
func TestRealAndTestEventsShareTheContractSchema(t *testing.T) {
	cs := NewContractServer(t, ContractOptions{Seed: "none", Configure: func(c *Config) {
		c.AllowPrivateWebhooks = true
		c.WebhookNoticeScan = -1                  // scanned by hand below
		c.SimulatedWebhookEvery = time.Nanosecond // every made-up event at once
	}})
	srv := cs.Server
	ctx := context.Background()
	tok, err := srv.AddUser(ctx, NewUser{Email: "admin@acme.test", Role: models.RoleAdmin, Tenant: "Acme"})
	if err != nil {
		t.Fatal(err)
	}
	sink, url := newEventSink(t)
	api := client.New(client.Options{BaseURL: cs.URL, Token: tok, RetryCount: -1})
	all := []string{}
	for _, e := range models.WebhookEventNames() {
		all = append(all, e.Type)
	}
	wh, err := api.CreateWebhook(ctx, models.CreateWebhookRequest{URL: url, Events: all})
	if err != nil {
		t.Fatal(err)
	}

	// Keys: created, used, rotated, revoked; one expires in three days.
	exp := time.Now().Add(72 * time.Hour).UTC().Truncate(time.Second)
	k, err := api.CreateKey(ctx, models.CreateAPIKeyRequest{Name: "Events", Permissions: []string{"send_email", "write_contacts", "read_campaigns"}, ExpiresAt: &exp})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := api.SendEmail(ctx, k.Plaintext, models.SendEmailRequest{To: "a@example.com", Subject: "Hi", TextBody: "x", Tags: []string{"t1"}}); err != nil {
		t.Fatal(err)
	}
	for _, attrs := range []map[string]string{{"plan": "free"}, {"plan": "pro", "seats": "3"}} {
		if _, _, err := api.UpsertContact(ctx, k.Plaintext, models.ContactRequest{Email: "lead@example.com", Attributes: attrs}); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := srv.notify.ScanExpiring(ctx); err != nil || n != 1 {
		t.Fatalf("expiry scan sent %d (%v), want 1", n, err)
	}
	// Spend the key's bucket past 95 % (in process: 400+ requests).
	for i := 0; ; i++ {
		req := httptest.NewRequest("GET", "/api/v1/campaigns?limit=1", nil)
		req.Header.Set("Authorization", "Bearer "+k.Plaintext)
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, req)
		if rec.Code == http.StatusTooManyRequests {
			break
		}
		if i > 5000 {
			t.Fatal("the bucket never ran out")
		}
	}
	rot, err := api.RegenerateKey(ctx, k.KeyID, models.RegenerateRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := api.RevokeKey(ctx, rot.KeyID); err != nil {
		t.Fatal(err)
	}
	// The simulator's own requests and the events it makes up.
	sim, err := simulate.New(ctx, srv.simulateConfig(), cs.URL, &http.Client{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	sim.Request(ctx, 0)  // a send
	sim.Request(ctx, 75) // a contact
	for range 20 {       // types take turns: two rounds
		sim.MakeEvent(ctx)
	}
	// A test event of every type.
	for _, typ := range all {
		res, err := api.TestWebhook(ctx, wh.ID, models.TestRequest{EventType: typ})
		if err != nil || res.Status != models.DeliverySuccess {
			t.Fatalf("test %s: %+v %v", typ, res, err)
		}
	}

	doc := loadContract(t)
	deadline := time.Now().Add(10 * time.Second)
	for _, spec := range events.Catalog() {
		var real, test [][]byte
		for {
			real, test = sink.split(spec.Type)
			if len(real) > 0 && len(test) > 0 || time.Now().After(deadline) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if len(real) == 0 || len(test) == 0 {
			t.Errorf("%s: %d real and %d test deliveries, want both", spec.Type, len(real), len(test))
			continue
		}
		schema := eventSchema(t, doc, spec)
		for _, b := range append(real, test...) {
			if err := validateEvent(schema, b); err != nil {
				t.Errorf("%s: delivery violates %s: %v\n%s", spec.Type, spec.Schema, err, b)
			}
		}
		if t.Failed() {
			continue
		}
		// The schema is strict: a field more in data fails it.
		var env map[string]any
		_ = json.Unmarshal(real[0], &env)
		env["data"].(map[string]any)["unexpected"] = 1
		b, _ := json.Marshal(env)
		if validateEvent(schema, b) == nil {
			t.Errorf("%s: the schema accepts an unknown data field", spec.Type)
		}
	}
	// The rotation rides on the key events: at the rotation, and when its
	// new key is revoked while the old one is in its grace period.
	for typ, want := range map[string][2]string{events.APIKeyRotated: {k.KeyID, rot.KeyID}, events.APIKeyRevoked: {k.KeyID, rot.KeyID}} {
		real, _ := sink.split(typ)
		var ev struct {
			Data struct{ Rotation *models.KeyRotation }
		}
		if len(real) == 0 || json.Unmarshal(real[0], &ev) != nil || ev.Data.Rotation == nil ||
			ev.Data.Rotation.OldKeyID != want[0] || ev.Data.Rotation.NewKeyID != want[1] {
			t.Errorf("%s: rotation %+v, want %s → %s", typ, ev.Data.Rotation, want[0], want[1])
		}
	}
	for _, typ := range []string{events.APIKeyCreated, events.APIKeyRotated, events.APIKeyRevoked, events.RateLimitThreshold} {
		real, _ := sink.split(typ)
		for _, b := range real {
			if strings.Contains(string(b), k.Plaintext[:20]) || strings.Contains(string(b), rot.Plaintext[:20]) {
				t.Errorf("%s carries a key's plaintext: %s", typ, b)
			}
		}
	}
}

// The Go struct of each type's data and its contract schema have the same
// fields, the same required set and the same nullability.
func TestEventDataStructsMatchSchemas(t *testing.T) {
	doc := loadContract(t)
	at := time.Date(2025, 11, 26, 10, 0, 0, 0, time.UTC)
	for _, spec := range events.Catalog() {
		ref := doc.Components.Schemas[spec.Schema]
		if ref == nil {
			t.Errorf("components/schemas/%s is missing", spec.Schema)
			continue
		}
		d := spec.Sample(at)
		if d.EventType() != spec.Type {
			t.Errorf("%s: sample is a %s", spec.Type, d.EventType())
		}
		checkStruct(t, spec.Schema, ref.Value, reflect.TypeOf(d))
	}
	for _, name := range []string{"EventContact", "EventActor"} {
		typ := map[string]reflect.Type{"EventContact": reflect.TypeFor[events.EventContact](), "EventActor": reflect.TypeFor[events.EventActor]()}[name]
		checkStruct(t, name, doc.Components.Schemas[name].Value, typ)
	}
}

// One list of event types everywhere: models (what endpoints subscribe
// to), the builders, the contract's enum, its webhooks section and the
// WebhookEvent variants, with the contract's example of each type equal
// to the server's test event.
func TestEventCatalogIsOneList(t *testing.T) {
	doc := loadContract(t)
	var fromModels, fromBuilders, fromEnum, fromHooks, fromOneOf []string
	for _, e := range models.WebhookEventNames() {
		fromModels = append(fromModels, e.Type)
	}
	for _, s := range events.Catalog() {
		fromBuilders = append(fromBuilders, s.Type)
	}
	for _, v := range doc.Components.Schemas["EventTypeName"].Value.Enum {
		fromEnum = append(fromEnum, v.(string))
	}
	for name := range doc.Webhooks {
		fromHooks = append(fromHooks, name)
	}
	// A test event is one of them, or empty for the endpoint's first type.
	var fromTest []string
	for _, v := range doc.Components.Schemas["TestRequest"].Value.Properties["event_type"].Value.Enum {
		fromTest = append(fromTest, v.(string))
	}
	if want := append([]string{""}, fromModels...); !slices.Equal(fromTest, want) {
		var yaml strings.Builder
		for _, e := range want {
			fmt.Fprintf(&yaml, "            - %q\n", e)
		}
		t.Errorf("TestRequest.event_type enum is %q, want \"\" and the models list:\n%s", fromTest, yaml.String())
	}
	we := doc.Components.Schemas["WebhookEvent"].Value
	for _, ref := range we.OneOf {
		fromOneOf = append(fromOneOf, ref.Value.Properties["type"].Value.Enum[0].(string))
	}
	slices.Sort(fromHooks)
	sorted := slices.Sorted(slices.Values(fromModels))
	for name, got := range map[string][]string{"builders": fromBuilders, "enum": fromEnum, "oneOf": fromOneOf} {
		if !slices.Equal(got, fromModels) {
			t.Errorf("%s lists %v, models %v", name, got, fromModels)
		}
	}
	if !slices.Equal(fromHooks, sorted) {
		t.Errorf("webhooks section lists %v, models %v", fromHooks, sorted)
	}
	for _, spec := range events.Catalog() {
		sch := eventSchema(t, doc, spec)
		if len(sch.Examples) != 1 {
			t.Errorf("%s: want one example", spec.Type)
			continue
		}
		ex, _ := json.Marshal(sch.Examples[0])
		var env struct {
			CreatedAt time.Time       `json:"created_at"`
			Data      json.RawMessage `json:"data"`
		}
		if err := json.Unmarshal(ex, &env); err != nil {
			t.Fatal(err)
		}
		want, _ := json.Marshal(spec.Sample(env.CreatedAt))
		if !jsonEqual(env.Data, want) {
			t.Errorf("%s: contract example data\n%s\nis not the server's test event\n%s", spec.Type, env.Data, want)
		}
		if op := doc.Webhooks[spec.Type]; op == nil || op.Post == nil ||
			op.Post.RequestBody.Value.Content.Get("application/json").Schema.Ref != fmt.Sprintf("#/components/schemas/%sEvent", strings.TrimSuffix(spec.Schema, "Data")) {
			t.Errorf("%s: webhooks section does not post %sEvent", spec.Type, strings.TrimSuffix(spec.Schema, "Data"))
		}
	}
}

func jsonEqual(a, b []byte) bool {
	var x, y any
	return json.Unmarshal(a, &x) == nil && json.Unmarshal(b, &y) == nil && reflect.DeepEqual(x, y)
}
