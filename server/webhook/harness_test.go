package webhook_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/penguinmails/pmdev/server/internal/servertest"
	"github.com/penguinmails/pmdev/server/testkit"

	"github.com/penguinmails/pmdev/client"
	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server"
	"github.com/penguinmails/pmdev/server/httpx"
	"github.com/penguinmails/pmdev/server/webhook"
)

// received is one request a test receiver got.
type received struct {
	at     time.Time
	header http.Header
	body   []byte
}

// receiver is an httptest endpoint whose answer to the n-th request (1-based)
// is chosen by answer; it records every request it finished reading.
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	reqs   []received
	answer func(n int, w http.ResponseWriter, r *http.Request)
}

func newReceiver(t *testing.T, answer func(n int, w http.ResponseWriter, r *http.Request)) *receiver {
	rv := &receiver{answer: answer}
	rv.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rv.mu.Lock()
		rv.reqs = append(rv.reqs, received{at: time.Now(), header: r.Header.Clone(), body: body})
		n := len(rv.reqs)
		rv.mu.Unlock()
		if rv.answer != nil {
			rv.answer(n, w, r)
			return
		}
		_, _ = io.WriteString(w, "ok")
	}))
	t.Cleanup(rv.Close)
	return rv
}

func (rv *receiver) requests() []received {
	rv.mu.Lock()
	defer rv.mu.Unlock()
	return append([]received(nil), rv.reqs...)
}

// checkSignatures verifies a received request with crypto/hmac directly,
// independently of the package's signing code, against every given secret.
func checkSignatures(t *testing.T, r received, secrets ...string) {
	t.Helper()
	pen := strings.Fields(r.header.Get(models.HeaderWebhookSignature))
	std := strings.Fields(r.header.Get("webhook-signature"))
	if len(pen) != len(secrets) || len(std) != len(secrets) {
		t.Fatalf("want %d signatures, got %q / %q", len(secrets), pen, std)
	}
	id, ts := r.header.Get("webhook-id"), r.header.Get("webhook-timestamp")
	if id == "" || ts == "" {
		t.Fatalf("missing webhook-id/timestamp: %v", r.header)
	}
	for i, sec := range secrets {
		m := hmac.New(sha256.New, []byte(sec))
		m.Write(r.body)
		if want := "sha256=" + hex.EncodeToString(m.Sum(nil)); pen[i] != want {
			t.Fatalf("X-PenguinMails-Signature[%d] = %s, want %s", i, pen[i], want)
		}
		key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(sec, "whsec_"))
		if err != nil {
			t.Fatal(err)
		}
		m = hmac.New(sha256.New, key)
		m.Write([]byte(id + "." + ts + "."))
		m.Write(r.body)
		if want := "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil)); std[i] != want {
			t.Fatalf("webhook-signature[%d] = %s, want %s", i, std[i], want)
		}
	}
}

// direct is the webhook service over a migrated database without the rest
// of the server, so tests can call Emit and restart the service alone.
type direct struct {
	t        *testing.T
	path     string
	db       *sql.DB
	svc      *webhook.Service
	tenantID string
	otherID  string // a second tenant
	api      *client.Client
	other    *client.Client // the second tenant's API
	url      string         // the API's base URL
	cfg      webhook.Config
}

func openDB(t *testing.T, path string) *sql.DB {
	return servertest.OpenDB(t, path)
}

func newDirect(t *testing.T, schedule ...time.Duration) *direct {
	t.Helper()
	path := servertest.DB(t, "pm.db")
	ctx := context.Background()
	// server.Open applies the embedded migrations (ours included) and makes a tenant.
	srv, err := server.Open(ctx, server.Config{DBPath: path, WebhookKey: servertest.WebhookKey()})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []server.NewUser{{Email: "dev@acme.test", Role: models.RoleDeveloper, Tenant: "Acme"},
		{Email: "dev@other.test", Role: models.RoleDeveloper, Tenant: "Other"}} {
		if _, err := srv.AddUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	if err := srv.Close(ctx); err != nil {
		t.Fatal(err)
	}
	d := &direct{t: t, path: path, db: openDB(t, path)}
	t.Cleanup(func() { d.db.Close() })
	if err := d.db.QueryRow(`SELECT id FROM tenants WHERE name = 'Acme'`).Scan(&d.tenantID); err != nil {
		t.Fatal(err)
	}
	if err := d.db.QueryRow(`SELECT id FROM tenants WHERE name = 'Other'`).Scan(&d.otherID); err != nil {
		t.Fatal(err)
	}
	d.cfg = webhook.Config{DB: d.db, AllowPrivate: true, Schedule: schedule, KeyFile: path + ".webhook-key", Timeout: 2 * time.Second}
	if servertest.Postgres() { // the server's key: no file next to a URL
		d.cfg.KeyFile = ""
		if d.cfg.Key, err = webhook.ParseKey(servertest.WebhookKey()); err != nil {
			t.Fatal(err)
		}
	}
	d.start()
	return d
}

// start opens the service (again) on the same database and key file.
func (d *direct) start() {
	d.t.Helper()
	svc, err := webhook.Open(context.Background(), d.cfg)
	if err != nil {
		d.t.Fatal(err)
	}
	d.svc = svc
	d.t.Cleanup(func() { _ = svc.Close(context.Background()) })
	d.url, d.api = d.mount(&httpx.User{ID: "u1", Email: "dev@acme.test", Role: models.RoleDeveloper, TenantID: d.tenantID})
	_, d.other = d.mount(&httpx.User{ID: "u2", Email: "dev@other.test", Role: models.RoleDeveloper, TenantID: d.otherID})
}

// mount serves the webhook routes as user.
func (d *direct) mount(user *httpx.User) (string, *client.Client) {
	mux := http.NewServeMux()
	d.svc.Mount(mux, func(h http.HandlerFunc) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h(w, r.WithContext(httpx.WithUser(r.Context(), user))) })
	})
	ts := httptest.NewServer(mux)
	d.t.Cleanup(ts.Close)
	return ts.URL, client.New(client.Options{BaseURL: ts.URL, Token: "pm_pat_test", RetryCount: -1})
}

func (d *direct) stop() {
	d.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := d.svc.Close(ctx); err != nil {
		d.t.Fatal(err)
	}
}

func (d *direct) create(req models.CreateWebhookRequest) models.CreatedWebhook {
	d.t.Helper()
	wh, err := d.api.CreateWebhook(context.Background(), req)
	if err != nil {
		d.t.Fatalf("create webhook: %v", err)
	}
	return wh
}

// waitDelivery waits until the endpoint's one delivery in status ("" for
// any) passes done, and returns it.
func (d *direct) waitDelivery(t *testing.T, hookID, status, what string, done func(models.Delivery) bool) models.Delivery {
	t.Helper()
	var del models.Delivery
	testkit.WaitFor(t, 5*time.Second, what, func() bool {
		l := d.deliveries(hookID, status)
		if len(l) == 1 {
			del = l[0]
		}
		return done(del)
	})
	return del
}

func (d *direct) deliveries(id, status string) []models.Delivery {
	d.t.Helper()
	l, err := d.api.ListDeliveries(context.Background(), id, status, 0)
	if err != nil {
		d.t.Fatalf("list deliveries: %v", err)
	}
	return l.Data
}
