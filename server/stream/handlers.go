package stream

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	sse "github.com/tmaxmax/go-sse"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server/httpx"
)

// writeTimeout bounds one write to a stream: a client that stops reading
// ends its stream instead of holding a goroutine.
const writeTimeout = 10 * time.Second

// Mount adds the two stream routes behind auth (admins and developers).
func (h *Hub) Mount(mux *http.ServeMux, auth func(http.HandlerFunc) http.Handler) {
	mux.Handle("GET "+models.StreamEventsPath, auth(h.handleEvents))
	mux.Handle("GET "+models.StreamRequestsPath, auth(h.handleRequests))
}

func (h *Hub) handleEvents(w http.ResponseWriter, r *http.Request) {
	var types []string
	if v := r.URL.Query().Get("types"); v != "" {
		for t := range strings.SplitSeq(v, ",") {
			if !models.IsWebhookEvent(t) {
				httpx.WriteProblem(w, httpx.FieldProblem("invalid_event_type", "types", "Unknown event type "+strconv.Quote(t)))
				return
			}
			types = append(types, t)
		}
	}
	h.serve(w, r, SourceEvents, models.StreamEventWebhook, func(it Item) bool {
		return len(types) == 0 || slices.Contains(types, it.Type)
	})
}

func (h *Hub) handleRequests(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	status, key, route := q.Get("status"), q.Get("key"), q.Get("route")
	if status != "" && !slices.Contains(models.StreamStatusFilters, status) {
		httpx.WriteProblem(w, httpx.FieldProblem("invalid_parameter", "status", "status must be one of "+strings.Join(models.StreamStatusFilters, ", ")))
		return
	}
	if !plain(key, 100, "_-") {
		httpx.WriteProblem(w, httpx.FieldProblem("invalid_parameter", "key", "key must be an API key id (at most 100 letters, digits, _ or -)"))
		return
	}
	if !plain(route, 200, "/{}_.-") {
		httpx.WriteProblem(w, httpx.FieldProblem("invalid_parameter", "route", "route must be at most 200 letters, digits or / { } _ . -"))
		return
	}
	h.serve(w, r, SourceRequests, models.StreamEventRequest, func(it Item) bool {
		return models.StatusMatches(status, it.Status) && (key == "" || it.KeyID == key) &&
			(route == "" || strings.Contains(it.Route, route))
	})
}

// serve streams one source of the caller's tenant: the window after
// Last-Event-ID, then live items, heartbeat comments in between, and a
// dropped event when the hub ends the stream.
func (h *Hub) serve(w http.ResponseWriter, r *http.Request, source, name string, match func(Item) bool) {
	u := httpx.UserFrom(r.Context())
	var last int64
	if v := r.Header.Get("Last-Event-ID"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || !plain(v, 19, "") {
			httpx.WriteProblem(w, httpx.FieldProblem("invalid_last_event_id", "Last-Event-ID", "Last-Event-ID must be the id of an event of this stream"))
			return
		}
		last = n
	}
	sess, err := sse.Upgrade(w, r)
	if err != nil {
		httpx.Error(w, http.StatusInternalServerError, "internal_error", httpx.InternalMessage)
		return
	}
	sub, replay, ok := h.Subscribe(u.TenantID, source, last, match)
	if !ok {
		p := httpx.NewProblem(http.StatusTooManyRequests, "too_many_streams",
			"This organisation has "+strconv.Itoa(h.cfg.MaxSubscribers)+" streams open already; close one and try again")
		p.RetryAfter = 5
		httpx.WriteProblem(w, p)
		return
	}
	defer h.Unsubscribe(sub)
	rc := http.NewResponseController(w)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	write := func(m *sse.Message) bool {
		_ = rc.SetWriteDeadline(time.Now().Add(writeTimeout))
		return sess.Send(m) == nil
	}
	send := func(m *sse.Message) bool { return write(m) && sess.Flush() == nil }
	item := func(it Item) *sse.Message {
		m := &sse.Message{ID: sse.ID(strconv.FormatInt(it.ID, 10)), Type: sse.Type(name)}
		m.AppendData(string(it.Data))
		return m
	}
	// The opening comment sends the headers at once, so the client knows it is connected.
	open := &sse.Message{}
	open.AppendComment("stream " + source)
	if !send(open) {
		return
	}
	for _, it := range replay {
		if !send(item(it)) {
			return
		}
	}
	beat := time.NewTicker(h.cfg.Heartbeat)
	defer beat.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case it := <-sub.Items():
			if !write(item(it)) || !coalesce(r.Context(), sub, func(it Item) bool { return write(item(it)) }) || sess.Flush() != nil {
				return
			}
		case <-beat.C:
			m := &sse.Message{}
			m.AppendComment("heartbeat")
			if !send(m) {
				return
			}
		case <-sub.Gone():
			reason := sub.Reason()
			msg := "The server is shutting down; reconnect with Last-Event-ID to resume."
			if reason == ReasonSlowReader {
				msg = "This stream was read too slowly and fell " + strconv.Itoa(subBuffer) + " events behind; reconnect with Last-Event-ID to resume."
			}
			b, _ := json.Marshal(models.StreamDropped{Reason: reason, Message: msg})
			m := &sse.Message{Type: sse.Type(models.StreamEventDropped)}
			m.AppendData(string(b))
			send(m)
			return
		}
	}
}

// plain reports whether s has at most n ASCII letters, digits and the runes of extra.
func plain(s string, n int, extra string) bool {
	if len(s) > n {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune(extra, c)) {
			return false
		}
	}
	return true
}

// coalesceFor is how long a stream gathers events before it flushes them:
// under heavy traffic each subscriber costs a write per batch, not one per
// request, so many subscribers do not load the request path's cores.
const coalesceFor = 20 * time.Millisecond

// coalesce writes (unflushed) what else arrives for sub within coalesceFor;
// false when a write failed or the request ended.
func coalesce(ctx context.Context, sub *Sub, write func(Item) bool) bool {
	t := time.NewTimer(coalesceFor)
	defer t.Stop()
	for {
		select {
		case it := <-sub.Items():
			if !write(it) {
				return false
			}
		case <-t.C:
			return true
		case <-ctx.Done():
			return false
		}
	}
}
