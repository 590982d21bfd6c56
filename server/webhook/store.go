package webhook

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server/store"
)

// errNotFound covers missing rows and rows of another tenant alike.
var errNotFound = errors.New("not found")

const webhookCols = `id, url, description, status, disabled_reason, events, max_retries, secret_prefix,
	secret_rotated_at, consecutive_failures, created_at, updated_at, created_by`

func scanWebhook(sc store.Scanner) (models.Webhook, error) {
	var w models.Webhook
	var events string
	var rotated sql.NullInt64
	var created, updated int64
	err := sc.Scan(&w.ID, &w.URL, &w.Description, &w.Status, &w.DisabledReason, &events, &w.MaxRetries, &w.SecretPrefix,
		&rotated, &w.Health.ConsecutiveFailures, &created, &updated, &w.CreatedBy)
	if err != nil {
		return w, err
	}
	w.Events = []string{}
	_ = json.Unmarshal([]byte(events), &w.Events)
	w.SecretRotatedAt = store.NullMS(rotated)
	w.CreatedAt, w.UpdatedAt = store.FromMS(created), store.FromMS(updated)
	return w, nil
}

// listWebhooks returns a tenant's endpoints, oldest first, with health.
func (s *Service) listWebhooks(ctx context.Context, tenantID string) ([]models.Webhook, error) {
	out, err := store.QueryAll(ctx, s.db, `SELECT `+webhookCols+` FROM webhooks WHERE tenant_id = ? ORDER BY created_at, id`, []any{tenantID}, scanWebhook)
	if err != nil {
		return nil, err
	}
	for i := range out {
		if err := s.fillHealth(ctx, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (s *Service) getWebhook(ctx context.Context, tenantID, id string) (models.Webhook, error) {
	w, err := scanWebhook(s.db.QueryRowContext(ctx, `SELECT `+webhookCols+` FROM webhooks WHERE id = ? AND tenant_id = ?`, id, tenantID))
	if errors.Is(err, sql.ErrNoRows) {
		return w, errNotFound
	}
	if err != nil {
		return w, err
	}
	return w, s.fillHealth(ctx, &w)
}

// fillHealth computes the 24 h figures from deliveries and attempts.
func (s *Service) fillHealth(ctx context.Context, w *models.Webhook) error {
	since := store.MS(s.now().Add(-24 * time.Hour))
	h := &w.Health
	var total, success, failed sql.NullInt64
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*),
			SUM(CASE WHEN status = 'success' THEN 1 ELSE 0 END),
			SUM(CASE WHEN status IN ('failed','pending_retry') THEN 1 ELSE 0 END)
		FROM webhook_deliveries WHERE webhook_id = ? AND attempts > 0 AND updated_at >= ?`, w.ID, since).Scan(&total, &success, &failed); err != nil {
		return err
	}
	h.Deliveries24h = int(total.Int64)
	h.Failures24h = int(failed.Int64)
	if total.Int64 > 0 {
		rate := float64(success.Int64) * 100 / float64(total.Int64)
		rate = float64(int(rate*10+0.5)) / 10
		h.SuccessRate24h = &rate
	}
	var avg sql.NullFloat64
	if err := s.db.QueryRowContext(ctx, `SELECT AVG(a.latency_ms) FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id
		WHERE d.webhook_id = ? AND a.at >= ?`, w.ID, since).Scan(&avg); err != nil {
		return err
	}
	h.AvgLatencyMS = int(avg.Float64 + 0.5)
	var lastAt sql.NullInt64
	var lastStatus, lastErr sql.NullString
	var lastCode sql.NullInt64
	err := s.db.QueryRowContext(ctx, `SELECT a.at, a.response_status, a.error FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id
		WHERE d.webhook_id = ? ORDER BY a.at DESC LIMIT 1`, w.ID).Scan(&lastAt, &lastCode, &lastErr)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	if lastAt.Valid {
		h.LastDeliveryAt = store.NullMS(lastAt)
		lastStatus.String = models.DeliveryFailed
		if lastErr.String == "" && lastCode.Int64 >= 200 && lastCode.Int64 < 300 {
			lastStatus.String = models.DeliverySuccess
		}
		h.LastStatus = lastStatus.String
	}
	var pending sql.NullInt64
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM webhook_deliveries WHERE webhook_id = ? AND status = 'pending_retry'`, w.ID).Scan(&pending); err != nil {
		return err
	}
	h.PendingRetries = int(pending.Int64)
	h.Failing = h.ConsecutiveFailures >= FailingAfter
	return nil
}

const deliveryCols = `id, webhook_id, event_id, event_type, payload, test, status, attempts, max_attempts, next_attempt_at,
	response_status, latency_ms, error, response_excerpt, request_headers, created_at, updated_at`

func scanDelivery(sc store.Scanner) (models.Delivery, error) {
	var d models.Delivery
	var payload []byte
	var headers string
	var next sql.NullInt64
	var created, updated int64
	err := sc.Scan(&d.ID, &d.WebhookID, &d.EventID, &d.EventType, &payload, &d.Test, &d.Status, &d.Attempts, &d.MaxAttempts, &next,
		&d.ResponseStatus, &d.LatencyMS, &d.Error, &d.ResponseExcerpt, &headers, &created, &updated)
	if err != nil {
		return d, err
	}
	d.Payload = json.RawMessage(payload)
	d.NextRetryAt = store.NullMS(next)
	_ = json.Unmarshal([]byte(headers), &d.RequestHeaders)
	d.CreatedAt, d.UpdatedAt = store.FromMS(created), store.FromMS(updated)
	return d, nil
}

func (s *Service) listDeliveries(ctx context.Context, webhookID, status string, limit int) ([]models.Delivery, error) {
	q := `SELECT ` + deliveryCols + ` FROM webhook_deliveries WHERE webhook_id = ?`
	args := []any{webhookID}
	if status != "" {
		q += ` AND status = ?`
		args = append(args, status)
	}
	q += ` ORDER BY created_at DESC, id DESC LIMIT ?`
	args = append(args, limit)
	return store.QueryAll(ctx, s.db, q, args, scanDelivery)
}

func (s *Service) getDelivery(ctx context.Context, webhookID, id string) (models.Delivery, error) {
	d, err := scanDelivery(s.db.QueryRowContext(ctx, `SELECT `+deliveryCols+` FROM webhook_deliveries WHERE id = ? AND webhook_id = ?`, id, webhookID))
	if errors.Is(err, sql.ErrNoRows) {
		return d, errNotFound
	}
	return d, err
}

// Attempt is one recorded attempt of a delivery (tests read the history).
type Attempt struct {
	N              int
	At             time.Time
	ResponseStatus int
	LatencyMS      int
	Error          string
	Manual         bool // a manual retry, outside the automatic schedule
}

// Attempts returns a delivery's attempt history, oldest first.
func (s *Service) Attempts(ctx context.Context, deliveryID string) ([]Attempt, error) {
	return store.QueryAll(ctx, s.db, `SELECT attempt, at, response_status, latency_ms, error, manual FROM webhook_attempts
		WHERE delivery_id = ? ORDER BY attempt`, []any{deliveryID}, func(sc store.Scanner) (Attempt, error) {
		var a Attempt
		var at int64
		err := sc.Scan(&a.N, &at, &a.ResponseStatus, &a.LatencyMS, &a.Error, &a.Manual)
		a.At = store.FromMS(at)
		return a, err
	})
}
