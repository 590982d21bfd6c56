package client

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/penguinmails/pmdev/models"
)

// DocsIndex fetches the docs index. It is conditional: ErrNotModified means
// the reference has not changed since the last call.
func (c *Client) DocsIndex(ctx context.Context) (models.DocsIndex, error) {
	var out models.DocsIndex
	err := c.do(ctx, call{method: http.MethodGet, path: v1 + "/docs", out: &out, conditional: true, idempotent: true})
	return out, err
}

// DocPage fetches one docs page (conditional, like DocsIndex).
func (c *Client) DocPage(ctx context.Context, slug string) (models.DocPage, error) {
	var out models.DocPage
	err := c.do(ctx, call{method: http.MethodGet, path: v1 + "/docs/" + url.PathEscape(slug), out: &out, conditional: true, idempotent: true})
	return out, err
}

// RawResponse is an undecoded answer of Raw.
type RawResponse struct {
	Status  int
	Header  http.Header
	Body    []byte
	Latency time.Duration
}

// Raw sends one request as given and returns the answer whatever its
// status: it is the "Try it" of the docs. It is never retried, so a 429 is
// shown rather than waited out. bearer overrides the client's token when
// set (product routes take an API key). Only network failures are errors.
func (c *Client) Raw(ctx context.Context, method, path string, query url.Values, body []byte, bearer string) (RawResponse, error) {
	ctx, cancel := c.withDeadline(ctx)
	defer cancel()
	r := c.rc.R().SetContext(ctx)
	if body != nil {
		r.SetHeader("Content-Type", "application/json").SetBody(body)
	}
	if bearer != "" {
		r.SetAuthToken(bearer)
	}
	if len(query) > 0 {
		r.SetQueryParamsFromValues(query)
	}
	start := time.Now()
	resp, err := r.Execute(strings.ToUpper(method), path)
	lat := time.Since(start)
	if err != nil {
		return RawResponse{Latency: lat}, c.networkError(ctx, err)
	}
	return RawResponse{Status: resp.StatusCode(), Header: resp.Header(), Body: resp.Body(), Latency: lat}, nil
}
