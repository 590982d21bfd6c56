package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/penguinmails/pmdev/server/store"
)

func (Store) TenantByName(ctx context.Context, h store.Handle, name string) (string, error) {
	var id string
	err := h.QueryRowContext(ctx, `SELECT id FROM tenants WHERE name = ?`, name).Scan(&id)
	return id, notFound(err)
}

func (Store) InsertTenant(ctx context.Context, h store.Handle, id, name, plan string, created time.Time) error {
	_, err := h.ExecContext(ctx, `INSERT INTO tenants(id, name, plan, created_at) VALUES (?,?,?,?)`, id, name, plan, store.MS(created))
	return err
}

func (Store) SetTenantPlan(ctx context.Context, h store.Handle, id, plan string) error {
	_, err := h.ExecContext(ctx, `UPDATE tenants SET plan = ? WHERE id = ?`, plan, id)
	return err
}

func (Store) FirstTenant(ctx context.Context, h store.Handle, prefer string) (string, error) {
	var id string
	err := h.QueryRowContext(ctx, `SELECT id FROM tenants ORDER BY name = ? DESC, created_at LIMIT 1`, prefer).Scan(&id)
	return id, notFound(err)
}

func (Store) UserByEmail(ctx context.Context, h store.Handle, email string) (string, string, string, error) {
	var id, tenantID, role string
	err := h.QueryRowContext(ctx, `SELECT id, tenant_id, role FROM users WHERE email = ?`, email).Scan(&id, &tenantID, &role)
	return id, tenantID, role, notFound(err)
}

func (Store) InsertUser(ctx context.Context, h store.Handle, u store.User) (bool, error) {
	return changed(h.ExecContext(ctx, `INSERT INTO users(id, tenant_id, email, role, created_at) VALUES (?,?,?,?,?) ON CONFLICT(email) DO NOTHING`,
		u.ID, u.TenantID, u.Email, u.Role, store.MS(u.CreatedAt)))
}

func (Store) SetUserRole(ctx context.Context, h store.Handle, userID, role string) error {
	_, err := h.ExecContext(ctx, `UPDATE users SET role = ? WHERE id = ?`, role, userID)
	return err
}

func (Store) InsertToken(ctx context.Context, h store.Handle, t store.Token) error {
	_, err := h.ExecContext(ctx, `INSERT INTO tokens(digest, user_id, minted, expires_at, created_at) VALUES (?,?,?,?,?)`,
		t.Digest, t.UserID, t.Minted, store.MSPtr(t.Expires), store.MS(t.CreatedAt))
	return err
}

func (Store) TokenPrincipal(ctx context.Context, h store.Handle, digest []byte) (store.Principal, error) {
	var p store.Principal
	var created int64
	var expires sql.NullInt64
	err := h.QueryRowContext(ctx, `SELECT u.id, u.email, u.role, u.created_at, t.id, t.name, t.plan, tk.minted, tk.expires_at
		FROM tokens tk JOIN users u ON u.id = tk.user_id JOIN tenants t ON t.id = u.tenant_id WHERE tk.digest = ?`,
		digest).Scan(&p.UserID, &p.Email, &p.Role, &created, &p.TenantID, &p.TenantName, &p.Plan, &p.Minted, &expires)
	if err != nil {
		return p, notFound(err)
	}
	p.CreatedAt = store.FromMS(created)
	p.Expires = store.NullMS(expires)
	return p, nil
}

func (Store) DeleteMintedTokens(ctx context.Context, h store.Handle, expiredBefore time.Time) error {
	_, err := h.ExecContext(ctx, `DELETE FROM tokens WHERE minted = 1 AND expires_at < ?`, store.MS(expiredBefore))
	return err
}

// SSH keys.

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
	return store.QueryAll(ctx, h, q+` ORDER BY u.email, k.created_at, k.rowid`, args, func(sc store.Scanner) (store.SSHKey, error) {
		var k store.SSHKey
		var created int64
		var used sql.NullInt64
		err := sc.Scan(&k.Fingerprint, &k.Email, &k.Type, &k.Comment, &created, &used)
		k.CreatedAt = store.FromMS(created)
		k.LastUsed = store.NullMS(used)
		return k, err
	})
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
