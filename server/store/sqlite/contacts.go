package sqlite

import (
	"context"
	"encoding/json"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server/store"
)

func (Store) GetContact(ctx context.Context, h store.Handle, tenantID, email string) (models.Contact, error) {
	c := models.Contact{Email: email, Attributes: map[string]string{}}
	var attrs string
	var created int64
	err := h.QueryRowContext(ctx, `SELECT id, attributes, created_at FROM contacts WHERE tenant_id = ? AND email = ?`, tenantID, email).
		Scan(&c.ID, &attrs, &created)
	if err != nil {
		return c, notFound(err)
	}
	_ = json.Unmarshal([]byte(attrs), &c.Attributes)
	c.CreatedAt = store.FromMS(created)
	return c, nil
}

func (Store) PutContact(ctx context.Context, h store.Handle, tenantID string, c models.Contact) error {
	b, _ := json.Marshal(c.Attributes)
	_, err := h.ExecContext(ctx, `INSERT INTO contacts(id, tenant_id, email, attributes, created_at) VALUES (?,?,?,?,?)
		ON CONFLICT(tenant_id, email) DO UPDATE SET attributes = excluded.attributes`, c.ID, tenantID, c.Email, string(b), store.MS(c.CreatedAt))
	return err
}
