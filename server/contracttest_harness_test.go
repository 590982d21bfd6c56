package server

// Contract harness: a middleware that validates every request/response pair
// against api/openapi.yaml with kin-openapi's openapi3filter. Any server test
// can get a validated base URL from NewContractServer.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/penguinmails/pmdev/server/internal/servertest"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// contractPath is the contract as tests see it from package server.
const contractPath = "../api/openapi.yaml"

// ContractOptions tunes NewContractServer; the zero value is a demo-seeded server.
type ContractOptions struct {
	Seed      string           // "demo" when empty; "none" for an empty database
	Now       func() time.Time // injectable clock
	Configure func(*Config)    // last-minute changes to the server config
}

// ContractServer is a running server whose traffic is all contract-checked.
type ContractServer struct {
	URL    string
	Server *Server
	v      *contractValidator
}

// NewContractServer starts a server on a temp SQLite file behind the contract
// validator. Mismatches fail tb; everything is closed when tb ends.
func NewContractServer(tb testing.TB, opts ContractOptions) *ContractServer {
	tb.Helper()
	cfg := Config{DBPath: servertest.DB(tb, "pmdev.db"), WebhookKey: servertest.WebhookKey(), Seed: "demo", Now: opts.Now, Assets: os.DirFS("../api")}
	switch opts.Seed {
	case "":
	case "none":
		cfg.Seed = ""
	default:
		cfg.Seed = opts.Seed
	}
	if opts.Configure != nil {
		opts.Configure(&cfg)
	}
	srv, err := Open(context.Background(), cfg)
	if err != nil {
		tb.Fatalf("open server: %v", err)
	}
	tb.Cleanup(func() {
		if err := srv.Close(context.Background()); err != nil {
			tb.Errorf("close server: %v", err)
		}
	})
	v := newContractValidator(tb)
	ts := httptest.NewServer(v.middleware(srv.Handler()))
	tb.Cleanup(ts.Close) // runs before srv.Close: no request is in flight when the DB closes
	return &ContractServer{URL: ts.URL, Server: srv, v: v}
}

// Seen returns, per operationId, the statuses the server answered with.
func (c *ContractServer) Seen() map[string][]int { return c.v.seenStatuses() }

// Operations lists every operationId of the contract with its tags.
func (c *ContractServer) Operations() map[string][]string {
	out := map[string][]string{}
	for _, item := range c.v.doc.Paths.Map() {
		for _, op := range item.Operations() {
			out[op.OperationID] = op.Tags
		}
	}
	return out
}

// loadContract loads and validates the OpenAPI document.
func loadContract(tb testing.TB) *openapi3.T {
	tb.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile(contractPath)
	if err != nil {
		tb.Fatalf("load %s: %v", contractPath, err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		tb.Fatalf("invalid %s: %v", contractPath, err)
	}
	return doc
}

type contractValidator struct {
	tb     testing.TB
	doc    *openapi3.T
	router routers.Router

	mu   sync.Mutex
	seen map[string]map[int]int // operationId -> status -> count
}

func newContractValidator(tb testing.TB) *contractValidator {
	tb.Helper()
	doc := loadContract(tb)
	// Route on paths only: the test server's host is not one of the documented servers.
	doc.Servers = nil
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		tb.Fatalf("contract router: %v", err)
	}
	return &contractValidator{tb: tb, doc: doc, router: router, seen: map[string]map[int]int{}}
}

func (v *contractValidator) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			v.fail(r, 0, "read request body: %v", err)
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		v.check(r, body, rec)
		for k, vals := range rec.Header() {
			w.Header()[k] = vals
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	})
}

// check validates one exchange; r's body has already been consumed by the server.
func (v *contractValidator) check(r *http.Request, reqBody []byte, rec *httptest.ResponseRecorder) {
	if r.Method == http.MethodHead || r.Method == http.MethodOptions {
		return
	}
	ctx := context.Background()
	status := rec.Code
	vr, err := http.NewRequestWithContext(ctx, r.Method, r.URL.String(), bytes.NewReader(reqBody))
	if err != nil {
		v.fail(r, status, "rebuild request: %v", err)
		return
	}
	vr.Header = r.Header.Clone()
	vr.Host = r.Host

	route, pathParams, err := v.router.FindRoute(vr)
	if err != nil {
		v.checkUndocumented(r, rec, err)
		return
	}
	opID := route.Operation.OperationID
	reqInput := &openapi3filter.RequestValidationInput{
		Request:    vr,
		PathParams: pathParams,
		Route:      route,
		Options: &openapi3filter.Options{
			AuthenticationFunc: contractAuth,
			MultiError:         true,
		},
	}
	reqErr := openapi3filter.ValidateRequest(ctx, reqInput)
	if reqErr != nil && (status < 400 || status >= 500) {
		// The contract forbids this request, so the server must refuse it with a 4xx.
		v.fail(r, status, "%s: request violates the contract but the server answered %d:\n%v", opID, status, reqErr)
	}
	if status >= 500 {
		v.fail(r, status, "%s: server error %d: %s", opID, status, rec.Body.String())
	}
	v.record(opID, status)

	if status == http.StatusNotModified {
		v.check304(r, route, rec)
		return
	}
	respInput := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: reqInput,
		Status:                 status,
		Header:                 rec.Header(),
		Options: &openapi3filter.Options{
			IncludeResponseStatus: true,
			MultiError:            true,
		},
	}
	respInput.SetBodyBytes(rec.Body.Bytes())
	if err := openapi3filter.ValidateResponse(ctx, respInput); err != nil {
		v.fail(r, status, "%s: response violates the contract: %v\nbody: %s", opID, err, rec.Body.String())
		return
	}
	if resp := route.Operation.Responses.Status(status); resp != nil && len(resp.Value.Content) == 0 && rec.Body.Len() > 0 {
		v.fail(r, status, "%s: response %d has a body the contract does not document", opID, status)
	}
}

// checkUndocumented accepts only a 404/405 problem for routes the contract lacks.
func (v *contractValidator) checkUndocumented(r *http.Request, rec *httptest.ResponseRecorder, routeErr error) {
	status := rec.Code
	if status != http.StatusNotFound && status != http.StatusMethodNotAllowed {
		v.fail(r, status, "undocumented route (%v) answered %d; document it in api/openapi.yaml", routeErr, status)
		return
	}
	v.checkProblemBody(r, rec)
}

// checkProblemBody validates a body against components/schemas/Problem.
func (v *contractValidator) checkProblemBody(r *http.Request, rec *httptest.ResponseRecorder) {
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		v.fail(r, rec.Code, "error answered with Content-Type %q, want application/problem+json", ct)
		return
	}
	val, err := decodeJSONValue(rec.Body.Bytes())
	if err != nil {
		v.fail(r, rec.Code, "problem body is not JSON: %v", err)
		return
	}
	schema := v.doc.Components.Schemas["Problem"].Value
	if err := schema.VisitJSON(val, openapi3.EnableJSONSchema2020(), openapi3.VisitAsResponse()); err != nil {
		v.fail(r, rec.Code, "problem body violates the Problem schema: %v", err)
	}
}

// check304 covers what openapi3filter skips: 304 must be documented, conditional, bodiless, with its headers.
func (v *contractValidator) check304(r *http.Request, route *routers.Route, rec *httptest.ResponseRecorder) {
	opID := route.Operation.OperationID
	resp := route.Operation.Responses.Status(http.StatusNotModified)
	if resp == nil {
		v.fail(r, 304, "%s: 304 is not documented", opID)
		return
	}
	if r.Header.Get("If-None-Match") == "" {
		v.fail(r, 304, "%s: 304 without If-None-Match", opID)
	}
	if rec.Body.Len() > 0 {
		v.fail(r, 304, "%s: 304 with a body", opID)
	}
	for name, h := range resp.Value.Headers {
		got := rec.Header().Get(name)
		if got == "" {
			if h.Value.Required {
				v.fail(r, 304, "%s: 304 lacks required header %s", opID, name)
			}
			continue
		}
		if h.Value.Schema != nil {
			if err := h.Value.Schema.Value.VisitJSON(got, openapi3.EnableJSONSchema2020()); err != nil {
				v.fail(r, 304, "%s: 304 header %s: %v", opID, name, err)
			}
		}
	}
}

func (v *contractValidator) record(opID string, status int) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.seen[opID] == nil {
		v.seen[opID] = map[int]int{}
	}
	v.seen[opID][status]++
}

func (v *contractValidator) seenStatuses() map[string][]int {
	v.mu.Lock()
	defer v.mu.Unlock()
	out := map[string][]int{}
	for op, m := range v.seen {
		for st := range m {
			out[op] = append(out[op], st)
		}
		sort.Ints(out[op])
	}
	return out
}

func (v *contractValidator) fail(r *http.Request, status int, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	v.tb.Errorf("contract: %s %s -> %d: %s", r.Method, r.URL.RequestURI(), status, redactSecrets(msg))
}

// contractAuth checks the credential's shape for the operation's scheme; the
// server decides whether it is valid, the contract only what it looks like.
func contractAuth(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	h := in.RequestValidationInput.Request.Header.Get("Authorization")
	if len(h) < 7 || !strings.EqualFold(h[:7], "bearer ") {
		return errors.New("no bearer credential")
	}
	tok := strings.TrimSpace(h[7:])
	switch in.SecuritySchemeName {
	case "personalAccessToken":
		if !strings.HasPrefix(tok, "pm_pat_") {
			return errors.New("not a personal access token")
		}
	case "apiKey":
		body, ok := strings.CutPrefix(tok, "pm_live_")
		if !ok {
			body, ok = strings.CutPrefix(tok, "pm_test_")
		}
		if !ok || len(body) != 64 || strings.IndexFunc(body, func(c rune) bool { return !isAlnumASCII(c) }) >= 0 {
			return errors.New("not an API key")
		}
	default:
		return fmt.Errorf("unknown security scheme %q", in.SecuritySchemeName)
	}
	return nil
}

func isAlnumASCII(c rune) bool {
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
}

// secretPattern matches the credentials that must never reach test logs.
func secretPattern() *regexp.Regexp {
	return regexp.MustCompile(`(pm_(?:live|test|pat)_|whsec_)[0-9A-Za-z+/=_-]{6,}`)
}

func redactSecrets(s string) string {
	return secretPattern().ReplaceAllString(s, "${1}[REDACTED]")
}

func decodeJSONValue(b []byte) (any, error) {
	var out any
	err := json.Unmarshal(b, &out)
	return out, err
}

// uncoveredOperations lists contract operations no exchange reached, skipping tags in skip.
func (c *ContractServer) uncoveredOperations(skip ...string) []string {
	seen := c.Seen()
	var out []string
	for op, tags := range c.Operations() {
		if slices.ContainsFunc(tags, func(t string) bool { return slices.Contains(skip, t) }) {
			continue
		}
		if _, ok := seen[op]; !ok {
			out = append(out, op)
		}
	}
	sort.Strings(out)
	return out
}

// newLocalHooksServer is an empty contract-checked server whose webhooks
// may point at local receivers (test servers on 127.0.0.1).
func newLocalHooksServer(tb testing.TB) *ContractServer {
	tb.Helper()
	return NewContractServer(tb, ContractOptions{Seed: "none", Configure: func(c *Config) { c.AllowPrivateWebhooks = true }})
}

// AddUser adds a user (a new tenant on plan when it does not exist) and returns a token.
func (c *ContractServer) AddUser(tb testing.TB, u NewUser) string {
	tb.Helper()
	tok, err := c.Server.AddUser(context.Background(), u)
	if err != nil {
		tb.Fatalf("add user %s: %v", u.Email, err)
	}
	return tok
}
