package server

import (
	"context"
	"time"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server/auth"
	"github.com/penguinmails/pmdev/server/httpx"
	"github.com/penguinmails/pmdev/server/simulate"
)

// The API the commands (server, users, ssh-keys, the sandbox and the SSH
// console) use; each call goes to the domain package that implements it.

// ActorFingerprintHeader carries the SSH key fingerprint of the acting user.
// It is honoured only for tokens minted by MintToken.
const ActorFingerprintHeader = auth.ActorFingerprintHeader

// NewUser is the input of AddUser.
type NewUser = auth.NewUser

// SSHKey is one registered public key of a user.
type SSHKey = auth.SSHKey

// AddedSSHKey is one key given to AddSSHKey, saying whether it was new.
type AddedSSHKey = auth.AddedSSHKey

// UserChange is what PutUser did.
type UserChange = auth.UserChange

// ParsedSSHKey is a validated public key with its comment.
type ParsedSSHKey = auth.ParsedSSHKey

// ErrSSHKeyNotFound is returned when no user owns the key.
var ErrSSHKeyNotFound = auth.ErrSSHKeyNotFound

// ParseSSHKeys reads every public key in data (one key file or an
// authorized_keys-style list; blank lines and # comments are skipped).
func ParseSSHKeys(data []byte) ([]ParsedSSHKey, error) { return auth.ParseSSHKeys(data) }

// AddUser creates (or, for an existing user of the same tenant, updates the
// role of) a user and returns a new personal access token for them.
func (s *Server) AddUser(ctx context.Context, u NewUser) (string, error) {
	return s.auth.AddUser(ctx, u)
}

// PutUser is AddUser saying whether the user existed and what changed.
func (s *Server) PutUser(ctx context.Context, u NewUser) (UserChange, error) {
	return s.auth.PutUser(ctx, u)
}

// MintToken issues a short-lived PAT for an existing user (SSH sessions use it).
func (s *Server) MintToken(ctx context.Context, email string, ttl time.Duration) (string, error) {
	return s.auth.MintToken(ctx, email, ttl)
}

// AddSSHKey registers the public key(s) in authorizedKeys for an existing user.
func (s *Server) AddSSHKey(ctx context.Context, email string, authorizedKeys []byte) ([]AddedSSHKey, error) {
	return s.auth.AddSSHKey(ctx, email, authorizedKeys)
}

// ListSSHKeys lists registered keys, of one user when email is set, oldest first.
func (s *Server) ListSSHKeys(ctx context.Context, email string) ([]SSHKey, error) {
	return s.auth.ListSSHKeys(ctx, email)
}

// RemoveSSHKey deletes a key by fingerprint (SHA256:…); open sessions keep running.
func (s *Server) RemoveSSHKey(ctx context.Context, fingerprint string) (SSHKey, error) {
	return s.auth.RemoveSSHKey(ctx, fingerprint)
}

// UserBySSHKey returns the identity owning the key (ErrSSHKeyNotFound when unknown).
func (s *Server) UserBySSHKey(ctx context.Context, fingerprint string) (models.Me, error) {
	return s.auth.UserBySSHKey(ctx, fingerprint)
}

// TouchSSHKey records that the key opened a session.
func (s *Server) TouchSSHKey(ctx context.Context, fingerprint string) error {
	return s.auth.TouchSSHKey(ctx, fingerprint)
}

// WithActorFingerprint marks ctx as an action made through the SSH key fp;
// audit records written under ctx carry it.
func WithActorFingerprint(ctx context.Context, fp string) context.Context {
	return httpx.WithActorFingerprint(ctx, fp)
}

// SimulateTraffic sends real HTTP requests to baseURL with the demo tenant's
// simulator keys until ctx ends (see package simulate). Of several
// instances on one database, only the one holding the singleton lease
// simulates; another takes over when it stops.
func (s *Server) SimulateTraffic(ctx context.Context, baseURL string) {
	s.lead.Run(ctx, func(ctx context.Context) { simulate.Run(ctx, s.simulateConfig(), baseURL) })
}

func (s *Server) simulateConfig() simulate.Config {
	return simulate.Config{DB: s.db, Store: s.st, Keys: s.keyring, Events: hook{s}, Gate: s.simGate, Log: s.log, Now: s.now}
}
