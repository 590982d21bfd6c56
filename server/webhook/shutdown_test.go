package webhook_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server/internal/servertest"
	"github.com/penguinmails/pmdev/server/testkit"
)

// logged restarts d's service with its log captured.
func (d *direct) logged() *servertest.Log {
	d.stop()
	lb := &servertest.Log{}
	d.cfg.Logger = slog.New(slog.NewTextHandler(lb, &slog.HandlerOptions{Level: slog.LevelDebug}))
	d.start()
	return lb
}

// hangingReceiver answers nothing until the sender gives up; got is
// signalled for each request.
func hangingReceiver(t *testing.T) (*receiver, chan struct{}) {
	got := make(chan struct{}, 8)
	rv := newReceiver(t, func(n int, w http.ResponseWriter, r *http.Request) {
		got <- struct{}{}
		<-r.Context().Done()
	})
	return rv, got
}

func post(ctx context.Context, url string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader("{}"))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	return http.DefaultClient.Do(req)
}

// A client that gives up on a test send is not a server error.
func TestCancelledRequestIsNotAnError(t *testing.T) {
	d := newDirect(t, time.Hour)
	lb := d.logged()
	rv, got := hangingReceiver(t)
	wh := d.create(models.CreateWebhookRequest{URL: rv.URL, Events: []string{"email.sent"}})
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := post(ctx, d.url+"/api/v1/platform/webhooks/"+wh.ID+"/test")
		errc <- err
	}()
	<-got
	cancel()
	if err := <-errc; err == nil {
		t.Fatal("the cancelled request got an answer")
	}
	testkit.WaitFor(t, 3*time.Second, "handler done", func() bool { return strings.Contains(lb.String(), "cancelled by the client") })
	if strings.Contains(lb.String(), "level=ERROR") {
		t.Fatalf("cancellation logged as an error:\n%s", lb.String())
	}
	l := d.deliveries(wh.ID, "")
	if len(l) != 1 || l[0].Status != models.DeliveryFailed || !strings.Contains(l[0].Error, "interrupted") {
		t.Fatalf("test delivery after cancel: %+v", l)
	}
}

// Drain cuts a manual retry short: the caller hears 503 at once, the
// delivery keeps its state, and nothing is logged as an error.
func TestDrainInterruptsManualRetry(t *testing.T) {
	d := newDirect(t, time.Hour)
	lb := d.logged()
	var mu sync.Mutex
	hang := false
	got := make(chan struct{}, 8)
	rv := newReceiver(t, func(n int, w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		h := hang
		mu.Unlock()
		if !h {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		got <- struct{}{}
		<-r.Context().Done()
	})
	wh := d.create(models.CreateWebhookRequest{URL: rv.URL, Events: []string{"email.sent"}})
	d.svc.Emit(context.Background(), d.tenantID, "email.sent", map[string]any{})
	del := d.waitDelivery(t, wh.ID, models.DeliveryPendingRetry, "first failure", func(del models.Delivery) bool { return del.Attempts == 1 })
	mu.Lock()
	hang = true
	mu.Unlock()
	type answer struct {
		status int
		body   []byte
		err    error
	}
	ac := make(chan answer, 1)
	go func() {
		res, err := post(context.Background(), d.url+"/api/v1/platform/webhooks/"+wh.ID+"/deliveries/"+del.ID+"/retry")
		if err != nil {
			ac <- answer{err: err}
			return
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		ac <- answer{status: res.StatusCode, body: b}
	}()
	<-got
	start := time.Now()
	d.svc.Drain()
	a := <-ac
	if a.err != nil || a.status != http.StatusServiceUnavailable || time.Since(start) > time.Second {
		t.Fatalf("retry during drain: %d %s (%v) after %s", a.status, a.body, a.err, time.Since(start))
	}
	var p models.Problem
	if err := json.Unmarshal(a.body, &p); err != nil || p.Error != "shutting_down" {
		t.Fatalf("problem %s (%v)", a.body, err)
	}
	if strings.Contains(lb.String(), "level=ERROR") {
		t.Fatalf("drain logged an error:\n%s", lb.String())
	}
	l := d.deliveries(wh.ID, "")
	if len(l) != 1 || l[0].Status != models.DeliveryPendingRetry || l[0].Attempts != 1 || !l[0].NextRetryAt.Equal(*del.NextRetryAt) {
		t.Fatalf("delivery after interrupted retry: %+v", l)
	}
}
