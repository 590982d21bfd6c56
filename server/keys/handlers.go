package keys

import (
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server/httpx"
)

// Mount adds the key routes behind auth, which must admit developers only.
func (s *Service) Mount(mux *http.ServeMux, auth func(http.HandlerFunc) http.Handler, log *slog.Logger) {
	h := handlers{s, log}
	mux.Handle("GET /api/v1/platform/api-keys", auth(h.list))
	mux.Handle("POST /api/v1/platform/api-keys", auth(h.create))
	mux.Handle("GET /api/v1/platform/api-keys/{id}", auth(h.get))
	mux.Handle("PATCH /api/v1/platform/api-keys/{id}", auth(h.update))
	mux.Handle("DELETE /api/v1/platform/api-keys/{id}", auth(h.revoke))
	mux.Handle("POST /api/v1/platform/api-keys/{id}/regenerate", auth(h.regenerate))
	mux.Handle("GET /api/v1/platform/api-keys/{id}/security", auth(h.security))
}

type handlers struct {
	svc *Service
	log *slog.Logger
}

func actor(r *http.Request) Actor {
	return Actor{User: httpx.UserFrom(r.Context()), IP: httpx.ClientIP(r)}
}

// answer writes v, or the problem (or a logged 500) of err.
func (h handlers) answer(w http.ResponseWriter, r *http.Request, v any, err error) {
	if err != nil {
		httpx.WriteError(w, r, h.log, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, v)
}

func (h handlers) list(w http.ResponseWriter, r *http.Request) {
	p, prob := parseListParams(r)
	if prob != nil {
		httpx.WriteProblem(w, prob)
		return
	}
	list, err := h.svc.List(r.Context(), httpx.UserFrom(r.Context()), p)
	if err != nil {
		httpx.WriteError(w, r, h.log, err)
		return
	}
	httpx.WriteTagged(w, r, list)
}

// parseListParams validates the key list query.
func parseListParams(r *http.Request) (models.KeyListParams, *models.Problem) {
	q := r.URL.Query()
	p := models.KeyListParams{Q: strings.TrimSpace(q.Get("q")), Status: q.Get("status"), Sort: q.Get("sort"), Page: 1, PerPage: 100}
	bad := func(field, msg string) (models.KeyListParams, *models.Problem) {
		return p, httpx.FieldProblem("invalid_parameter", field, msg)
	}
	if len(p.Q) > 100 || httpx.BadString(p.Q, !utf8.ValidString(p.Q)) != "" {
		return bad("q", "Search text must be at most 100 printable characters")
	}
	switch p.Status {
	case "", "all":
		p.Status = ""
	case models.KeyActive, models.KeyRevoked, models.KeyExpired:
	default:
		return bad("status", "Status must be active, revoked or expired")
	}
	switch p.Sort {
	case "", "created", "last_used", "name":
	default:
		return bad("sort", "Sort must be created, last_used or name")
	}
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return bad("page", "Page must be a positive integer")
		}
		p.Page = n
	}
	if v := q.Get("per_page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return bad("per_page", "per_page must be between 1 and 1000")
		}
		p.PerPage = n
	}
	if p.Page > 1_000_000 {
		return bad("page", "Page is too large")
	}
	return p, nil
}

func (h handlers) create(w http.ResponseWriter, r *http.Request) {
	var req models.CreateAPIKeyRequest
	if !httpx.ReadJSON(w, r, &req, false) {
		return
	}
	out, err := h.svc.Create(r.Context(), actor(r), req)
	if err != nil {
		httpx.WriteError(w, r, h.log, err)
		return
	}
	w.Header().Set("Location", "/api/v1/platform/api-keys/"+out.KeyID)
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, http.StatusCreated, out)
}

func (h handlers) get(w http.ResponseWriter, r *http.Request) {
	d, err := h.svc.Details(r.Context(), httpx.UserFrom(r.Context()), r.PathValue("id"))
	h.answer(w, r, d, err)
}

func (h handlers) update(w http.ResponseWriter, r *http.Request) {
	var req models.UpdateAPIKeyRequest
	if !httpx.ReadJSON(w, r, &req, false) {
		return
	}
	k, err := h.svc.Update(r.Context(), actor(r), r.PathValue("id"), req)
	h.answer(w, r, k, err)
}

func (h handlers) revoke(w http.ResponseWriter, r *http.Request) {
	res, err := h.svc.Revoke(r.Context(), actor(r), r.PathValue("id"))
	h.answer(w, r, res, err)
}

func (h handlers) regenerate(w http.ResponseWriter, r *http.Request) {
	var req models.RegenerateRequest
	if !httpx.ReadJSON(w, r, &req, true) {
		return
	}
	out, err := h.svc.Regenerate(r.Context(), actor(r), r.PathValue("id"), req)
	if err == nil {
		w.Header().Set("Cache-Control", "no-store")
	}
	h.answer(w, r, out, err)
}

func (h handlers) security(w http.ResponseWriter, r *http.Request) {
	out, err := h.svc.Security(r.Context(), httpx.UserFrom(r.Context()), r.PathValue("id"))
	h.answer(w, r, out, err)
}
