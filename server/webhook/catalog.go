package webhook

import (
	"crypto/rand"
	"encoding/json"
	"time"

	"github.com/penguinmails/pmdev/models"
)

// Envelope is the JSON body of every delivery.
type Envelope struct {
	ID        string    `json:"id"`
	Type      string    `json:"type"`
	CreatedAt time.Time `json:"created_at"`
	Data      any       `json:"data"`
}

// newID returns prefix + 24 random base62 characters.
func newID(prefix string) string {
	const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand: " + err.Error())
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return prefix + string(b)
}

// SampleData is realistic sample data for an event type (test events and the event reference).
func SampleData(eventType string, at time.Time) map[string]any {
	ts := at.UTC().Format(time.RFC3339)
	contact := map[string]any{"id": "cont_sample", "email": "test@example.com", "first_name": "Test", "last_name": "User"}
	email := func(extra map[string]any) map[string]any {
		m := map[string]any{"email_id": "msg_sample", "campaign_id": "camp_sample", "contact": contact}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	campaign := func(extra map[string]any) map[string]any {
		m := map[string]any{"campaign_id": "camp_sample", "name": "Sample campaign"}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	switch eventType {
	case "email.sent":
		return email(map[string]any{"sent_at": ts, "subject": "Welcome aboard"})
	case "email.delivered":
		return email(map[string]any{"delivered_at": ts, "smtp_response": "250 2.0.0 OK"})
	case "email.opened":
		return email(map[string]any{"opened_at": ts, "user_agent": "Mozilla/5.0", "ip_address": "203.0.113.7",
			"location": map[string]any{"city": "Lisbon", "region": "Lisboa", "country": "PT"}})
	case "email.clicked":
		return email(map[string]any{"clicked_at": ts, "url": "https://example.com/pricing"})
	case "email.bounced":
		return email(map[string]any{"bounced_at": ts, "bounce_type": "hard", "bounce_reason": "550 5.1.1 mailbox unavailable"})
	case "email.spam_reported":
		return email(map[string]any{"reported_at": ts})
	case "email.unsubscribed":
		return email(map[string]any{"contact_id": "cont_sample", "unsubscribed_at": ts})
	case "campaign.launched":
		return campaign(map[string]any{"launched_at": ts, "recipients": 1200})
	case "campaign.completed":
		return campaign(map[string]any{"completed_at": ts, "sent": 1200, "delivered": 1187})
	case "campaign.paused":
		return campaign(map[string]any{"paused_at": ts, "paused_by": "admin@example.com"})
	case "contact.created":
		return map[string]any{"contact": contact, "created_at": ts}
	case "contact.updated":
		return map[string]any{"contact": contact, "updated_at": ts, "changed_fields": []string{"first_name"}}
	case "contact.unsubscribed":
		return map[string]any{"contact": contact, "unsubscribed_at": ts}
	}
	return map[string]any{}
}

// EventTypes is the event reference with an example body for each type.
func EventTypes(at time.Time) []models.EventType {
	out := models.WebhookEventNames()
	for i := range out {
		b, _ := json.Marshal(Envelope{ID: "evt_example", Type: out[i].Type, CreatedAt: at.UTC().Truncate(time.Second), Data: SampleData(out[i].Type, at)})
		out[i].Example = b
	}
	return out
}
