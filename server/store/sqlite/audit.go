package sqlite

import (
	"context"

	"github.com/google/uuid"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server/store"
)

func (Store) InsertAudit(ctx context.Context, h store.Handle, e store.AuditEntry) error {
	_, err := h.ExecContext(ctx, `INSERT INTO audit_events(id, tenant_id, key_id, target_type, ts, action, actor, actor_key_fingerprint, ip, detail)
		VALUES (?,?,?,?,?,?,?,?,?,?)`, uuid.NewString(), e.TenantID, e.TargetID, e.TargetType, store.MS(e.At), e.Action, e.Actor,
		e.ActorFingerprint, e.IP, e.Detail)
	return err
}

func (Store) KeyAuditEvents(ctx context.Context, h store.Handle, tenantID, keyID string, limit int) ([]models.AuditEvent, error) {
	return store.QueryAll(ctx, h, `SELECT id, ts, action, actor, actor_key_fingerprint, ip, detail FROM audit_events
		WHERE key_id = ? AND tenant_id = ? AND target_type = 'api_key' ORDER BY ts DESC, rowid DESC LIMIT ?`, []any{keyID, tenantID, limit},
		func(sc store.Scanner) (models.AuditEvent, error) {
			var e models.AuditEvent
			var ts int64
			err := sc.Scan(&e.ID, &ts, &e.Action, &e.Actor, &e.ActorKeyFingerprint, &e.IP, &e.Detail)
			e.Time = store.FromMS(ts)
			return e, err
		})
}
