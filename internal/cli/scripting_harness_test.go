package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/penguinmails/pmdev/api"
	"github.com/penguinmails/pmdev/server"
)

// refAPI is the reference server, demo-seeded, on a loopback port, with a
// token for each seeded role. Every scripting test talks to it over HTTP.
type refAPI struct {
	URL                   string
	srv                   *server.Server
	admin, dev, member    string
	hookURL               string // a local webhook receiver answering hookStatus
	hookMu                sync.Mutex
	hookStatus, hookCount int
	hookBody              string
}

func startRefAPI(t *testing.T) *refAPI {
	t.Helper()
	ctx := context.Background()
	srv, err := server.Open(ctx, server.Config{DBPath: filepath.Join(t.TempDir(), "pm.db"), Seed: "demo", Assets: api.FS(),
		AllowPrivateWebhooks: true})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	a := &refAPI{URL: ts.URL, srv: srv, hookStatus: http.StatusOK, hookBody: "received"}
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		a.hookMu.Lock()
		st, body := a.hookStatus, a.hookBody
		a.hookCount++
		a.hookMu.Unlock()
		w.WriteHeader(st)
		_, _ = w.Write([]byte(body))
	}))
	a.hookURL = recv.URL + "/hooks"
	t.Cleanup(func() {
		recv.Close()
		ts.Close()
		if err := srv.Close(context.Background()); err != nil {
			t.Errorf("close server: %v", err)
		}
	})
	for _, u := range []struct {
		email string
		tok   *string
	}{{"admin@acme.test", &a.admin}, {"dev@acme.test", &a.dev}, {"viewer@acme.test", &a.member}} {
		if *u.tok, err = srv.MintToken(ctx, u.email, time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	return a
}

func (a *refAPI) setHookStatus(st int) {
	a.hookMu.Lock()
	a.hookStatus = st
	a.hookMu.Unlock()
}

// result is one run of the command line.
type result struct {
	code           int
	stdout, stderr string
}

// runOpts describe the terminal around a run.
type runOpts struct {
	tty     bool   // stdout, stderr and stdin are terminals
	stdin   string // typed answers
	env     map[string]string
	width   int
	ctx     context.Context
	noToken bool // no --api-url/--token (sandbox or env)
}

// run executes pmdev args as the admin against a.
func (a *refAPI) run(t *testing.T, args ...string) result {
	t.Helper()
	return a.runAs(t, a.admin, runOpts{}, args...)
}

func (a *refAPI) runAs(t *testing.T, token string, o runOpts, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	env := map[string]string{"PMDEV_CONFIG": "", "XDG_CONFIG_HOME": t.TempDir()}
	for k, v := range o.env {
		env[k] = v
	}
	environ := []string{"TERM=xterm-256color"}
	if o.env["NO_COLOR"] != "" {
		environ = append(environ, "NO_COLOR=1")
	}
	ios := &streams{in: strings.NewReader(o.stdin), out: &out, err: &errb, inTTY: o.tty, outTTY: o.tty, errTTY: o.tty,
		width: o.width, getenv: func(k string) string { return env[k] }, environ: environ}
	if ios.width == 0 && o.tty {
		ios.width = 200
	}
	if !o.noToken {
		args = append(args, "--api-url", a.URL, "--token", token)
	}
	ctx := o.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	code := executeContext(ctx, "test", args, ios)
	return result{code: code, stdout: out.String(), stderr: errb.String()}
}

// wantCode fails unless r exited with code.
func (r result) wantCode(t *testing.T, code int, what string) result {
	t.Helper()
	if r.code != code {
		t.Fatalf("%s: exit %d, want %d\nstdout: %s\nstderr: %s", what, r.code, code, r.stdout, r.stderr)
	}
	return r
}

// contract is api/openapi.yaml, loaded once.
var contract = sync.OnceValues(func() (*openapi3.T, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile("../../api/openapi.yaml")
	if err != nil {
		return nil, err
	}
	return doc, doc.Validate(loader.Context)
})

// validate checks a JSON document against components/schemas/name; a
// name in brackets ("[APIKey]") wants an array of that schema.
func validate(t *testing.T, name, doc string) {
	t.Helper()
	c, err := contract()
	if err != nil {
		t.Fatalf("contract: %v", err)
	}
	item, array := strings.CutPrefix(name, "[")
	item = strings.TrimSuffix(item, "]")
	ref := c.Components.Schemas[item]
	if ref == nil || ref.Value == nil {
		t.Fatalf("no schema %s in the contract", item)
	}
	var v any
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		t.Fatalf("%s: output is not JSON: %v\n%s", name, err, doc)
	}
	vals := []any{v}
	if array {
		list, ok := v.([]any)
		if !ok {
			t.Fatalf("%s: want a JSON array, got %s", name, doc)
		}
		vals = list
	}
	for i, x := range vals {
		if err := ref.Value.VisitJSON(x, openapi3.MultiErrors()); err != nil {
			t.Fatalf("%s: item %d breaks the contract: %v\n%s", name, i, err, doc)
		}
	}
}
