package server

import (
	"context"
	"net/http"
	"strings"

	"github.com/penguinmails/pmdev/server/webhook"
)

// Glue between the server and package webhook: the service is the server's
// Events hook, so product handlers emit through s.events.

func (s *Server) startWebhooks(ctx context.Context) error {
	svc, err := webhook.Open(ctx, webhook.Config{
		DB:           s.db,
		Logger:       s.log.With("component", "webhooks"),
		Now:          s.cfg.Now,
		AllowPrivate: s.cfg.AllowPrivateWebhooks,
		Schedule:     s.cfg.WebhookRetrySchedule,
		KeyFile:      webhookKeyFile(s.cfg.DBPath),
		Audit: func(ctx context.Context, ex webhook.Execer, tenantID, id, action, actor, ip, detail string) error {
			return s.auditTarget(ctx, ex, auditTargetWebhook, tenantID, id, action, actor, ip, detail, s.now())
		},
	})
	if err != nil {
		return err
	}
	s.events = svc
	return nil
}

// webhookKeyFile sits next to the database; in-memory databases get an in-memory key.
func webhookKeyFile(dbPath string) string {
	if dbPath == "" || strings.Contains(dbPath, ":memory:") || strings.Contains(dbPath, "mode=memory") {
		return ""
	}
	return dbPath + ".webhook-key"
}

func (s *Server) drainWebhooks() {
	if svc, ok := s.events.(*webhook.Service); ok {
		svc.Drain()
	}
}

func (s *Server) stopWebhooks(ctx context.Context) error {
	if svc, ok := s.events.(*webhook.Service); ok {
		return svc.Close(ctx)
	}
	return nil
}

func (s *Server) mountWebhooks(mux *http.ServeMux) {
	if svc, ok := s.events.(*webhook.Service); ok {
		svc.Mount(mux, func(h http.HandlerFunc) http.Handler { return s.user(h) })
	}
}
