package models

import "time"

// Key statuses.
const (
	KeyActive  = "active"
	KeyRevoked = "revoked"
	KeyExpired = "expired"
)

// Key environments and their plaintext prefixes.
const (
	EnvLive = "live"
	EnvTest = "test"

	PrefixLive = "pm_live_"
	PrefixTest = "pm_test_"
	PrefixPAT  = "pm_pat_"
)

// Permission is one entry of the permission catalogue.
type Permission struct {
	Name     string `json:"name"`
	Label    string `json:"label"`
	Category string `json:"category"`
	Admin    bool   `json:"admin"`
}

// Permission categories in display order.
var PermissionCategories = []string{"Emails", "Campaigns", "Contacts", "Analytics", "Content", "Inbox", "Webhooks", "Admin"}

// PermissionCatalogue returns every permission a key can hold.
func PermissionCatalogue() []Permission {
	return []Permission{
		{"send_email", "Send emails", "Emails", false},
		{"send_bulk_email", "Send bulk emails", "Emails", false},
		{"read_campaigns", "Read campaigns", "Campaigns", false},
		{"write_campaigns", "Write campaigns", "Campaigns", false},
		{"delete_campaigns", "Delete campaigns", "Campaigns", false},
		{"read_contacts", "Read contacts", "Contacts", false},
		{"write_contacts", "Write contacts", "Contacts", false},
		{"delete_contacts", "Delete contacts", "Contacts", false},
		{"read_analytics", "Read analytics", "Analytics", false},
		{"export_data", "Export data", "Analytics", false},
		{"manage_templates", "Manage templates", "Content", false},
		{"manage_domains", "Manage domains", "Content", false},
		{"read_inbox", "Read inbox", "Inbox", false},
		{"manage_webhooks", "Manage webhooks", "Webhooks", false},
		{"manage_api_keys", "Manage API keys", "Admin", true},
		{"manage_billing", "Manage billing", "Admin", true},
		{"full_access", "Full account access", "Admin", true},
	}
}

// LookupPermission finds a permission by name.
func LookupPermission(name string) (Permission, bool) {
	for _, p := range PermissionCatalogue() {
		if p.Name == name {
			return p, true
		}
	}
	return Permission{}, false
}

// permissionBadges are the short forms the key list shows; the list's
// search on the server matches them too.
var permissionBadges = map[string]string{
	"send_email": "send", "send_bulk_email": "bulk",
	"read_campaigns": "camp:r", "write_campaigns": "camp:w", "delete_campaigns": "camp:d",
	"read_contacts": "cont:r", "write_contacts": "cont:w", "delete_contacts": "cont:d",
	"read_analytics": "stats", "export_data": "export", "manage_templates": "tmpl", "manage_domains": "dom",
	"read_inbox": "inbox", "manage_webhooks": "hooks", "manage_api_keys": "keys!", "manage_billing": "bill!", "full_access": "ALL!",
}

// PermissionBadge is the short form of a permission in the key list (the
// name itself for an unknown one).
func PermissionBadge(name string) string {
	if b, ok := permissionBadges[name]; ok {
		return b
	}
	return name
}

// Permission presets offered by the creation wizard.
var (
	PresetReadOnly     = []string{"read_campaigns", "read_contacts", "read_analytics", "read_inbox"}
	PresetEmailSending = []string{"send_email", "send_bulk_email", "read_analytics"}
)

// PresetFullAccess is every non-admin permission, plus admin ones when allowed.
func PresetFullAccess(includeAdmin bool) []string {
	var out []string
	for _, p := range PermissionCatalogue() {
		if !p.Admin || includeAdmin {
			out = append(out, p.Name)
		}
	}
	return out
}

// APIKey is a key as listed; the plaintext is never part of it.
type APIKey struct {
	KeyID        string     `json:"key_id"`
	Name         string     `json:"name"`
	Description  string     `json:"description"`
	Environment  string     `json:"environment"`
	MaskedKey    string     `json:"masked_key"`
	Permissions  []string   `json:"permissions"`
	RateLimit    int        `json:"rate_limit"`
	Status       string     `json:"status"`
	ExpiresAt    *time.Time `json:"expires_at"`
	AllowedIPs   []string   `json:"allowed_ips"`
	CreatedAt    time.Time  `json:"created_at"`
	CreatedBy    string     `json:"created_by"`
	LastUsed     *time.Time `json:"last_used"`
	LastUsedIP   string     `json:"last_used_ip"`
	RequestCount int64      `json:"request_count"`
	ErrorCount   int64      `json:"error_count"`
	RevokedAt    *time.Time `json:"revoked_at"`
	// ReplacedBy is set on a key rotated away from, while its grace period runs.
	ReplacedBy string `json:"replaced_by,omitempty"`
	// Recommendations are what the server's hygiene rules advise for the
	// key, most severe first; never null.
	Recommendations []KeyRecommendation `json:"recommendations"`
	// NeedsAttention: at least one recommendation of severity high or medium.
	NeedsAttention bool `json:"needs_attention"`
}

// APIKeyList is one page of GET /api/v1/platform/api-keys.
type APIKeyList struct {
	APIKeys []APIKey `json:"api_keys"`
	// Total counts the keys matching the query; only the first page (no
	// cursor) carries it.
	Total   int `json:"total,omitempty"`
	PerPage int `json:"per_page"`
	// NextCursor asks for the page after this one; empty on the last.
	NextCursor string `json:"next_cursor,omitempty"`
}

// KeyListParams are the list query parameters.
type KeyListParams struct {
	Q       string // words each found in the row as shown: name, id, masked key, environment, permission, status
	Status  string // "", active, revoked, expired
	Sort    string // created (default), last_used, name, requests, attention
	Cursor  string // a NextCursor of the same query; "" for the first page
	PerPage int    // max 1000
	// Attention lists only keys that need attention (needs_attention=true).
	Attention bool
}

// CreateAPIKeyRequest is POST /api/v1/platform/api-keys.
type CreateAPIKeyRequest struct {
	Name        string     `json:"name"`
	Description string     `json:"description,omitempty"`
	Environment string     `json:"environment,omitempty"` // default live
	Permissions []string   `json:"permissions"`
	RateLimit   *int       `json:"rate_limit,omitempty"` // nil: the plan's limit; cannot exceed it
	ExpiresAt   *time.Time `json:"expires_at,omitempty"`
	AllowedIPs  []string   `json:"allowed_ips,omitempty"`
}

// CreatedAPIKey is returned once by create and regenerate. It is the key's
// listing fields (flat, as the spec shows) plus the plaintext in "api_key".
type CreatedAPIKey struct {
	APIKey
	Plaintext string `json:"api_key"`
	Warning   string `json:"warning"`
	// OldKey describes the rotated-away key (regenerate only).
	OldKeyID        string     `json:"old_key_id,omitempty"`
	OldKeyExpiresAt *time.Time `json:"old_key_expires_at,omitempty"`
}

// UpdateAPIKeyRequest is PATCH /api/v1/platform/api-keys/{id}; nil fields are unchanged.
// ClearExpiry removes an expiry date.
type UpdateAPIKeyRequest struct {
	Name        *string    `json:"name,omitempty"`
	Description *string    `json:"description,omitempty"`
	Permissions []string   `json:"permissions,omitempty"`
	ExpiresAt   *time.Time `json:"expires_at,omitempty"`
	ClearExpiry bool       `json:"clear_expiry,omitempty"`
	AllowedIPs  *[]string  `json:"allowed_ips,omitempty"`
	RateLimit   *int       `json:"rate_limit,omitempty"`
}

// RegenerateRequest is POST .../{id}/regenerate.
type RegenerateRequest struct {
	GracePeriodHours *int `json:"grace_period_hours,omitempty"` // 0–168, default 24
}

// RevokeResult is DELETE .../{id}.
type RevokeResult struct {
	Message   string    `json:"message"`
	KeyID     string    `json:"key_id"`
	RevokedAt time.Time `json:"revoked_at"`
}

// DayUsage is one day of a key's usage.
type DayUsage struct {
	Date     string `json:"date"` // YYYY-MM-DD, UTC
	Requests int64  `json:"requests"`
	Errors   int64  `json:"errors"`
}

// EndpointCount is a key's traffic to one route.
type EndpointCount struct {
	Endpoint          string  `json:"endpoint"` // "POST /api/v1/emails/send"
	Count             int64   `json:"count"`
	AvgResponseTimeMS float64 `json:"avg_response_time_ms"`
}

// APIKeyDetails is GET /api/v1/platform/api-keys/{id}.
type APIKeyDetails struct {
	APIKey
	UsageByDay   []DayUsage      `json:"usage_by_day"` // last 30 days, oldest first, zero-filled
	TopEndpoints []EndpointCount `json:"top_endpoints"`
	// Rotation links the two keys of a rotation while the old one is in
	// its grace period (on either key); null otherwise.
	Rotation *KeyRotation `json:"rotation"`
	// RotationTraffic is both keys' requests since the rotation, with Rotation.
	RotationTraffic *RotationTraffic `json:"rotation_traffic"`
}

// AuditEvent is one entry of a key's security log.
type AuditEvent struct {
	ID     string    `json:"id"`
	Time   time.Time `json:"time"`
	Action string    `json:"action"` // created, edited, rotated, revoked, ip_violation, expired
	Actor  string    `json:"actor"`  // user email, or "system"
	// ActorKeyFingerprint is set when the action came through an SSH session.
	ActorKeyFingerprint string `json:"actor_key_fingerprint,omitempty"`
	IP                  string `json:"ip,omitempty"`
	Detail              string `json:"detail,omitempty"`
}

// KeyIP is a distinct client address seen for a key.
type KeyIP struct {
	IP       string    `json:"ip"`
	LastSeen time.Time `json:"last_seen"`
	Requests int64     `json:"requests"`
}

// KeySecurity is GET /api/v1/platform/api-keys/{id}/security.
type KeySecurity struct {
	KeyID       string       `json:"key_id"`
	AuditEvents []AuditEvent `json:"audit_events"` // newest first, at most 50
	RecentIPs   []KeyIP      `json:"recent_ips"`   // newest first, at most 10
}
