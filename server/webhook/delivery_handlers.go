package webhook

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server/httpx"
	"github.com/penguinmails/pmdev/server/store"
)

// The routes that send: the delivery log, a manual retry and a test event.

var deliveryStatuses = []string{models.DeliverySuccess, models.DeliveryFailed, models.DeliveryPendingRetry, models.DeliveryPending}

// deliveryQuery reads the delivery list's filters: an empty, repeated or
// unknown value is a 400 invalid_parameter, as on every other list.
func deliveryQuery(r *http.Request) (status string, limit int, p *models.Problem) {
	q, p := httpx.Query(r, "status", "limit")
	if p != nil {
		return "", 0, p
	}
	status, limit = q.Get("status"), 50
	if status != "" && !slices.Contains(deliveryStatuses, status) {
		return "", 0, httpx.FieldProblem("invalid_parameter", "status", "status must be one of success, failed, pending_retry, pending")
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 200 {
			return "", 0, httpx.FieldProblem("invalid_parameter", "limit", "limit must be between 1 and 200")
		}
		limit = n
	}
	return status, limit, nil
}

func (s *Service) handleDeliveries(w http.ResponseWriter, r *http.Request, u *httpx.User) {
	wh, ok := s.pathWebhook(w, r, u)
	if !ok {
		return
	}
	id := wh.ID
	status, limit, p := deliveryQuery(r)
	if p != nil {
		httpx.WriteProblem(w, p)
		return
	}
	list, err := s.listDeliveries(r.Context(), id, status, limit)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	httpx.WriteTagged(w, r, models.DeliveryList{Data: list})
}

func (s *Service) handleRetry(w http.ResponseWriter, r *http.Request, u *httpx.User) {
	wh, ok := s.pathWebhook(w, r, u)
	if !ok {
		return
	}
	id := wh.ID
	did := r.PathValue("delivery_id")
	var q queued
	err := s.db.QueryRowContext(r.Context(), `UPDATE webhook_deliveries SET claimed_at = ?
		WHERE id = ? AND webhook_id = ? AND claimed_at IS NULL AND status IN ('failed','pending_retry','pending')
		RETURNING id, webhook_id, event_id, event_type, payload, attempts, max_attempts`, store.MS(s.now()), did, id).
		Scan(&q.id, &q.webhookID, &q.eventID, &q.eventType, &q.payload, &q.attempts, &q.maxAttempts)
	if errors.Is(err, sql.ErrNoRows) {
		d, gerr := s.getDelivery(r.Context(), id, did)
		switch {
		case errors.Is(gerr, errNotFound):
			httpx.NotFound(w, "Delivery")
		case gerr != nil:
			s.internal(w, r, gerr)
		case d.Status == models.DeliverySuccess:
			httpx.Error(w, http.StatusConflict, "already_delivered", "This delivery already succeeded; it is not sent twice")
		default:
			httpx.Error(w, http.StatusConflict, "delivery_in_progress", "This delivery is being sent right now")
		}
		return
	}
	if err != nil {
		s.internal(w, r, err)
		return
	}
	ctx, cancel := s.sendCtx(r.Context())
	defer cancel()
	if _, err := s.attemptWith(ctx, q, manualAttempt); err != nil {
		// Cut short (client gone, shutdown): the delivery was put back as it was.
		s.internal(w, r, err)
		return
	}
	d, err := s.getDelivery(r.Context(), id, did)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, models.RetryDeliveryResult{Delivery: d})
}

func (s *Service) handleTest(w http.ResponseWriter, r *http.Request, u *httpx.User) {
	wh, req, ok := pathWebhookBody[models.TestRequest](s, w, r, u, true)
	if !ok {
		return
	}
	id := wh.ID
	if req.EventType == "" {
		req.EventType = wh.Events[0]
	}
	if !models.IsWebhookEvent(req.EventType) {
		httpx.Validation(w, []models.FieldError{{Field: "event_type", Message: fmt.Sprintf("Unknown event type %q", req.EventType)}})
		return
	}
	now := s.now()
	env := Envelope{ID: newID("evt_test_"), Type: req.EventType, CreatedAt: now.Truncate(time.Millisecond), Data: SampleData(req.EventType, now)}
	body, _ := json.Marshal(env)
	q := queued{id: newID("del_"), webhookID: id, eventID: env.ID, eventType: req.EventType, payload: body, maxAttempts: 1}
	if _, err := s.db.ExecContext(r.Context(), `INSERT INTO webhook_deliveries(id, webhook_id, tenant_id, event_id, event_type, payload, test,
		status, max_attempts, claimed_at, created_at, updated_at) VALUES (?,?,?,?,?,?,1,'pending',1,?,?,?)`,
		q.id, id, u.TenantID, q.eventID, q.eventType, body, store.MS(now), store.MS(now), store.MS(now)); err != nil {
		s.internal(w, r, err)
		return
	}
	ctx, cancel := s.sendCtx(r.Context())
	defer cancel()
	if _, err := s.attemptWith(ctx, q, testAttempt); err != nil && (ctx.Err() == nil || r.Context().Err() != nil) {
		s.internal(w, r, err)
		return
	}
	// Otherwise the delivery record tells what happened, an interruption by
	// shutdown included.
	d, err := s.getDelivery(r.Context(), id, q.id)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	res := models.TestResult{Status: d.Status, DeliveryID: d.ID, ResponseStatus: d.ResponseStatus, LatencyMS: d.LatencyMS,
		BodyExcerpt: d.ResponseExcerpt, Error: d.Error, Payload: d.Payload}
	if res.Status != models.DeliverySuccess {
		res.Status = models.DeliveryFailed
	}
	httpx.WriteJSON(w, http.StatusOK, res)
}
