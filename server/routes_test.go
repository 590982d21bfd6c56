package server

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHealthzAndFallbacks(t *testing.T) {
	e := newEnv(t, "")
	r := e.must("GET", "/healthz", "", nil, 200, nil)
	if !strings.Contains(string(r.body), `"ok"`) {
		t.Fatalf("healthz body %s", r.body)
	}
	if p := e.do("GET", "/api/v1/nope", "", nil).prob(t); p.Status != 404 {
		t.Fatalf("unknown route: %+v", p)
	}
	r = e.do("PUT", "/api/v1/me", "", nil)
	if p := r.prob(t); p.Status != 405 || r.header.Get("Allow") == "" {
		t.Fatalf("wrong method: %+v allow=%q", p, r.header.Get("Allow"))
	}
}

func TestPanicBecomesProblem(t *testing.T) {
	e := newEnv(t, "")
	hs := httptest.NewServer(e.s.recoverer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic("boom: SELECT secret FROM x")
	})))
	defer hs.Close()
	res, err := http.Get(hs.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var buf strings.Builder
	_, _ = fmt.Fprint(&buf, res.Header.Get("Content-Type"))
	if res.StatusCode != 500 || buf.String() != "application/problem+json" {
		t.Fatalf("status %d type %s", res.StatusCode, buf.String())
	}
	b := make([]byte, 4096)
	n, _ := res.Body.Read(b)
	if strings.Contains(string(b[:n]), "SELECT") || strings.Contains(string(b[:n]), "goroutine") {
		t.Fatalf("panic detail leaked: %s", b[:n])
	}
}
