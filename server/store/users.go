package store

import (
	"context"
	"time"
)

// Principal is a user with their tenant, as a token or an SSH key names them.
type Principal struct {
	UserID, Email, Role string
	CreatedAt           time.Time
	TenantID            string
	TenantName          string
	Plan                string
	// Minted and Expires describe the token (unset for SSH keys).
	Minted  bool
	Expires *time.Time
}

// User is a new user row.
type User struct {
	ID, TenantID, Email, Role string
	CreatedAt                 time.Time
}

// Token is a personal access token row; the plaintext is never stored.
type Token struct {
	Digest    []byte
	UserID    string
	Minted    bool
	Expires   *time.Time
	CreatedAt time.Time
}

// UserStore keeps tenants, users and their personal access tokens.
type UserStore interface {
	// TenantByName returns the id of the tenant called name (ErrNotFound).
	TenantByName(ctx context.Context, h Handle, name string) (string, error)
	InsertTenant(ctx context.Context, h Handle, id, name, plan string, created time.Time) error
	SetTenantPlan(ctx context.Context, h Handle, id, plan string) error
	// FirstTenant is the tenant called prefer, else the oldest (ErrNotFound).
	FirstTenant(ctx context.Context, h Handle, prefer string) (string, error)
	// UserByEmail returns a user's id, tenant and role (ErrNotFound).
	UserByEmail(ctx context.Context, h Handle, email string) (id, tenantID, role string, err error)
	// InsertUser adds u; false when the email is taken (nothing changes).
	InsertUser(ctx context.Context, h Handle, u User) (bool, error)
	SetUserRole(ctx context.Context, h Handle, userID, role string) error
	InsertToken(ctx context.Context, h Handle, t Token) error
	// TokenPrincipal resolves a token digest (ErrNotFound).
	TokenPrincipal(ctx context.Context, h Handle, digest []byte) (Principal, error)
	// DeleteMintedTokens drops minted tokens that expired before t.
	DeleteMintedTokens(ctx context.Context, h Handle, expiredBefore time.Time) error
}

// SSHKey is one registered public key of a user.
type SSHKey struct {
	Fingerprint string // SHA256:… (ssh-keygen -l form)
	Email       string
	Type        string
	Comment     string
	CreatedAt   time.Time
	LastUsed    *time.Time
}

// SSHKeyStore keeps the public keys users sign in to the SSH console with.
type SSHKeyStore interface {
	// SSHKeyOwner returns the user id holding fingerprint (ErrNotFound).
	SSHKeyOwner(ctx context.Context, h Handle, fingerprint string) (string, error)
	// InsertSSHKey stores k (Email unused) for userID; publicKey is the
	// authorized_keys form without options or comment.
	InsertSSHKey(ctx context.Context, h Handle, userID, publicKey string, k SSHKey) error
	// ListSSHKeys lists keys, of one user when email is set, by user then age.
	ListSSHKeys(ctx context.Context, h Handle, email string) ([]SSHKey, error)
	DeleteSSHKey(ctx context.Context, h Handle, fingerprint string) error
	// SSHKeyPrincipal is the user owning the key (ErrNotFound).
	SSHKeyPrincipal(ctx context.Context, h Handle, fingerprint string) (Principal, error)
	TouchSSHKey(ctx context.Context, h Handle, fingerprint string, at time.Time) error
}
