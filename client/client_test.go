package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/penguinmails/pmdev/models"
)

const testToken = "pm_pat_secretsecretsecret"

func newTestClient(t *testing.T, h http.HandlerFunc, o Options) *Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	o.BaseURL = srv.URL
	if o.Token == "" {
		o.Token = testToken
	}
	return New(o)
}

// countingClient is newTestClient with a server that counts its requests.
func countingClient(t *testing.T, h http.HandlerFunc, o Options) (*Client, *atomic.Int32) {
	t.Helper()
	n := new(atomic.Int32)
	return newTestClient(t, func(w http.ResponseWriter, r *http.Request) { n.Add(1); h(w, r) }, o), n
}

func problem(w http.ResponseWriter, status int, code string, retryAfter int) {
	w.Header().Set("Content-Type", "application/problem+json")
	if retryAfter > 0 {
		w.Header().Set("Retry-After", itoa(retryAfter))
	}
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(models.Problem{Type: "https://docs.penguinmails.com/errors/" + code, Title: code,
		Status: status, Error: code, Message: "msg " + code, RetryAfter: retryAfter})
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestMeSendsTokenAndDecodes(t *testing.T) {
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+testToken {
			problem(w, 401, "invalid_token", 0)
			return
		}
		if r.Header.Get("X-Pmdev-No-Retry") != "" {
			t.Errorf("internal marker header leaked to the server")
		}
		_ = json.NewEncoder(w).Encode(models.Me{Email: "admin@acme.test", Role: "admin"})
	}, Options{})
	me, err := c.Me(context.Background())
	if err != nil || me.Email != "admin@acme.test" {
		t.Fatalf("Me = %+v, %v", me, err)
	}
}

func TestRetriesIdempotentOn5xx(t *testing.T) {
	var n atomic.Int32
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) < 3 {
			problem(w, 503, "unavailable", 0)
			return
		}
		_ = json.NewEncoder(w).Encode(models.RateLimits{Plan: models.Plan{Name: "professional"}})
	}, Options{})
	rl, err := c.RateLimits(context.Background())
	if err != nil || rl.Plan.Name != "professional" {
		t.Fatalf("RateLimits = %+v, %v", rl, err)
	}
	if n.Load() != 3 {
		t.Fatalf("attempts = %d, want 3", n.Load())
	}
}

func TestGivesUpAfterRetryCount(t *testing.T) {
	c, n := countingClient(t, func(w http.ResponseWriter, r *http.Request) {
		problem(w, 500, "internal", 0)
	}, Options{RetryCount: 1})
	_, err := c.Me(context.Background())
	if StatusOf(err) != 500 || n.Load() != 2 {
		t.Fatalf("err=%v attempts=%d, want 500 after 2", err, n.Load())
	}
}

func TestNoRetryForPostOn5xx(t *testing.T) {
	c, n := countingClient(t, func(w http.ResponseWriter, r *http.Request) {
		problem(w, 502, "bad_gateway", 0)
	}, Options{})
	_, err := c.CreateKey(context.Background(), models.CreateAPIKeyRequest{Name: "x"})
	if StatusOf(err) != 502 || n.Load() != 1 {
		t.Fatalf("err=%v attempts=%d, want one 502", err, n.Load())
	}
}

func TestNetworkErrorRetriedThenTyped(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens: connection refused
	var n atomic.Int32
	c := New(Options{BaseURL: "http://" + addr, Token: testToken, Transport: countingRT{&n, http.DefaultTransport}})
	_, err = c.Me(context.Background())
	e, ok := AsError(err)
	if !ok || e.Kind != KindNetwork || !IsOffline(err) {
		t.Fatalf("err = %#v, want network error", err)
	}
	if !strings.Contains(err.Error(), "connection refused") || !strings.Contains(err.Error(), addr) {
		t.Fatalf("error text %q should name the host and the cause", err)
	}
	if n.Load() != 3 {
		t.Fatalf("attempts = %d, want 3", n.Load())
	}
	if strings.Contains(err.Error(), testToken) {
		t.Fatal("token in error text")
	}
}

type countingRT struct {
	n  *atomic.Int32
	rt http.RoundTripper
}

func (c countingRT) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.rt.RoundTrip(r)
}

func TestRateLimitWaitsWhenItFits(t *testing.T) {
	var n atomic.Int32
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			problem(w, 429, "rate_limit_exceeded", 1)
			return
		}
		_ = json.NewEncoder(w).Encode(models.Me{Email: "a@b"})
	}, Options{})
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := c.Me(ctx); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 900*time.Millisecond {
		t.Fatalf("returned after %v, Retry-After 1s not honoured", d)
	}
}

func TestRateLimitReturnsTypedErrorWhenWaitTooLong(t *testing.T) {
	c, n := countingClient(t, func(w http.ResponseWriter, r *http.Request) {
		problem(w, 429, "rate_limit_exceeded", 12)
	}, Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	start := time.Now()
	_, err := c.RateLimits(ctx)
	e, ok := AsError(err)
	if !ok || e.Status != 429 || e.RetryAfter != 12*time.Second || e.Code() != "rate_limit_exceeded" {
		t.Fatalf("err = %#v", err)
	}
	if time.Since(start) > time.Second || n.Load() != 1 {
		t.Fatalf("should return at once (took %v, %d attempts)", time.Since(start), n.Load())
	}
}

func TestConditionalGETAndScopes(t *testing.T) {
	var bodies atomic.Int32
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == `"v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		bodies.Add(1)
		w.Header().Set("ETag", `"v1"`)
		_ = json.NewEncoder(w).Encode(models.APIKeyList{Total: 1, APIKeys: []models.APIKey{{KeyID: "k1", Name: "prod"}}})
	}, Options{})
	ctx := context.Background()
	l, err := c.ListKeys(ctx, models.KeyListParams{})
	if err != nil || l.Total != 1 {
		t.Fatalf("first = %+v, %v", l, err)
	}
	l, err = c.ListKeys(ctx, models.KeyListParams{})
	if !errors.Is(err, ErrNotModified) || l.Total != 0 {
		t.Fatalf("second = %+v, %v; want ErrNotModified and nothing decoded", l, err)
	}
	// Another consumer of the same URI has its own memory.
	l, err = c.ListKeys(WithCacheScope(ctx, "overview"), models.KeyListParams{})
	if err != nil || l.Total != 1 {
		t.Fatalf("scoped = %+v, %v", l, err)
	}
	c.ForgetETags()
	if _, err := c.ListKeys(ctx, models.KeyListParams{}); err != nil {
		t.Fatalf("after ForgetETags: %v", err)
	}
	if bodies.Load() != 3 {
		t.Fatalf("full bodies = %d, want 3", bodies.Load())
	}
}

func TestMalformedBodyIsDecodeErrorAndNotCached(t *testing.T) {
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") != "" {
			t.Error("ETag of a malformed body was remembered")
		}
		w.Header().Set("ETag", `"bad"`)
		_, _ = w.Write([]byte(`{"plan": [`))
	}, Options{})
	for range 2 {
		_, err := c.RateLimits(context.Background())
		if e, ok := AsError(err); !ok || e.Kind != KindDecode {
			t.Fatalf("err = %v, want decode error", err)
		}
	}
}

func TestProblemFieldsDecoded(t *testing.T) {
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(422)
		_ = json.NewEncoder(w).Encode(models.Problem{Title: "invalid", Status: 422, Error: "validation_failed",
			Message: "bad input", Errors: []models.FieldError{{Field: "name", Message: "required"}}})
	}, Options{})
	_, err := c.CreateKey(context.Background(), models.CreateAPIKeyRequest{})
	e, ok := AsError(err)
	if !ok || e.Status != 422 || e.FieldErrors()["name"] != "required" || e.Code() != "validation_failed" {
		t.Fatalf("err = %#v", err)
	}
}

func TestDefaultDeadline(t *testing.T) {
	block := make(chan struct{})
	defer close(block)
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-block:
		case <-r.Context().Done():
		}
	}, Options{Timeout: 150 * time.Millisecond})
	start := time.Now()
	_, err := c.Me(context.Background())
	if e, ok := AsError(err); !ok || e.Kind != KindTimeout {
		t.Fatalf("err = %v, want timeout", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("took %v; default deadline not applied", d)
	}
}

func TestProductCallUsesAPIKeyAndReadsRateHeaders(t *testing.T) {
	const apiKey = "pm_test_0123456789"
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+apiKey {
			problem(w, 401, "invalid_api_key", 0)
			return
		}
		w.Header().Set("X-RateLimit-Limit", "300")
		w.Header().Set("X-RateLimit-Remaining", "299")
		w.Header().Set("X-RateLimit-Reset", "12")
		_ = json.NewEncoder(w).Encode(models.SendEmailResponse{ID: "msg_1", Status: "queued"})
	}, Options{})
	out, rh, err := c.SendEmail(context.Background(), apiKey, models.SendEmailRequest{To: "a@b.c"})
	if err != nil || out.ID != "msg_1" || rh.Limit != 300 || rh.Remaining != 299 || rh.Reset != 12*time.Second {
		t.Fatalf("SendEmail = %+v %+v %v", out, rh, err)
	}
}

func TestLoggerNeverSeesSecrets(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		problem(w, 500, "boom", 0)
	}, Options{Logger: log})
	_, _ = c.Me(context.Background())
	_, _, _ = c.SendEmail(context.Background(), "pm_live_topsecretkey", models.SendEmailRequest{})
	if buf.Len() == 0 {
		t.Fatal("no debug lines logged")
	}
	if s := buf.String(); strings.Contains(s, testToken) || strings.Contains(s, "topsecret") {
		t.Fatalf("secret in log:\n%s", s)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Duration{
		"12": 12 * time.Second, " 3 ": 3 * time.Second, "": 0, "-1": 0, "soon": 0,
		now.Add(30 * time.Second).Format(time.RFC1123): 30 * time.Second,
	} {
		if got := parseRetryAfter(in, now); got != want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestRetryWaitPolicy(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	now := time.Now()
	cases := []struct {
		name       string
		err        error
		idempotent bool
		retry      bool
	}{
		{"5xx get", &Error{Kind: KindHTTP, Status: 503}, true, true},
		{"5xx post", &Error{Kind: KindHTTP, Status: 503}, false, false},
		{"network get", &Error{Kind: KindNetwork}, true, true},
		{"network post", &Error{Kind: KindNetwork}, false, false},
		{"404", &Error{Kind: KindHTTP, Status: 404}, true, false},
		{"429 fits", &Error{Kind: KindHTTP, Status: 429, RetryAfter: time.Second}, false, true},
		{"429 too long", &Error{Kind: KindHTTP, Status: 429, RetryAfter: 12 * time.Second}, true, false},
		{"decode", &Error{Kind: KindDecode}, true, false},
		{"plain", errors.New("x"), true, false},
	}
	for _, tc := range cases {
		if _, got := retryWait(ctx, tc.err, 0, tc.idempotent, now); got != tc.retry {
			t.Errorf("%s: retry = %v, want %v", tc.name, got, tc.retry)
		}
	}
	for a := range 10 {
		if d := backoff(a); d <= 0 || d > retryCap+10*time.Millisecond {
			t.Errorf("backoff(%d) = %v out of range", a, d)
		}
	}
}

// Close must cut off calls in flight (a quitting console) and their server
// side must see the request cancelled, not wait for its own timeout.
func TestCloseCancelsCallsInFlight(t *testing.T) {
	started := make(chan struct{})
	serverSawCancel := make(chan struct{})
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body) // as the real handlers do; net/http then watches the connection
		close(started)
		select {
		case <-r.Context().Done():
			close(serverSawCancel)
		case <-time.After(5 * time.Second):
		}
	}, Options{})
	errc := make(chan error, 1)
	go func() {
		_, err := c.TestWebhook(context.Background(), "wh_1", models.TestRequest{EventType: "email.sent"})
		errc <- err
	}()
	<-started
	begin := time.Now()
	c.Close()
	select {
	case err := <-errc:
		if err == nil {
			t.Fatal("call succeeded after Close")
		}
	case <-time.After(2 * time.Second):
		t.Fatal("call still running 2 s after Close")
	}
	select {
	case <-serverSawCancel:
	case <-time.After(2 * time.Second):
		t.Fatal("server handler never saw the request cancelled")
	}
	if d := time.Since(begin); d > time.Second {
		t.Errorf("Close took %v to stop the call", d)
	}
	if _, err := c.Me(context.Background()); err == nil {
		t.Error("a call after Close succeeded")
	}
	c.Close() // twice is fine
}
