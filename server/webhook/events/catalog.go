package events

import (
	"time"

	"github.com/penguinmails/pmdev/models"
)

// Spec is what the server knows of one event type besides its name: the
// contract schema of its data and a sample built with the type's builder.
type Spec struct {
	Type string
	// Schema is the contract component describing the data.
	Schema string
	sample func(at time.Time) Data
}

// Sample is the type's test event data at time at.
func (s Spec) Sample(at time.Time) Data { return s.sample(at) }

// SchemaRef is the JSON pointer of the data's schema in api/openapi.yaml.
func (s Spec) SchemaRef() string { return "#/components/schemas/" + s.Schema }

// Sample inputs: what a test event is about.
var (
	sampleEmail = NewEmail("msg_7Hc2kQ9xLm4Rt8Vw1bNz", "test@example.com", "", []string{"welcome"})
	sampleCamp  = models.Campaign{ID: "cmp_1001", Name: "Welcome Series", Status: "sending"}
	sampleKey   = models.APIKey{KeyID: "9b2f6c1e-4d3a-4e8b-a1f0-3c5d7e9f1a2b", Name: "Production backend", Environment: models.EnvLive,
		MaskedKey: "pm_live_a1b…NePW", Permissions: []string{"send_email", "read_campaigns"}, RateLimit: 300}
	sampleNewKey = models.APIKey{KeyID: "0c8e4a2f-7b6d-4c1e-9f3a-5d2b8e6c4a1f", Name: "Production backend", Environment: models.EnvLive,
		MaskedKey: "pm_live_Q7r…x2Ke", Permissions: []string{"send_email", "read_campaigns"}, RateLimit: 300}
	sampleActor = UserActor("dev@example.com", "")
)

func sampleContact(at time.Time) models.Contact {
	return models.Contact{ID: "ct_3f9a1c7e-2b4d-4e6f-8a0c-1d3e5f7a9b2c", Email: "test@example.com",
		Attributes: map[string]string{"first_name": "Test", "plan": "pro"}, CreatedAt: at.Add(-72 * time.Hour).Truncate(time.Second)}
}

// sampleRotation is a rotation of sampleKey to sampleNewKey at rotated, seen at now.
func sampleRotation(rotated, now time.Time, oldN, newN int64) *models.KeyRotation {
	r := &models.KeyRotation{OldKeyID: sampleKey.KeyID, NewKeyID: sampleNewKey.KeyID, RotatedAt: rotated, OldKeyExpiresAt: rotated.Add(24 * time.Hour),
		GraceMaxExpiresAt: rotated.Add(models.KeyMaxGraceHours * time.Hour), OldRequestsSinceRotation: oldN, NewRequestsSinceRotation: newN,
		OldRecentIPs: []models.KeyIP{}, QuietPeriodSeconds: int(models.GraceQuietPeriod / time.Second)}
	last := rotated.Add(-time.Minute)
	if oldN > 0 {
		last = now.Add(-20 * time.Minute)
		r.OldRecentIPs = []models.KeyIP{{IP: "203.0.113.10", LastSeen: last, Requests: 15180}}
		r.OldRequestsLastHour = 37
	}
	r.OldLastUsedAt = &last
	return r
}

// Catalog lists every event type in the order of models.WebhookEventNames.
func Catalog() []Spec {
	return []Spec{
		{EmailSent, "EmailSentData", func(at time.Time) Data {
			return NewEmailSent(sampleEmail, "queued", "welcome-v1", "", at)
		}},
		{EmailDelivered, "EmailDeliveredData", func(at time.Time) Data {
			return NewEmailDelivered(sampleEmail, at, "250 2.0.0 OK")
		}},
		{EmailOpened, "EmailOpenedData", func(at time.Time) Data {
			return NewEmailOpened(sampleEmail, at, "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5)", "203.0.113.7")
		}},
		{EmailClicked, "EmailClickedData", func(at time.Time) Data {
			return NewEmailClicked(sampleEmail, at, "https://example.com/pricing", "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5)", "203.0.113.7")
		}},
		{EmailBounced, "EmailBouncedData", func(at time.Time) Data {
			return NewEmailBounced(sampleEmail, at, BounceHard, "550 5.1.1 mailbox unavailable")
		}},
		{EmailSpamReported, "EmailSpamReportedData", func(at time.Time) Data { return NewEmailSpamReported(sampleEmail, at) }},
		{EmailUnsubscribed, "EmailUnsubscribedData", func(at time.Time) Data { return NewEmailUnsubscribed(sampleEmail, at) }},
		{CampaignLaunched, "CampaignLaunchedData", func(at time.Time) Data { return NewCampaignLaunched(sampleCamp, at, 1200) }},
		{CampaignCompleted, "CampaignCompletedData", func(at time.Time) Data {
			return NewCampaignCompleted(sampleCamp, at, models.CampaignAnalytics{Sent: 1200, Delivered: 1187, Bounced: 13})
		}},
		{CampaignPaused, "CampaignPausedData", func(at time.Time) Data { return NewCampaignPaused(sampleCamp, at, "admin@example.com") }},
		{ContactCreated, "ContactCreatedData", func(at time.Time) Data { return NewContactCreated(sampleContact(at)) }},
		{ContactUpdated, "ContactUpdatedData", func(at time.Time) Data {
			return NewContactUpdated(sampleContact(at), map[string]string{"first_name": "Test", "plan": "free"}, at)
		}},
		{ContactUnsubscribed, "ContactUnsubscribedData", func(at time.Time) Data { return NewContactUnsubscribed(sampleContact(at), at) }},
		{APIKeyCreated, "APIKeyCreatedData", func(at time.Time) Data {
			k := sampleKey
			k.CreatedAt = at
			return NewAPIKeyCreated(k, sampleActor)
		}},
		{APIKeyRotated, "APIKeyRotatedData", func(at time.Time) Data {
			return NewAPIKeyRotated(sampleKey, sampleNewKey, at.Add(24*time.Hour), at, sampleActor, sampleRotation(at, at, 0, 0))
		}},
		{APIKeyRevoked, "APIKeyRevokedData", func(at time.Time) Data {
			// The old key of a rotation cut off in its grace period.
			return NewAPIKeyRevoked(sampleKey, at, sampleActor, sampleRotation(at.Add(-3*time.Hour), at, 1240, 58310))
		}},
		{APIKeyExpiring, "APIKeyExpiringData", func(at time.Time) Data {
			k := sampleKey
			exp := at.Add(7 * 24 * time.Hour).Truncate(time.Second)
			k.ExpiresAt = &exp
			return NewAPIKeyExpiring(k, 7, nil)
		}},
		{RateLimitThreshold, "RateLimitThresholdData", func(at time.Time) Data {
			return NewRateLimitThreshold(sampleKey, 80, 300, 500, 100, at)
		}},
	}
}

// Lookup returns the spec of an event type.
func Lookup(eventType string) (Spec, bool) {
	for _, s := range Catalog() {
		if s.Type == eventType {
			return s, true
		}
	}
	return Spec{}, false
}
