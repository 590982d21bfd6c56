package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server/store"
)

const keyCols = `id, tenant_id, name, description, environment, display_head, display_tail, permissions,
	rate_limit, expires_at, allowed_ips, created_at, created_by, last_used, last_used_ip,
	request_count, error_count, revoked_at, replaced_by, rotated_at, requests_at_rotation`

// statusSQL derives a key's status at ?1 (now, ms); models.KeyStatusAt is the same rule.
const statusSQL = `CASE WHEN revoked_at IS NOT NULL THEN 'revoked'
	WHEN expires_at IS NOT NULL AND expires_at <= ?1 THEN 'expired' ELSE 'active' END`

// scanKey reads keyCols, then extra (columns after them).
func scanKey(sc store.Scanner, now time.Time, extra ...any) (store.Key, error) {
	var k store.Key
	var head, tail, perms, ips string
	var expires, lastUsed, revoked, rotated sql.NullInt64
	var created int64
	err := sc.Scan(append([]any{&k.KeyID, &k.TenantID, &k.Name, &k.Description, &k.Environment, &head, &tail, &perms,
		&k.RateLimit, &expires, &ips, &created, &k.CreatedBy, &lastUsed, &k.LastUsedIP,
		&k.RequestCount, &k.ErrorCount, &revoked, &k.ReplacedBy, &rotated, &k.RequestsAtRotation}, extra...)...)
	if err != nil {
		return k, err
	}
	k.MaskedKey = models.MaskFromParts(head, tail)
	k.Permissions = []string{}
	k.AllowedIPs = []string{}
	_ = json.Unmarshal([]byte(perms), &k.Permissions)
	_ = json.Unmarshal([]byte(ips), &k.AllowedIPs)
	k.ExpiresAt = store.NullMS(expires)
	k.LastUsed = store.NullMS(lastUsed)
	k.RevokedAt = store.NullMS(revoked)
	k.RotatedAt = store.NullMS(rotated)
	k.CreatedAt = store.FromMS(created)
	k.Status = models.KeyStatusAt(k.RevokedAt, k.ExpiresAt, now)
	return k, nil
}

// notFound maps sql.ErrNoRows to store.ErrNotFound.
func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return store.ErrNotFound
	}
	return err
}

// changed reports whether an update touched a row.
func changed(res sql.Result, err error) (bool, error) {
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

func (Store) InsertKey(ctx context.Context, h store.Handle, k store.Key, s store.Secret) error {
	_, err := h.ExecContext(ctx, `INSERT INTO api_keys(id, tenant_id, name, description, environment, digest,
		display_head, display_tail, permissions, rate_limit, expires_at, allowed_ips, created_at, created_by)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		k.KeyID, k.TenantID, k.Name, k.Description, k.Environment, s.Digest, s.Head, s.Tail,
		jsonList(k.Permissions), k.RateLimit, store.MSPtr(k.ExpiresAt), jsonList(k.AllowedIPs), store.MS(k.CreatedAt), k.CreatedBy)
	return err
}

func (Store) GetKey(ctx context.Context, h store.Handle, tenantID, id string, now time.Time) (store.Key, error) {
	row := h.QueryRowContext(ctx, `SELECT `+keyCols+` FROM api_keys WHERE id = ? AND tenant_id = ?`, id, tenantID)
	k, err := scanKey(row, now)
	return k, notFound(err)
}

func (Store) UpdateKey(ctx context.Context, h store.Handle, k store.Key) (bool, error) {
	return changed(h.ExecContext(ctx, `UPDATE api_keys SET name=?, description=?, permissions=?, expires_at=?,
		allowed_ips=?, rate_limit=? WHERE id=? AND tenant_id=? AND revoked_at IS NULL`,
		k.Name, k.Description, jsonList(k.Permissions), store.MSPtr(k.ExpiresAt), jsonList(k.AllowedIPs), k.RateLimit, k.KeyID, k.TenantID))
}

func (Store) RevokeKey(ctx context.Context, h store.Handle, tenantID, id string, at time.Time) (bool, error) {
	return changed(h.ExecContext(ctx, `UPDATE api_keys SET revoked_at = ? WHERE id = ? AND tenant_id = ? AND revoked_at IS NULL`,
		store.MS(at), id, tenantID))
}

func (Store) RotateKey(ctx context.Context, h store.Handle, id, replacement string, at, expires time.Time) (bool, error) {
	return changed(h.ExecContext(ctx, `UPDATE api_keys SET expires_at = ?, replaced_by = ?, rotated_at = ?, requests_at_rotation = request_count
		WHERE id = ? AND revoked_at IS NULL AND replaced_by = ''`, store.MS(expires), replacement, store.MS(at), id))
}

func (Store) KeyReplacedBy(ctx context.Context, h store.Handle, tenantID, newID string, now time.Time) (store.Key, error) {
	// replaced_by != '' lets the planner use the partial index.
	row := h.QueryRowContext(ctx, `SELECT `+keyCols+` FROM api_keys WHERE replaced_by = ? AND replaced_by != '' AND tenant_id = ?
		AND revoked_at IS NULL ORDER BY rotated_at DESC LIMIT 1`, newID, tenantID)
	k, err := scanKey(row, now)
	return k, notFound(err)
}

func (Store) SetGraceExpiry(ctx context.Context, h store.Handle, tenantID, id string, expires time.Time) (bool, error) {
	return changed(h.ExecContext(ctx, `UPDATE api_keys SET expires_at = ? WHERE id = ? AND tenant_id = ? AND revoked_at IS NULL AND replaced_by != ''`,
		store.MS(expires), id, tenantID))
}

func (Store) ResetKeySecret(ctx context.Context, h store.Handle, id string, s store.Secret) error {
	_, err := h.ExecContext(ctx, `UPDATE api_keys SET digest = ?, display_head = ?, display_tail = ?, expires_at = NULL WHERE id = ?`,
		s.Digest, s.Head, s.Tail, id)
	return err
}

func (Store) KeyAuthByDigest(ctx context.Context, h store.Handle, digest []byte) (store.KeyAuth, error) {
	var k store.KeyAuth
	var perms, ips string
	var expires, revoked sql.NullInt64
	err := h.QueryRowContext(ctx, `SELECT k.id, k.tenant_id, k.name, k.permissions, k.rate_limit, k.expires_at, k.allowed_ips, k.revoked_at, t.plan
		FROM api_keys k JOIN tenants t ON t.id = k.tenant_id WHERE k.digest = ?`, digest).
		Scan(&k.ID, &k.TenantID, &k.Name, &perms, &k.RateLimit, &expires, &ips, &revoked, &k.Plan)
	if err != nil {
		return k, notFound(err)
	}
	_ = json.Unmarshal([]byte(perms), &k.Permissions)
	_ = json.Unmarshal([]byte(ips), &k.AllowedIPs)
	k.ExpiresAt = store.NullMS(expires)
	k.Revoked = revoked.Valid
	return k, nil
}

func (Store) FindLiveKey(ctx context.Context, h store.Handle, tenantID, name, description string) (string, error) {
	var id string
	err := h.QueryRowContext(ctx, `SELECT id FROM api_keys WHERE tenant_id = ? AND name = ? AND description = ? AND revoked_at IS NULL
		AND replaced_by = '' ORDER BY created_at DESC LIMIT 1`, tenantID, name, description).Scan(&id)
	return id, notFound(err)
}

func (Store) ActiveKeyLimits(ctx context.Context, h store.Handle, tenantID string, now time.Time, after *store.KeyPos, limit int) ([]store.KeyLimit, error) {
	q := `SELECT id, name, rate_limit, created_at FROM api_keys WHERE tenant_id = ?1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?2)`
	args := []any{tenantID, store.MS(now)}
	if after != nil {
		q += ` AND created_at <= ?3 AND (created_at < ?3 OR id > ?4)`
		args = append(args, after.CreatedAt, after.ID)
	}
	return store.QueryAll(ctx, h, q+` ORDER BY created_at DESC, id LIMIT `+strconv.Itoa(limit), args,
		func(sc store.Scanner) (store.KeyLimit, error) {
			var k store.KeyLimit
			return k, sc.Scan(&k.ID, &k.Name, &k.RateLimit, &k.CreatedAt)
		})
}

func (Store) UsableKeyNames(ctx context.Context, h store.Handle, tenantID string, ids []string, now time.Time) (map[string]string, error) {
	out := make(map[string]string, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	args := []any{tenantID, store.MS(now)}
	for _, id := range ids {
		args = append(args, id)
	}
	type kn struct{ id, name string }
	rows, err := store.QueryAll(ctx, h, `SELECT id, name FROM api_keys WHERE tenant_id = ?1 AND revoked_at IS NULL
		AND (expires_at IS NULL OR expires_at > ?2) AND id IN (?`+strings.Repeat(",?", len(ids)-1)+`)`, args,
		func(sc store.Scanner) (kn, error) {
			var k kn
			return k, sc.Scan(&k.id, &k.name)
		})
	for _, r := range rows {
		out[r.id] = r.name
	}
	return out, err
}

func (Store) KeySummaries(ctx context.Context, h store.Handle, tenantID string) ([]store.KeySummary, error) {
	return store.QueryAll(ctx, h, `SELECT id, name, last_used, revoked_at, expires_at FROM api_keys WHERE tenant_id = ?`, []any{tenantID},
		func(sc store.Scanner) (store.KeySummary, error) {
			var k store.KeySummary
			var last, revoked, expires sql.NullInt64
			err := sc.Scan(&k.ID, &k.Name, &last, &revoked, &expires)
			k.LastUsed, k.RevokedAt, k.ExpiresAt = store.NullMS(last), store.NullMS(revoked), store.NullMS(expires)
			return k, err
		})
}

func (Store) KeyRecentIPs(ctx context.Context, h store.Handle, keyID string, limit int) ([]models.KeyIP, error) {
	return store.QueryAll(ctx, h, `SELECT ip, last_seen, requests FROM key_ips WHERE key_id = ? ORDER BY last_seen DESC LIMIT ?`, []any{keyID, limit},
		func(sc store.Scanner) (models.KeyIP, error) {
			var ip models.KeyIP
			var ts int64
			err := sc.Scan(&ip.IP, &ts, &ip.Requests)
			ip.LastSeen = store.FromMS(ts)
			return ip, err
		})
}

func (Store) KeyIPsSince(ctx context.Context, h store.Handle, keyID string, since time.Time, limit int) ([]models.KeyIP, error) {
	return store.QueryAll(ctx, h, `SELECT ip, last_seen, requests FROM key_ips WHERE key_id = ? AND last_seen >= ? ORDER BY last_seen DESC LIMIT ?`,
		[]any{keyID, store.MS(since), limit}, func(sc store.Scanner) (models.KeyIP, error) {
			var ip models.KeyIP
			var ts int64
			err := sc.Scan(&ip.IP, &ts, &ip.Requests)
			ip.LastSeen = store.FromMS(ts)
			return ip, err
		})
}

func (Store) ImportKeyTotals(ctx context.Context, h store.Handle, t store.KeyTotals) error {
	if t.Requests == 0 {
		_, err := h.ExecContext(ctx, `UPDATE api_keys SET revoked_at = ?, expires_at = ? WHERE id = ?`,
			store.MSPtr(t.RevokedAt), store.MSPtr(t.Expires), t.KeyID)
		return err
	}
	_, err := h.ExecContext(ctx, `UPDATE api_keys SET request_count = ?, error_count = ?, last_used = ?, last_used_ip = ?, revoked_at = ?, expires_at = ? WHERE id = ?`,
		t.Requests, t.Errors, store.MS(t.LastUsed), t.LastIP, store.MSPtr(t.RevokedAt), store.MSPtr(t.Expires), t.KeyID)
	return err
}
