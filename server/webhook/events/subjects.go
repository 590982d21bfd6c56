package events

import (
	"maps"
	"slices"
	"time"

	"github.com/penguinmails/pmdev/models"
)

// ---------------------------------------------------------------- campaign

// Campaign is the campaign a campaign.* event is about.
type Campaign struct {
	CampaignID string `json:"campaign_id"`
	Name       string `json:"name"`
}

// CampaignLaunchedData is campaign.launched.
type CampaignLaunchedData struct {
	Campaign
	LaunchedAt time.Time `json:"launched_at"`
	Recipients int       `json:"recipients"`
}

func (CampaignLaunchedData) EventType() string { return CampaignLaunched }

// NewCampaignLaunched is c beginning to send to recipients.
func NewCampaignLaunched(c models.Campaign, at time.Time, recipients int) CampaignLaunchedData {
	return CampaignLaunchedData{Campaign: Campaign{c.ID, c.Name}, LaunchedAt: at.UTC(), Recipients: recipients}
}

// CampaignCompletedData is campaign.completed.
type CampaignCompletedData struct {
	Campaign
	CompletedAt time.Time `json:"completed_at"`
	Sent        int64     `json:"sent"`
	Delivered   int64     `json:"delivered"`
	Bounced     int64     `json:"bounced"`
}

func (CampaignCompletedData) EventType() string { return CampaignCompleted }

// NewCampaignCompleted is c finished, with its totals.
func NewCampaignCompleted(c models.Campaign, at time.Time, a models.CampaignAnalytics) CampaignCompletedData {
	return CampaignCompletedData{Campaign: Campaign{c.ID, c.Name}, CompletedAt: at.UTC(), Sent: a.Sent, Delivered: a.Delivered, Bounced: a.Bounced}
}

// CampaignPausedData is campaign.paused.
type CampaignPausedData struct {
	Campaign
	PausedAt time.Time `json:"paused_at"`
	PausedBy string    `json:"paused_by"`
}

func (CampaignPausedData) EventType() string { return CampaignPaused }

// NewCampaignPaused is c paused by by (an email, or "system").
func NewCampaignPaused(c models.Campaign, at time.Time, by string) CampaignPausedData {
	return CampaignPausedData{Campaign: Campaign{c.ID, c.Name}, PausedAt: at.UTC(), PausedBy: by}
}

// ---------------------------------------------------------------- contact

// EventContact is a contact as the API returns it.
type EventContact struct {
	ID         string            `json:"id"`
	Email      string            `json:"email"`
	Attributes map[string]string `json:"attributes"`
	CreatedAt  time.Time         `json:"created_at"`
}

func contactOf(c models.Contact) EventContact {
	attrs := maps.Clone(c.Attributes)
	if attrs == nil {
		attrs = map[string]string{}
	}
	return EventContact{ID: c.ID, Email: c.Email, Attributes: attrs, CreatedAt: c.CreatedAt.UTC()}
}

// ContactCreatedData is contact.created.
type ContactCreatedData struct {
	Contact EventContact `json:"contact"`
}

func (ContactCreatedData) EventType() string { return ContactCreated }

// NewContactCreated is the creation of c.
func NewContactCreated(c models.Contact) ContactCreatedData {
	return ContactCreatedData{Contact: contactOf(c)}
}

// ContactUpdatedData is contact.updated.
type ContactUpdatedData struct {
	Contact EventContact `json:"contact"`
	// ChangedAttributes names the attributes added or changed, sorted.
	ChangedAttributes []string  `json:"changed_attributes"`
	UpdatedAt         time.Time `json:"updated_at"`
}

func (ContactUpdatedData) EventType() string { return ContactUpdated }

// NewContactUpdated is c after a change from the attributes before.
func NewContactUpdated(c models.Contact, before map[string]string, at time.Time) ContactUpdatedData {
	changed := []string{}
	for k, v := range c.Attributes {
		if old, ok := before[k]; !ok || old != v {
			changed = append(changed, k)
		}
	}
	slices.Sort(changed)
	return ContactUpdatedData{Contact: contactOf(c), ChangedAttributes: changed, UpdatedAt: at.UTC()}
}

// ContactUnsubscribedData is contact.unsubscribed.
type ContactUnsubscribedData struct {
	Contact        EventContact `json:"contact"`
	UnsubscribedAt time.Time    `json:"unsubscribed_at"`
}

func (ContactUnsubscribedData) EventType() string { return ContactUnsubscribed }

// NewContactUnsubscribed is c leaving all email.
func NewContactUnsubscribed(c models.Contact, at time.Time) ContactUnsubscribedData {
	return ContactUnsubscribedData{Contact: contactOf(c), UnsubscribedAt: at.UTC()}
}

// ---------------------------------------------------------------- api keys

// Key names an API key; the plaintext is never part of an event.
type Key struct {
	KeyID       string `json:"key_id"`
	Name        string `json:"name"`
	Environment string `json:"environment"`
	MaskedKey   string `json:"masked_key"`
}

func keyOf(k models.APIKey) Key {
	return Key{KeyID: k.KeyID, Name: k.Name, Environment: k.Environment, MaskedKey: k.MaskedKey}
}

// Actor types.
const (
	ActorUser   = "user"
	ActorSystem = "system"
)

// EventActor is who made a change.
type EventActor struct {
	Type string `json:"type"`
	// Email is the acting user's; null for the system.
	Email *string `json:"email"`
	// SSHKeyFingerprint is set when the change was made over the SSH console.
	SSHKeyFingerprint *string `json:"ssh_key_fingerprint"`
}

// UserActor is a user, acting through the SSH key fp when fp is not empty.
func UserActor(email, fp string) EventActor {
	return EventActor{Type: ActorUser, Email: opt(email), SSHKeyFingerprint: opt(fp)}
}

// SystemActor is the server itself.
func SystemActor() EventActor { return EventActor{Type: ActorSystem} }

// APIKeyCreatedData is api_key.created.
type APIKeyCreatedData struct {
	Key
	Permissions []string   `json:"permissions"`
	RateLimit   int        `json:"rate_limit"`
	ExpiresAt   *time.Time `json:"expires_at"`
	CreatedAt   time.Time  `json:"created_at"`
	Actor       EventActor `json:"actor"`
}

func (APIKeyCreatedData) EventType() string { return APIKeyCreated }

// NewAPIKeyCreated is the creation of k.
func NewAPIKeyCreated(k models.APIKey, by EventActor) APIKeyCreatedData {
	return APIKeyCreatedData{Key: keyOf(k), Permissions: append([]string{}, k.Permissions...), RateLimit: k.RateLimit,
		ExpiresAt: utcPtr(k.ExpiresAt), CreatedAt: k.CreatedAt.UTC(), Actor: by}
}

// APIKeyRotatedData is api_key.rotated. The key fields name the new key.
type APIKeyRotatedData struct {
	Key
	OldKeyID     string `json:"old_key_id"`
	NewKeyID     string `json:"new_key_id"`
	OldMaskedKey string `json:"old_masked_key"`
	// OldKeyExpiresAt ends the old key's grace period (equal to RotatedAt without one).
	OldKeyExpiresAt time.Time  `json:"old_key_expires_at"`
	RotatedAt       time.Time  `json:"rotated_at"`
	Actor           EventActor `json:"actor"`
	// Rotation is the cockpit's picture as the rotation starts; null when
	// there is no grace period (the old key stopped at once).
	Rotation *models.KeyRotation `json:"rotation"`
}

func (APIKeyRotatedData) EventType() string { return APIKeyRotated }

// NewAPIKeyRotated is old replaced by nk, old working until oldExpires.
func NewAPIKeyRotated(old, nk models.APIKey, oldExpires, at time.Time, by EventActor, rot *models.KeyRotation) APIKeyRotatedData {
	return APIKeyRotatedData{Key: keyOf(nk), OldKeyID: old.KeyID, NewKeyID: nk.KeyID, OldMaskedKey: old.MaskedKey,
		OldKeyExpiresAt: oldExpires.UTC(), RotatedAt: at.UTC(), Actor: by, Rotation: utcRotation(rot)}
}

// APIKeyRevokedData is api_key.revoked.
type APIKeyRevokedData struct {
	Key
	RevokedAt time.Time  `json:"revoked_at"`
	Actor     EventActor `json:"actor"`
	// Rotation is the rotation in its grace period the key was part of
	// (as old or new key) just before it was revoked; null when none.
	Rotation *models.KeyRotation `json:"rotation"`
}

func (APIKeyRevokedData) EventType() string { return APIKeyRevoked }

// NewAPIKeyRevoked is the revocation of k, part of rotation rot (or nil).
func NewAPIKeyRevoked(k models.APIKey, at time.Time, by EventActor, rot *models.KeyRotation) APIKeyRevokedData {
	return APIKeyRevokedData{Key: keyOf(k), RevokedAt: at.UTC(), Actor: by, Rotation: utcRotation(rot)}
}

// ExpiryNotices are the days before expires_at at which api_key.expiring is sent, longest first.
var ExpiryNotices = []int{7, 1}

// APIKeyExpiringData is api_key.expiring.
type APIKeyExpiringData struct {
	Key
	ExpiresAt time.Time `json:"expires_at"`
	// NoticeDays is the notice this is: 7 or 1 (days before expires_at).
	NoticeDays int `json:"notice_days"`
	// Rotation is the rotation in its grace period the key is the new key
	// of; null when none.
	Rotation *models.KeyRotation `json:"rotation"`
}

func (APIKeyExpiringData) EventType() string { return APIKeyExpiring }

// NewAPIKeyExpiring is the days-before notice of k's expiry, k part of rotation rot (or nil).
func NewAPIKeyExpiring(k models.APIKey, days int, rot *models.KeyRotation) APIKeyExpiringData {
	var exp time.Time
	if k.ExpiresAt != nil {
		exp = k.ExpiresAt.UTC()
	}
	return APIKeyExpiringData{Key: keyOf(k), ExpiresAt: exp, NoticeDays: days, Rotation: utcRotation(rot)}
}

// Thresholds are the spent shares of a key's bucket (percent) that send rate_limit.threshold.
var Thresholds = []int{80, 95}

// RateLimitThresholdData is rate_limit.threshold.
type RateLimitThresholdData struct {
	Key
	// ThresholdPercent is the share of the bucket crossed: 80 or 95.
	ThresholdPercent int `json:"threshold_percent"`
	// SpentPercent is the share spent when it was crossed.
	SpentPercent   int       `json:"spent_percent"`
	LimitPerMinute int       `json:"limit_per_minute"`
	Burst          int       `json:"burst"`
	Remaining      int       `json:"remaining"`
	CrossedAt      time.Time `json:"crossed_at"`
}

func (RateLimitThresholdData) EventType() string { return RateLimitThreshold }

// NewRateLimitThreshold is k's bucket at remaining of burst crossing threshold percent.
func NewRateLimitThreshold(k models.APIKey, threshold, limit, burst, remaining int, at time.Time) RateLimitThresholdData {
	spent := 100
	if burst > 0 {
		spent = min(100, max(0, (burst-remaining)*100/burst))
	}
	return RateLimitThresholdData{Key: keyOf(k), ThresholdPercent: threshold, SpentPercent: spent, LimitPerMinute: limit,
		Burst: burst, Remaining: remaining, CrossedAt: at.UTC()}
}

// utcRotation is a copy of r with its times in UTC (the old key's IPs
// never null).
func utcRotation(r *models.KeyRotation) *models.KeyRotation {
	if r == nil {
		return nil
	}
	c := *r
	c.RotatedAt, c.OldKeyExpiresAt, c.GraceMaxExpiresAt, c.OldLastUsedAt = r.RotatedAt.UTC(), r.OldKeyExpiresAt.UTC(), r.GraceMaxExpiresAt.UTC(), utcPtr(r.OldLastUsedAt)
	c.OldRecentIPs = make([]models.KeyIP, len(r.OldRecentIPs))
	for i, ip := range r.OldRecentIPs {
		ip.LastSeen = ip.LastSeen.UTC()
		c.OldRecentIPs[i] = ip
	}
	return &c
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
