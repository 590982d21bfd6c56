package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/penguinmails/pmdev/models"
)

const v1 = "/api/v1"

// Me returns the identity behind the token.
func (c *Client) Me(ctx context.Context) (models.Me, error) {
	var out models.Me
	err := c.do(ctx, call{method: http.MethodGet, path: v1 + "/me", out: &out, idempotent: true})
	return out, err
}

// ListKeys is one page of API keys: the first, or the one p.Cursor (a
// NextCursor of the same query) continues to. It is conditional:
// ErrNotModified means unchanged.
func (c *Client) ListKeys(ctx context.Context, p models.KeyListParams) (models.APIKeyList, error) {
	var out models.APIKeyList
	err := c.do(ctx, call{method: http.MethodGet, path: v1 + "/platform/api-keys", query: keyListQuery(p), out: &out, conditional: true, idempotent: true})
	return out, err
}

// keyListQuery is the key list's query for p: one place, so that paging
// (ListAllKeys) sends every filter the single page does.
func keyListQuery(p models.KeyListParams) url.Values {
	q := url.Values{}
	setIf(q, "q", p.Q)
	setIf(q, "status", p.Status)
	setIf(q, "sort", p.Sort)
	setIf(q, "cursor", p.Cursor)
	if p.Attention {
		q.Set("needs_attention", "true")
	}
	if p.PerPage > 0 {
		q.Set("per_page", strconv.Itoa(p.PerPage))
	}
	return q
}

// GetKey returns one key with its 30-day usage and top endpoints.
func (c *Client) GetKey(ctx context.Context, id string) (models.APIKeyDetails, error) {
	var out models.APIKeyDetails
	err := c.do(ctx, call{method: http.MethodGet, path: v1 + "/platform/api-keys/" + url.PathEscape(id), out: &out, idempotent: true})
	return out, err
}

// KeySecurity returns a key's audit events and recent client IPs.
func (c *Client) KeySecurity(ctx context.Context, id string) (models.KeySecurity, error) {
	var out models.KeySecurity
	err := c.do(ctx, call{method: http.MethodGet, path: v1 + "/platform/api-keys/" + url.PathEscape(id) + "/security", out: &out, idempotent: true})
	return out, err
}

// CreateKey creates a key; the result holds the plaintext exactly once.
func (c *Client) CreateKey(ctx context.Context, req models.CreateAPIKeyRequest) (models.CreatedAPIKey, error) {
	var out models.CreatedAPIKey
	err := c.do(ctx, call{method: http.MethodPost, path: v1 + "/platform/api-keys", body: req, out: &out})
	return out, err
}

// UpdateKey patches a key.
func (c *Client) UpdateKey(ctx context.Context, id string, req models.UpdateAPIKeyRequest) (models.APIKey, error) {
	var out models.APIKey
	err := c.do(ctx, call{method: http.MethodPatch, path: v1 + "/platform/api-keys/" + url.PathEscape(id), body: req, out: &out})
	return out, err
}

// RegenerateKey rotates a key; the old one keeps working for the grace period.
func (c *Client) RegenerateKey(ctx context.Context, id string, req models.RegenerateRequest) (models.CreatedAPIKey, error) {
	var out models.CreatedAPIKey
	err := c.do(ctx, call{method: http.MethodPost, path: v1 + "/platform/api-keys/" + url.PathEscape(id) + "/regenerate", body: req, out: &out})
	return out, err
}

// ExtendGrace lets the old key of id's rotation (id may be either key)
// work hours longer; the answer is the old key.
func (c *Client) ExtendGrace(ctx context.Context, id string, hours int) (models.APIKey, error) {
	var out models.APIKey
	err := c.do(ctx, call{method: http.MethodPost, path: v1 + "/platform/api-keys/" + url.PathEscape(id) + "/grace/extend",
		body: models.ExtendGraceRequest{Hours: hours}, out: &out})
	return out, err
}

// EndGrace cuts the old key of id's rotation off now; the answer is the
// old key, expired.
func (c *Client) EndGrace(ctx context.Context, id string) (models.APIKey, error) {
	var out models.APIKey
	err := c.do(ctx, call{method: http.MethodPost, path: v1 + "/platform/api-keys/" + url.PathEscape(id) + "/grace/end", out: &out})
	return out, err
}

// RevokeKey revokes a key at once.
func (c *Client) RevokeKey(ctx context.Context, id string) (models.RevokeResult, error) {
	var out models.RevokeResult
	err := c.do(ctx, call{method: http.MethodDelete, path: v1 + "/platform/api-keys/" + url.PathEscape(id), out: &out})
	return out, err
}

// RateLimits returns the tenant's line and the first page of its keys,
// busiest first (the server's default size). Conditional.
func (c *Client) RateLimits(ctx context.Context) (models.RateLimits, error) {
	return c.RateLimitsPage(ctx, models.RateLimitParams{})
}

// RateLimitsPage returns the tenant's line and one page of its keys,
// busiest first. Conditional.
func (c *Client) RateLimitsPage(ctx context.Context, p models.RateLimitParams) (models.RateLimits, error) {
	q := url.Values{}
	if p.Limit > 0 {
		q.Set("limit", strconv.Itoa(p.Limit))
	}
	setIf(q, "cursor", p.Cursor)
	var out models.RateLimits
	err := c.do(ctx, call{method: http.MethodGet, path: v1 + "/platform/rate-limits", query: q, out: &out, conditional: true, idempotent: true})
	return out, err
}

// APIUsage returns usage analytics. Conditional.
func (c *Client) APIUsage(ctx context.Context, p models.UsageParams) (models.APIUsage, error) {
	q := usageQuery(p)
	var out models.APIUsage
	err := c.do(ctx, call{method: http.MethodGet, path: v1 + "/tenant/analytics/api-usage", query: q, out: &out, conditional: true, idempotent: true})
	return out, err
}

// Healthz checks that the server answers.
func (c *Client) Healthz(ctx context.Context) error {
	return c.do(ctx, call{method: http.MethodGet, path: "/healthz", idempotent: true})
}

// usageQuery is the range and key filter shared by the analytics routes.
func usageQuery(p models.UsageParams) url.Values {
	q := url.Values{}
	setIf(q, "range", p.Range)
	setIf(q, "key_id", p.KeyID)
	if !p.From.IsZero() {
		q.Set("from", p.From.UTC().Format(time.RFC3339))
	}
	if !p.To.IsZero() {
		q.Set("to", p.To.UTC().Format(time.RFC3339))
	}
	return q
}

func setIf(q url.Values, k, v string) {
	if v != "" {
		q.Set(k, v)
	}
}

// UsageErrors returns one page of every failed request of the usage range
// and key filter in p, newest first. Pass the previous page's NextCursor as
// cursor ("" for the first page); limit 0 takes the server's default.
func (c *Client) UsageErrors(ctx context.Context, p models.UsageParams, cursor string, limit int) (models.UsageErrorPage, error) {
	q := usageQuery(p)
	setIf(q, "cursor", cursor)
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	var out models.UsageErrorPage
	err := c.do(ctx, call{method: http.MethodGet, path: v1 + "/tenant/analytics/api-usage/errors", query: q, out: &out, idempotent: true})
	return out, err
}

// ---------------------------------------------------------------- webhooks

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

// ---------------------------------------------------------------- product API

// RateHeaders are the rate-limit headers of a product response.
type RateHeaders struct {
	Limit     int
	Remaining int
	Reset     time.Duration // until the bucket is full again
	Policy    string        // e.g. "300;w=60;burst=500"
}

func parseRateHeaders(h http.Header) RateHeaders {
	atoi := func(k string) int { n, _ := strconv.Atoi(h.Get(k)); return n }
	return RateHeaders{
		Limit:     atoi("X-RateLimit-Limit"),
		Remaining: atoi("X-RateLimit-Remaining"),
		Reset:     time.Duration(atoi("X-RateLimit-Reset")) * time.Second,
		Policy:    h.Get("RateLimit-Policy"),
	}
}

// Product routes authenticate with an API key (pm_live_… / pm_test_…), passed
// per call and never stored or logged. Sends are not idempotent, so they are
// retried only after a 429 whose wait fits the deadline.

// SendEmail queues one email.
func (c *Client) SendEmail(ctx context.Context, apiKey string, req models.SendEmailRequest) (models.SendEmailResponse, RateHeaders, error) {
	var out models.SendEmailResponse
	var rh RateHeaders
	err := c.do(ctx, call{method: http.MethodPost, path: v1 + "/emails/send", body: req, out: &out, bearer: apiKey, rate: &rh})
	return out, rh, err
}

// ListCampaigns lists campaigns; status and limit are optional.
func (c *Client) ListCampaigns(ctx context.Context, apiKey, status string, limit int) (models.CampaignList, RateHeaders, error) {
	q := url.Values{}
	setIf(q, "status", status)
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	var out models.CampaignList
	var rh RateHeaders
	err := c.do(ctx, call{method: http.MethodGet, path: v1 + "/campaigns", query: q, out: &out, bearer: apiKey, idempotent: true, rate: &rh})
	return out, rh, err
}

// UpsertContact creates or updates a contact by email.
func (c *Client) UpsertContact(ctx context.Context, apiKey string, req models.ContactRequest) (models.Contact, RateHeaders, error) {
	var out models.Contact
	var rh RateHeaders
	err := c.do(ctx, call{method: http.MethodPost, path: v1 + "/contacts", body: req, out: &out, bearer: apiKey, rate: &rh})
	return out, rh, err
}

// CampaignAnalytics returns one campaign's delivery and engagement numbers.
func (c *Client) CampaignAnalytics(ctx context.Context, apiKey, campaignID string) (models.CampaignAnalytics, RateHeaders, error) {
	var out models.CampaignAnalytics
	var rh RateHeaders
	err := c.do(ctx, call{method: http.MethodGet, path: v1 + "/analytics/campaigns/" + url.PathEscape(campaignID), out: &out, bearer: apiKey, idempotent: true, rate: &rh})
	return out, rh, err
}
