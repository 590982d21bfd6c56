package webhook

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"time"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server/store"
)

// endpoint is what an attempt needs to know about a webhook.
type endpoint struct {
	id, tenantID, url, status string
	secrets                   []string // newest first
}

func (s *Service) loadEndpoint(ctx context.Context, id string) (endpoint, error) {
	var e endpoint
	var cur, prev []byte
	var prevUntil sql.NullInt64
	err := s.db.QueryRowContext(ctx, `SELECT id, tenant_id, url, status, secret_sealed, prev_secret_sealed, prev_secret_until
		FROM webhooks WHERE id = ?`, id).Scan(&e.id, &e.tenantID, &e.url, &e.status, &cur, &prev, &prevUntil)
	if err != nil {
		return e, err
	}
	sec, err := s.seal.open(e.id, cur)
	if err != nil {
		return e, err
	}
	e.secrets = []string{sec}
	if prev != nil && prevUntil.Valid && s.now().Before(store.FromMS(prevUntil.Int64)) {
		if p, err := s.seal.open(e.id, prev); err == nil {
			e.secrets = append(e.secrets, p)
		}
	}
	return e, nil
}

// result is the outcome of one HTTP attempt.
type result struct {
	status  int
	latency time.Duration
	excerpt string
	errText string
	headers map[string]string
}

func (r result) ok() bool { return r.errText == "" && r.status >= 200 && r.status < 300 }

// send signs and posts one attempt. It returns ctx's error (and nothing
// else) when ctx ended, so shutdown is not recorded as a failure.
func (s *Service) send(ctx context.Context, e endpoint, q queued) (result, error) {
	now := s.now()
	sig, err := Sign(e.secrets, q.eventID, now, q.payload)
	if err != nil {
		return result{errText: err.Error()}, nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.url, bytes.NewReader(q.payload))
	if err != nil {
		return result{errText: "invalid endpoint URL"}, nil
	}
	h := req.Header
	SetDeliveryHeaders(h, sig, q.eventType, q.id, q.eventID)
	r := result{headers: map[string]string{}}
	for k, v := range h {
		r.headers[k] = strings.Join(v, ", ")
	}
	start := time.Now()
	resp, err := s.client.Do(req)
	r.latency = time.Since(start)
	if err != nil {
		if ctx.Err() != nil {
			return r, ctx.Err()
		}
		r.errText = describe(err, s.timeout)
		return r, nil
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, models.WebhookExcerptLimit))
	// Drain a little more so the connection can be reused, without reading a huge body.
	_, _ = io.CopyN(io.Discard, resp.Body, 64<<10)
	r.latency = time.Since(start)
	r.status = resp.StatusCode
	r.excerpt = strings.ToValidUTF8(string(body), "\uFFFD")
	return r, nil
}

// describe turns a transport error into a short, log-safe phrase.
func describe(err error, timeout time.Duration) string {
	var ne net.Error
	switch {
	case errors.Is(err, ErrBlockedAddress):
		var msg string
		for e := err; e != nil; e = errors.Unwrap(e) {
			if strings.Contains(e.Error(), ErrBlockedAddress.Error()) {
				msg = e.Error()
			}
		}
		if i := strings.Index(msg, ErrBlockedAddress.Error()); i >= 0 {
			return "blocked: " + msg[i:]
		}
		return "blocked: " + ErrBlockedAddress.Error()
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return fmt.Sprintf("timeout: no answer within %s", timeout)
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return "DNS lookup failed for " + dnsErr.Name
	}
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		msg = msg[i+2:]
	}
	if len(msg) > 200 {
		msg = msg[:200]
	}
	return msg
}

// attemptKind says whose attempt it is.
type attemptKind int

const (
	autoAttempt   attemptKind = iota // the queue's retry schedule
	manualAttempt                    // POST …/retry: an extra attempt outside the schedule
	testAttempt                      // POST …/test
)

// attempt sends a claimed delivery from the queue and records the outcome.
func (s *Service) attempt(ctx context.Context, q queued) (bool, error) {
	return s.attemptWith(ctx, q, autoAttempt)
}

// attemptWith sends q and records the outcome. Manual and test attempts go
// to paused or disabled endpoints too. When ctx ends before the receiver
// answers, nothing is recorded: the delivery is put back as it was.
func (s *Service) attemptWith(ctx context.Context, q queued, kind attemptKind) (bool, error) {
	lctx, cancel := s.bookkeeping()
	e, err := s.loadEndpoint(lctx, q.webhookID)
	cancel()
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil // deleted meanwhile; its deliveries went with it
	}
	if err != nil {
		if s.stopping(err) {
			return false, err // the claim stays; the next Open requeues it
		}
		_ = s.finish(q, result{errText: "endpoint unavailable"}, kind, false)
		return false, err
	}
	if kind == autoAttempt {
		switch e.status {
		case models.WebhookPaused:
			// Held until the endpoint is resumed.
			hctx, cancel := s.bookkeeping()
			defer cancel()
			_, err := s.db.ExecContext(hctx, `UPDATE webhook_deliveries SET claimed_at = NULL, next_attempt_at = NULL WHERE id = ?`, q.id)
			return false, err
		case models.WebhookDisabled:
			return false, s.failHeld(q.id, "endpoint disabled")
		}
	}
	r, err := s.send(ctx, e, q)
	if err != nil {
		if kind == testAttempt {
			// Nobody waits for a test send once its request is gone.
			_ = s.failHeld(q.id, "interrupted before the receiver answered")
		} else {
			s.release(q.id)
		}
		return false, err
	}
	return r.ok(), s.finish(q, r, kind, e.status == models.WebhookActive)
}

// failHeld marks a delivery failed without an attempt.
func (s *Service) failHeld(id, why string) error {
	now := store.MS(s.now())
	ctx, cancel := s.bookkeeping()
	defer cancel()
	_, err := s.db.ExecContext(ctx, `UPDATE webhook_deliveries SET status = 'failed', claimed_at = NULL, next_attempt_at = NULL,
		error = ?, updated_at = ? WHERE id = ?`, why, now, id)
	return err
}

// retryDelay is the wait after the given failed attempt number (1-based).
func (s *Service) retryDelay(attempt int) time.Duration {
	i := min(max(attempt-1, 0), len(s.schedule)-1)
	return s.schedule[i]
}

// finish records one attempt: the delivery's new state, the attempt row and
// the endpoint's failure streak, in one transaction. A manual attempt is
// recorded in the history but, unless it succeeds (or the receiver answers
// 410 Gone), leaves the automatic schedule where it was: status, attempt
// count and next retry.
func (s *Service) finish(q queued, r result, kind attemptKind, active bool) error {
	now := s.now()
	manual := kind == manualAttempt
	attempts := q.attempts + 1
	if manual {
		attempts = q.attempts
	}
	status := models.DeliverySuccess
	var next any
	gone := false
	keep := false // manual failure: schedule untouched
	switch {
	case r.ok():
	case r.status == http.StatusGone:
		status, gone = models.DeliveryFailed, true
	case manual:
		keep = true
	case attempts < q.maxAttempts:
		status = models.DeliveryPendingRetry
		next = store.MS(now.Add(s.retryDelay(attempts)))
	default:
		status = models.DeliveryFailed
	}
	hdr, _ := json.Marshal(r.headers)
	if r.headers == nil {
		hdr = []byte("{}")
	}
	latency := int(r.latency.Milliseconds())
	// Bounded: the receiver has answered, but shutdown must not wait on a
	// locked database; if this is aborted the claim stays and the delivery
	// is sent again after the restart (receivers de-duplicate on webhook-id).
	ctx, cancel := s.bookkeeping()
	defer cancel()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if keep {
		_, err = tx.ExecContext(ctx, `UPDATE webhook_deliveries SET claimed_at = NULL, response_status = ?, latency_ms = ?, error = ?,
			response_excerpt = ?, request_headers = ?, updated_at = ? WHERE id = ?`,
			r.status, latency, r.errText, r.excerpt, string(hdr), store.MS(now), q.id)
	} else {
		_, err = tx.ExecContext(ctx, `UPDATE webhook_deliveries SET status = ?, attempts = ?, next_attempt_at = ?, claimed_at = NULL,
			response_status = ?, latency_ms = ?, error = ?, response_excerpt = ?, request_headers = ?, updated_at = ? WHERE id = ?`,
			status, attempts, next, r.status, latency, r.errText, r.excerpt, string(hdr), store.MS(now), q.id)
	}
	if err != nil {
		return err
	}
	// History rows are numbered in order of sending, manual ones included.
	if _, err := tx.ExecContext(ctx, `INSERT INTO webhook_attempts(delivery_id, attempt, at, response_status, latency_ms, error, manual)
		SELECT ?, COALESCE(MAX(attempt), 0) + 1, ?, ?, ?, ?, ? FROM webhook_attempts WHERE delivery_id = ?`,
		q.id, store.MS(now), r.status, latency, r.errText, manual, q.id); err != nil {
		return err
	}
	changed := false
	switch {
	case gone:
		if _, err := tx.ExecContext(ctx, `UPDATE webhooks SET status = 'disabled', disabled_reason = ?, updated_at = ? WHERE id = ?`,
			"receiver answered 410 Gone", store.MS(now), q.webhookID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET status = 'failed', next_attempt_at = NULL,
			error = 'endpoint disabled (410 Gone)', updated_at = ? WHERE webhook_id = ? AND status IN ('pending','pending_retry') AND claimed_at IS NULL`,
			store.MS(now), q.webhookID); err != nil {
			return err
		}
		changed = true
	case kind == testAttempt:
		// Test events do not change an endpoint's health streak.
	case r.ok():
		if _, err := tx.ExecContext(ctx, `UPDATE webhooks SET consecutive_failures = 0, failing_since = NULL WHERE id = ?`, q.webhookID); err != nil {
			return err
		}
	default:
		var streak int
		var since int64
		if err := tx.QueryRowContext(ctx, `UPDATE webhooks SET consecutive_failures = consecutive_failures + 1,
			failing_since = COALESCE(failing_since, ?) WHERE id = ? RETURNING consecutive_failures, failing_since`,
			store.MS(now), q.webhookID).Scan(&streak, &since); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if failing := now.Sub(store.FromMS(since)); active && streak >= DisableMinFailures && failing >= DisableAfter {
			if _, err := tx.ExecContext(ctx, `UPDATE webhooks SET status = 'disabled', disabled_reason = ?, updated_at = ? WHERE id = ? AND status = 'active'`,
				fmt.Sprintf("every attempt failed for %d hours (%d in a row)", int(failing.Hours()), streak), store.MS(now), q.webhookID); err != nil {
				return err
			}
			changed = true
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	if changed {
		if err := s.reloadSubs(ctx); err != nil && !s.stopping(err) {
			s.log.Error("webhook subscriptions reload", "err", err)
		}
	}
	if status == models.DeliveryPendingRetry && !keep {
		s.kick()
	}
	return nil
}
