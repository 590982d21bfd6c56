package server

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server/httpx"
)

const keyCols = `id, tenant_id, name, description, environment, display_head, display_tail, permissions,
	rate_limit, expires_at, allowed_ips, created_at, created_by, last_used, last_used_ip,
	request_count, error_count, revoked_at, replaced_by`

// statusSQL derives a key's status at ?1 (now, ms).
const statusSQL = `CASE WHEN revoked_at IS NOT NULL THEN 'revoked'
	WHEN expires_at IS NOT NULL AND expires_at <= ?1 THEN 'expired' ELSE 'active' END`

type scanner interface{ Scan(dest ...any) error }

// storedKey is a key row: the API view plus the tenant it belongs to.
type storedKey struct {
	models.APIKey
	TenantID string
}

func keyStatus(revoked, expires *time.Time, now time.Time) string {
	switch {
	case revoked != nil:
		return models.KeyRevoked
	case expires != nil && !now.Before(*expires):
		return models.KeyExpired
	}
	return models.KeyActive
}

func scanKey(sc scanner, now time.Time) (storedKey, error) {
	var k storedKey
	var head, tail, perms, ips string
	var expires, lastUsed, revoked sql.NullInt64
	var created int64
	err := sc.Scan(&k.KeyID, &k.TenantID, &k.Name, &k.Description, &k.Environment, &head, &tail, &perms,
		&k.RateLimit, &expires, &ips, &created, &k.CreatedBy, &lastUsed, &k.LastUsedIP,
		&k.RequestCount, &k.ErrorCount, &revoked, &k.ReplacedBy)
	if err != nil {
		return k, err
	}
	k.MaskedKey = models.MaskFromParts(head, tail)
	k.Permissions = []string{}
	k.AllowedIPs = []string{}
	_ = json.Unmarshal([]byte(perms), &k.Permissions)
	_ = json.Unmarshal([]byte(ips), &k.AllowedIPs)
	k.ExpiresAt = nullMS(expires)
	k.LastUsed = nullMS(lastUsed)
	k.RevokedAt = nullMS(revoked)
	k.CreatedAt = fromMS(created)
	k.Status = keyStatus(k.RevokedAt, k.ExpiresAt, now)
	return k, nil
}

// getKey loads a key of tenantID; other tenants' keys are "not found".
func (s *Server) getKey(ctx context.Context, tenantID, id string) (storedKey, error) {
	row := s.db.QueryRowContext(ctx, `SELECT `+keyCols+` FROM api_keys WHERE id = ? AND tenant_id = ?`, id, tenantID)
	return scanKey(row, s.now())
}

func jsonList(v []string) string {
	if v == nil {
		v = []string{}
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// insertKey stores a new key row and returns its plaintext (never stored).
func insertKey(ctx context.Context, tx *sql.Tx, k *storedKey) (string, error) {
	plain := newAPIKey(k.Environment)
	p := models.KeyPrefix(plain)
	head := plain[:len(p)+3]
	tail := plain[len(plain)-4:]
	if k.KeyID == "" {
		k.KeyID = uuid.NewString()
	}
	k.MaskedKey = models.MaskFromParts(head, tail)
	_, err := tx.ExecContext(ctx, `INSERT INTO api_keys(id, tenant_id, name, description, environment, digest,
		display_head, display_tail, permissions, rate_limit, expires_at, allowed_ips, created_at, created_by)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		k.KeyID, k.TenantID, k.Name, k.Description, k.Environment, digestOf(plain), head, tail,
		jsonList(k.Permissions), k.RateLimit, msPtr(k.ExpiresAt), jsonList(k.AllowedIPs), ms(k.CreatedAt), k.CreatedBy)
	return plain, err
}

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// Audit target types (audit_events.target_type; key_id holds the target's id).
const (
	auditTargetKey     = "api_key"
	auditTargetWebhook = "webhook"
)

// audit records one security event of an API key; an SSH fingerprint in ctx is kept with it.
func (s *Server) audit(ctx context.Context, db execer, tenantID, keyID, action, actor, ip, detail string, at time.Time) error {
	return s.auditTarget(ctx, db, auditTargetKey, tenantID, keyID, action, actor, ip, detail, at)
}

// auditTarget records one security event of any target type.
func (s *Server) auditTarget(ctx context.Context, db execer, targetType, tenantID, targetID, action, actor, ip, detail string, at time.Time) error {
	_, err := db.ExecContext(ctx, `INSERT INTO audit_events(id, tenant_id, key_id, target_type, ts, action, actor, actor_key_fingerprint, ip, detail)
		VALUES (?,?,?,?,?,?,?,?,?,?)`, uuid.NewString(), tenantID, targetID, targetType, ms(at), action, actor,
		httpx.ActorFingerprint(ctx), ip, detail)
	return err
}

func likeEscape(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(s) + "%"
}

func (s *Server) listKeys(ctx context.Context, tenantID string, p models.KeyListParams) (models.APIKeyList, error) {
	now := s.now()
	where := `tenant_id = ?2`
	args := []any{ms(now), tenantID}
	if p.Q != "" {
		where += ` AND (name LIKE ?3 ESCAPE '\' OR id LIKE ?3 ESCAPE '\')`
		args = append(args, likeEscape(p.Q))
	}
	if p.Status != "" {
		where += ` AND ` + statusSQL + ` = '` + p.Status + `'` // p.Status is validated against a fixed set
	}
	order := `created_at DESC, id`
	switch p.Sort {
	case "last_used":
		order = `last_used DESC NULLS LAST, created_at DESC, id`
	case "name":
		order = `name COLLATE NOCASE ASC, created_at DESC, id`
	}
	out := models.APIKeyList{APIKeys: []models.APIKey{}, Page: p.Page, PerPage: p.PerPage}
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM api_keys WHERE `+where, args...).Scan(&out.Total); err != nil {
		return out, err
	}
	q := `SELECT ` + keyCols + ` FROM api_keys WHERE ` + where + ` ORDER BY ` + order +
		` LIMIT ` + itoa(p.PerPage) + ` OFFSET ` + itoa((p.Page-1)*p.PerPage)
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return out, err
	}
	defer rows.Close()
	for rows.Next() {
		k, err := scanKey(rows, now)
		if err != nil {
			return out, err
		}
		out.APIKeys = append(out.APIKeys, k.APIKey)
	}
	return out, rows.Err()
}

func isNotFound(err error) bool { return errors.Is(err, sql.ErrNoRows) }
