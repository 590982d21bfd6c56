package webhook

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server/httpx"
	"github.com/penguinmails/pmdev/server/store"
)

// Permission guards every webhook route; admins and developers hold it.
const Permission = "manage_webhooks"

const base = "/api/v1/platform/webhooks"

// Mount adds the webhook routes. auth must authenticate a personal access
// token and store the caller with httpx.WithUser.
func (s *Service) Mount(mux *http.ServeMux, auth func(http.HandlerFunc) http.Handler) {
	h := func(f func(http.ResponseWriter, *http.Request, *httpx.User)) http.Handler {
		return auth(func(w http.ResponseWriter, r *http.Request) {
			u := httpx.UserFrom(r.Context())
			if u == nil {
				httpx.Error(w, http.StatusUnauthorized, "invalid_token", "Personal access token is invalid")
				return
			}
			// Same answer as the key and usage routes, so clients handle one code.
			if u.Role != models.RoleAdmin && u.Role != models.RoleDeveloper {
				httpx.Error(w, http.StatusForbidden, "insufficient_role",
					"Your role ("+u.Role+") cannot use developer settings; ask an admin for the developer role")
				return
			}
			f(w, r, u)
		})
	}
	mux.Handle("GET "+base, h(s.handleList))
	mux.Handle("POST "+base, h(s.handleCreate))
	mux.Handle("GET "+base+"/event-types", h(s.handleEventTypes))
	mux.Handle("GET "+base+"/{id}", h(s.handleGet))
	mux.Handle("PATCH "+base+"/{id}", h(s.handleUpdate))
	mux.Handle("DELETE "+base+"/{id}", h(s.handleDelete))
	mux.Handle("POST "+base+"/{id}/test", h(s.handleTest))
	mux.Handle("POST "+base+"/{id}/rotate-secret", h(s.handleRotate))
	mux.Handle("GET "+base+"/{id}/deliveries", h(s.handleDeliveries))
	mux.Handle("POST "+base+"/{id}/deliveries/{delivery_id}/retry", h(s.handleRetry))
	mux.Handle("POST "+models.TriggerEventPath, h(s.handleTrigger))
}

// errGone ends a change whose endpoint vanished.
var errGone = errors.New("webhook not found")

// change runs fn and the audit record of the change in one transaction, so
// no change goes unrecorded.
func (s *Service) change(r *http.Request, u *httpx.User, id, action, detail string, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(r.Context(), nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	if s.audit != nil {
		if err := s.audit(r.Context(), tx, u.TenantID, id, action, u.Email, httpx.ClientIP(r), detail); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// statusClientClosed is nginx's "client closed request"; it only reaches
// logs, the client is gone.
const statusClientClosed = 499

// internal answers a request that failed with err. A request whose client
// went away, or cut short by shutdown, is not a server fault: it is logged
// quietly, and nothing is written to a client that is gone.
func (s *Service) internal(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case r.Context().Err() != nil:
		s.log.Debug("webhook request cancelled by the client", "method", r.Method, "path", r.URL.Path)
		w.WriteHeader(statusClientClosed)
	case s.runCtx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)):
		s.log.Info("webhook request cut short by shutdown", "method", r.Method, "path", r.URL.Path)
		shuttingDown(w)
	default:
		s.log.Error("webhook route", "err", err)
		httpx.Error(w, http.StatusInternalServerError, "internal_error", "Something went wrong on our side. Please try again later.")
	}
}

// shuttingDown answers 503: the server stops; the request may be repeated
// once it is back.
func shuttingDown(w http.ResponseWriter) {
	w.Header().Set("Retry-After", "5")
	httpx.Error(w, http.StatusServiceUnavailable, "shutting_down", "The server is shutting down; nothing was changed. Try again once it is back.")
}

func (s *Service) handleList(w http.ResponseWriter, r *http.Request, u *httpx.User) {
	list, err := s.listWebhooks(r.Context(), u.TenantID)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	httpx.WriteTagged(w, r, models.WebhookList{Data: list})
}

func (s *Service) handleEventTypes(w http.ResponseWriter, r *http.Request, _ *httpx.User) {
	out := models.EventTypeList{Data: EventTypes(s.now())}
	httpx.WriteJSON(w, http.StatusOK, out)
}

func (s *Service) handleGet(w http.ResponseWriter, r *http.Request, u *httpx.User) {
	if wh, ok := s.pathWebhook(w, r, u); ok {
		httpx.WriteJSON(w, http.StatusOK, wh)
	}
}

// pathWebhook is the endpoint the path's {id} names in u's tenant; false
// when the answer (404, or 500) is written instead.
func (s *Service) pathWebhook(w http.ResponseWriter, r *http.Request, u *httpx.User) (models.Webhook, bool) {
	wh, err := s.getWebhook(r.Context(), u.TenantID, r.PathValue("id"))
	return wh, !s.notFound(w, r, err)
}

// pathWebhookBody is pathWebhook, then the request body read into a T (the
// endpoint is looked up first, so an unknown one is a 404 whatever the
// body); false when an answer is written instead.
func pathWebhookBody[T any](s *Service, w http.ResponseWriter, r *http.Request, u *httpx.User, allowEmpty bool) (models.Webhook, T, bool) {
	var req T
	wh, ok := s.pathWebhook(w, r, u)
	ok = ok && httpx.ReadJSON(w, r, &req, allowEmpty)
	return wh, req, ok
}

// notFound writes 404 or 500 for err and reports whether it wrote anything.
func (s *Service) notFound(w http.ResponseWriter, r *http.Request, err error) bool {
	switch {
	case err == nil:
		return false
	case errors.Is(err, errNotFound):
		httpx.NotFound(w, "Webhook")
	default:
		s.internal(w, r, err)
	}
	return true
}

func (s *Service) checkURL(ctx context.Context, raw string) (string, *models.FieldError) {
	u, err := ValidateURL(ctx, raw, s.allowPvt, s.resolver)
	if err != nil {
		return "", &models.FieldError{Field: "url", Message: err.Error()}
	}
	return u.String(), nil
}

func (s *Service) handleCreate(w http.ResponseWriter, r *http.Request, u *httpx.User) {
	var req models.CreateWebhookRequest
	if !httpx.ReadJSON(w, r, &req, false) {
		return
	}
	var errs []models.FieldError
	url, fe := s.checkURL(r.Context(), req.URL)
	if fe != nil {
		errs = append(errs, *fe)
	}
	desc, fe := models.CheckWebhookDescription(req.Description)
	if fe != nil {
		errs = append(errs, *fe)
	}
	// Absent or null takes the default; an empty status or 0 retries is refused.
	status, retries := models.WebhookActive, models.WebhookDefaultMaxRetries
	if req.Status != nil {
		status = *req.Status
		if fe := models.CheckWebhookStatus(status); fe != nil {
			errs = append(errs, *fe)
		}
	}
	events, fe := models.CheckWebhookEvents(req.Events)
	if fe != nil {
		errs = append(errs, *fe)
	}
	if req.MaxRetries != nil {
		retries = *req.MaxRetries
		if fe := models.CheckWebhookRetries(retries); fe != nil {
			errs = append(errs, *fe)
		}
	}
	if len(errs) > 0 {
		httpx.Validation(w, errs)
		return
	}
	var n int
	if err := s.db.QueryRowContext(r.Context(), `SELECT COUNT(*) FROM webhooks WHERE tenant_id = ?`, u.TenantID).Scan(&n); err != nil {
		s.internal(w, r, err)
		return
	}
	if n >= MaxPerTenant {
		httpx.Error(w, http.StatusConflict, "limit_reached", fmt.Sprintf("A tenant can have at most %d webhook endpoints; delete one first", MaxPerTenant))
		return
	}
	id := newID("wh_")
	secret := NewSecret()
	now := store.MS(s.now())
	evJSON, _ := json.Marshal(events)
	if err := s.change(r, u, id, "created", url, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(r.Context(), `INSERT INTO webhooks(id, tenant_id, url, description, status, events, max_retries,
		secret_sealed, secret_prefix, created_at, updated_at, created_by) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)`,
			id, u.TenantID, url, desc, status, string(evJSON), retries, s.seal.seal(id, secret), SecretPrefix(secret),
			now, now, u.Email)
		return err
	}); err != nil {
		s.internal(w, r, err)
		return
	}
	s.afterChange(r.Context())
	wh, err := s.getWebhook(r.Context(), u.TenantID, id)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	w.Header().Set("Location", base+"/"+id)
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, http.StatusCreated, models.CreatedWebhook{Webhook: wh, Secret: secret})
}

func (s *Service) afterChange(ctx context.Context) {
	if err := s.reloadSubs(context.WithoutCancel(ctx)); err != nil {
		s.log.Error("webhook subscriptions reload", "err", err)
	}
}

func (s *Service) handleUpdate(w http.ResponseWriter, r *http.Request, u *httpx.User) {
	cur, req, ok := pathWebhookBody[models.UpdateWebhookRequest](s, w, r, u, false)
	if !ok {
		return
	}
	id := cur.ID
	var errs []models.FieldError
	sets := []string{}
	args := []any{}
	changed := []string{} // for the audit record
	if req.URL != nil {
		changed = append(changed, "url")
		url, fe := s.checkURL(r.Context(), *req.URL)
		if fe != nil {
			errs = append(errs, *fe)
		}
		sets, args = append(sets, "url = ?"), append(args, url)
	}
	if req.Description != nil {
		changed = append(changed, "description")
		d, fe := models.CheckWebhookDescription(*req.Description)
		if fe != nil {
			errs = append(errs, *fe)
		}
		sets, args = append(sets, "description = ?"), append(args, d)
	}
	resumed := false
	if req.Status != nil {
		switch *req.Status {
		case models.WebhookActive:
			resumed = cur.Status != models.WebhookActive
			sets = append(sets, "status = 'active'", "disabled_reason = ''")
			if cur.Status == models.WebhookDisabled {
				sets = append(sets, "consecutive_failures = 0", "failing_since = NULL")
			}
		case models.WebhookPaused:
			sets = append(sets, "status = 'paused'", "disabled_reason = ''")
		default:
			errs = append(errs, *models.CheckWebhookStatus(*req.Status))
		}
	}
	if req.Events != nil {
		changed = append(changed, "events")
		events, fe := models.CheckWebhookEvents(*req.Events)
		if fe != nil {
			errs = append(errs, *fe)
		}
		b, _ := json.Marshal(events)
		sets, args = append(sets, "events = ?"), append(args, string(b))
	}
	if req.MaxRetries != nil {
		changed = append(changed, "max_retries")
		if fe := models.CheckWebhookRetries(*req.MaxRetries); fe != nil {
			errs = append(errs, *fe)
		}
		sets, args = append(sets, "max_retries = ?"), append(args, *req.MaxRetries)
	}
	if len(errs) > 0 {
		httpx.Validation(w, errs)
		return
	}
	now := store.MS(s.now())
	if len(sets) > 0 {
		action, detail := "updated", "changed "+strings.Join(changed, ", ")
		if req.Status != nil && *req.Status != cur.Status {
			action = map[string]string{models.WebhookActive: "resumed", models.WebhookPaused: "paused"}[*req.Status]
			if len(changed) > 0 {
				detail = "also " + detail
			} else {
				detail = "was " + cur.Status
			}
		} else if len(changed) == 0 {
			detail = "status unchanged"
		}
		sets = append(sets, "updated_at = ?")
		args = append(args, now, id, u.TenantID)
		if err := s.change(r, u, id, action, detail, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(r.Context(), `UPDATE webhooks SET `+strings.Join(sets, ", ")+` WHERE id = ? AND tenant_id = ?`, args...); err != nil {
				return err
			}
			if !resumed {
				return nil
			}
			// Deliveries held while paused become due now.
			_, err := tx.ExecContext(r.Context(), `UPDATE webhook_deliveries SET next_attempt_at = ?
			WHERE webhook_id = ? AND status IN ('pending','pending_retry') AND next_attempt_at IS NULL`, now, id)
			return err
		}); err != nil {
			s.internal(w, r, err)
			return
		}
	}
	if resumed {
		s.kick()
	}
	s.afterChange(r.Context())
	wh, err := s.getWebhook(r.Context(), u.TenantID, id)
	if s.notFound(w, r, err) {
		return
	}
	httpx.WriteJSON(w, http.StatusOK, wh)
}

func (s *Service) handleDelete(w http.ResponseWriter, r *http.Request, u *httpx.User) {
	cur, ok := s.pathWebhook(w, r, u)
	if !ok {
		return
	}
	id := cur.ID
	err := s.change(r, u, id, "deleted", cur.URL, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(r.Context(), `DELETE FROM webhooks WHERE id = ? AND tenant_id = ?`, id, u.TenantID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errGone // deleted by a concurrent request
		}
		return nil
	})
	if errors.Is(err, errGone) {
		httpx.NotFound(w, "Webhook")
		return
	}
	if err != nil {
		s.internal(w, r, err)
		return
	}
	s.afterChange(r.Context())
	w.WriteHeader(http.StatusNoContent)
}

func (s *Service) handleRotate(w http.ResponseWriter, r *http.Request, u *httpx.User) {
	wh, ok := s.pathWebhook(w, r, u)
	if !ok {
		return
	}
	id := wh.ID
	secret := NewSecret()
	now := s.now()
	until := now.Add(RotationGrace)
	// The current secret becomes the previous one and keeps signing during the grace.
	if err := s.change(r, u, id, "secret_rotated", "previous secret valid until "+until.Format(time.RFC3339), func(tx *sql.Tx) error {
		_, err := tx.ExecContext(r.Context(), `UPDATE webhooks SET prev_secret_sealed = secret_sealed, prev_secret_until = ?,
		secret_sealed = ?, secret_prefix = ?, secret_rotated_at = ?, updated_at = ? WHERE id = ? AND tenant_id = ?`,
			store.MS(until), s.seal.seal(id, secret), SecretPrefix(secret), store.MS(now), store.MS(now), id, u.TenantID)
		return err
	}); err != nil {
		s.internal(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, http.StatusOK, models.RotateSecretResult{ID: id, Secret: secret, SecretPrefix: SecretPrefix(secret), PreviousSecretExpiresAt: until})
}
