package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/penguinmails/pmdev/models"
)

// businessEnv is an admin of a Business tenant (whose plan limit is the
// schemas' rate_limit maximum) on a contract-checked server, with an API
// key holding every permission and a webhook subscribed to two events
// that delivers to a local receiver.
type businessEnv struct {
	cs       *ContractServer
	admin    string
	receiver *httptest.Server
	product  models.CreatedAPIKey
	webhook  models.CreatedWebhook
	newKey   func() models.CreatedAPIKey // a fresh key with every permission
	// inGrace is a fresh key rotated with a one-hour grace: the id of
	// its old key, whose grace can be extended or ended.
	inGrace func() string
}

func newBusinessEnv(t *testing.T) *businessEnv {
	t.Helper()
	e := &businessEnv{cs: newLocalHooksServer(t)}
	e.receiver = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	t.Cleanup(e.receiver.Close)
	e.admin = e.cs.AddUser(t, NewUser{Email: "admin@business.test", Role: models.RoleAdmin, Tenant: "Business", Plan: models.PlanBusiness})
	e.newKey = func() models.CreatedAPIKey {
		var k models.CreatedAPIKey
		r := call(t, e.cs.URL, "POST", "/api/v1/platform/api-keys", e.admin, models.CreateAPIKeyRequest{Name: "Every permission", Permissions: models.PresetFullAccess(true)})
		expectStatus(t, "create key", r, 201)
		r.decode(t, &k)
		return k
	}
	e.inGrace = func() string {
		k := e.newKey()
		r := call(t, e.cs.URL, "POST", "/api/v1/platform/api-keys/"+k.KeyID+"/regenerate", e.admin, models.RegenerateRequest{GracePeriodHours: new(1)})
		expectStatus(t, "rotate key", r, 200)
		return k.KeyID
	}
	e.product = e.newKey()
	r := call(t, e.cs.URL, "POST", "/api/v1/platform/webhooks", e.admin, map[string]any{"url": e.receiver.URL + "/hook", "events": []string{"email.sent", "email.opened"}})
	expectStatus(t, "create webhook", r, 201)
	r.decode(t, &e.webhook)
	return e
}

// propertyCase is one generated request.
type propertyCase struct {
	method string
	op     *openapi3.Operation
	path   string // with path parameters filled in
	query  url.Values
	body   map[string]any // nil: no body
	hasReq bool
}

// TestContractPropertyValidRequests is a generator of valid data: for every
// operation with a request body or query parameters it builds N requests
// from the contract's schemas (strings from patterns, enums and formats,
// numbers within bounds, one branch of each anyOf), keeps those the
// contract validator accepts, sends them as an admin of a Business tenant
// (whose plan limit is the schema's rate_limit maximum) and wants 2xx.
//
// Rules the schema language cannot state are met by fixups, each counted:
// an id that must name an existing object (a fresh key per change, so no
// 409 for a key already rotated or revoked); expires_at in the future (no
// "now" in JSON Schema); a custom usage range with from, from before to,
// at most 400 days (OpenAPI cannot make one query parameter depend on
// another); cursor only as handed out (opaque); webhook urls that resolve
// to a host the server may call. A second pass without fixups reports what
// each of them guards against.
func TestContractPropertyValidRequests(t *testing.T) {
	t.Parallel()
	n := envInt("PMDEV_PROPERTY_N", 40)
	if raceEnabled && os.Getenv("PMDEV_PROPERTY_N") == "" {
		n = 10 // the race detector slows the validator tenfold; the plain run covers the volume
	}
	seed := uint64(envInt("PMDEV_PROPERTY_SEED", 20261205))
	be := newBusinessEnv(t)
	cs, admin, receiver, product, wh := be.cs, be.admin, be.receiver, be.product, be.webhook

	doc := loadContract(t)
	doc.Servers = nil
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	g := &schemaGen{rnd: rand.New(rand.NewPCG(seed, 1)), now: time.Now()}
	fixups := map[string]int{}
	fix := func(c *propertyCase) {
		bump := func(what string) { fixups[what]++ }
		if c.body != nil {
			if v, ok := c.body["expires_at"].(string); ok {
				if ts, err := time.Parse(time.RFC3339, v); err == nil && !ts.After(g.now.Add(time.Hour)) {
					c.body["expires_at"] = g.now.Add(time.Duration(1+g.rnd.IntN(1000)) * time.Hour).UTC().Format(time.RFC3339)
					bump("expires_at in the future")
				}
			}
			if h, ok := c.body["hours"].(int64); ok && h >= models.KeyMaxGraceHours {
				c.body["hours"] = 1 + g.rnd.Int64N(models.KeyMaxGraceHours-1)
				bump("grace extension within 168 hours of the rotation")
			}
			if _, ok := c.body["data"]; ok && c.op.OperationID == "triggerEvent" {
				delete(c.body, "data")
				bump("trigger data: only the type's own fields")
			}
			if _, ok := c.body["url"].(string); ok {
				c.body["url"] = receiver.URL + "/" + g.fromPattern("^[a-z0-9_-]{0,12}$")
				bump("webhook url reachable")
			}
		}
		if c.query.Has("key_id") {
			c.query.Set("key_id", product.KeyID)
			bump("key_id of an existing key")
		}
		if c.query.Has("cursor") {
			c.query.Del("cursor")
			bump("cursor only as handed out")
		}
		if c.query.Get("range") == models.RangeCustom {
			from := g.now.Add(-time.Duration(1+g.rnd.IntN(399*24)) * time.Hour)
			c.query.Set("from", from.UTC().Format(time.RFC3339))
			if c.query.Has("to") {
				c.query.Set("to", from.Add(time.Duration(1+g.rnd.IntN(399*24))*time.Hour).UTC().Format(time.RFC3339))
			}
			bump("custom range: from, ordered, at most 400 days")
		}
	}
	type tally struct{ sent, ok, rejected int }
	counts := map[string]*tally{}
	raw := map[string]int{} // without fixups: op status code field -> count
	var failures []string
	ops := propertyOperations(doc)
	for _, o := range ops {
		counts[o.op.OperationID] = &tally{}
	}
	for pass, fixed := range []bool{true, false} {
		for _, o := range ops {
			tl := counts[o.op.OperationID]
			for range n {
				var c propertyCase
				ok := false
				for try := 0; try < 30 && !ok; try++ {
					c = g.propertyCase(o)
					c.path = be.fillPath(c.path, wh.ID)
					if fixed {
						fix(&c)
					}
					ok = validRequest(router, c, admin, product.Plaintext)
					if !ok && pass == 0 {
						tl.rejected++
					}
				}
				if !ok {
					continue
				}
				tok := admin
				if opSecurity(c.op) == "apiKey" {
					tok = product.Plaintext
				}
				var body any
				if c.hasReq {
					body = c.body
				}
				target := c.path
				if len(c.query) > 0 {
					target += "?" + c.query.Encode()
				}
				res := call(t, cs.URL, c.method, target, tok, body)
				if o.op.OperationID == "createWebhook" && res.status == 201 {
					var made models.CreatedWebhook
					res.decode(t, &made)
					call(t, cs.URL, "DELETE", "/api/v1/platform/webhooks/"+made.ID, admin, nil)
				}
				if !fixed {
					if res.status >= 300 {
						var p models.Problem
						_ = json.Unmarshal(res.body, &p)
						field := ""
						if len(p.Errors) > 0 {
							field = p.Errors[0].Field
						}
						raw[fmt.Sprintf("%s %d %s %s", o.op.OperationID, res.status, p.Error, field)]++
					}
					continue
				}
				tl.sent++
				if res.status >= 200 && res.status < 300 {
					tl.ok++
				} else if len(failures) < 30 {
					b, _ := json.Marshal(c.body)
					failures = append(failures, fmt.Sprintf("%s %s body %s -> %d %s", c.method, target, b, res.status, redactSecrets(string(res.body))))
				}
			}
		}
	}
	sent, ok, rejected := 0, 0, 0
	for _, o := range ops {
		tl := counts[o.op.OperationID]
		sent, ok, rejected = sent+tl.sent, ok+tl.ok, rejected+tl.rejected
		t.Logf("%-22s %3d sent, %3d 2xx (%d candidates the validator refused)", o.op.OperationID, tl.sent, tl.ok, tl.rejected)
		if tl.sent < n/2 {
			t.Errorf("%s: only %d of %d requests could be generated", o.op.OperationID, tl.sent, n)
		}
	}
	t.Logf("property: %d operations, %d valid requests, %d answered 2xx (seed %d, N %d)", len(ops), sent, ok, seed, n)
	t.Logf("fixups: %v", fixups)
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		t.Logf("without fixups: %s ×%d", k, raw[k])
	}
	for _, f := range failures {
		t.Errorf("valid request refused: %s", f)
	}
}

type propertyOp struct {
	method string
	op     *openapi3.Operation
	path   string
	params openapi3.Parameters
}

// propertyOperations lists the operations with a JSON body or query parameters.
func propertyOperations(doc *openapi3.T) []propertyOp {
	var out []propertyOp
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			params := append(openapi3.Parameters{}, item.Parameters...)
			params = append(params, op.Parameters...)
			hasQuery := false
			for _, p := range params {
				hasQuery = hasQuery || p.Value.In == "query"
			}
			// A stream (text/event-stream) never ends, so the buffering
			// validator cannot see its answer; server/stream_*_test.go check it.
			if r := op.Responses.Status(200); r != nil && r.Value.Content.Get("text/event-stream") != nil {
				continue
			}
			if hasQuery || op.RequestBody != nil {
				out = append(out, propertyOp{method, op, path, params})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].op.OperationID < out[j].op.OperationID })
	return out
}

func (g *schemaGen) propertyCase(o propertyOp) propertyCase {
	c := propertyCase{method: o.method, op: o.op, path: o.path, query: url.Values{}}
	op, params := o.op, o.params
	for _, p := range params {
		if p.Value.In != "query" || (!p.Value.Required && g.rnd.IntN(2) == 0) {
			continue
		}
		switch v := g.value(p.Value.Schema.Value).(type) {
		case nil:
		case string:
			c.query.Set(p.Value.Name, v)
		default:
			c.query.Set(p.Value.Name, fmt.Sprint(v))
		}
	}
	if rb := op.RequestBody; rb != nil {
		mt := rb.Value.Content.Get("application/json")
		if rb.Value.Required || g.rnd.IntN(4) > 0 {
			c.body, _ = g.value(mt.Schema.Value).(map[string]any)
			c.hasReq = true
		}
	}
	return c
}

// fillPath names existing objects: a fresh key for each key route, the
// test webhook for webhook routes.
func (be *businessEnv) fillPath(path string, webhookID string) string {
	switch {
	case !strings.Contains(path, "{id}"):
		return path
	case strings.HasPrefix(path, "/api/v1/platform/webhooks/"):
		return strings.ReplaceAll(path, "{id}", webhookID)
	case strings.Contains(path, "/grace/"):
		return strings.ReplaceAll(path, "{id}", be.inGrace())
	}
	return strings.ReplaceAll(path, "{id}", be.newKey().KeyID)
}

// validRequest asks the contract validator whether c is a valid request.
func validRequest(router routers.Router, c propertyCase, pat, key string) bool {
	var body []byte
	if c.hasReq {
		body, _ = json.Marshal(c.body)
	}
	target := c.path
	if len(c.query) > 0 {
		target += "?" + c.query.Encode()
	}
	req, err := http.NewRequest(c.method, target, bytes.NewReader(body))
	if err != nil {
		return false
	}
	if c.hasReq {
		req.Header.Set("Content-Type", "application/json")
	}
	tok := pat
	if opSecurity(c.op) == "apiKey" {
		tok = key
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	route, params, err := router.FindRoute(req)
	if err != nil {
		return false
	}
	return openapi3filter.ValidateRequest(context.Background(), &openapi3filter.RequestValidationInput{
		Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: contractAuth},
	}) == nil
}

// opSecurity is the name of the operation's security scheme ("" for public ones).
func opSecurity(op *openapi3.Operation) string {
	if op.Security != nil {
		for _, req := range *op.Security {
			for name := range req {
				return name
			}
		}
	}
	return ""
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// TestContractRequestExamplesAreAccepted sends every request body example
// of the contract, as a Business admin (or its API key) on fresh objects,
// and wants 2xx: examples must stay valid as time passes (an expiry date
// in an example must not fall into the past). Webhook urls point at a
// local receiver, as in the property test.
func TestContractRequestExamplesAreAccepted(t *testing.T) {
	t.Parallel()
	be := newBusinessEnv(t)
	cs, admin, receiver, product, wh := be.cs, be.admin, be.receiver, be.product, be.webhook
	sent := 0
	for _, o := range propertyOperations(loadContract(t)) {
		if o.op.RequestBody == nil {
			continue
		}
		mt := o.op.RequestBody.Value.Content.Get("application/json")
		values := map[string]any{}
		for name, ex := range mt.Examples {
			values[name] = ex.Value.Value
		}
		if mt.Example != nil {
			values["example"] = mt.Example
		}
		for name, v := range values {
			if m, ok := v.(map[string]any); ok && m["url"] != nil {
				m["url"] = receiver.URL + "/example"
			}
			tok := admin
			if opSecurity(o.op) == "apiKey" {
				tok = product.Plaintext
			}
			r := call(t, cs.URL, o.method, be.fillPath(o.path, wh.ID), tok, v)
			sent++
			if r.status < 200 || r.status > 299 {
				t.Errorf("%s example %s: %d %s", o.op.OperationID, name, r.status, redactSecrets(string(r.body)))
			}
		}
	}
	if sent < 13 {
		t.Fatalf("only %d request examples found", sent)
	}
}
