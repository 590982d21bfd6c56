package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/penguinmails/pmdev/models"
)

const webhooksPath = v1 + "/platform/webhooks"

// sendTimeout covers calls that wait for a receiver (up to 10 s) and then answer.
const sendTimeout = 15 * time.Second

func webhookPath(id string, rest ...string) string {
	p := webhooksPath + "/" + url.PathEscape(id)
	for _, r := range rest {
		p += "/" + r
	}
	return p
}

// ListWebhooks lists the tenant's endpoints with their health. Conditional:
// ErrNotModified means unchanged.
func (c *Client) ListWebhooks(ctx context.Context) (models.WebhookList, error) {
	var out models.WebhookList
	err := c.do(ctx, call{method: http.MethodGet, path: webhooksPath, out: &out, conditional: true, idempotent: true})
	return out, err
}

// GetWebhook returns one endpoint.
func (c *Client) GetWebhook(ctx context.Context, id string) (models.Webhook, error) {
	var out models.Webhook
	err := c.do(ctx, call{method: http.MethodGet, path: webhookPath(id), out: &out, idempotent: true})
	return out, err
}

// CreateWebhook creates an endpoint; the result holds the signing secret exactly once.
func (c *Client) CreateWebhook(ctx context.Context, req models.CreateWebhookRequest) (models.CreatedWebhook, error) {
	var out models.CreatedWebhook
	err := c.do(ctx, call{method: http.MethodPost, path: webhooksPath, body: req, out: &out})
	return out, err
}

// UpdateWebhook patches an endpoint (pause/resume is Status).
func (c *Client) UpdateWebhook(ctx context.Context, id string, req models.UpdateWebhookRequest) (models.Webhook, error) {
	var out models.Webhook
	err := c.do(ctx, call{method: http.MethodPatch, path: webhookPath(id), body: req, out: &out})
	return out, err
}

// DeleteWebhook removes an endpoint and its delivery log.
func (c *Client) DeleteWebhook(ctx context.Context, id string) error {
	return c.do(ctx, call{method: http.MethodDelete, path: webhookPath(id)})
}

// WebhookEventTypes returns the event reference with example payloads.
func (c *Client) WebhookEventTypes(ctx context.Context) (models.EventTypeList, error) {
	var out models.EventTypeList
	err := c.do(ctx, call{method: http.MethodGet, path: webhooksPath + "/event-types", out: &out, idempotent: true})
	return out, err
}

// TestWebhook sends a sample event of the given type and returns the receiver's answer.
func (c *Client) TestWebhook(ctx context.Context, id string, req models.TestRequest) (models.TestResult, error) {
	ctx, cancel := withAtLeast(ctx, sendTimeout)
	defer cancel()
	var out models.TestResult
	err := c.do(ctx, call{method: http.MethodPost, path: webhookPath(id, "test"), body: req, out: &out})
	return out, err
}

// RotateWebhookSecret issues a new secret (returned once); the old one signs for 24 h more.
func (c *Client) RotateWebhookSecret(ctx context.Context, id string) (models.RotateSecretResult, error) {
	var out models.RotateSecretResult
	err := c.do(ctx, call{method: http.MethodPost, path: webhookPath(id, "rotate-secret"), out: &out})
	return out, err
}

// ListDeliveries returns an endpoint's recent deliveries, newest first;
// status filters (success, failed, pending_retry, pending), limit ≤ 200 (0: server default).
func (c *Client) ListDeliveries(ctx context.Context, id, status string, limit int) (models.DeliveryList, error) {
	q := url.Values{}
	setIf(q, "status", status)
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	var out models.DeliveryList
	err := c.do(ctx, call{method: http.MethodGet, path: webhookPath(id, "deliveries"), query: q, out: &out, idempotent: true})
	return out, err
}

// RetryDelivery sends a failed or pending delivery again now and returns its new state.
func (c *Client) RetryDelivery(ctx context.Context, webhookID, deliveryID string) (models.Delivery, error) {
	ctx, cancel := withAtLeast(ctx, sendTimeout)
	defer cancel()
	var out models.RetryDeliveryResult
	err := c.do(ctx, call{method: http.MethodPost, path: webhookPath(webhookID, "deliveries", url.PathEscape(deliveryID), "retry"), out: &out})
	return out.Delivery, err
}

// withAtLeast gives ctx a deadline of d when it has none (the client default is shorter).
func withAtLeast(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, d)
}
