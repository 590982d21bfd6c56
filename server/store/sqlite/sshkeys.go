package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/penguinmails/pmdev/server/store"
)

func (Store) SSHKeyOwner(ctx context.Context, h store.Handle, fingerprint string) (string, error) {
	var owner string
	err := h.QueryRowContext(ctx, `SELECT user_id FROM ssh_keys WHERE fingerprint = ?`, fingerprint).Scan(&owner)
	return owner, notFound(err)
}

func (Store) InsertSSHKey(ctx context.Context, h store.Handle, userID, publicKey string, k store.SSHKey) error {
	_, err := h.ExecContext(ctx, `INSERT INTO ssh_keys(fingerprint, user_id, key_type, public_key, comment, created_at) VALUES (?,?,?,?,?,?)`,
		k.Fingerprint, userID, k.Type, publicKey, k.Comment, store.MS(k.CreatedAt))
	return err
}

func (Store) ListSSHKeys(ctx context.Context, h store.Handle, email string) ([]store.SSHKey, error) {
	q := `SELECT k.fingerprint, u.email, k.key_type, k.comment, k.created_at, k.last_used
		FROM ssh_keys k JOIN users u ON u.id = k.user_id`
	var args []any
	if email != "" {
		q += ` WHERE u.email = ?`
		args = append(args, email)
	}
	rows, err := h.QueryContext(ctx, q+` ORDER BY u.email, k.created_at, k.rowid`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.SSHKey
	for rows.Next() {
		var k store.SSHKey
		var created int64
		var used sql.NullInt64
		if err := rows.Scan(&k.Fingerprint, &k.Email, &k.Type, &k.Comment, &created, &used); err != nil {
			return nil, err
		}
		k.CreatedAt = store.FromMS(created)
		k.LastUsed = store.NullMS(used)
		out = append(out, k)
	}
	return out, rows.Err()
}

func (Store) DeleteSSHKey(ctx context.Context, h store.Handle, fingerprint string) error {
	_, err := h.ExecContext(ctx, `DELETE FROM ssh_keys WHERE fingerprint = ?`, fingerprint)
	return err
}

func (Store) SSHKeyPrincipal(ctx context.Context, h store.Handle, fingerprint string) (store.Principal, error) {
	var p store.Principal
	var created int64
	err := h.QueryRowContext(ctx, `SELECT u.id, u.email, u.role, u.created_at, t.id, t.name, t.plan
		FROM ssh_keys k JOIN users u ON u.id = k.user_id JOIN tenants t ON t.id = u.tenant_id
		WHERE k.fingerprint = ?`, fingerprint).Scan(&p.UserID, &p.Email, &p.Role, &created, &p.TenantID, &p.TenantName, &p.Plan)
	if err != nil {
		return p, notFound(err)
	}
	p.CreatedAt = store.FromMS(created)
	return p, nil
}

func (Store) TouchSSHKey(ctx context.Context, h store.Handle, fingerprint string, at time.Time) error {
	_, err := h.ExecContext(ctx, `UPDATE ssh_keys SET last_used = ? WHERE fingerprint = ?`, store.MS(at), fingerprint)
	return err
}
