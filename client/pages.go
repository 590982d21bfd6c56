package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/penguinmails/pmdev/models"
)

// Paged reads: callers ask for "up to n items" and the client follows the
// API's pages. How the API pages (opaque cursors) stays in this file.

// keyPageSize is the largest page the key list serves (a variable so
// tests can make pages small).
var keyPageSize = 1000

// errorPageSize is the largest page of the error log.
var errorPageSize = models.UsageErrorsMaxLimit

// ListAllKeys returns up to limit keys (0: all) matching p's Q, Status and
// Sort, following pages; p.Cursor and p.PerPage are ignored. more reports
// that keys beyond limit exist. Unlike ListKeys it is never conditional, so
// reading the same list twice in one process returns it twice.
func (c *Client) ListAllKeys(ctx context.Context, p models.KeyListParams, limit int) (keys []models.APIKey, more bool, err error) {
	per := keyPageSize
	if limit > 0 && limit < per {
		per = limit
	}
	cursor := ""
	for {
		p.Cursor, p.PerPage = cursor, per
		var out models.APIKeyList
		if err := c.do(ctx, call{method: http.MethodGet, path: v1 + "/platform/api-keys", query: keyListQuery(p), out: &out, idempotent: true}); err != nil {
			return nil, false, err
		}
		keys = append(keys, out.APIKeys...)
		last := out.NextCursor == ""
		if limit > 0 && len(keys) >= limit {
			return keys[:limit], len(keys) > limit || !last, nil
		}
		if last || len(out.APIKeys) == 0 {
			return keys, false, nil
		}
		if out.NextCursor == cursor {
			return nil, false, errors.New("the key list repeated a page")
		}
		cursor = out.NextCursor
	}
}

// AllUsageErrors returns up to limit failed requests (0: all) of the
// range and key filter in p, newest first, following the error log's
// cursor. more reports that older errors exist beyond limit.
func (c *Client) AllUsageErrors(ctx context.Context, p models.UsageParams, limit int) (errs []models.RecentError, more bool, err error) {
	cursor := ""
	for {
		n := errorPageSize
		if limit > 0 {
			n = min(n, limit-len(errs))
		}
		page, err := c.UsageErrors(ctx, p, cursor, n)
		if err != nil && len(errs) > 0 {
			return nil, false, fmt.Errorf("after %d errors: %w", len(errs), err)
		}
		if err != nil {
			return nil, false, err
		}
		errs = append(errs, page.Errors...)
		if page.NextCursor == "" {
			return errs, false, nil
		}
		if limit > 0 && len(errs) >= limit {
			return errs[:limit], true, nil
		}
		if page.NextCursor == cursor || len(page.Errors) == 0 {
			return nil, false, errors.New("the error log repeated a page")
		}
		cursor = page.NextCursor
	}
}

// rateLimitPageSize is the largest page of the rate-limit keys.
var rateLimitPageSize = 100

// AllRateLimits returns the tenant's line and up to limit keys' buckets
// (0: all), busiest first, following pages. NextCursor is set when keys
// beyond limit exist. Never conditional, like ListAllKeys.
func (c *Client) AllRateLimits(ctx context.Context, limit int) (models.RateLimits, error) {
	per := rateLimitPageSize
	if limit > 0 && limit < per {
		per = limit
	}
	var all models.RateLimits
	cursor := ""
	for {
		q := url.Values{}
		q.Set("limit", strconv.Itoa(per))
		setIf(q, "cursor", cursor)
		var out models.RateLimits
		if err := c.do(ctx, call{method: http.MethodGet, path: v1 + "/platform/rate-limits", query: q, out: &out, idempotent: true}); err != nil {
			return models.RateLimits{}, err
		}
		if cursor == "" {
			all = out
			all.Keys = nil
		}
		all.Keys = append(all.Keys, out.Keys...)
		all.NextCursor = out.NextCursor
		if limit > 0 && len(all.Keys) >= limit {
			if len(all.Keys) > limit {
				all.Keys = all.Keys[:limit]
			}
			return all, nil
		}
		if out.NextCursor == "" || len(out.Keys) == 0 {
			return all, nil
		}
		if out.NextCursor == cursor {
			return models.RateLimits{}, errors.New("the rate limits repeated a page")
		}
		cursor = out.NextCursor
	}
}
