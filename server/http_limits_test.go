package server

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/penguinmails/pmdev/models"
)

// limitsServer serves h through NewHTTPServer on a WrapListener listener
// with short test bounds; it returns the address.
func limitsServer(t *testing.T, h http.Handler, o HTTPOptions) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := NewHTTPServer(h, o)
	go func() { _ = hs.Serve(WrapListener(ln, o)) }()
	t.Cleanup(func() { _ = hs.Close() })
	return ln.Addr().String()
}

// rawAnswer is what came back on a raw connection, and when.
type rawAnswer struct {
	status    int
	header    http.Header
	body      []byte
	answered  time.Duration // first byte of the answer
	close     bool          // the answer says Connection: close
	closed    time.Duration // the server closed the connection (0: still open at the deadline)
	readError error
}

// rawExchange writes req on a fresh connection, then waits up to wait for
// an answer and for the connection to close.
func rawExchange(t *testing.T, addr, req string, wait time.Duration) rawAnswer {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	start := time.Now()
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	return readRaw(t, c, start, wait)
}

func readRaw(t *testing.T, c net.Conn, start time.Time, wait time.Duration) rawAnswer {
	t.Helper()
	_ = c.SetReadDeadline(start.Add(wait))
	br := bufio.NewReader(c)
	var a rawAnswer
	if _, err := br.Peek(1); err != nil {
		a.readError = err
		if !isTimeout(err) {
			a.closed = time.Since(start)
		}
		return a
	}
	a.answered = time.Since(start)
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		a.readError = err
		return a
	}
	a.status, a.header, a.close = res.StatusCode, res.Header, res.Close
	a.body, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if !res.Close {
		return a // a kept-alive connection stays open
	}
	if _, err := br.ReadByte(); err != nil && !isTimeout(err) {
		a.closed = time.Since(start)
	}
	return a
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func (a rawAnswer) problem(t *testing.T) models.Problem {
	t.Helper()
	if ct := a.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("status %d with Content-Type %q (%v), want a problem; body %q", a.status, ct, a.readError, a.body)
	}
	var p models.Problem
	if err := json.Unmarshal(a.body, &p); err != nil || p.Status != a.status || p.Error == "" || p.Message == "" {
		t.Fatalf("bad problem %q: %v", a.body, err)
	}
	return p
}

// A body that stops arriving holds a connection no longer than the body
// bound, whoever sends it: without a credential the refusal comes at once,
// with one the server answers 408 at the bound; either way the connection
// is then closed.
func TestStalledBodiesAreBounded(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "")
	admin := e.addUser("admin@a.test", models.RoleAdmin, "A", "")
	k := e.createKey(admin, models.CreateAPIKeyRequest{Name: "Stall", Permissions: []string{"send_email"}})
	const bound = 400 * time.Millisecond
	addr := limitsServer(t, e.s.Handler(), HTTPOptions{BodyTimeout: bound})
	stalled := func(path, tok, framing string) string {
		auth := ""
		if tok != "" {
			auth = "Authorization: Bearer " + tok + "\r\n"
		}
		return "POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" + auth + framing + "\r\n{\"na"
	}
	const declared = "Content-Length: 1000\r\n"
	const chunked = "Transfer-Encoding: chunked\r\n"
	for _, c := range []struct {
		name, req string
		status    int
		code      string
		early     bool // answered before the bound
	}{
		{"no token", stalled("/api/v1/platform/api-keys", "", declared), 401, "missing_token", true},
		{"unknown token", stalled("/api/v1/platform/api-keys", "pm_pat_nope", declared), 401, "invalid_token", true},
		{"unknown API key", stalled("/api/v1/emails/send", "pm_live_nope", declared), 401, "invalid_token", true},
		{"admin token", stalled("/api/v1/platform/api-keys", admin, declared), 408, "request_timeout", false},
		{"admin token, chunked", stalled("/api/v1/platform/api-keys", admin, chunked), 408, "request_timeout", false},
		{"API key", stalled("/api/v1/emails/send", k.Plaintext, declared), 408, "request_timeout", false},
	} {
		a := rawExchange(t, addr, c.req, bound+3*time.Second)
		p := a.problem(t)
		t.Logf("%s: %d %s after %v, closed after %v (bound %v)", c.name, a.status, p.Error, a.answered.Round(time.Millisecond), a.closed.Round(time.Millisecond), bound)
		if a.status != c.status || p.Error != c.code {
			t.Errorf("%s: %d %s, want %d %s", c.name, a.status, p.Error, c.status, c.code)
		}
		if c.early && a.answered >= bound {
			t.Errorf("%s: answered after %v, want at once", c.name, a.answered)
		}
		if !c.early && (a.answered < bound || a.answered > bound+time.Second) {
			t.Errorf("%s: answered after %v, want at the %v bound", c.name, a.answered, bound)
		}
		if a.closed == 0 || a.closed > bound+time.Second {
			t.Errorf("%s: connection closed after %v (0: still open), want within %v", c.name, a.closed, bound)
		}
		if !a.close {
			t.Errorf("%s: answer does not say Connection: close", c.name)
		}
	}
	// A slow body that completes within the bound is served.
	body := `{"name":"Slow","permissions":["send_email"]}`
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	start := time.Now()
	_, _ = io.WriteString(c, "POST /api/v1/platform/api-keys HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: Bearer "+admin+
		"\r\nContent-Length: "+strconv.Itoa(len(body))+"\r\n\r\n")
	for i := range body {
		_, _ = io.WriteString(c, body[i:i+1])
		time.Sleep(bound / time.Duration(3*len(body)))
	}
	if a := readRaw(t, c, start, 3*time.Second); a.status != 201 {
		t.Fatalf("slow but complete body: %d %s", a.status, a.body)
	}
}

// The body bound is a read deadline per request, lifted once the body is
// in: a handler that answers long after reading its body keeps its
// context and its connection.
func TestBodyBoundDoesNotCutLongAnswers(t *testing.T) {
	t.Parallel()
	const bound = 200 * time.Millisecond
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body)
		time.Sleep(3 * bound)
		if r.Context().Err() != nil {
			http.Error(w, "context cancelled", 500)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"ok":true}`)
	})
	addr := limitsServer(t, h, HTTPOptions{BodyTimeout: bound})
	a := rawExchange(t, addr, "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}", 5*bound)
	if a.status != 200 || string(a.body) != `{"ok":true}` {
		t.Fatalf("long answer after the body: %d %q (%v)", a.status, a.body, a.readError)
	}
}

// An idle keep-alive connection is closed after IdleTimeout, not before.
func TestIdleKeepAliveIsClosed(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "")
	const idle = 300 * time.Millisecond
	addr := limitsServer(t, e.s.Handler(), HTTPOptions{IdleTimeout: idle})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	br := bufio.NewReader(c)
	for i := range 2 { // the connection is reused while in use
		_, _ = io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
		res, err := http.ReadResponse(br, nil)
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("request %d on the kept-alive connection: %v", i, err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
	}
	start := time.Now()
	_ = c.SetReadDeadline(start.Add(idle + 3*time.Second))
	_, err = br.ReadByte()
	gone := time.Since(start)
	if !errors.Is(err, io.EOF) || gone < idle-50*time.Millisecond || gone > idle+time.Second {
		t.Fatalf("idle connection: %v after %v, want EOF after about %v", err, gone, idle)
	}
}

// MaxConnsPerIP refuses the connection over the cap with a 503 problem and
// admits a new one once another closes; without the option there is no cap.
func TestConnectionCapPerAddress(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "")
	const limit = 3
	addr := limitsServer(t, e.s.Handler(), HTTPOptions{MaxConnsPerIP: limit})
	var held []net.Conn
	for range limit {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		held = append(held, c)
	}
	time.Sleep(50 * time.Millisecond) // let the server accept them
	a := rawExchange(t, addr, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 3*time.Second)
	if p := a.problem(t); a.status != 503 || p.Error != "too_many_connections" || a.header.Get("Retry-After") == "" || a.closed == 0 {
		t.Fatalf("connection over the cap: %d %+v closed=%v", a.status, p, a.closed)
	}
	held[0].Close()
	time.Sleep(50 * time.Millisecond)
	if a := rawExchange(t, addr, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 3*time.Second); a.status != 200 {
		t.Fatalf("after one closed: %d %s", a.status, a.body)
	}
	// No cap by default: many connections from one address are all served.
	open := limitsServer(t, e.s.Handler(), HTTPOptions{})
	for range 3 * limit {
		c, err := net.Dial("tcp", open)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		held = append(held, c)
	}
	if a := rawExchange(t, open, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 3*time.Second); a.status != 200 {
		t.Fatalf("uncapped server: %d %s", a.status, a.body)
	}
}

// Malformed requests get problem documents: the limits the handler checks
// (414, 431) and what net/http answers before any handler runs (a header
// section over its cap, a malformed header, an unknown transfer coding).
func TestMalformedRequestsGetProblems(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "")
	addr := limitsServer(t, e.s.Handler(), HTTPOptions{})
	long := strings.Repeat("a", DefaultMaxURLBytes)
	for _, c := range []struct {
		name, req string
		status    int
		code      string
	}{
		{"long URL", "GET /api/v1/docs?q=" + long + " HTTP/1.1\r\nHost: x\r\n\r\n", 414, "uri_too_long"},
		{"large headers", "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("b", DefaultMaxHeaderBytes) + "\r\n\r\n", 431, "headers_too_large"},
		{"2 MB URL", "GET /api/v1/docs?q=" + strings.Repeat("a", 2<<20) + " HTTP/1.1\r\nHost: x\r\n\r\n", 431, "headers_too_large"},
		{"control character in a header", "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Bad: a\x01b\r\n\r\n", 400, "malformed_request"},
		{"no Host", "GET /healthz HTTP/1.1\r\n\r\n", 400, "malformed_request"},
		{"unknown transfer coding", "POST /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: zip\r\n\r\n", 501, "not_implemented"},
		{"HTTP/3", "GET /healthz HTTP/3.0\r\nHost: x\r\n\r\n", 505, "http_version_not_supported"},
	} {
		a := rawExchange(t, addr, c.req, 5*time.Second)
		if p := a.problem(t); a.status != c.status || p.Error != c.code {
			t.Errorf("%s: %d %+v, want %d %s", c.name, a.status, p, c.status, c.code)
		}
	}
	// The two documented exceptions: net/http answers an unknown Expect
	// with an empty 417, and drops a connection whose headers stall.
	if a := rawExchange(t, addr, "GET /healthz HTTP/1.1\r\nHost: x\r\nExpect: teapot\r\n\r\n", 5*time.Second); a.status != 417 || len(a.body) != 0 {
		t.Errorf("Expect: teapot: %d %q", a.status, a.body)
	}
	const headerBound = 200 * time.Millisecond
	slow := limitsServer(t, e.s.Handler(), HTTPOptions{HeaderTimeout: headerBound})
	if a := rawExchange(t, slow, "GET /healthz HTTP/1.1\r\nHost: x\r\n", 5*time.Second); a.status != 0 || a.closed < headerBound || a.closed > headerBound+time.Second {
		t.Errorf("stalled headers: status %d, closed after %v, want closed without an answer after %v", a.status, a.closed, headerBound)
	}
	// Just under the limits is served.
	if a := rawExchange(t, addr, "GET /healthz?q="+strings.Repeat("a", DefaultMaxURLBytes-len("/healthz?q="))+" HTTP/1.1\r\nHost: x\r\n\r\n", 5*time.Second); a.status != 200 {
		t.Errorf("URL at the limit: %d %s", a.status, a.body)
	}
}

// The defaults are the documented ones.
func TestHTTPServerDefaults(t *testing.T) {
	hs := NewHTTPServer(http.NotFoundHandler(), HTTPOptions{})
	if hs.ReadHeaderTimeout != 10*time.Second || hs.IdleTimeout != 120*time.Second || hs.MaxHeaderBytes != 64<<10 ||
		hs.ReadTimeout != 0 || hs.WriteTimeout != 0 || DefaultBodyTimeout != 30*time.Second {
		t.Fatalf("defaults: %+v", hs)
	}
	raw, err := readContract()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"10 seconds", "30 seconds", "120 seconds", "8 KiB", "32 KiB", "64 KiB", "--max-conns-per-ip"} {
		if !strings.Contains(raw, s) {
			t.Errorf("the contract does not state %q", s)
		}
	}
}
