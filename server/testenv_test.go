package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server/internal/servertest"
)

// newTestClock is the tests' clock, at a fixed instant.
func newTestClock() *servertest.Clock {
	return servertest.NewClock(time.Date(2026, 3, 10, 12, 0, 30, 0, time.UTC))
}

// testEnv is a real server on a temp SQLite file behind a real HTTP listener.
type testEnv struct {
	t      testing.TB
	s      *Server
	hs     *httptest.Server
	url    string
	clock  *servertest.Clock
	dbPath string
	wrap   func(http.Handler) http.Handler // optional middleware, e.g. the contract validator
	config func(*Config)                   // optional changes to the server config
}

func newEnv(t testing.TB, seed string) *testEnv {
	t.Helper()
	e := &testEnv{t: t, clock: newTestClock(), dbPath: servertest.DB(t, "pmdev.db")}
	e.open(seed)
	t.Cleanup(e.close)
	return e
}

func (e *testEnv) open(seed string) {
	e.t.Helper()
	cfg := Config{DBPath: e.dbPath, WebhookKey: servertest.WebhookKey(), Seed: seed, Now: e.clock.Now}
	if e.config != nil {
		e.config(&cfg)
	}
	s, err := Open(context.Background(), cfg)
	if err != nil {
		e.t.Fatalf("Open: %v", err)
	}
	e.s = s
	h := s.Handler()
	if e.wrap != nil {
		h = e.wrap(h)
	}
	e.hs = httptest.NewServer(h)
	e.url = e.hs.URL
}

func (e *testEnv) close() {
	if e.hs != nil {
		e.hs.Close()
		e.hs = nil
	}
	if e.s != nil {
		if err := e.s.Close(context.Background()); err != nil {
			e.t.Errorf("Close: %v", err)
		}
		e.s = nil
	}
}

// restart closes and reopens the server on the same database.
func (e *testEnv) restart() {
	e.close()
	e.open("")
}

type resp struct {
	status int
	header http.Header
	body   []byte
}

func (r resp) into(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

func (r resp) prob(t testing.TB) models.Problem {
	t.Helper()
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("status %d content type %q, want application/problem+json; body %s", r.status, ct, r.body)
	}
	var p models.Problem
	r.into(t, &p)
	if p.Status != r.status || p.Error == "" || p.Message == "" || p.Type == "" || p.Title == "" {
		t.Fatalf("incomplete problem %+v", p)
	}
	return p
}

// do sends a request; body may be nil, a string/[]byte (sent raw) or a value (JSON).
func (e *testEnv) do(method, path, token string, body any, hdr ...string) resp {
	e.t.Helper()
	res := send(e.t, e.url, method, path, token, body, hdr)
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{res.StatusCode, res.Header, b}
}

// send builds and sends one request (see do); the caller closes the body.
func send(t testing.TB, base, method, path, token string, body any, hdr []string) *http.Response {
	t.Helper()
	var rd io.Reader
	ctype := ""
	switch b := body.(type) {
	case nil:
	case string:
		rd, ctype = strings.NewReader(b), "application/json"
	case []byte:
		rd, ctype = bytes.NewReader(b), "application/json"
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd, ctype = bytes.NewReader(j), "application/json"
	}
	req, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return res
}

// must sends a request and fails unless the status is want; it decodes into out.
func (e *testEnv) must(method, path, token string, body any, want int, out any) resp {
	e.t.Helper()
	r := e.do(method, path, token, body)
	if r.status != want {
		e.t.Fatalf("%s %s: status %d, want %d; body %s", method, path, r.status, want, r.body)
	}
	if out != nil {
		r.into(e.t, out)
	}
	return r
}

func (e *testEnv) addUser(email, role, tenant, plan string) string {
	e.t.Helper()
	tok, err := e.s.AddUser(context.Background(), NewUser{Email: email, Role: role, Tenant: tenant, Plan: plan})
	if err != nil {
		e.t.Fatalf("AddUser: %v", err)
	}
	return tok
}

func (e *testEnv) createKey(token string, req models.CreateAPIKeyRequest) models.CreatedAPIKey {
	e.t.Helper()
	var out models.CreatedAPIKey
	e.must("POST", "/api/v1/platform/api-keys", token, req, http.StatusCreated, &out)
	return out
}

// tenantOf is the tenant a key belongs to, for tests that write usage rows.
func (e *testEnv) tenantOf(keyID string) string {
	e.t.Helper()
	var tenant string
	if err := e.s.db.QueryRow(`SELECT tenant_id FROM api_keys WHERE id = ?`, keyID).Scan(&tenant); err != nil {
		e.t.Fatal(err)
	}
	return tenant
}

func sendBody() models.SendEmailRequest {
	return models.SendEmailRequest{To: "user@example.com", Subject: "Hi", TextBody: "Hello"}
}

func stringsReader(s string) io.Reader { return strings.NewReader(s) }

func (b *benchServer) doJSON(req *http.Request, out any) error {
	res, err := b.client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	return json.NewDecoder(res.Body).Decode(out)
}
