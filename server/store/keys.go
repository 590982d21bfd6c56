package store

import (
	"context"
	"time"

	"github.com/penguinmails/pmdev/models"
)

// Key is a key row: the API view plus the tenant it belongs to.
type Key struct {
	models.APIKey
	TenantID string
	// RotatedAt and RequestsAtRotation are set on a rotated-away key: when,
	// and its RequestCount then.
	RotatedAt          *time.Time
	RequestsAtRotation int64
}

// Secret is what is kept of a key's plaintext: its SHA-256 digest and the
// parts shown in the masked form.
type Secret struct {
	Digest     []byte
	Head, Tail string
}

// KeyAuth is what authenticating a product request needs about a key.
type KeyAuth struct {
	ID, TenantID, Name string
	Permissions        []string
	RateLimit          int
	ExpiresAt          *time.Time
	AllowedIPs         []string
	Revoked            bool
	Plan               string // the tenant's
}

// KeySummary names a key in usage breakdowns.
type KeySummary struct {
	ID, Name             string
	LastUsed             *time.Time
	RevokedAt, ExpiresAt *time.Time
}

// KeyTotals are a key's counters and state as the demo seed imports them.
type KeyTotals struct {
	KeyID              string
	Requests, Errors   int64
	LastUsed           time.Time // with Requests > 0
	LastIP             string
	RevokedAt, Expires *time.Time
}

// KeyLimit is the configured limit of a usable key.
type KeyLimit struct {
	ID, Name  string
	RateLimit int
	CreatedAt int64 // unix ms
}

// KeyPos is a key's place in every sort order of the key list: the next
// page starts after it.
type KeyPos struct {
	LastUsed  int64 // unix ms, -1 when never used
	CreatedAt int64 // unix ms
	Name, ID  string
	Requests  int64
	Attention int // AttentionRank
}

// KeyPage is one page of the key list.
type KeyPage struct {
	Keys  []models.APIKey
	Total int
	Last  *KeyPos // the page's last key when more follow
}

// KeyStore keeps API keys. Reads take now to derive each key's status.
type KeyStore interface {
	// InsertKey stores a new key (k.KeyID set) under secret s.
	InsertKey(ctx context.Context, h Handle, k Key, s Secret) error
	// GetKey loads a key of tenantID; other tenants' keys are ErrNotFound.
	GetKey(ctx context.Context, h Handle, tenantID, id string, now time.Time) (Key, error)
	// ListKeys is one page of p's query (p.Cursor ignored), after the key
	// at after when given; Total only when withTotal.
	ListKeys(ctx context.Context, h Handle, tenantID string, p models.KeyListParams, after *KeyPos, withTotal bool, now time.Time) (KeyPage, error)
	// UpdateKey writes the editable fields of an unrevoked key; false when
	// the key is revoked (or gone).
	UpdateKey(ctx context.Context, h Handle, k Key) (bool, error)
	// RevokeKey revokes an unrevoked key; false when it already is.
	RevokeKey(ctx context.Context, h Handle, tenantID, id string, at time.Time) (bool, error)
	// RotateKey sets the expiry of an unrevoked, not yet rotated key, names
	// its replacement and records the rotation time (at) and the key's
	// request_count then; false when it was rotated or revoked meanwhile.
	RotateKey(ctx context.Context, h Handle, id, replacement string, at, expires time.Time) (bool, error)
	// KeyReplacedBy is the unrevoked key of tenantID whose replaced_by is
	// newID: the old key of newID's rotation (ErrNotFound).
	KeyReplacedBy(ctx context.Context, h Handle, tenantID, newID string, now time.Time) (Key, error)
	// SetGraceExpiry moves the expiry of an unrevoked, rotated-away key of
	// tenantID; false when the key is revoked, not rotated, or gone.
	SetGraceExpiry(ctx context.Context, h Handle, tenantID, id string, expires time.Time) (bool, error)
	// ResetKeySecret gives a key a new secret and removes its expiry.
	ResetKeySecret(ctx context.Context, h Handle, id string, s Secret) error
	// KeyAuthByDigest finds the key of a plaintext's digest (ErrNotFound).
	KeyAuthByDigest(ctx context.Context, h Handle, digest []byte) (KeyAuth, error)
	// FindLiveKey is the newest unrevoked, unrotated key of tenantID with
	// this name and description (ErrNotFound).
	FindLiveKey(ctx context.Context, h Handle, tenantID, name, description string) (string, error)
	// ActiveKeyLimits is a page of the unrevoked, unexpired keys, newest
	// first (created_at DESC, id), after the key at after when given.
	ActiveKeyLimits(ctx context.Context, h Handle, tenantID string, now time.Time, after *KeyPos, limit int) ([]KeyLimit, error)
	// UsableKeyNames names the keys among ids of tenantID that are
	// neither revoked nor expired.
	UsableKeyNames(ctx context.Context, h Handle, tenantID string, ids []string, now time.Time) (map[string]string, error)
	KeySummaries(ctx context.Context, h Handle, tenantID string) ([]KeySummary, error)
	// KeyRecentIPs lists the addresses a key was used from, latest first.
	KeyRecentIPs(ctx context.Context, h Handle, keyID string, limit int) ([]models.KeyIP, error)
	// KeyIPsSince lists the addresses a key was used from at or after
	// since, latest first.
	KeyIPsSince(ctx context.Context, h Handle, keyID string, since time.Time, limit int) ([]models.KeyIP, error)
	ImportKeyTotals(ctx context.Context, h Handle, t KeyTotals) error
}
