package server

import (
	"context"
	"database/sql"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/penguinmails/pmdev/server/webhook"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server/internal/servertest"
)

// logBuf is a slog destination tests can read while the server writes.
type logBuf = servertest.Log

// openLogged is a server on path whose log (debug and up) goes to a buffer.
func openLogged(t *testing.T, path string) (*testEnv, *logBuf) {
	t.Helper()
	return openLoggedAt(t, path, newTestClock())
}

// openLoggedAt is openLogged on the given clock.
func openLoggedAt(t *testing.T, path string, clock *servertest.Clock) (*testEnv, *logBuf) {
	t.Helper()
	lb := &logBuf{}
	s, err := Open(context.Background(), Config{DBPath: path, WebhookKey: servertest.WebhookKey(), Now: clock.Now, AllowPrivateWebhooks: true,
		Logger: slog.New(slog.NewTextHandler(lb, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s.Handler())
	e := &testEnv{t: t, s: s, hs: hs, url: hs.URL, clock: clock, dbPath: path}
	t.Cleanup(e.close)
	return e, lb
}

// lockDB takes the database's write lock from another connection until the
// returned func is called, so every write of the server waits on it (on
// PostgreSQL: every table of the schema, locked against writes).
func lockDB(t *testing.T, path string) func() {
	t.Helper()
	db := servertest.OpenDB(t, path)
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	lock := []string{"BEGIN IMMEDIATE"}
	if servertest.Postgres() {
		lock = []string{"BEGIN", `DO $$ DECLARE r record; BEGIN
			FOR r IN SELECT tablename FROM pg_tables WHERE schemaname = current_schema() LOOP
				EXECUTE 'LOCK TABLE ' || quote_ident(r.tablename) || ' IN EXCLUSIVE MODE';
			END LOOP; END $$`}
	}
	for _, q := range lock {
		if _, err := conn.ExecContext(context.Background(), q); err != nil {
			t.Fatal(err)
		}
	}
	var once sync.Once
	unlock := func() {
		once.Do(func() {
			_, _ = conn.ExecContext(context.Background(), "ROLLBACK")
			conn.Close()
			db.Close()
		})
	}
	t.Cleanup(unlock)
	return unlock
}

// closeWithin runs Server.Close with a deadline of d and fails if it takes
// longer than limit; it returns Close's error.
func closeWithin(t *testing.T, s *Server, d, limit time.Duration) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	start := time.Now()
	errc := make(chan error, 1)
	go func() { errc <- s.Close(ctx) }()
	select {
	case err := <-errc:
		t.Logf("Close took %s", time.Since(start).Round(time.Millisecond))
		return err
	case <-time.After(limit):
		t.Fatalf("Close with a %s deadline still running after %s", d, limit)
		return nil
	}
}

// With time to spare, Close writes every acknowledged request.
func TestCloseFlushesEveryAcknowledgedRequest(t *testing.T) {
	path := servertest.DB(t, "pm.db")
	e, _ := openLogged(t, path)
	tok := e.addUser("dev@f.test", models.RoleDeveloper, "F", models.PlanBusiness)
	k := e.createKey(tok, models.CreateAPIKeyRequest{Name: "Flush", Permissions: []string{"read_campaigns"}})
	const n = 40
	for range n {
		e.must("GET", "/api/v1/campaigns", k.Plaintext, nil, http.StatusOK, nil)
	}
	e.hs.Close()
	e.hs = nil
	if err := closeWithin(t, e.s, 5*time.Second, 6*time.Second); err != nil {
		t.Fatalf("Close: %v", err)
	}
	e.s = nil
	db := openRaw(t, path)
	var got int
	if err := db.QueryRow(`SELECT request_count FROM api_keys WHERE id = ?`, k.KeyID).Scan(&got); err != nil || got != n {
		t.Fatalf("request_count = %d (%v), want %d", got, err, n)
	}
}

// When the database stays locked, Close gives up at its deadline instead of
// waiting out the busy timeout, and says how many rows were not written.
func TestCloseUsageBoundedByDeadline(t *testing.T) {
	path := servertest.DB(t, "pm.db")
	e, lb := openLogged(t, path)
	tok := e.addUser("dev@b.test", models.RoleDeveloper, "B", models.PlanBusiness)
	k := e.createKey(tok, models.CreateAPIKeyRequest{Name: "Bound", Permissions: []string{"read_campaigns"}})
	unlock := lockDB(t, path)
	const n = 7
	for range n {
		e.must("GET", "/api/v1/campaigns", k.Plaintext, nil, http.StatusOK, nil)
	}
	e.hs.Close()
	e.hs = nil
	err := closeWithin(t, e.s, 300*time.Millisecond, 4*time.Second)
	e.s = nil
	unlock()
	if err == nil || !strings.Contains(err.Error(), "7 rows not written") {
		t.Fatalf("Close error = %v, want the 7 unwritten rows reported", err)
	}
	if !strings.Contains(lb.String(), "usage rows not written") || !strings.Contains(lb.String(), "rows=7") {
		t.Fatalf("log does not report the lost rows:\n%s", lb.String())
	}
}

// A webhook worker whose bookkeeping write is stuck on a locked database does
// not hold Close past its deadline, logs nothing alarming, and its delivery
// is sent again after the next start.
func TestCloseBoundedWhileWebhookWorkerWaitsOnDB(t *testing.T) {
	path := servertest.DB(t, "pm.db")
	e, lb := openLogged(t, path)
	var mu sync.Mutex
	var ids []string
	flushed := make(chan struct{})
	locked := make(chan struct{})
	var unlock func()
	rv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		ids = append(ids, r.Header.Get("webhook-id"))
		first := len(ids) == 1
		mu.Unlock()
		if first {
			// Lock only after the usage flush, which would otherwise wait on
			// the lock while the worker's bounded write gave up.
			<-flushed
			unlock = lockDB(t, path) // the worker records this answer under the lock
			close(locked)
		}
		_, _ = w.Write([]byte("ok"))
	}))
	defer rv.Close()
	tok := e.addUser("dev@w.test", models.RoleDeveloper, "W", models.PlanBusiness)
	k := e.createKey(tok, models.CreateAPIKeyRequest{Name: "Hook", Permissions: []string{"send_email"}})
	e.must("POST", "/api/v1/platform/webhooks", tok, models.CreateWebhookRequest{URL: rv.URL + "/hook", Events: []string{"email.sent"}}, http.StatusCreated, nil)
	e.must("POST", "/api/v1/emails/send", k.Plaintext, sendBody(), http.StatusOK, nil)
	e.s.Flush() // the usage row is not what this test is about
	close(flushed)
	select {
	case <-locked:
	case <-time.After(10 * time.Second):
		t.Fatal("no delivery reached the receiver")
	}
	// The worker has the answer once it is recording it; under the lock it
	// stays there until Close aborts the write.
	waitForStack(t, "webhook.(*Service).finish", 10*time.Second)
	e.hs.Close()
	e.hs = nil
	err := closeWithin(t, e.s, 300*time.Millisecond, 3*time.Second)
	e.s = nil
	// The database is closed now: no worker may still be running against it.
	if busy := busyWorkers(); busy != "" {
		t.Fatalf("a webhook worker outlived Close:\n%s", busy)
	}
	unlock()
	if err == nil {
		t.Fatal("Close met its deadline although a worker was stuck; the test did not exercise the race")
	}
	if strings.Contains(lb.String(), "level=ERROR") || strings.Contains(lb.String(), "panic") {
		t.Fatalf("shutdown logged errors:\n%s", lb.String())
	}
	// The unrecorded delivery is claimable again: the next start sends it.
	// On PostgreSQL other instances may hold claims, so only a claim older
	// than the claim timeout is taken back: the restart comes later.
	clock := newTestClock()
	if servertest.Postgres() {
		clock.Advance(2 * webhook.DefaultClaimTimeout)
	}
	e2, _ := openLoggedAt(t, path, clock)
	deadline := time.Now().Add(5 * time.Second)
	for {
		var status string
		if err := e2.s.db.QueryRow(`SELECT status FROM webhook_deliveries`).Scan(&status); err == nil && status == models.DeliverySuccess {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("delivery not sent again after restart")
		}
		time.Sleep(20 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(ids) != 2 || ids[0] != ids[1] {
		t.Fatalf("receiver saw webhook-ids %v, want the same event twice", ids)
	}
}

// waitForStack waits until some goroutine is running fn.
func waitForStack(t *testing.T, fn string, limit time.Duration) {
	t.Helper()
	buf := make([]byte, 1<<20)
	deadline := time.Now().Add(limit)
	for !strings.Contains(string(buf[:runtime.Stack(buf, true)]), fn) {
		if time.Now().After(deadline) {
			t.Fatalf("no goroutine reached %s within %s", fn, limit)
		}
		runtime.Gosched()
		time.Sleep(time.Millisecond)
	}
}

// busyWorkers returns the stacks of webhook workers still doing something.
// A worker Close has waited for may still be on its way out (in work
// itself, past the loop, or in its deferred WaitGroup.Done): that one is
// not running against the database and is left out.
func busyWorkers() string {
	buf := make([]byte, 1<<20)
	var busy []string
	for _, g := range strings.Split(string(buf[:runtime.Stack(buf, true)]), "\n\n") {
		if !strings.Contains(g, "webhook.(*Service).work(") {
			continue
		}
		lines := strings.SplitN(g, "\n", 3)
		if len(lines) > 1 && (strings.Contains(lines[1], "webhook.(*Service).work(") || strings.HasPrefix(lines[1], "sync.(*WaitGroup).Done(")) {
			continue
		}
		busy = append(busy, g)
	}
	return strings.Join(busy, "\n\n")
}

func openRaw(t *testing.T, path string) *sql.DB {
	t.Helper()
	return servertest.OpenDB(t, path)
}
