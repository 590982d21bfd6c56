package usage

import (
	"log/slog"
	"net/http"

	"github.com/penguinmails/pmdev/server/httpx"
)

// Mount adds the usage and rate-limit routes behind auth, which must admit
// developers only.
func (s *Service) Mount(mux *http.ServeMux, auth func(http.HandlerFunc) http.Handler, log *slog.Logger) {
	h := handlers{s, log}
	mux.Handle("GET /api/v1/platform/rate-limits", auth(h.rateLimits))
	mux.Handle("GET /api/v1/tenant/analytics/api-usage", auth(h.usage))
	mux.Handle("GET /api/v1/tenant/analytics/api-usage/errors", auth(h.errors))
}

type handlers struct {
	svc *Service
	log *slog.Logger
}

// usage answers a matching If-None-Match from the data version alone,
// before reading any usage.
func (h handlers) usage(w http.ResponseWriter, r *http.Request) {
	q, p := httpx.Query(r, "range", "from", "to", "key_id")
	if p != nil {
		httpx.WriteProblem(w, p)
		return
	}
	req, err := h.svc.resolve(r.Context(), httpx.UserFrom(r.Context()), q)
	if err != nil {
		httpx.WriteError(w, r, h.log, err)
		return
	}
	tag := h.svc.etag(r.Context(), req)
	if tag != "" && httpx.NotModified(w, r, tag) {
		return
	}
	out, err := h.svc.compute(r.Context(), req.tenantID, req.keyID, req.limit, req.win)
	if err != nil {
		httpx.WriteError(w, r, h.log, err)
		return
	}
	if tag == "" && httpx.NotModified(w, r, httpx.ETagOf(out)) {
		return
	}
	out.GeneratedAt = h.svc.now()
	httpx.WriteJSON(w, http.StatusOK, out)
}

func (h handlers) errors(w http.ResponseWriter, r *http.Request) {
	q, p := httpx.Query(r, "range", "from", "to", "key_id", "cursor", "limit")
	if p != nil {
		httpx.WriteProblem(w, p)
		return
	}
	out, err := h.svc.ErrorPage(r.Context(), httpx.UserFrom(r.Context()), q)
	if err == nil {
		w.Header().Set("Cache-Control", "private, no-store")
	}
	httpx.Answer(w, r, h.log, http.StatusOK, out, err)
}

func (h handlers) rateLimits(w http.ResponseWriter, r *http.Request) {
	q, p := httpx.Query(r, "limit", "cursor")
	if p != nil {
		httpx.WriteProblem(w, p)
		return
	}
	out, err := h.svc.RateLimits(r.Context(), httpx.UserFrom(r.Context()), q)
	if err != nil {
		httpx.WriteError(w, r, h.log, err)
		return
	}
	if httpx.NotModified(w, r, httpx.ETagOf(stableRateLimits(out))) {
		return
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}
