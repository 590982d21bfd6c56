package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/penguinmails/pmdev/models"
)

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
