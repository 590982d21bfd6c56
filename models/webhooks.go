package models

import (
	"encoding/json"
	"strings"
	"time"
)

// Webhook endpoint statuses. "failing" is never stored: it is derived for
// display from recent failures (see WebhookHealth.Failing).
const (
	WebhookActive   = "active"
	WebhookPaused   = "paused"
	WebhookDisabled = "disabled"
	WebhookFailing  = "failing"
)

// Delivery statuses.
const (
	DeliverySuccess      = "success"
	DeliveryFailed       = "failed"
	DeliveryPendingRetry = "pending_retry"
	DeliveryPending      = "pending"
)

// Webhook limits and defaults.
const (
	WebhookSecretPrefix      = "whsec_"
	WebhookDefaultMaxRetries = 5
	WebhookMinRetries        = 1
	WebhookMaxRetries        = 10
	WebhookMaxURLLength      = 2048
	WebhookMaxDescription    = 500
	// WebhookExcerptLimit bounds stored response bodies.
	WebhookExcerptLimit = 2048
)

// Webhook delivery headers.
const (
	HeaderWebhookSignature  = "X-PenguinMails-Signature"
	HeaderWebhookEvent      = "X-PenguinMails-Event"
	HeaderWebhookDeliveryID = "X-PenguinMails-Delivery-ID"
	// Standard Webhooks (standardwebhooks.com) headers.
	HeaderStdWebhookID        = "webhook-id"
	HeaderStdWebhookTimestamp = "webhook-timestamp"
	HeaderStdWebhookSignature = "webhook-signature"
)

// WebhookHealth summarises the last 24 hours of deliveries of one endpoint.
type WebhookHealth struct {
	// SuccessRate24h is 0–100; nil when nothing was delivered in 24 h.
	SuccessRate24h *float64 `json:"success_rate_24h"`
	AvgLatencyMS   int      `json:"avg_latency_ms"`
	Deliveries24h  int      `json:"deliveries_24h"`
	Failures24h    int      `json:"failures_24h"`
	// ConsecutiveFailures counts failed attempts since the last success.
	ConsecutiveFailures int `json:"consecutive_failures"`
	// PendingRetries is the number of deliveries waiting for a retry.
	PendingRetries int        `json:"pending_retries"`
	LastDeliveryAt *time.Time `json:"last_delivery_at"`
	// LastStatus is the outcome of the newest finished attempt: success or failed ("" if none).
	LastStatus string `json:"last_status"`
	// Failing is true when recent deliveries keep failing.
	Failing bool `json:"failing"`
}

// Webhook is one endpoint. The signing secret is never part of it.
type Webhook struct {
	ID          string    `json:"id"`
	URL         string    `json:"url"`
	Description string    `json:"description"`
	Status      string    `json:"status"`
	Events      []string  `json:"events"`
	MaxRetries  int       `json:"max_retries"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	CreatedBy   string    `json:"created_by"`
	// DisabledReason says why the server disabled the endpoint (e.g. 410 Gone).
	DisabledReason string `json:"disabled_reason,omitempty"`
	// SecretPrefix is a short non-secret hint ("whsec_AbC1…") to tell secrets apart.
	SecretPrefix    string        `json:"secret_prefix"`
	SecretRotatedAt *time.Time    `json:"secret_rotated_at,omitempty"`
	Health          WebhookHealth `json:"health"`
}

// DisplayStatus is the status a user sees: active endpoints that keep failing show as failing.
func (w Webhook) DisplayStatus() string {
	if w.Status == WebhookActive && w.Health.Failing {
		return WebhookFailing
	}
	return w.Status
}

// WebhookList is GET /platform/webhooks.
type WebhookList struct {
	Data []Webhook `json:"data"`
}

// CreateWebhookRequest is POST /platform/webhooks. Status is active or
// paused and MaxRetries 1–10; nil means the default (active, 5), while an
// empty status or 0 retries is refused.
type CreateWebhookRequest struct {
	URL         string   `json:"url"`
	Description string   `json:"description,omitempty"`
	Status      *string  `json:"status,omitempty"`
	Events      []string `json:"events"`
	MaxRetries  *int     `json:"max_retries,omitempty"`
}

// UpdateWebhookRequest is PATCH /platform/webhooks/{id}; nil fields are left alone.
// Status may be active or paused (disabled endpoints are re-enabled with active).
type UpdateWebhookRequest struct {
	URL         *string   `json:"url,omitempty"`
	Description *string   `json:"description,omitempty"`
	Status      *string   `json:"status,omitempty"`
	Events      *[]string `json:"events,omitempty"`
	MaxRetries  *int      `json:"max_retries,omitempty"`
}

// CreatedWebhook is the create answer: the only time the secret is returned, with rotation.
type CreatedWebhook struct {
	Webhook
	Secret string `json:"secret"`
}

// RotateSecretResult is POST /platform/webhooks/{id}/rotate-secret. The
// previous secret keeps signing until PreviousSecretExpiresAt.
type RotateSecretResult struct {
	ID                      string    `json:"id"`
	Secret                  string    `json:"secret"`
	SecretPrefix            string    `json:"secret_prefix"`
	PreviousSecretExpiresAt time.Time `json:"previous_secret_expires_at"`
}

// EventType is one entry of the event reference.
type EventType struct {
	Type        string `json:"type"`
	Category    string `json:"category"`
	Description string `json:"description"`
	// DataSchema points at the schema of the event's data in the API
	// contract, e.g. "#/components/schemas/EmailSentData".
	DataSchema string          `json:"data_schema"`
	Example    json.RawMessage `json:"example"`
}

// EventTypeList is GET /platform/webhooks/event-types.
type EventTypeList struct {
	Data []EventType `json:"data"`
}

// Event categories in display order.
const (
	EventCategoryEmail    = "email"
	EventCategoryCampaign = "campaign"
	EventCategoryContact  = "contact"
	EventCategoryAPIKey   = "api_key"
	EventCategoryLimit    = "rate_limit"
)

// EventCategoryLabel is a category as people read it ("API key events").
func EventCategoryLabel(category string) string {
	switch category {
	case EventCategoryAPIKey:
		return "API key"
	case EventCategoryLimit:
		return "Rate limit"
	case "":
		return ""
	}
	return strings.ToUpper(category[:1]) + category[1:]
}

// WebhookEventNames lists every subscribable event type with its category, in display order.
func WebhookEventNames() []EventType {
	return []EventType{
		{Type: "email.sent", Category: EventCategoryEmail, Description: "Email accepted and queued for sending"},
		{Type: "email.delivered", Category: EventCategoryEmail, Description: "Receiving server accepted the email"},
		{Type: "email.opened", Category: EventCategoryEmail, Description: "Recipient opened the email"},
		{Type: "email.clicked", Category: EventCategoryEmail, Description: "Recipient clicked a link"},
		{Type: "email.bounced", Category: EventCategoryEmail, Description: "Email bounced (hard or soft)"},
		{Type: "email.spam_reported", Category: EventCategoryEmail, Description: "Recipient reported the email as spam"},
		{Type: "email.unsubscribed", Category: EventCategoryEmail, Description: "Recipient unsubscribed through the email"},
		{Type: "campaign.launched", Category: EventCategoryCampaign, Description: "Campaign began sending"},
		{Type: "campaign.completed", Category: EventCategoryCampaign, Description: "Campaign finished sending"},
		{Type: "campaign.paused", Category: EventCategoryCampaign, Description: "Campaign was paused"},
		{Type: "contact.created", Category: EventCategoryContact, Description: "Contact was added"},
		{Type: "contact.updated", Category: EventCategoryContact, Description: "Contact details changed"},
		{Type: "contact.unsubscribed", Category: EventCategoryContact, Description: "Contact unsubscribed from all email"},
		{Type: "api_key.created", Category: EventCategoryAPIKey, Description: "API key was created"},
		{Type: "api_key.rotated", Category: EventCategoryAPIKey, Description: "API key was replaced by a new one (the old one works until its grace period ends)"},
		{Type: "api_key.revoked", Category: EventCategoryAPIKey, Description: "API key was revoked"},
		{Type: "api_key.expiring", Category: EventCategoryAPIKey, Description: "API key expires in 7 days, or in 1 day"},
		{Type: "rate_limit.threshold", Category: EventCategoryLimit, Description: "An API key spent 80 % or 95 % of its rate-limit bucket (at most once an hour per key and threshold)"},
	}
}

// IsWebhookEvent reports whether name is a known event type.
func IsWebhookEvent(name string) bool {
	for _, e := range WebhookEventNames() {
		if e.Type == name {
			return true
		}
	}
	return false
}

// Delivery is one event sent (or to be sent) to one endpoint, with the
// outcome of its latest attempt.
type Delivery struct {
	ID             string     `json:"id"`
	WebhookID      string     `json:"webhook_id"`
	EventType      string     `json:"event_type"`
	EventID        string     `json:"event_id"`
	Status         string     `json:"status"`
	Attempts       int        `json:"attempts"`
	MaxAttempts    int        `json:"max_attempts"`
	NextRetryAt    *time.Time `json:"next_retry_at"`
	ResponseStatus int        `json:"response_status"`
	LatencyMS      int        `json:"latency_ms"`
	// Error is the transport error of the last attempt (timeout, refused, blocked address).
	Error string `json:"error,omitempty"`
	// ResponseExcerpt is the first 2 KB of the receiver's last answer.
	ResponseExcerpt string `json:"response_excerpt"`
	// RequestHeaders are the headers of the last attempt; signatures are shortened.
	RequestHeaders map[string]string `json:"request_headers,omitempty"`
	Payload        json.RawMessage   `json:"payload,omitempty"`
	Test           bool              `json:"test"`
	CreatedAt      time.Time         `json:"created_at"`
	UpdatedAt      time.Time         `json:"updated_at"`
}

// DeliveryList is GET /platform/webhooks/{id}/deliveries (newest first, with
// payloads and headers, so the console needs no second call for details).
type DeliveryList struct {
	Data []Delivery `json:"data"`
}

// RetryDeliveryResult answers a manual retry.
type RetryDeliveryResult struct {
	Delivery Delivery `json:"delivery"`
}

// TestRequest is POST /platform/webhooks/{id}/test; an empty EventType
// means the endpoint's first subscribed type.
type TestRequest struct {
	EventType string `json:"event_type,omitempty"`
}

// TestResult is the receiver's answer to a test event.
type TestResult struct {
	// Status is success or failed.
	Status         string          `json:"status"`
	DeliveryID     string          `json:"delivery_id"`
	ResponseStatus int             `json:"response_status"`
	LatencyMS      int             `json:"latency_ms"`
	BodyExcerpt    string          `json:"body_excerpt"`
	Error          string          `json:"error,omitempty"`
	Payload        json.RawMessage `json:"payload,omitempty"`
}
