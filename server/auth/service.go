// Package auth is the management side's identity: tenants, users, personal
// access tokens (long-lived, or minted short-lived for SSH sessions), the
// SSH keys users sign in with, and the middleware that turns a token into
// the request's principal.
package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server/httpx"
	"github.com/penguinmails/pmdev/server/secret"
	"github.com/penguinmails/pmdev/server/store"
)

// ExpiredTokenKeep is how long an expired token stays before it is purged,
// so a late caller hears "expired" rather than "invalid" for a while.
const ExpiredTokenKeep = 24 * time.Hour

// Store is what auth keeps in the database.
type Store interface {
	store.UserStore
	store.SSHKeyStore
}

// Service manages users and tokens and authenticates requests.
type Service struct {
	db  *sql.DB
	st  Store
	log *slog.Logger
	now func() time.Time
}

// New returns the service over db.
func New(db *sql.DB, st Store, log *slog.Logger, now func() time.Time) *Service {
	return &Service{db: db, st: st, log: log, now: now}
}

// NewUser is the input of AddUser.
type NewUser struct {
	Email  string
	Role   string // admin, developer, member
	Tenant string // tenant name; "Default" when empty; created if missing
	Plan   string // plan for a new tenant (default professional); when set, also updates an existing tenant
	// SSHKeys are authorized public keys (OpenSSH format), each a key file
	// or an authorized_keys list.
	SSHKeys [][]byte
}

// AddUser creates (or, for an existing user of the same tenant, updates the
// role of) a user and returns a new personal access token for them.
func (s *Service) AddUser(ctx context.Context, u NewUser) (string, error) {
	put, err := s.PutUser(ctx, u)
	return put.Token, err
}

// UserChange is what PutUser did, for callers that tell the user.
type UserChange struct {
	Token   string
	Existed bool   // the user was there already, in the same tenant
	OldRole string // its role before, when Existed
	NewKeys int    // SSH keys registered now (not those it had)
}

// PutUser is AddUser saying whether the user existed and what changed.
func (s *Service) PutUser(ctx context.Context, u NewUser) (UserChange, error) {
	var put UserChange
	addr, err := mail.ParseAddress(u.Email)
	if err != nil || addr.Address != u.Email {
		return put, fmt.Errorf("invalid email %q", u.Email)
	}
	if !models.ValidRole(u.Role) {
		return put, fmt.Errorf("invalid role %q (want admin, developer or member)", u.Role)
	}
	if u.Plan != "" {
		if _, ok := models.PlanByName(u.Plan); !ok {
			return put, fmt.Errorf("invalid plan %q (want starter, professional or business)", u.Plan)
		}
	}
	tenant := strings.TrimSpace(u.Tenant)
	if tenant == "" {
		tenant = "Default"
	}
	now := s.now()
	err = store.Tx(ctx, s.db, func(tx store.Handle) error {
		put = UserChange{} // a retried transaction starts again
		tenantID, err := s.ensureTenant(ctx, tx, tenant, u.Plan, now)
		if err != nil {
			return err
		}
		userID, userTenant, role, err := s.st.UserByEmail(ctx, tx, u.Email)
		switch {
		case errors.Is(err, store.ErrNotFound):
			userID = uuid.NewString()
			added, err := s.st.InsertUser(ctx, tx, store.User{ID: userID, TenantID: tenantID, Email: u.Email, Role: u.Role, CreatedAt: now})
			if err != nil {
				return err
			}
			if !added {
				return fmt.Errorf("user %s already exists", u.Email)
			}
		case err != nil:
			return err
		case userTenant != tenantID:
			return fmt.Errorf("user %s already exists, in another tenant than %q", u.Email, tenant)
		default:
			put.Existed, put.OldRole = true, role
			if err := s.st.SetUserRole(ctx, tx, userID, u.Role); err != nil {
				return err
			}
		}
		for _, data := range u.SSHKeys {
			parsed, err := ParseSSHKeys(data)
			if err != nil {
				return fmt.Errorf("ssh key: %w", err)
			}
			for _, p := range parsed {
				existed, err := s.addSSHKey(ctx, tx, userID, p, now)
				if err != nil {
					return err
				}
				if !existed {
					put.NewKeys++
				}
			}
		}
		put.Token, err = s.insertToken(ctx, tx, userID, nil, now)
		return err
	})
	return put, err
}

func (s *Service) ensureTenant(ctx context.Context, tx store.Handle, name, plan string, now time.Time) (string, error) {
	id, err := s.st.TenantByName(ctx, tx, name)
	switch {
	case errors.Is(err, store.ErrNotFound):
		if plan == "" {
			plan = models.PlanProfessional
		}
		id = uuid.NewString()
		return id, s.st.InsertTenant(ctx, tx, id, name, plan, now)
	case err == nil && plan != "":
		return id, s.st.SetTenantPlan(ctx, tx, id, plan)
	}
	return id, err
}

// insertToken stores a new token (minted when it expires) and returns it.
func (s *Service) insertToken(ctx context.Context, tx store.Handle, userID string, expires *time.Time, now time.Time) (string, error) {
	token := secret.NewPAT()
	return token, s.st.InsertToken(ctx, tx, store.Token{Digest: secret.Digest(token), UserID: userID, Minted: expires != nil, Expires: expires, CreatedAt: now})
}

// MintToken issues a short-lived PAT for an existing user (SSH sessions use it).
// Requests with a minted token may name the actor's SSH key in ActorFingerprintHeader.
func (s *Service) MintToken(ctx context.Context, email string, ttl time.Duration) (string, error) {
	if ttl <= 0 {
		ttl = time.Hour
	}
	now := s.now()
	var token string
	err := store.Tx(ctx, s.db, func(tx store.Handle) error {
		userID, _, _, err := s.st.UserByEmail(ctx, tx, email)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("no user %s", email)
		}
		if err != nil {
			return err
		}
		// Minted tokens are renewed often; forget the long-expired ones.
		if err := s.st.DeleteMintedTokens(ctx, tx, now.Add(-ExpiredTokenKeep)); err != nil {
			return err
		}
		exp := now.Add(ttl)
		token, err = s.insertToken(ctx, tx, userID, &exp, now)
		return err
	})
	return token, err
}

// Authenticate resolves a PAT to its user, or says why it cannot (an error
// code and message for the 401).
func (s *Service) Authenticate(ctx context.Context, token string) (*httpx.User, string, string) {
	if token == "" {
		return nil, "missing_token", "Authorization: Bearer pm_pat_… is required"
	}
	if models.KeyPrefix(token) != "" {
		return nil, "invalid_token", "API keys cannot call management routes; use a personal access token (pm_pat_…)"
	}
	if !strings.HasPrefix(token, models.PrefixPAT) || len(token) > 200 {
		return nil, "invalid_token", "Personal access token is invalid"
	}
	p, err := s.st.TokenPrincipal(ctx, s.db, secret.Digest(token))
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			s.log.Error("token lookup", "err", err)
		}
		return nil, "invalid_token", "Personal access token is invalid"
	}
	if p.Expires != nil && !s.now().Before(*p.Expires) {
		return nil, "token_expired", "Personal access token has expired"
	}
	return userOf(p), "", ""
}

func userOf(p store.Principal) *httpx.User {
	return &httpx.User{ID: p.UserID, Email: p.Email, Role: p.Role, TenantID: p.TenantID, TenantName: p.TenantName,
		Plan: p.Plan, CreatedAt: p.CreatedAt, Minted: p.Minted}
}

// MeOf is the identity document of u.
func MeOf(u *httpx.User) models.Me {
	return models.Me{
		UserID:        u.ID,
		Email:         u.Email,
		Role:          u.Role,
		Tenant:        models.Tenant{ID: u.TenantID, Name: u.TenantName, Plan: models.PlanOrDefault(u.Plan)},
		CreatedAt:     u.CreatedAt,
		CanManageKeys: models.CanManageKeys(u.Role),
		CanGrantAdmin: u.Role == models.RoleAdmin,
	}
}
