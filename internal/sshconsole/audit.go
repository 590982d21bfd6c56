package sshconsole

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"charm.land/ssh"
)

// auditLog writes one JSON record per session start, end and refusal:
// who (user or profile, key fingerprint), from where, and for how long.
// It never carries a token.
type auditLog struct {
	log    *slog.Logger
	closer io.Closer
}

// openAudit appends to path (created 0600; "-" is stderr) unless logger is given.
func openAudit(path string, logger *slog.Logger) (*auditLog, error) {
	if logger != nil {
		return &auditLog{log: logger}, nil
	}
	if path == "-" {
		return &auditLog{log: slog.New(slog.NewJSONHandler(os.Stderr, nil))}, nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("ssh audit log: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("ssh audit log: %w", err)
	}
	return &auditLog{log: slog.New(slog.NewJSONHandler(f, nil)), closer: f}, nil
}

// Close closes the audit file.
func (a *auditLog) Close() error {
	if a.closer == nil {
		return nil
	}
	return a.closer.Close()
}

func (a *auditLog) start(st *sessionState, remote string, pty ssh.Pty) {
	a.log.LogAttrs(context.Background(), slog.LevelInfo, "ssh.session.start",
		slog.String("session", st.id),
		slog.String("user", st.identity.Name),
		slog.String("ssh_user", st.sshUser),
		slog.String("role", st.me.Role),
		slog.String("tenant", st.me.Tenant.Name),
		slog.String("key_fingerprint", st.identity.Fingerprint),
		slog.String("remote_addr", remote),
		slog.String("term", pty.Term),
		slog.Int("width", pty.Window.Width),
		slog.Int("height", pty.Window.Height),
	)
}

func (a *auditLog) end(st *sessionState, remote string, d time.Duration, reason string) {
	attrs := []slog.Attr{
		slog.String("session", st.id),
		slog.String("user", st.identity.Name),
		slog.String("ssh_user", st.sshUser),
		slog.String("key_fingerprint", st.identity.Fingerprint),
		slog.String("remote_addr", remote),
		slog.Int64("duration_ms", d.Milliseconds()),
		slog.String("duration", d.Round(time.Second).String()),
		slog.String("reason", reason),
	}
	if st.unconfirmed.Load() {
		// A key the user may never have saved: an admin may want to revoke it.
		attrs = append(attrs, slog.Bool("secret_unconfirmed", true))
	}
	a.log.LogAttrs(context.Background(), slog.LevelInfo, "ssh.session.end", attrs...)
}

// refused records a turned-away connection or session; user is the key's
// owner when known, sshUser the login name the client asked for.
func (a *auditLog) refused(user, sshUser, fingerprint, remote, reason string) {
	a.log.LogAttrs(context.Background(), slog.LevelWarn, "ssh.session.refused",
		slog.String("user", user),
		slog.String("ssh_user", sshUser),
		slog.String("key_fingerprint", fingerprint),
		slog.String("remote_addr", remote),
		slog.String("reason", reason),
	)
}
