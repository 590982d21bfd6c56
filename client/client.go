// Package client talks to the PenguinMails API v1 over HTTP with resty. It has
// no UI imports: the console turns its typed errors into words.
package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/go-resty/resty/v2"

	"github.com/penguinmails/pmdev/models"
)

// DefaultTimeout bounds every call that arrives without its own deadline.
const DefaultTimeout = 10 * time.Second

// Options configure a Client.
type Options struct {
	BaseURL   string // e.g. http://127.0.0.1:8080 (no /api/v1)
	Token     string // personal access token for management routes
	Timeout   time.Duration
	UserAgent string
	// Transport lets tests and the SSH gateway inject a RoundTripper.
	Transport http.RoundTripper
	// Headers are sent with every request (e.g. the SSH actor fingerprint).
	Headers map[string]string
	// RetryCount is the number of retries for idempotent calls (default 2,
	// negative for none).
	RetryCount int
	// Logger gets one debug line per attempt (method, path, status, time);
	// never headers or bodies, so never a token or key. Nil discards.
	Logger *slog.Logger
	// Unconditional turns off If-None-Match (so ErrNotModified): one-shot
	// callers such as the command line read every answer in full.
	Unconditional bool
}

// Client is safe for concurrent use.
type Client struct {
	rc      *resty.Client
	base    string
	timeout time.Duration
	retries int
	log     *slog.Logger
	uncond  bool
	opts    Options // for the streams, which bypass resty

	mu    sync.Mutex
	etags map[string]string // request URI -> last ETag seen

	// done ends with Close: every call in flight is cancelled, so a console
	// that quits does not leave requests running against its server.
	done  context.Context
	close context.CancelFunc
}

// New builds a client. The token is kept inside resty and never logged.
func New(o Options) *Client {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.RetryCount == 0 {
		o.RetryCount = 2
	}
	if o.RetryCount < 0 {
		o.RetryCount = 0
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	rc := resty.New().
		SetBaseURL(strings.TrimRight(o.BaseURL, "/")).
		SetHeader("Accept", "application/json, application/problem+json").
		SetHeader("User-Agent", nonEmpty(o.UserAgent, "pmdev")).
		SetLogger(discardLogger{}).
		SetDebug(false)
	if o.Transport != nil {
		rc.SetTransport(o.Transport)
	}
	if o.Token != "" {
		rc.SetAuthToken(o.Token)
	}
	for k, v := range o.Headers {
		rc.SetHeader(k, v)
	}
	rc.SetRetryCount(0) // do() retries; see retry.go
	done, closeFn := context.WithCancel(context.Background())
	return &Client{rc: rc, base: strings.TrimRight(o.BaseURL, "/"), timeout: o.Timeout, retries: o.RetryCount,
		log: o.Logger, uncond: o.Unconditional, opts: o, etags: map[string]string{}, done: done, close: closeFn}
}

// Close cancels every call in flight and makes later calls fail at once.
// Safe to call more than once.
func (c *Client) Close() {
	c.close()
	c.rc.GetClient().CloseIdleConnections()
}

// BaseURL is the API origin the client talks to.
func (c *Client) BaseURL() string { return c.base }

// Host is the host[:port] part of the base URL, for display.
func (c *Client) Host() string {
	u, err := url.Parse(c.base)
	if err != nil {
		return c.base
	}
	return u.Host
}

// ErrNotModified is returned by conditional GETs when the server answered 304:
// the caller keeps what it has and nothing is decoded.
var ErrNotModified = errors.New("not modified")

// call is one request description.
type call struct {
	method      string
	path        string
	query       url.Values
	body        any
	out         any
	conditional bool   // send If-None-Match with the last ETag of this URI
	bearer      string // overrides the client token (product routes use API keys)
	idempotent  bool
	rate        *RateHeaders // filled from the response's rate-limit headers
}

// withDeadline gives ctx the client's default deadline when it has none.
func (c *Client) withDeadline(ctx context.Context) (context.Context, context.CancelFunc) {
	var cancel context.CancelFunc
	if _, ok := ctx.Deadline(); ok {
		ctx, cancel = context.WithCancel(ctx)
	} else {
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
	}
	stop := context.AfterFunc(c.done, cancel)
	return ctx, func() { stop(); cancel() }
}

type scopeKey struct{}

// WithCacheScope gives conditional GETs made with ctx their own ETag memory.
// Two consumers of the same URI (say the Overview and the Keys pane) must use
// different scopes, or the second would get ErrNotModified for data it never
// saw.
func WithCacheScope(ctx context.Context, scope string) context.Context {
	return context.WithValue(ctx, scopeKey{}, scope)
}

func cacheKey(ctx context.Context, uri string) string {
	scope, _ := ctx.Value(scopeKey{}).(string)
	return scope + "\x00" + uri
}

// do runs one call with the deadline and retry policy of the package.
func (c *Client) do(ctx context.Context, k call) error {
	k.conditional = k.conditional && !c.uncond
	ctx, cancel := c.withDeadline(ctx)
	defer cancel()
	for attempt := 0; ; attempt++ {
		err := c.once(ctx, k, attempt)
		if err == nil || err == ErrNotModified || attempt >= c.retries {
			return err
		}
		wait, retry := retryWait(ctx, err, attempt, k.idempotent, time.Now())
		if !retry || !sleep(ctx, wait) {
			return err
		}
	}
}

func (c *Client) once(ctx context.Context, k call, attempt int) error {
	r := c.rc.R().SetContext(ctx)
	if k.query != nil {
		r.SetQueryParamsFromValues(k.query)
	}
	if k.body != nil {
		r.SetHeader("Content-Type", "application/json").SetBody(k.body)
	}
	if k.bearer != "" {
		r.SetAuthToken(k.bearer)
	}
	uri := k.path
	if len(k.query) > 0 {
		uri += "?" + k.query.Encode()
	}
	ck := cacheKey(ctx, uri)
	if k.conditional {
		c.mu.Lock()
		if et := c.etags[ck]; et != "" {
			r.SetHeader("If-None-Match", et)
		}
		c.mu.Unlock()
	}
	start := time.Now()
	resp, err := r.Execute(k.method, k.path)
	if err != nil {
		c.log.Debug("api call failed", "method", k.method, "path", k.path, "attempt", attempt, "dur", time.Since(start).Round(time.Millisecond))
		return c.networkError(ctx, err)
	}
	status := resp.StatusCode()
	c.log.Debug("api call", "method", k.method, "path", k.path, "status", status, "attempt", attempt, "dur", time.Since(start).Round(time.Millisecond))
	if status == http.StatusNotModified {
		return ErrNotModified
	}
	if status >= 400 {
		return decodeError(resp)
	}
	if k.rate != nil {
		*k.rate = parseRateHeaders(resp.Header())
	}
	if k.out != nil && len(resp.Body()) > 0 {
		if err := json.Unmarshal(resp.Body(), k.out); err != nil {
			// A body we cannot decode must not be remembered as current.
			c.forgetETag(ck)
			return &Error{Kind: KindDecode, Status: status, URL: c.base,
				Message: fmt.Sprintf("unexpected response from %s: %v", k.path, err), Err: err}
		}
	}
	if k.conditional {
		if et := resp.Header().Get("ETag"); et != "" {
			c.mu.Lock()
			c.etags[ck] = et
			c.mu.Unlock()
		}
	}
	return nil
}

func (c *Client) forgetETag(key string) {
	c.mu.Lock()
	delete(c.etags, key)
	c.mu.Unlock()
}

// ForgetETags drops every remembered ETag, so the next GETs fetch full bodies.
func (c *Client) ForgetETags() {
	c.mu.Lock()
	c.etags = map[string]string{}
	c.mu.Unlock()
}

func (c *Client) networkError(ctx context.Context, err error) error {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return &Error{Kind: KindTimeout, URL: c.base, Message: "request timed out", Err: err}
	}
	if errors.Is(err, context.Canceled) {
		return &Error{Kind: KindCanceled, URL: c.base, Message: "request canceled", Err: err}
	}
	return &Error{Kind: KindNetwork, URL: c.base, Message: rootCause(err), Err: err}
}

func decodeError(resp *resty.Response) error {
	e := &Error{Kind: KindHTTP, Status: resp.StatusCode()}
	var p models.Problem
	if json.Unmarshal(resp.Body(), &p) == nil && (p.Title != "" || p.Error != "" || p.Message != "") {
		e.Problem = &p
	}
	if ra := resp.Header().Get("Retry-After"); ra != "" {
		e.RetryAfter = parseRetryAfter(ra, time.Now())
	} else if e.Problem != nil && e.Problem.RetryAfter > 0 {
		e.RetryAfter = time.Duration(e.Problem.RetryAfter) * time.Second
	}
	return e
}

func nonEmpty(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

type discardLogger struct{}

func (discardLogger) Errorf(string, ...any) {}
func (discardLogger) Warnf(string, ...any)  {}
func (discardLogger) Debugf(string, ...any) {}
