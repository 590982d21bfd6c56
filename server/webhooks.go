package server

import (
	"context"
	"strings"

	"github.com/penguinmails/pmdev/server/httpx"
	"github.com/penguinmails/pmdev/server/notify"
	"github.com/penguinmails/pmdev/server/store"
	"github.com/penguinmails/pmdev/server/webhook"
)

// startWebhooks opens the webhook service on the shared database; it is
// the server's Events hook and writes its changes to the shared audit log.
func (s *Server) startWebhooks(ctx context.Context) error {
	svc, err := webhook.Open(ctx, webhook.Config{
		DB:           s.db,
		Logger:       s.log.With("component", "webhooks"),
		Now:          s.cfg.Now,
		AllowPrivate: s.cfg.AllowPrivateWebhooks,
		Schedule:     s.cfg.WebhookRetrySchedule,
		KeyFile:      webhookKeyFile(s.cfg.DBPath),
		Audit: func(ctx context.Context, ex webhook.Execer, tenantID, id, action, actor, ip, detail string) error {
			return s.st.InsertAudit(ctx, ex, store.AuditEntry{TenantID: tenantID, TargetType: store.AuditTargetWebhook, TargetID: id,
				At: s.now(), Action: action, Actor: actor, ActorFingerprint: httpx.ActorFingerprint(ctx), IP: ip, Detail: detail})
		},
	})
	if err != nil {
		return err
	}
	s.webhooks, s.events = svc, svc
	h := hook{s}
	s.notify = notify.Start(notify.Config{DB: s.db, Keys: s.st, Events: h, Wants: h.Wants,
		Log: s.log.With("component", "webhook-notices"), Now: s.cfg.Now, ScanEvery: s.cfg.WebhookNoticeScan})
	return nil
}

// webhookKeyFile sits next to the database; in-memory databases get an in-memory key.
func webhookKeyFile(dbPath string) string {
	if dbPath == "" || strings.Contains(dbPath, ":memory:") || strings.Contains(dbPath, "mode=memory") {
		return ""
	}
	return dbPath + ".webhook-key"
}
