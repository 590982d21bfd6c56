package server

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/penguinmails/pmdev/server/internal/servertest"

	"github.com/penguinmails/pmdev/client"
	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server/webhook"
)

// verifier is a receiver that accepts only deliveries signed (Standard
// Webhooks) with its current secret.
type verifier struct {
	mu     sync.Mutex
	secret string
}

func (v *verifier) set(secret string) {
	v.mu.Lock()
	v.secret = secret
	v.mu.Unlock()
}

func (v *verifier) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	v.mu.Lock()
	key, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(v.secret, "whsec_"))
	v.mu.Unlock()
	m := hmac.New(sha256.New, key)
	m.Write([]byte(r.Header.Get("webhook-id") + "." + r.Header.Get("webhook-timestamp") + "."))
	m.Write(body)
	want := "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))
	for _, sig := range strings.Fields(r.Header.Get("webhook-signature")) {
		if sig == want {
			return
		}
	}
	http.Error(w, "bad signature", http.StatusUnauthorized)
}

type keyEnv struct {
	t   *testing.T
	cfg Config
	rv  *verifier
	url string
	id  string // the endpoint's id
}

// newKeyEnv makes a database with one webhook endpoint and closes it.
func newKeyEnv(t *testing.T, key string) *keyEnv {
	rv := &verifier{}
	hs := httptest.NewServer(rv)
	t.Cleanup(hs.Close)
	e := &keyEnv{t: t, rv: rv, url: hs.URL,
		cfg: Config{DBPath: servertest.DB(t, "pm.db"), AllowPrivateWebhooks: true, WebhookNoticeScan: -1, WebhookKey: key}}
	e.with(func(api *client.Client) {
		wh, err := api.CreateWebhook(context.Background(), models.CreateWebhookRequest{URL: hs.URL, Events: []string{"email.sent"}})
		if err != nil {
			t.Fatal(err)
		}
		rv.set(wh.Secret)
		e.id = wh.ID
	})
	return e
}

func (e *keyEnv) open() (*Server, error) { return Open(context.Background(), e.cfg) }

// with opens the server, runs fn against its API, and closes it.
func (e *keyEnv) with(fn func(api *client.Client)) {
	e.t.Helper()
	srv, err := e.open()
	if err != nil {
		e.t.Fatalf("open: %v", err)
	}
	defer srv.Close(context.Background())
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	tok, err := srv.AddUser(context.Background(), NewUser{Email: "dev@acme.test", Role: models.RoleDeveloper, Tenant: "Acme"})
	if err != nil {
		e.t.Fatal(err)
	}
	fn(client.New(client.Options{BaseURL: hs.URL, Token: tok, RetryCount: -1}))
}

// signsRight sends a test event and reports whether the receiver verified it.
func (e *keyEnv) signsRight() bool {
	e.t.Helper()
	ok := false
	e.with(func(api *client.Client) {
		res, err := api.TestWebhook(context.Background(), e.id, models.TestRequest{EventType: "email.sent"})
		if err != nil {
			e.t.Fatal(err)
		}
		ok = res.Status == models.DeliverySuccess
	})
	return ok
}

func (e *keyEnv) refused(want ...string) {
	e.t.Helper()
	srv, err := e.open()
	if err == nil {
		srv.Close(context.Background())
		e.t.Fatal("the server started although it cannot read its webhook secrets")
	}
	if !errors.Is(err, ErrWebhookKey) {
		e.t.Fatalf("error is not ErrWebhookKey: %v", err)
	}
	for _, w := range append(want, "rekey --db "+e.cfg.DBPath, "restore", "cannot be recovered") {
		if !strings.Contains(err.Error(), w) {
			e.t.Errorf("message lacks %q:\n%s", w, err)
		}
	}
}

func TestWebhookKeyFileMissingOrWrong(t *testing.T) {
	servertest.SQLiteOnly(t, "the key file next to the database")
	e := newKeyEnv(t, "")
	file := e.cfg.DBPath + ".webhook-key"
	good, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !e.signsRight() {
		t.Fatal("deliveries not signed with the endpoint's secret")
	}
	// Restored without the key file: refused, and no new key is written.
	if err := os.Remove(file); err != nil {
		t.Fatal(err)
	}
	e.refused("missing", file, "1 webhook endpoint")
	if _, err := os.Stat(file); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("a refused start wrote a new key file")
	}
	// Another database's key: refused.
	if err := webhook.WriteKeyFile(file, webhook.NewKey()); err != nil {
		t.Fatal(err)
	}
	e.refused("not the key they were sealed with", "1 of the 1")
	// The right key restored: it starts and signs as before.
	if err := os.WriteFile(file, good, 0o600); err != nil {
		t.Fatal(err)
	}
	if !e.signsRight() {
		t.Fatal("restored key: deliveries not signed with the old secret")
	}
}

func TestRekeyGivesEveryEndpointANewSecret(t *testing.T) {
	servertest.SQLiteOnly(t, "the key file next to the database")
	e := newKeyEnv(t, "")
	file := e.cfg.DBPath + ".webhook-key"
	if err := webhook.WriteKeyFile(file, webhook.NewKey()); err != nil { // the wrong key
		t.Fatal(err)
	}
	e.refused()
	list, where, err := RekeyWebhooks(context.Background(), e.cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].ID != e.id || list[0].Tenant != "Acme" || list[0].URL != e.url || !strings.HasPrefix(list[0].Secret, "whsec_") || where != "the key file "+file {
		t.Fatalf("rekey: %+v %q", list, where)
	}
	if asides, _ := filepath.Glob(file + ".replaced-*"); len(asides) != 1 {
		t.Fatalf("the replaced key file was not kept aside: %v", asides)
	}
	// The old secret no longer signs; the new one does.
	if e.signsRight() {
		t.Fatal("deliveries still verify with the unrecoverable old secret")
	}
	e.rv.set(list[0].Secret)
	if !e.signsRight() {
		t.Fatal("deliveries not signed with the new secret")
	}
	srv, err := e.open()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close(context.Background())
	var action, actor string
	if err := srv.db.QueryRow(`SELECT action, actor FROM audit_events WHERE key_id = ? ORDER BY ts DESC LIMIT 1`, e.id).Scan(&action, &actor); err != nil || action != "secret_rotated" || actor != "system" {
		t.Fatalf("audit: %s by %s (%v)", action, actor, err)
	}
}

// A key given to the server (as several instances on one database need)
// is never written to disk, must be given at every start, and can be the
// key a re-key installs.
func TestWebhookKeyFromConfig(t *testing.T) {
	k1 := strings.Repeat("ab", webhook.KeySize)
	e := newKeyEnv(t, k1)
	if _, err := os.Stat(e.cfg.DBPath + ".webhook-key"); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("a given key was written to a key file")
	}
	if !e.signsRight() {
		t.Fatal("deliveries not signed")
	}
	e.cfg.WebhookKey = ""
	if servertest.Postgres() {
		if _, err := e.open(); !errors.Is(err, ErrWebhookKeyRequired) {
			t.Fatalf("started on PostgreSQL without a key, or unclear: %v", err)
		}
	} else {
		e.refused("missing")
	}
	e.cfg.WebhookKey = strings.Repeat("cd", webhook.KeySize)
	e.refused(WebhookKeyEnv)
	e.cfg.WebhookKey = "not-hex"
	if _, err := e.open(); err == nil || !strings.Contains(err.Error(), "64 hexadecimal digits") {
		t.Fatalf("bad key accepted or unclear: %v", err)
	}
	// Re-key onto a new shared key.
	e.cfg.WebhookKey = strings.Repeat("ef", webhook.KeySize)
	list, where, err := RekeyWebhooks(context.Background(), e.cfg)
	if err != nil || len(list) != 1 || !strings.Contains(where, WebhookKeyEnv) {
		t.Fatalf("rekey: %+v %q %v", list, where, err)
	}
	e.rv.set(list[0].Secret)
	if !e.signsRight() {
		t.Fatal("deliveries not signed with the new secret")
	}
}

// On PostgreSQL the key is shared by every instance, so it must be given:
// the server refuses to start (before connecting) without one.
func TestWebhookKeyRequiredOnPostgres(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		want error
	}{
		{"no key", Config{DBPath: "postgres://nobody@127.0.0.1:1/none"}, ErrWebhookKeyRequired},
		{"postgresql scheme", Config{DBPath: "postgresql://nobody@127.0.0.1:1/none"}, ErrWebhookKeyRequired},
		{"offline command needs none", Config{DBPath: "postgres://nobody@127.0.0.1:1/none", NoWebhooks: true}, nil},
		{"key given", Config{DBPath: "postgres://nobody@127.0.0.1:1/none", WebhookKey: strings.Repeat("ab", webhook.KeySize)}, nil},
		{"key file given", Config{DBPath: "postgres://nobody@127.0.0.1:1/none", WebhookKeyFile: "/nonexistent/k"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			s, err := Open(ctx, tc.cfg)
			if err == nil {
				s.Close(ctx)
				t.Fatal("opened a database that does not exist")
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if tc.want == nil && errors.Is(err, ErrWebhookKeyRequired) {
				t.Fatalf("refused for the key: %v", err)
			}
		})
	}
}
