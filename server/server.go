// Package server is the pmdev reference implementation of the PenguinMails API
// v1 endpoints the console uses: keys, roles, rate limits and usage, over real
// HTTP with real SQLite storage.
package server

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server/httpx"
	"github.com/penguinmails/pmdev/server/ratelimit"
)

// Config configures Open.
type Config struct {
	DBPath               string
	Seed                 string // "" or "demo"
	Logger               *slog.Logger
	Now                  func() time.Time
	AllowPrivateWebhooks bool
	WebhookRetrySchedule []time.Duration
	Assets               fs.FS // the api dir (openapi.yaml, docs/); may be nil
}

// Events receives domain events (the webhook subsystem implements it).
type Events interface {
	Emit(ctx context.Context, tenantID, eventType string, data any)
}

type noopEvents struct{}

func (noopEvents) Emit(context.Context, string, string, any) {}

// Server is one running API instance over one database.
type Server struct {
	cfg     Config
	db      *sql.DB
	log     *slog.Logger
	now     func() time.Time
	events  Events
	limiter *ratelimit.Limiter
	keys    *keyCache
	usage   *usageWriter
	handler http.Handler

	// routes lets glue files (webhooks, docs) add handlers before the mux is built.
	routes []func(*http.ServeMux)

	campaigns    []models.Campaign // the sandbox catalogue
	campaignJSON sync.Map          // "status/limit" -> json.RawMessage

	seedSkipped bool // Seed "demo" found the demo tenant already there

	closeOnce sync.Once
	closeErr  error
}

// DefaultDBPath is $XDG_DATA_HOME/pmdev/pmdev.db (fallback ~/.local/share/pmdev/pmdev.db).
func DefaultDBPath() string {
	dir := os.Getenv("XDG_DATA_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			home = "."
		}
		dir = filepath.Join(home, ".local", "share")
	}
	return filepath.Join(dir, "pmdev", "pmdev.db")
}

// Open opens (creating if needed) the database, migrates it, seeds it when
// asked and empty, and starts the background usage writer.
func Open(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.DBPath == "" {
		cfg.DBPath = DefaultDBPath()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Seed != "" && cfg.Seed != "demo" {
		return nil, fmt.Errorf("unknown seed %q (want demo)", cfg.Seed)
	}
	if dir := filepath.Dir(cfg.DBPath); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("create data dir: %w", err)
		}
	}
	// Create the file owner-only; SQLite gives the -wal/-shm files the same mode.
	if f, err := os.OpenFile(cfg.DBPath, os.O_RDWR|os.O_CREATE, 0o600); err == nil {
		f.Close()
	}
	db, err := openDB(ctx, cfg.DBPath)
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg:       cfg,
		db:        db,
		log:       cfg.Logger,
		now:       func() time.Time { return cfg.Now().UTC() },
		events:    noopEvents{},
		limiter:   ratelimit.NewLimiter(),
		keys:      newKeyCache(),
		campaigns: sandboxCampaigns(),
	}
	if err := migrate(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	if cfg.Seed == "demo" {
		if err := s.seedDemo(ctx); err != nil {
			db.Close()
			return nil, fmt.Errorf("seed demo: %w", err)
		}
	}
	s.usage = newUsageWriter(s.db, s.log, s.now)
	if err := s.startWebhooks(ctx); err != nil {
		s.usage.close(ctx)
		db.Close()
		return nil, err
	}
	s.handler = s.buildHandler()
	return s, nil
}

// SeedSkipped reports whether Open was asked for the demo seed but left the
// database alone because the demo tenant already exists.
func (s *Server) SeedSkipped() bool { return s.seedSkipped }

// Handler serves every route.
func (s *Server) Handler() http.Handler { return s.handler }

// Drain stops background work that could hold an HTTP shutdown: webhook
// sends in flight (queue workers, test sends, manual retries) are abandoned
// and stay queued, and no new delivery starts. Requests keep being served
// and recorded. Register it with http.Server.RegisterOnShutdown; Close
// calls it too.
func (s *Server) Drain() { s.drainWebhooks() }

// Close stops taking new work, then, within ctx, writes every usage record
// still queued and waits for the webhook workers, and only then closes the
// database. Call it after the HTTP server has shut down so no acknowledged
// request is lost. At ctx's deadline the writes still running are abandoned
// (the rows lost are logged) rather than holding the exit.
func (s *Server) Close(ctx context.Context) error {
	s.closeOnce.Do(func() {
		s.Drain()
		var wg sync.WaitGroup
		var whErr, usageErr error
		wg.Go(func() { whErr = s.stopWebhooks(ctx) })
		wg.Go(func() { usageErr = s.usage.close(ctx) })
		wg.Wait()
		s.closeErr = errors.Join(whErr, usageErr, s.db.Close())
	})
	return s.closeErr
}

// Flush writes pending usage now (tests and the simulator use it).
func (s *Server) Flush() { s.usage.flushNow() }

func (s *Server) buildHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.handleHealthz)

	mux.Handle("GET /api/v1/me", s.user(s.handleMe))
	mux.Handle("GET /api/v1/platform/api-keys", s.developer(s.handleListKeys))
	mux.Handle("POST /api/v1/platform/api-keys", s.developer(s.handleCreateKey))
	mux.Handle("GET /api/v1/platform/api-keys/{id}", s.developer(s.handleGetKey))
	mux.Handle("PATCH /api/v1/platform/api-keys/{id}", s.developer(s.handleUpdateKey))
	mux.Handle("DELETE /api/v1/platform/api-keys/{id}", s.developer(s.handleRevokeKey))
	mux.Handle("POST /api/v1/platform/api-keys/{id}/regenerate", s.developer(s.handleRegenerateKey))
	mux.Handle("GET /api/v1/platform/api-keys/{id}/security", s.developer(s.handleKeySecurity))
	mux.Handle("GET /api/v1/platform/rate-limits", s.developer(s.handleRateLimits))
	mux.Handle("GET /api/v1/tenant/analytics/api-usage", s.developer(s.handleUsage))
	mux.Handle("GET /api/v1/tenant/analytics/api-usage/errors", s.developer(s.handleUsageErrors))

	mux.Handle("POST /api/v1/emails/send", s.product("send_email", "POST /api/v1/emails/send", s.productSendEmail))
	mux.Handle("GET /api/v1/campaigns", s.product("read_campaigns", "GET /api/v1/campaigns", s.productCampaigns))
	mux.Handle("POST /api/v1/contacts", s.product("write_contacts", "POST /api/v1/contacts", s.productContact))
	mux.Handle("GET /api/v1/analytics/campaigns/{id}", s.product("read_analytics", "GET /api/v1/analytics/campaigns/{id}", s.productCampaignAnalytics))

	s.mountWebhooks(mux)
	s.mountDocs(mux)
	for _, add := range s.routes {
		add(mux)
	}
	return s.recoverer(s.withProblemFallback(mux))
}

func (s *Server) handleHealthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = io.WriteString(w, `{"status":"ok"}`+"\n")
}

// recoverer turns a panic into a 500 problem; the stack goes to the log only.
func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("panic serving request", "method", r.Method, "path", r.URL.Path, "panic", fmt.Sprint(v))
				httpx.Error(w, http.StatusInternalServerError, "internal_error", "Something went wrong on our side. Please try again later.")
			}
		}()
		w.Header().Set("X-Content-Type-Options", "nosniff")
		if !s.log.Enabled(r.Context(), slog.LevelDebug) {
			next.ServeHTTP(w, r)
			return
		}
		// Debug request log: method, path and status only (no headers, no bodies, no secrets).
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		s.log.Debug("request", "method", r.Method, "path", r.URL.Path, "status", sw.status, "dur", time.Since(start).String())
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// withProblemFallback answers unknown routes and wrong methods with problems
// instead of ServeMux's plain text.
func (s *Server) withProblemFallback(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, pattern := mux.Handler(r)
		if pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		rec := &statusOnly{header: http.Header{}}
		h.ServeHTTP(rec, r)
		switch rec.status {
		case http.StatusMethodNotAllowed:
			w.Header().Set("Allow", rec.header.Get("Allow"))
			httpx.Error(w, http.StatusMethodNotAllowed, "method_not_allowed", "Method "+r.Method+" is not allowed on this route")
		case http.StatusNotFound, 0:
			httpx.Error(w, http.StatusNotFound, "not_found", "No route matches "+r.Method+" "+r.URL.Path)
		default:
			// Redirects from path cleaning.
			for k, v := range rec.header {
				w.Header()[k] = v
			}
			w.WriteHeader(rec.status)
		}
	})
}

type statusOnly struct {
	header http.Header
	status int
}

func (s *statusOnly) Header() http.Header         { return s.header }
func (s *statusOnly) Write(b []byte) (int, error) { return len(b), nil }
func (s *statusOnly) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
}

// WithActorFingerprint marks ctx as an action made through the SSH key fp;
// audit records written under ctx carry it.
func WithActorFingerprint(ctx context.Context, fp string) context.Context {
	return httpx.WithActorFingerprint(ctx, fp)
}

// problemFor keeps handler code short.
func problemFor(status int, code, msg string) *models.Problem {
	return httpx.NewProblem(status, code, msg)
}
