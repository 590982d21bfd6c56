package stream

import (
	"encoding/json"
	"time"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server/store"
)

// Recorder is what the product API records requests with (the usage writer).
type Recorder interface {
	Record(e store.UsageEvent)
}

// Tee records each request with the usage writer and hands it to the
// request log stream; neither waits.
type Tee struct {
	Usage Recorder
	Hub   *Hub
}

// Record implements product.Recorder.
func (t Tee) Record(e store.UsageEvent) {
	t.Usage.Record(e)
	t.Hub.PublishRequest(e)
}

// PublishRequest hands a product request to the tenant's request log
// stream when someone follows it (or did within the window).
func (h *Hub) PublishRequest(e store.UsageEvent) {
	if !h.Active(e.TenantID, SourceRequests) {
		return
	}
	// Encoded by the hub's goroutine, not here on the request path. The
	// copy is taken here so that only followed requests cost an allocation.
	c := new(store.UsageEvent)
	*c = e
	c.Slot = nil // the writer's, not the stream's
	h.Publish(Item{Tenant: e.TenantID, Source: SourceRequests, At: e.At, usage: c,
		Type: models.StreamEventRequest, Status: e.Status, KeyID: e.KeyID, Route: e.Route})
}

func encodeRequest(e *store.UsageEvent) []byte {
	b, _ := json.Marshal(models.RequestLogEntry{Time: e.At.UTC(), RequestID: e.RequestID, KeyID: e.KeyID, Method: e.Method,
		Route: e.Route, Status: e.Status, LatencyMS: float64(e.LatencyUS) / 1000, ErrorCode: e.ErrCode, ErrorMessage: e.Message, IP: e.IP})
	return b
}

// PublishEvent hands a webhook event, as its deliveries carry it, to the
// tenant's event stream.
func (h *Hub) PublishEvent(tenantID, eventType string, at time.Time, body []byte) {
	h.Publish(Item{Tenant: tenantID, Source: SourceEvents, At: at, Data: body, Type: eventType})
}

// EventTap is the hub as the webhook service's tap: it sees every event
// of a tenant whose event stream is followed.
type EventTap struct{ Hub *Hub }

// Wants reports whether the tenant's event stream is followed.
func (t EventTap) Wants(tenantID string) bool { return t.Hub.Active(tenantID, SourceEvents) }

// Tap hands one built event to the stream.
func (t EventTap) Tap(tenantID, eventType string, at time.Time, body []byte) {
	t.Hub.PublishEvent(tenantID, eventType, at, body)
}
