package client

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	sse "github.com/tmaxmax/go-sse"

	"github.com/penguinmails/pmdev/models"
)

// StreamEvent is one event of a live stream (Server-Sent Events).
type StreamEvent struct {
	ID   string // resume after it with Last-Event-ID
	Name string // models.StreamEventWebhook, StreamEventRequest or StreamEventDropped
	Data []byte
}

// StreamOptions configure Stream.
type StreamOptions struct {
	// LastEventID resumes after that event (within the server's window).
	LastEventID string
	// OnEvent gets every event, in order, on Stream's goroutine.
	OnEvent func(StreamEvent)
	// OnState hears of each connection (err nil) and each loss with the
	// wait before the next try.
	OnState func(err error, retryIn time.Duration)
	// MaxBackoff caps the wait between reconnections (0: 30s).
	MaxBackoff time.Duration
}

// Stream follows the live stream at path (models.StreamEventsPath or
// StreamRequestsPath) with query q until ctx ends, reconnecting with
// backoff and Last-Event-ID so no event of the server's window is missed
// or repeated. It returns ctx's error, or an *Error the server answered
// that a retry cannot fix (400, 401, 403, 404).
func (c *Client) Stream(ctx context.Context, path string, q url.Values, o StreamOptions) error {
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 30 * time.Second
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(c.done, cancel)() // Close ends the stream too
	last := o.LastEventID
	wait := 500 * time.Millisecond
	hc := &http.Client{Transport: c.rc.GetClient().Transport} // no overall timeout: the stream is long
	for {
		u := c.base + path
		if len(q) > 0 {
			u += "?" + q.Encode()
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return err
		}
		if c.opts.Token != "" {
			req.Header.Set("Authorization", "Bearer "+c.opts.Token)
		}
		req.Header.Set("User-Agent", nonEmpty(c.opts.UserAgent, "pmdev"))
		for k, v := range c.opts.Headers {
			req.Header.Set(k, v)
		}
		if last != "" {
			req.Header.Set("Last-Event-ID", last)
		}
		var permanent error
		connected := false
		cl := &sse.Client{HTTPClient: hc, Backoff: sse.Backoff{MaxRetries: -1},
			ResponseValidator: func(r *http.Response) error {
				if r.StatusCode == http.StatusOK {
					connected = true
					wait = 500 * time.Millisecond
					if o.OnState != nil {
						o.OnState(nil, 0)
					}
					return nil
				}
				e := streamError(r, u)
				if r.StatusCode != http.StatusTooManyRequests && r.StatusCode < 500 {
					permanent = e
				}
				return e
			}}
		conn := cl.NewConnection(req)
		conn.SubscribeToAll(func(ev sse.Event) {
			if ev.LastEventID != "" {
				last = ev.LastEventID
			}
			if o.OnEvent != nil {
				o.OnEvent(StreamEvent{ID: ev.LastEventID, Name: ev.Type, Data: []byte(ev.Data)})
			}
		})
		err = conn.Connect()
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if permanent != nil {
			return permanent
		}
		var ce *Error
		if errors.As(err, &ce) && ce.RetryAfter > wait {
			wait = ce.RetryAfter
		}
		if !connected && err != nil && !errors.As(err, &ce) {
			err = c.networkError(ctx, err)
		}
		if o.OnState != nil {
			o.OnState(err, wait)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		wait = min(wait*2, o.MaxBackoff)
	}
}

// streamError reads a refused stream's problem.
func streamError(r *http.Response, u string) *Error {
	e := &Error{Kind: KindHTTP, Status: r.StatusCode, URL: u}
	b, _ := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	var p models.Problem
	if json.Unmarshal(b, &p) == nil && (p.Title != "" || p.Error != "" || p.Message != "") {
		e.Problem = &p
	}
	if ra := r.Header.Get("Retry-After"); ra != "" {
		e.RetryAfter = parseRetryAfter(ra, time.Now())
	}
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/problem+json") && e.Problem == nil {
		e.Message = "HTTP " + r.Status
	}
	return e
}

// TriggerEvent fires one event through the real pipeline (endpoints, live
// streams) and returns it as delivered.
func (c *Client) TriggerEvent(ctx context.Context, req models.TriggerEventRequest) (models.StreamedEvent, error) {
	var out models.StreamedEvent
	err := c.do(ctx, call{method: http.MethodPost, path: models.TriggerEventPath, body: req, out: &out})
	return out, err
}
