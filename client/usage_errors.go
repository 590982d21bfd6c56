package client

import (
	"context"
	"net/http"
	"strconv"

	"github.com/penguinmails/pmdev/models"
)

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
