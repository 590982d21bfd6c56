package server

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"net/mail"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server/httpx"
)

// NewUser is the input of AddUser.
type NewUser struct {
	Email  string
	Role   string // admin, developer, member
	Tenant string // tenant name; "Default" when empty; created if missing
	Plan   string // plan for a new tenant (default professional); when set, also updates an existing tenant
	// SSHKeys are authorized public keys (OpenSSH format); stored by the SSH glue.
	SSHKeys [][]byte
}

// ActorFingerprintHeader carries the SSH key fingerprint of the acting user.
// It is honoured only for tokens minted by MintToken.
const ActorFingerprintHeader = "X-PM-Actor-Fingerprint"

const patRandomLen = 48

// expiredTokenKeep is how long an expired token stays before it is purged.
const expiredTokenKeep = 24 * time.Hour

// randomBase62 returns n uniformly random base62 characters from crypto/rand.
func randomBase62(n int) string {
	out := make([]byte, 0, n)
	buf := make([]byte, n+n/2)
	for len(out) < n {
		if _, err := rand.Read(buf); err != nil {
			panic("crypto/rand: " + err.Error()) // never fails on supported platforms
		}
		for _, b := range buf {
			// 248 = 4*62: rejecting above it keeps the distribution uniform.
			if b < 248 && len(out) < n {
				out = append(out, models.Base62Alphabet[b%62])
			}
		}
	}
	return string(out)
}

// newAPIKey returns a fresh plaintext key for env.
func newAPIKey(env string) string {
	p := models.PrefixLive
	if env == models.EnvTest {
		p = models.PrefixTest
	}
	body := p + randomBase62(models.KeyRandomLen)
	return body + models.KeyChecksum(body)
}

func digestOf(secret string) []byte {
	d := sha256.Sum256([]byte(secret))
	return d[:]
}

func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

func nullMS(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMS(v.Int64)
	return &t
}

func msPtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return ms(*t)
}

// AddUser creates (or, for an existing user of the same tenant, updates the
// role of) a user and returns a new personal access token for them.
func (s *Server) AddUser(ctx context.Context, u NewUser) (string, error) {
	addr, err := mail.ParseAddress(u.Email)
	if err != nil || addr.Address != u.Email {
		return "", fmt.Errorf("invalid email %q", u.Email)
	}
	if !models.ValidRole(u.Role) {
		return "", fmt.Errorf("invalid role %q (want admin, developer or member)", u.Role)
	}
	if u.Plan != "" {
		if _, ok := models.PlanByName(u.Plan); !ok {
			return "", fmt.Errorf("invalid plan %q (want starter, professional or business)", u.Plan)
		}
	}
	tenant := strings.TrimSpace(u.Tenant)
	if tenant == "" {
		tenant = "Default"
	}
	now := s.now()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return "", err
	}
	defer tx.Rollback()
	tenantID, err := ensureTenant(ctx, tx, tenant, u.Plan, now)
	if err != nil {
		return "", err
	}
	var userID, userTenant string
	err = tx.QueryRowContext(ctx, `SELECT id, tenant_id FROM users WHERE email = ?`, u.Email).Scan(&userID, &userTenant)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		userID = uuid.NewString()
		if _, err := tx.ExecContext(ctx, `INSERT INTO users(id, tenant_id, email, role, created_at) VALUES (?,?,?,?,?)`,
			userID, tenantID, u.Email, u.Role, ms(now)); err != nil {
			return "", err
		}
	case err != nil:
		return "", err
	case userTenant != tenantID:
		return "", fmt.Errorf("user %s already belongs to another tenant", u.Email)
	default:
		if _, err := tx.ExecContext(ctx, `UPDATE users SET role = ? WHERE id = ?`, u.Role, userID); err != nil {
			return "", err
		}
	}
	if err := s.storeSSHKeys(ctx, tx, userID, u.SSHKeys); err != nil {
		return "", err
	}
	token, err := insertToken(ctx, tx, userID, false, nil, now)
	if err != nil {
		return "", err
	}
	return token, tx.Commit()
}

func ensureTenant(ctx context.Context, tx *sql.Tx, name, plan string, now time.Time) (string, error) {
	var id string
	err := tx.QueryRowContext(ctx, `SELECT id FROM tenants WHERE name = ?`, name).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		if plan == "" {
			plan = models.PlanProfessional
		}
		id = uuid.NewString()
		_, err = tx.ExecContext(ctx, `INSERT INTO tenants(id, name, plan, created_at) VALUES (?,?,?,?)`, id, name, plan, ms(now))
		return id, err
	}
	if err == nil && plan != "" {
		_, err = tx.ExecContext(ctx, `UPDATE tenants SET plan = ? WHERE id = ?`, plan, id)
	}
	return id, err
}

func insertToken(ctx context.Context, tx *sql.Tx, userID string, minted bool, expires *time.Time, now time.Time) (string, error) {
	token := models.PrefixPAT + randomBase62(patRandomLen)
	_, err := tx.ExecContext(ctx, `INSERT INTO tokens(digest, user_id, minted, expires_at, created_at) VALUES (?,?,?,?,?)`,
		digestOf(token), userID, minted, msPtr(expires), ms(now))
	return token, err
}

// MintToken issues a short-lived PAT for an existing user (SSH sessions use it).
// Requests with a minted token may name the actor's SSH key in ActorFingerprintHeader.
func (s *Server) MintToken(ctx context.Context, email string, ttl time.Duration) (string, error) {
	if ttl <= 0 {
		ttl = time.Hour
	}
	now := s.now()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return "", err
	}
	defer tx.Rollback()
	var userID string
	if err := tx.QueryRowContext(ctx, `SELECT id FROM users WHERE email = ?`, email).Scan(&userID); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return "", fmt.Errorf("no user %s", email)
		}
		return "", err
	}
	// Minted tokens are renewed often; forget the long-expired ones.
	if _, err := tx.ExecContext(ctx, `DELETE FROM tokens WHERE minted = 1 AND expires_at < ?`, ms(now.Add(-expiredTokenKeep))); err != nil {
		return "", err
	}
	exp := now.Add(ttl)
	token, err := insertToken(ctx, tx, userID, true, &exp, now)
	if err != nil {
		return "", err
	}
	return token, tx.Commit()
}

func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

func unauthorized(w http.ResponseWriter, code, msg string) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="penguinmails"`)
	httpx.Error(w, http.StatusUnauthorized, code, msg)
}

// authUser resolves a PAT to its user.
func (s *Server) authUser(ctx context.Context, token string) (*httpx.User, string, string) {
	if token == "" {
		return nil, "missing_token", "Authorization: Bearer pm_pat_… is required"
	}
	if models.KeyPrefix(token) != "" {
		return nil, "invalid_token", "API keys cannot call management routes; use a personal access token (pm_pat_…)"
	}
	if !strings.HasPrefix(token, models.PrefixPAT) || len(token) > 200 {
		return nil, "invalid_token", "Personal access token is invalid"
	}
	var u httpx.User
	var created int64
	var expires sql.NullInt64
	err := s.db.QueryRowContext(ctx, `SELECT u.id, u.email, u.role, u.created_at, t.id, t.name, t.plan, tk.minted, tk.expires_at
		FROM tokens tk JOIN users u ON u.id = tk.user_id JOIN tenants t ON t.id = u.tenant_id WHERE tk.digest = ?`,
		digestOf(token)).Scan(&u.ID, &u.Email, &u.Role, &created, &u.TenantID, &u.TenantName, &u.Plan, &u.Minted, &expires)
	if err != nil {
		if !errors.Is(err, sql.ErrNoRows) {
			s.log.Error("token lookup", "err", err)
		}
		return nil, "invalid_token", "Personal access token is invalid"
	}
	if expires.Valid && !s.now().Before(fromMS(expires.Int64)) {
		return nil, "token_expired", "Personal access token has expired"
	}
	u.CreatedAt = fromMS(created)
	return &u, "", ""
}

// user requires a valid PAT and stores the caller in the request context.
func (s *Server) user(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, code, msg := s.authUser(r.Context(), bearer(r))
		if u == nil {
			unauthorized(w, code, msg)
			return
		}
		ctx := httpx.WithUser(r.Context(), u)
		if fp := r.Header.Get(ActorFingerprintHeader); fp != "" && u.Minted && httpx.BadString(fp, false) == "" && len(fp) <= 200 {
			ctx = httpx.WithActorFingerprint(ctx, fp)
		}
		h(w, r.WithContext(ctx))
	})
}

// developer requires a PAT of an admin or developer; members get 403.
func (s *Server) developer(h http.HandlerFunc) http.Handler {
	return s.user(func(w http.ResponseWriter, r *http.Request) {
		u := httpx.UserFrom(r.Context())
		if !models.CanManageKeys(u.Role) {
			httpx.Error(w, http.StatusForbidden, "insufficient_role",
				"Your role ("+u.Role+") cannot use developer settings; ask an admin for the developer role")
			return
		}
		h(w, r)
	})
}

// RequireUser wraps h with PAT authentication (any role); see httpx.UserFrom.
func (s *Server) RequireUser(h http.HandlerFunc) http.Handler { return s.user(h) }

// RequireDeveloper wraps h with PAT authentication for admins and developers.
func (s *Server) RequireDeveloper(h http.HandlerFunc) http.Handler { return s.developer(h) }

// WriteProblem sends a problem document (re-exported for glue files).
func WriteProblem(w http.ResponseWriter, p *models.Problem) { httpx.WriteProblem(w, p) }
