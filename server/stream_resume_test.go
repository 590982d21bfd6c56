package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	sse "github.com/tmaxmax/go-sse"

	"github.com/penguinmails/pmdev/models"
)

// streamConn is one open stream read by a test.
type streamConn struct {
	events chan sse.Event
	cancel context.CancelFunc
	status int
	header http.Header
}

// openStream opens a stream (path with query) and reads its events into a channel.
func openStream(t testing.TB, base, path, token, lastID string) *streamConn {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatalf("open %s: %v", path, err)
	}
	c := &streamConn{events: make(chan sse.Event, 1024), cancel: cancel, status: res.StatusCode, header: res.Header}
	t.Cleanup(cancel)
	if res.StatusCode != http.StatusOK {
		res.Body.Close()
		return c
	}
	go func() {
		defer res.Body.Close()
		defer close(c.events)
		for ev, err := range sse.Read(res.Body, nil) {
			if err != nil {
				return
			}
			c.events <- ev
		}
	}()
	return c
}

// next waits for the next event.
func (c *streamConn) next(t testing.TB) sse.Event {
	t.Helper()
	select {
	case ev, ok := <-c.events:
		if !ok {
			t.Fatal("stream closed")
		}
		return ev
	case <-time.After(5 * time.Second):
		t.Fatal("no stream event within 5s")
	}
	return sse.Event{}
}

// quiet fails if an event arrives within d.
func (c *streamConn) quiet(t testing.TB, d time.Duration) {
	t.Helper()
	select {
	case ev, ok := <-c.events:
		if ok {
			t.Fatalf("unexpected event %s %s", ev.Type, ev.Data)
		}
	case <-time.After(d):
	}
}

// close ends the stream and waits until the server has let go of it.
func (c *streamConn) close() {
	c.cancel()
	for range c.events {
	}
}

func requestOf(t testing.TB, ev sse.Event) models.RequestLogEntry {
	t.Helper()
	if ev.Type != models.StreamEventRequest {
		t.Fatalf("event %q, want %q (%s)", ev.Type, models.StreamEventRequest, ev.Data)
	}
	var e models.RequestLogEntry
	if err := json.Unmarshal([]byte(ev.Data), &e); err != nil {
		t.Fatal(err)
	}
	return e
}

// sendWithID makes one product request named id.
func (e *testEnv) sendWithID(key, id string) {
	e.t.Helper()
	r := e.do("POST", "/api/v1/emails/send", key, sendBody(), models.HeaderRequestID, id)
	if r.status != http.StatusAccepted && r.status != http.StatusOK {
		e.t.Fatalf("send %s: %d %s", id, r.status, r.body)
	}
	if got := r.header.Get(models.HeaderRequestID); got != id {
		e.t.Fatalf("X-Request-Id %q, want the client's %q", got, id)
	}
}

func TestRequestStreamResumesAcrossRestartWithoutLossOrDuplicates(t *testing.T) {
	e := newEnv(t, "")
	tok := e.addUser("admin@a.test", models.RoleAdmin, "A", "")
	key := e.createKey(tok, models.CreateAPIKeyRequest{Name: "K", Permissions: []string{"send_email"}}).Plaintext

	c := openStream(t, e.url, models.StreamRequestsPath, tok, "")
	if c.status != http.StatusOK || !strings.HasPrefix(c.header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("open: %d %q", c.status, c.header.Get("Content-Type"))
	}
	var want []string
	for i := 1; i <= 5; i++ {
		id := fmt.Sprintf("r-%02d", i)
		want = append(want, id)
		e.sendWithID(key, id)
	}
	var lastID string
	for i := range 3 {
		ev := c.next(t)
		if got := requestOf(t, ev).RequestID; got != want[i] {
			t.Fatalf("event %d: request %q, want %q", i, got, want[i])
		}
		lastID = ev.LastEventID
	}
	c.close()

	// While nobody follows, the window keeps filling; then the server restarts.
	for i := 6; i <= 9; i++ {
		id := fmt.Sprintf("r-%02d", i)
		want = append(want, id)
		e.sendWithID(key, id)
	}
	e.restart()
	for i := 10; i <= 11; i++ {
		id := fmt.Sprintf("r-%02d", i)
		want = append(want, id)
		e.sendWithID(key, id)
	}

	c = openStream(t, e.url, models.StreamRequestsPath, tok, lastID)
	defer c.close()
	seen := map[string]bool{}
	for _, w := range want[3:] {
		ev := c.next(t)
		got := requestOf(t, ev).RequestID
		if seen[got] {
			t.Fatalf("request %s delivered twice", got)
		}
		seen[got] = true
		if got != w {
			t.Fatalf("resumed: request %q, want %q (in order, none lost)", got, w)
		}
	}
	c.quiet(t, 200*time.Millisecond)
}

func TestEventStreamCarriesTriggeredEventsFilteredByType(t *testing.T) {
	e := newEnv(t, "")
	tok := e.addUser("admin@a.test", models.RoleAdmin, "A", "")
	other := e.addUser("admin@b.test", models.RoleAdmin, "B", "")

	c := openStream(t, e.url, models.StreamEventsPath+"?types=email.bounced,contact.created", tok, "")
	defer c.close()
	foreign := openStream(t, e.url, models.StreamEventsPath, other, "")
	defer foreign.close()

	var sent models.StreamedEvent
	e.must("POST", models.TriggerEventPath, tok, models.TriggerEventRequest{Type: "email.sent"}, http.StatusAccepted, nil)
	e.must("POST", models.TriggerEventPath, tok, map[string]any{"type": "email.bounced", "data": map[string]any{"to": "ada@example.com", "bounce_type": "soft"}},
		http.StatusAccepted, &sent)
	ev := c.next(t)
	var got models.StreamedEvent
	if err := json.Unmarshal([]byte(ev.Data), &got); err != nil {
		t.Fatal(err)
	}
	if ev.Type != models.StreamEventWebhook || got.ID != sent.ID || got.Type != "email.bounced" {
		t.Fatalf("event %s %+v, want the triggered %s", ev.Type, got, sent.ID)
	}
	var data map[string]any
	_ = json.Unmarshal(got.Data, &data)
	if data["to"] != "ada@example.com" || data["bounce_type"] != "soft" || data["email_id"] == "" {
		t.Errorf("merged data %v: overrides set over the sample", data)
	}
	c.quiet(t, 100*time.Millisecond)       // email.sent filtered out
	foreign.quiet(t, 100*time.Millisecond) // another tenant sees nothing
}

func TestStreamAndTriggerRefuseBadInput(t *testing.T) {
	e := newEnv(t, "")
	e.config = func(c *Config) { c.StreamMaxSubscribers = 2 }
	e.restart()
	tok := e.addUser("admin@a.test", models.RoleAdmin, "A", "")
	member := e.addUser("m@a.test", models.RoleMember, "A", "")
	for _, tc := range []struct {
		name, method, path, token string
		body                      any
		want                      int
		code                      string
	}{
		{"unknown type filter", "GET", models.StreamEventsPath + "?types=email.nope", tok, nil, 400, "invalid_event_type"},
		{"bad status filter", "GET", models.StreamRequestsPath + "?status=3xx", tok, nil, 400, "invalid_parameter"},
		{"no token", "GET", models.StreamRequestsPath, "", nil, 401, "missing_token"},
		{"member", "GET", models.StreamRequestsPath, member, nil, 403, "insufficient_role"},
		{"unknown event", "POST", models.TriggerEventPath, tok, map[string]any{"type": "email.nope"}, 400, "invalid_event_type"},
		{"unknown field", "POST", models.TriggerEventPath, tok, map[string]any{"type": "email.sent", "data": map[string]any{"nope": 1}}, 400, ""},
		{"wrong field type", "POST", models.TriggerEventPath, tok, map[string]any{"type": "email.sent", "data": map[string]any{"to": 5}}, 400, ""},
		{"data not an object", "POST", models.TriggerEventPath, tok, map[string]any{"type": "email.sent", "data": []int{1}}, 400, "invalid_data"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do(tc.method, tc.path, tc.token, tc.body)
			if r.status != tc.want {
				t.Fatalf("status %d, want %d: %s", r.status, tc.want, r.body)
			}
			if p := r.prob(t); tc.code != "" && p.Error != tc.code {
				t.Errorf("code %q, want %q", p.Error, tc.code)
			}
			if r.header.Get(models.HeaderRequestID) == "" {
				t.Error("no X-Request-Id")
			}
		})
	}
	// The third stream of a tenant limited to two is refused.
	a := openStream(t, e.url, models.StreamRequestsPath, tok, "")
	b := openStream(t, e.url, models.StreamEventsPath, tok, "")
	c := openStream(t, e.url, models.StreamEventsPath, tok, "")
	if a.status != 200 || b.status != 200 || c.status != http.StatusTooManyRequests {
		t.Errorf("statuses %d %d %d, want 200 200 429", a.status, b.status, c.status)
	}
	a.close()
	b.close()
}

func TestStreamHeartbeatAndShutdownEvent(t *testing.T) {
	e := newEnv(t, "")
	e.config = func(c *Config) { c.StreamHeartbeat = 50 * time.Millisecond }
	e.restart()
	tok := e.addUser("admin@a.test", models.RoleAdmin, "A", "")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, e.url+models.StreamEventsPath, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	buf := make([]byte, 4096)
	var got strings.Builder
	for !strings.Contains(got.String(), ": heartbeat") {
		n, err := res.Body.Read(buf)
		if err != nil {
			t.Fatalf("read: %v (got %q)", err, got.String())
		}
		got.Write(buf[:n])
	}
	e.s.Drain()
	for !strings.Contains(got.String(), "event: dropped") {
		n, err := res.Body.Read(buf)
		got.Write(buf[:n])
		if err != nil {
			break
		}
	}
	if !strings.Contains(got.String(), `"reason":"shutdown"`) {
		t.Errorf("no shutdown event before the end: %q", got.String())
	}
}
