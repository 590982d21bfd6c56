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
	mux.Handle("POST /api/v1/platform/api-keys", auth(httpx.Body(false, h.create)))
	mux.Handle("GET /api/v1/platform/api-keys/{id}", auth(h.get))
	mux.Handle("PATCH /api/v1/platform/api-keys/{id}", auth(httpx.Body(false, h.update)))
	mux.Handle("DELETE /api/v1/platform/api-keys/{id}", auth(h.revoke))
	mux.Handle("POST /api/v1/platform/api-keys/{id}/regenerate", auth(httpx.Body(true, h.regenerate)))
	mux.Handle("GET /api/v1/platform/api-keys/{id}/security", auth(h.security))
	mux.Handle("POST /api/v1/platform/api-keys/{id}/grace/extend", auth(httpx.Body(false, h.extendGrace)))
	mux.Handle("POST /api/v1/platform/api-keys/{id}/grace/end", auth(h.endGrace))
}

// handlers decode the request, call the service and encode its answer.
type handlers struct {
	svc *Service
	log *slog.Logger
}

func actor(r *http.Request) Actor {
	return Actor{User: httpx.UserFrom(r.Context()), IP: httpx.ClientIP(r)}
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
	q, prob := httpx.Query(r, "q", "status", "sort", "cursor", "per_page", "needs_attention")
	p := models.KeyListParams{Q: strings.TrimSpace(q.Get("q")), Status: q.Get("status"), Sort: q.Get("sort"), Cursor: q.Get("cursor"), PerPage: 100}
	if prob != nil {
		return p, prob
	}
	bad := func(field, msg string) (models.KeyListParams, *models.Problem) {
		return p, httpx.FieldProblem("invalid_parameter", field, msg)
	}
	if raw := q.Get("q"); utf8.RuneCountInString(raw) > 100 || httpx.BadString(raw, !utf8.ValidString(raw)) != "" {
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
	case "":
		p.Sort = "created"
	case "created", "last_used", "name", "requests", "attention":
	default:
		return bad("sort", "Sort must be created, last_used, name, requests or attention")
	}
	switch q.Get("needs_attention") {
	case "", "false":
	case "true":
		p.Attention = true
	default:
		return bad("needs_attention", "needs_attention must be true or false")
	}
	if q.Has("page") {
		return bad("page", "page is replaced by cursor: pass the next_cursor of the previous page")
	}
	if len(p.Cursor) > 1024 {
		return bad("cursor", "cursor is not one this endpoint returned; start again without it")
	}
	if v := q.Get("per_page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return bad("per_page", "per_page must be between 1 and 1000")
		}
		p.PerPage = n
	}
	return p, nil
}

func (h handlers) create(w http.ResponseWriter, r *http.Request, req models.CreateAPIKeyRequest) {
	out, err := h.svc.Create(r.Context(), actor(r), req)
	if err == nil {
		w.Header().Set("Location", "/api/v1/platform/api-keys/"+out.KeyID)
		w.Header().Set("Cache-Control", "no-store")
	}
	httpx.Answer(w, r, h.log, http.StatusCreated, out, err)
}

func (h handlers) get(w http.ResponseWriter, r *http.Request) {
	d, err := h.svc.Details(r.Context(), httpx.UserFrom(r.Context()), r.PathValue("id"))
	httpx.Answer(w, r, h.log, http.StatusOK, d, err)
}

func (h handlers) update(w http.ResponseWriter, r *http.Request, req models.UpdateAPIKeyRequest) {
	k, err := h.svc.Update(r.Context(), actor(r), r.PathValue("id"), req)
	httpx.Answer(w, r, h.log, http.StatusOK, k, err)
}

func (h handlers) revoke(w http.ResponseWriter, r *http.Request) {
	res, err := h.svc.Revoke(r.Context(), actor(r), r.PathValue("id"))
	httpx.Answer(w, r, h.log, http.StatusOK, res, err)
}

func (h handlers) regenerate(w http.ResponseWriter, r *http.Request, req models.RegenerateRequest) {
	out, err := h.svc.Regenerate(r.Context(), actor(r), r.PathValue("id"), req)
	if err == nil {
		w.Header().Set("Cache-Control", "no-store")
	}
	httpx.Answer(w, r, h.log, http.StatusOK, out, err)
}

func (h handlers) extendGrace(w http.ResponseWriter, r *http.Request, req models.ExtendGraceRequest) {
	k, err := h.svc.ExtendGrace(r.Context(), actor(r), r.PathValue("id"), req)
	httpx.Answer(w, r, h.log, http.StatusOK, k, err)
}

func (h handlers) endGrace(w http.ResponseWriter, r *http.Request) {
	k, err := h.svc.EndGrace(r.Context(), actor(r), r.PathValue("id"))
	httpx.Answer(w, r, h.log, http.StatusOK, k, err)
}

func (h handlers) security(w http.ResponseWriter, r *http.Request) {
	out, err := h.svc.Security(r.Context(), httpx.UserFrom(r.Context()), r.PathValue("id"))
	httpx.Answer(w, r, h.log, http.StatusOK, out, err)
}
