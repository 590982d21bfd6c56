package store

import (
	"context"
	"time"

	"github.com/penguinmails/pmdev/models"
)

// Audit target types: what AuditEntry.TargetID names.
const (
	AuditTargetKey     = "api_key"
	AuditTargetWebhook = "webhook"
)

// AuditEntry is one security event of a key or another target.
type AuditEntry struct {
	TenantID, TargetType, TargetID string
	At                             time.Time
	Action, Actor                  string
	ActorFingerprint               string // the SSH key acted through, if any
	IP, Detail                     string
}

// AuditStore keeps the audit log.
type AuditStore interface {
	InsertAudit(ctx context.Context, h Handle, e AuditEntry) error
	// KeyAuditEvents lists a key's events, newest first.
	KeyAuditEvents(ctx context.Context, h Handle, tenantID, keyID string, limit int) ([]models.AuditEvent, error)
}
