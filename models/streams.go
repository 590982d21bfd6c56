package models

import (
	"encoding/json"
	"time"
)

// Live streams (Server-Sent Events): the webhook events of a tenant as they
// are generated, and its product request log.
const (
	// StreamEventsPath streams webhook events (?types=a,b).
	StreamEventsPath = "/api/v1/platform/events/stream"
	// StreamRequestsPath streams the request log (?status=, key=, route=).
	StreamRequestsPath = "/api/v1/tenant/requests/stream"
	// TriggerEventPath fires one event through the real pipeline.
	TriggerEventPath = "/api/v1/platform/events/trigger"

	// SSE event names: one per stream, and the last one of a dropped stream.
	StreamEventWebhook = "webhook_event"
	StreamEventRequest = "request"
	StreamEventDropped = "dropped"

	// HeaderRequestID names a product request; clients may send their own.
	HeaderRequestID = "X-Request-Id"
	// RequestIDMaxLen bounds a client's request id.
	RequestIDMaxLen = 128
)

// Stream status filters (status=).
var StreamStatusFilters = []string{"2xx", "4xx", "5xx", "429"}

// StreamedEvent is the data of a webhook_event: the event exactly as its
// deliveries carry it.
type StreamedEvent struct {
	ID        string          `json:"id"`
	Type      string          `json:"type"`
	CreatedAt time.Time       `json:"created_at"`
	Data      json.RawMessage `json:"data"`
}

// RequestLogEntry is the data of a request event: one product request.
type RequestLogEntry struct {
	Time         time.Time `json:"time"`
	RequestID    string    `json:"request_id"`
	KeyID        string    `json:"key_id"`
	Method       string    `json:"method"`
	Route        string    `json:"route"`
	Status       int       `json:"status"`
	LatencyMS    float64   `json:"latency_ms"`
	ErrorCode    string    `json:"error_code,omitempty"`
	ErrorMessage string    `json:"error_message,omitempty"`
	IP           string    `json:"ip"`
}

// StreamDropped is the data of the last event of a stream the server ends.
type StreamDropped struct {
	// Reason is slow_reader (the client read too slowly) or shutdown.
	Reason  string `json:"reason"`
	Message string `json:"message"`
}

// TriggerEventRequest is the body of a trigger: the event type and fields
// of its data to set (merged over the type's sample data).
type TriggerEventRequest struct {
	Type string          `json:"type"`
	Data json.RawMessage `json:"data,omitempty"`
}

// ValidRequestID reports whether a client's request id is used as is:
// 1–128 characters of letters, digits and . _ : -.
func ValidRequestID(s string) bool {
	if s == "" || len(s) > RequestIDMaxLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == ':' || c == '-') {
			return false
		}
	}
	return true
}

// StatusMatches reports whether status passes a status filter ("" passes all).
func StatusMatches(filter string, status int) bool {
	switch filter {
	case "":
		return true
	case "2xx":
		return status >= 200 && status < 300
	case "4xx":
		return status >= 400 && status < 500
	case "5xx":
		return status >= 500
	case "429":
		return status == 429
	}
	return false
}
