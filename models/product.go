package models

import "time"

// SendEmailRequest is POST /api/v1/emails/send.
type SendEmailRequest struct {
	To          string            `json:"to"`
	From        string            `json:"from,omitempty"`
	Subject     string            `json:"subject,omitempty"`
	HTMLBody    string            `json:"html_body,omitempty"`
	TextBody    string            `json:"text_body,omitempty"`
	TemplateID  string            `json:"template_id,omitempty"`
	Variables   map[string]string `json:"variables,omitempty"`
	TrackOpens  *bool             `json:"track_opens,omitempty"`
	TrackClicks *bool             `json:"track_clicks,omitempty"`
	Tags        []string          `json:"tags,omitempty"`
}

// SendEmailResponse is the queued message.
type SendEmailResponse struct {
	ID        string    `json:"id"` // msg_…
	Status    string    `json:"status"`
	To        string    `json:"to"`
	CreatedAt time.Time `json:"created_at"`
}

// Campaign is one campaign of GET /api/v1/campaigns.
type Campaign struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Status    string    `json:"status"` // draft, scheduled, sending, sent
	CreatedAt time.Time `json:"created_at"`
	Sent      int64     `json:"sent"`
}

// CampaignList is GET /api/v1/campaigns (?status=&limit=).
type CampaignList struct {
	Campaigns []Campaign `json:"campaigns"`
	Total     int        `json:"total"`
}

// ContactRequest is POST /api/v1/contacts.
type ContactRequest struct {
	Email      string            `json:"email"`
	Attributes map[string]string `json:"attributes,omitempty"`
}

// Contact is a stored contact.
type Contact struct {
	ID         string            `json:"id"`
	Email      string            `json:"email"`
	Attributes map[string]string `json:"attributes"`
	CreatedAt  time.Time         `json:"created_at"`
	Created    bool              `json:"created"` // false when an existing contact was updated
}

// CampaignAnalytics is GET /api/v1/analytics/campaigns/{id}.
type CampaignAnalytics struct {
	CampaignID   string  `json:"campaign_id"`
	Sent         int64   `json:"sent"`
	Delivered    int64   `json:"delivered"`
	Opened       int64   `json:"opened"`
	Clicked      int64   `json:"clicked"`
	Bounced      int64   `json:"bounced"`
	OpenRate     float64 `json:"open_rate"`
	ClickRate    float64 `json:"click_rate"`
	BounceRate   float64 `json:"bounce_rate"`
	Unsubscribed int64   `json:"unsubscribed"`
}
