package server

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/penguinmails/pmdev/server/store/pgsql"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server/docs"
	"github.com/penguinmails/pmdev/server/httpx"
	"github.com/penguinmails/pmdev/server/keys"
	"github.com/penguinmails/pmdev/server/product"
	"github.com/penguinmails/pmdev/server/stream"
	"github.com/penguinmails/pmdev/server/usage"
)

// routes wires every domain's routes on one mux: identity, keys, usage and
// rate limits (developers), the product API (API keys), webhooks and docs.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", handleHealthz)
	mux.HandleFunc("GET /metrics", s.handleMetrics)
	s.auth.Mount(mux)
	keys.New(s.db, s.st, s.keyring, s.limiter, s.now).WithEvents(hook{s}).Mount(mux, s.auth.Developer, s.log)
	version := s.usageVersion
	if pgsql.Is(s.db) {
		// Other instances write this database: a version kept in this
		// process would let it answer 304 over their writes.
		version = s.sharedUsageVersion
	}
	usage.New(s.db, s.st, s.limiter, s.now, version).Mount(mux, s.auth.Developer, s.log)
	pc := product.Config{DB: s.db, Store: s.st, Keys: s.keyring, Limiter: s.limiter, Usage: stream.Tee{Usage: s.usage, Hub: s.streams},
		Events: hook{s}, Throttle: s.simGate.Drop, Log: s.log, Now: s.now}
	if s.notify != nil {
		pc.Thresholds = s.notify
	}
	product.New(pc).Mount(mux)
	if s.webhooks != nil {
		s.webhooks.Mount(mux, s.auth.User)
	}
	s.streams.Mount(mux, s.auth.Developer)
	docs.Mount(mux, s.cfg.Assets, s.log)
	return s.recoverer(withRequestID(withProblemFallback(mux)))
}

// usageVersion changes whenever a tenant's usage or any key changes.
func (s *Server) usageVersion(_ context.Context, tenantID string) string {
	return s.usage.Version(tenantID) + "." + strconv.FormatUint(s.keyring.Generation(), 10)
}

// sharedUsageVersion is usageVersion on a database that other instances
// write too: it adds the counter their usage writes raise in the database
// (key changes reach the key ring through the shared limiter). "" when the
// database does not answer: the tag then comes from the document.
func (s *Server) sharedUsageVersion(ctx context.Context, tenantID string) string {
	v, err := s.st.UsageVersion(ctx, s.db, tenantID)
	if err != nil {
		return ""
	}
	return s.usageVersion(ctx, tenantID) + "." + strconv.FormatInt(v, 10)
}

// hook emits through the server's current Events, so tests can tap them.
type hook struct{ s *Server }

func (h hook) Emit(ctx context.Context, tenantID, eventType string, data any) {
	h.s.currentEvents().Emit(ctx, tenantID, eventType, data)
}

func (s *Server) currentEvents() Events {
	s.eventsMu.RLock()
	defer s.eventsMu.RUnlock()
	return s.events
}

// setEvents replaces the events hook (the webhook service at start; tests tap it).
func (s *Server) setEvents(e Events) {
	s.eventsMu.Lock()
	s.events = e
	s.eventsMu.Unlock()
}

// Wants asks the current Events whether anyone receives the event; a tap
// without Wants receives everything.
func (h hook) Wants(tenantID, eventType string) bool {
	if w, ok := h.s.currentEvents().(interface{ Wants(string, string) bool }); ok {
		return w.Wants(tenantID, eventType)
	}
	return true
}

func handleHealthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = io.WriteString(w, `{"status":"ok"}`+"\n")
}

// handleMetrics writes the usage recorder's counters (Prometheus text format).
func (s *Server) handleMetrics(w http.ResponseWriter, _ *http.Request) {
	st := s.usage.Stats()
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	for _, m := range []struct {
		name, kind, help string
		v                int64
	}{
		{"pmdev_usage_requests_total", "counter", "Product requests recorded for the usage analytics.", st.Requests},
		{"pmdev_usage_sampled_total", "counter", "Failed requests counted without a full error record (beyond the sample kept per key and minute).", st.Sampled},
		{"pmdev_usage_dropped_total", "counter", "Product requests not counted: the in-memory bound was reached.", st.Dropped},
		{"pmdev_usage_lost_total", "counter", "Product requests whose usage write failed.", st.Lost},
		{"pmdev_usage_pending", "gauge", "Product requests counted in memory, not yet written.", st.Pending},
	} {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n%s %d\n", m.name, m.help, m.name, m.kind, m.name, m.v)
	}
	writeLimiterMetrics(w, s.limiter.Stats())
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
				httpx.Error(w, http.StatusInternalServerError, "internal_error", httpx.InternalMessage)
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
func withProblemFallback(mux *http.ServeMux) http.Handler {
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

// withRequestID names every answer with X-Request-Id: the client's own when
// it is valid, else a new one. The request log carries it.
func withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(models.HeaderRequestID)
		if !models.ValidRequestID(id) {
			id = "req_" + rand.Text()
		}
		w.Header()[models.HeaderRequestID] = []string{id}
		next.ServeHTTP(w, r)
	})
}
