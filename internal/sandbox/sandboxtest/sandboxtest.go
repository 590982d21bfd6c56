// Package sandboxtest serves the reference server to tests over HTTP on a
// temporary database, torn down with the test: the server the console's
// sandbox runs, reached the way the console reaches it.
package sandboxtest

import (
	"context"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/penguinmails/pmdev/client"
	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server"
)

// AdminEmail is the admin Admin signs in as (the demo data's admin too).
const AdminEmail = "admin@acme.test"

// Options shape the server.
type Options struct {
	// Seed "demo" loads the demo data (about 15 s under -race); "" starts
	// empty.
	Seed string
	// Assets are the docs the server serves; nil serves none.
	Assets fs.FS
	// Wrap sits in front of the server's handler (a request counter).
	Wrap func(http.Handler) http.Handler
}

// Env is a served reference server.
type Env struct {
	Server *server.Server
	HTTP   *httptest.Server
	URL    string
	seeded bool
}

// Serve starts the server; the test's cleanup stops it.
func Serve(t testing.TB, o Options) *Env {
	t.Helper()
	srv, err := server.Open(context.Background(), server.Config{DBPath: filepath.Join(t.TempDir(), "pm.db"), Seed: o.Seed,
		Assets: o.Assets, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	h := srv.Handler()
	if o.Wrap != nil {
		h = o.Wrap(h)
	}
	hs := httptest.NewServer(h)
	t.Cleanup(func() {
		hs.Close()
		_ = srv.Close(context.Background())
	})
	return &Env{Server: srv, HTTP: hs, URL: hs.URL, seeded: o.Seed != ""}
}

// AddUser adds u and returns its personal access token.
func (e *Env) AddUser(t testing.TB, u server.NewUser) string {
	t.Helper()
	tok, err := e.Server.AddUser(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// Admin is a client signed in as AdminEmail: the demo's admin when seeded,
// else a new admin of tenant Acme.
func (e *Env) Admin(t testing.TB) *client.Client {
	t.Helper()
	if !e.seeded {
		return e.Client(e.AddUser(t, server.NewUser{Email: AdminEmail, Role: models.RoleAdmin, Tenant: "Acme"}))
	}
	tok, err := e.Server.MintToken(context.Background(), AdminEmail, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return e.Client(tok)
}

// Client is a client of the server signed in with token.
func (e *Env) Client(token string) *client.Client {
	return client.New(client.Options{BaseURL: e.URL, Token: token})
}

// NewDB is a database file created the way the server creates one (its
// files 0600), closed again.
func NewDB(t testing.TB) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "pm.db")
	srv, err := server.Open(context.Background(), server.Config{DBPath: db})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}
