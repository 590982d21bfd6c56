// Package events defines the data of every webhook event type. Each type
// has one Go struct and one builder; the server's emission points and the
// test events (POST …/test, the event reference) use the same builder, so a
// receiver written against a test event handles the real one. The contract
// (api/openapi.yaml, components/schemas/<Name>Data) describes each struct
// and a test validates real and test events of every type against it.
package events

import (
	"context"
	"time"
)

// Data is the `data` of one event type.
type Data interface {
	EventType() string
}

// Emitter takes events (the webhook service, or the server's hook).
type Emitter interface {
	Emit(ctx context.Context, tenantID, eventType string, data any)
}

// Emit sends d as its own event type.
func Emit(ctx context.Context, e Emitter, tenantID string, d Data) {
	if e != nil {
		e.Emit(ctx, tenantID, d.EventType(), d)
	}
}

// Event type names.
const (
	EmailSent           = "email.sent"
	EmailDelivered      = "email.delivered"
	EmailOpened         = "email.opened"
	EmailClicked        = "email.clicked"
	EmailBounced        = "email.bounced"
	EmailSpamReported   = "email.spam_reported"
	EmailUnsubscribed   = "email.unsubscribed"
	CampaignLaunched    = "campaign.launched"
	CampaignCompleted   = "campaign.completed"
	CampaignPaused      = "campaign.paused"
	ContactCreated      = "contact.created"
	ContactUpdated      = "contact.updated"
	ContactUnsubscribed = "contact.unsubscribed"
	APIKeyCreated       = "api_key.created"
	APIKeyRotated       = "api_key.rotated"
	APIKeyRevoked       = "api_key.revoked"
	APIKeyExpiring      = "api_key.expiring"
	RateLimitThreshold  = "rate_limit.threshold"
)

// ---------------------------------------------------------------- email

// Email is the message an email.* event is about.
type Email struct {
	EmailID string `json:"email_id"`
	To      string `json:"to"`
	// CampaignID is null for transactional sends.
	CampaignID *string  `json:"campaign_id"`
	Tags       []string `json:"tags"`
}

// NewEmail names a message; tags are never null.
func NewEmail(id, to string, campaignID string, tags []string) Email {
	e := Email{EmailID: id, To: to, Tags: append([]string{}, tags...)}
	if campaignID != "" {
		e.CampaignID = &campaignID
	}
	return e
}

// EmailSentData is email.sent: the API accepted the message.
type EmailSentData struct {
	Email
	Status     string    `json:"status"`
	TemplateID *string   `json:"template_id"`
	Subject    *string   `json:"subject"`
	QueuedAt   time.Time `json:"queued_at"`
}

func (EmailSentData) EventType() string { return EmailSent }

// NewEmailSent is the email.sent of an accepted send.
func NewEmailSent(e Email, status, templateID, subject string, at time.Time) EmailSentData {
	return EmailSentData{Email: e, Status: status, TemplateID: opt(templateID), Subject: opt(subject), QueuedAt: at.UTC()}
}

// EmailDeliveredData is email.delivered.
type EmailDeliveredData struct {
	Email
	DeliveredAt  time.Time `json:"delivered_at"`
	SMTPResponse string    `json:"smtp_response"`
}

func (EmailDeliveredData) EventType() string { return EmailDelivered }

// NewEmailDelivered is the receiving server's acceptance of e.
func NewEmailDelivered(e Email, at time.Time, smtpResponse string) EmailDeliveredData {
	return EmailDeliveredData{Email: e, DeliveredAt: at.UTC(), SMTPResponse: smtpResponse}
}

// EmailOpenedData is email.opened.
type EmailOpenedData struct {
	Email
	OpenedAt  time.Time `json:"opened_at"`
	UserAgent string    `json:"user_agent"`
	IPAddress string    `json:"ip_address"`
}

func (EmailOpenedData) EventType() string { return EmailOpened }

// NewEmailOpened is an open of e.
func NewEmailOpened(e Email, at time.Time, userAgent, ip string) EmailOpenedData {
	return EmailOpenedData{Email: e, OpenedAt: at.UTC(), UserAgent: userAgent, IPAddress: ip}
}

// EmailClickedData is email.clicked.
type EmailClickedData struct {
	Email
	ClickedAt time.Time `json:"clicked_at"`
	URL       string    `json:"url"`
	UserAgent string    `json:"user_agent"`
	IPAddress string    `json:"ip_address"`
}

func (EmailClickedData) EventType() string { return EmailClicked }

// NewEmailClicked is a click on url in e.
func NewEmailClicked(e Email, at time.Time, url, userAgent, ip string) EmailClickedData {
	return EmailClickedData{Email: e, ClickedAt: at.UTC(), URL: url, UserAgent: userAgent, IPAddress: ip}
}

// Bounce types.
const (
	BounceHard = "hard"
	BounceSoft = "soft"
)

// EmailBouncedData is email.bounced.
type EmailBouncedData struct {
	Email
	BouncedAt  time.Time `json:"bounced_at"`
	BounceType string    `json:"bounce_type"`
	Reason     string    `json:"reason"`
}

func (EmailBouncedData) EventType() string { return EmailBounced }

// NewEmailBounced is a bounce of e; bounceType is BounceHard or BounceSoft.
func NewEmailBounced(e Email, at time.Time, bounceType, reason string) EmailBouncedData {
	return EmailBouncedData{Email: e, BouncedAt: at.UTC(), BounceType: bounceType, Reason: reason}
}

// EmailSpamReportedData is email.spam_reported.
type EmailSpamReportedData struct {
	Email
	ReportedAt time.Time `json:"reported_at"`
}

func (EmailSpamReportedData) EventType() string { return EmailSpamReported }

// NewEmailSpamReported is a spam complaint about e.
func NewEmailSpamReported(e Email, at time.Time) EmailSpamReportedData {
	return EmailSpamReportedData{Email: e, ReportedAt: at.UTC()}
}

// EmailUnsubscribedData is email.unsubscribed.
type EmailUnsubscribedData struct {
	Email
	UnsubscribedAt time.Time `json:"unsubscribed_at"`
}

func (EmailUnsubscribedData) EventType() string { return EmailUnsubscribed }

// NewEmailUnsubscribed is an unsubscribe through e's link.
func NewEmailUnsubscribed(e Email, at time.Time) EmailUnsubscribedData {
	return EmailUnsubscribedData{Email: e, UnsubscribedAt: at.UTC()}
}

func opt(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
