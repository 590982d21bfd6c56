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
	var out models.APIKeyList
	err := c.do(ctx, call{method: http.MethodGet, path: v1 + "/platform/api-keys", query: q, out: &out, conditional: true, idempotent: true})
	return out, err
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
