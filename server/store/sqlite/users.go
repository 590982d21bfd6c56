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

func (Store) UserByEmail(ctx context.Context, h store.Handle, email string) (string, string, error) {
	var id, tenantID string
	err := h.QueryRowContext(ctx, `SELECT id, tenant_id FROM users WHERE email = ?`, email).Scan(&id, &tenantID)
	return id, tenantID, notFound(err)
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
