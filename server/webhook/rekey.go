package webhook

import (
	"context"
	"database/sql"
	"time"

	"github.com/penguinmails/pmdev/server/store"
)

// Rekeyed is an endpoint after a re-key: its new secret, shown once, and
// what its owner needs to find the receiver to update.
type Rekeyed struct {
	ID, TenantID, URL, Description, Status, CreatedBy string
	Secret, SecretPrefix                              string
}

// Rekey gives every endpoint a new secret sealed with key, in one
// transaction, and records it in the audit log. It is how an operator
// recovers from a lost sealing key: the old secrets cannot be recovered,
// so each receiver must be given its new secret. The previous secret's
// grace period ends too (it could not be opened either). Run it while no
// server uses the database.
func Rekey(ctx context.Context, db *sql.DB, key []byte, now time.Time, audit AuditFunc) ([]Rekeyed, error) {
	s, err := newSealer(key)
	if err != nil {
		return nil, err
	}
	var out []Rekeyed
	err = store.Tx(ctx, db, func(tx store.Handle) error {
		list, err := store.QueryAll(ctx, tx, `SELECT id, tenant_id, url, description, status, created_by FROM webhooks ORDER BY tenant_id, created_at, id`,
			nil, func(sc store.Scanner) (Rekeyed, error) {
				var r Rekeyed
				err := sc.Scan(&r.ID, &r.TenantID, &r.URL, &r.Description, &r.Status, &r.CreatedBy)
				return r, err
			})
		if err != nil {
			return err
		}
		for i := range list {
			r := &list[i]
			r.Secret = NewSecret()
			r.SecretPrefix = SecretPrefix(r.Secret)
			if _, err := tx.ExecContext(ctx, `UPDATE webhooks SET secret_sealed = ?, secret_prefix = ?, prev_secret_sealed = NULL,
				prev_secret_until = NULL, secret_rotated_at = ?, updated_at = ? WHERE id = ?`,
				s.seal(r.ID, r.Secret), r.SecretPrefix, store.MS(now), store.MS(now), r.ID); err != nil {
				return err
			}
			if audit != nil {
				if err := audit(ctx, tx, r.TenantID, r.ID, "secret_rotated", "system", "",
					"server re-keyed: new secret after the sealing key was replaced; the previous secret was unrecoverable"); err != nil {
					return err
				}
			}
		}
		out = list
		return nil
	})
	return out, err
}
