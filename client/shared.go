package client

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/penguinmails/pmdev/models"
)

// SharedOptions configure a SharedCache.
type SharedOptions struct {
	// Base performs the real requests (http.DefaultTransport when nil).
	Base http.RoundTripper
	// TTL maps a path prefix (e.g. "/api/v1/platform/rate-limits") to how long
	// a 200 answer is reused; the longest matching prefix wins.
	TTL map[string]time.Duration
	// Private lists path prefixes whose answers depend on the caller, not
	// only on the scope (e.g. "/api/v1/me"); they are never shared.
	Private []string
	// DefaultTTL applies to GETs no prefix matches (default 1 s).
	DefaultTTL time.Duration
	// MaxBody caps a cached body (default 8 MiB); larger answers pass through.
	MaxBody int64
	// MaxEntries caps remembered answers per scope (default 256).
	MaxEntries int
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// SharedCache sits in front of the API for many console sessions at once (the
// SSH service): within one scope (a tenant and role) identical GETs in flight
// are merged into one upstream request, and a 200 answer is reused for its
// source's interval, so N sessions poll the API about as often as one.
// Any other method passes through and drops the scope's answers, so a change
// made in one session shows in the others at their next poll.
type SharedCache struct {
	o     SharedOptions
	group singleflight.Group

	mu      sync.Mutex
	scopes  map[string]*sharedScope
	streams map[string]*sharedStream // scope + URL -> its shared live stream

	upstream atomic.Int64
	served   atomic.Int64
}

// sharedScope holds one scope's answers. gen counts writes: an answer
// fetched before a write must not be stored after it.
type sharedScope struct {
	gen     uint64
	entries map[string]*sharedEntry
}

type sharedEntry struct {
	status  int
	header  http.Header
	body    []byte
	etag    string
	expires time.Time
}

// SharedStats counts requests for measurements.
type SharedStats struct {
	Upstream int64 // requests sent to the API
	Served   int64 // GETs answered to sessions (from cache, merged or upstream)
}

// NewSharedCache builds a cache; share one per API origin.
func NewSharedCache(o SharedOptions) *SharedCache {
	if o.Base == nil {
		o.Base = http.DefaultTransport
	}
	if o.DefaultTTL <= 0 {
		o.DefaultTTL = time.Second
	}
	if o.MaxBody <= 0 {
		o.MaxBody = 8 << 20
	}
	if o.MaxEntries <= 0 {
		o.MaxEntries = 256
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &SharedCache{o: o, scopes: map[string]*sharedScope{}}
}

// Stats returns the counters.
func (c *SharedCache) Stats() SharedStats {
	return SharedStats{Upstream: c.upstream.Load(), Served: c.served.Load()}
}

// Scope returns a RoundTripper whose GETs are shared with every other
// RoundTripper of the same scope. Callers must only put sessions that are
// allowed to see the same data (same tenant and role) in one scope.
func (c *SharedCache) Scope(scope string) http.RoundTripper {
	return &scopedTransport{c: c, scope: scope}
}

type scopedTransport struct {
	c     *SharedCache
	scope string
}

func (t *scopedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	return t.c.roundTrip(t.scope, req)
}

// sharedResult is what a merged flight hands to every waiter.
type sharedResult struct {
	entry  *sharedEntry
	leader *http.Request
}

func (c *SharedCache) roundTrip(scope string, req *http.Request) (*http.Response, error) {
	if isStream(req) {
		return c.streamTrip(scope, req)
	}
	if req.Method != http.MethodGet {
		c.invalidate(scope)
		c.upstream.Add(1)
		return c.o.Base.RoundTrip(req)
	}
	if usesAPIKey(req) || c.private(req.URL.Path) {
		// Product calls are billed and limited per API key, and private
		// answers belong to one caller: never merged.
		c.upstream.Add(1)
		return c.o.Base.RoundTrip(req)
	}
	c.served.Add(1)
	key := req.URL.String()
	now := c.o.Now()
	if e, _ := c.lookup(scope, key); e != nil && now.Before(e.expires) {
		return e.response(req), nil
	}
	v, err, shared := c.group.Do(scope+"\x00"+key, func() (any, error) {
		e, err := c.fetch(scope, key, req)
		return sharedResult{entry: e, leader: req}, err
	})
	if err != nil {
		return nil, err
	}
	res := v.(sharedResult)
	// Authentication answers depend on the caller's own credential, so a
	// follower never inherits the leader's 401/403.
	if shared && res.leader != req && (res.entry.status == http.StatusUnauthorized || res.entry.status == http.StatusForbidden) {
		c.upstream.Add(1)
		return c.o.Base.RoundTrip(req)
	}
	return res.entry.response(req), nil
}

// fetch performs one upstream GET for key, revalidating a stale entry with its ETag.
func (c *SharedCache) fetch(scope, key string, req *http.Request) (*sharedEntry, error) {
	// The leader's cancellation must not fail its followers.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(req.Context()), DefaultTimeout)
	defer cancel()
	up := req.Clone(ctx)
	up.Header.Del("If-None-Match")
	stale, gen := c.lookup(scope, key)
	if stale != nil && stale.etag != "" {
		up.Header.Set("If-None-Match", stale.etag)
	}
	c.upstream.Add(1)
	resp, err := c.o.Base.RoundTrip(up)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotModified && stale != nil {
		fresh := *stale
		fresh.expires = c.o.Now().Add(c.ttl(req.URL.Path))
		c.store(scope, key, &fresh, gen)
		return &fresh, nil
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, c.o.MaxBody+1))
	if err != nil {
		return nil, err
	}
	if int64(len(body)) > c.o.MaxBody {
		return nil, fmt.Errorf("response from %s larger than %d bytes", req.URL.Path, c.o.MaxBody)
	}
	e := &sharedEntry{status: resp.StatusCode, header: resp.Header.Clone(), body: body, etag: resp.Header.Get("ETag")}
	if resp.StatusCode == http.StatusOK {
		e.expires = c.o.Now().Add(c.ttl(req.URL.Path))
		c.store(scope, key, e, gen)
	}
	return e, nil
}

func (c *SharedCache) private(path string) bool {
	for _, p := range c.o.Private {
		if strings.HasPrefix(path, p) {
			return true
		}
	}
	return false
}

func (c *SharedCache) ttl(path string) time.Duration {
	best, bestLen := c.o.DefaultTTL, -1
	for prefix, d := range c.o.TTL {
		if strings.HasPrefix(path, prefix) && len(prefix) > bestLen {
			best, bestLen = d, len(prefix)
		}
	}
	return best
}

// lookup returns the entry for key (nil when none) and the scope's generation.
func (c *SharedCache) lookup(scope, key string) (*sharedEntry, uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	sc := c.scopes[scope]
	if sc == nil {
		return nil, 0
	}
	return sc.entries[key], sc.gen
}

// store keeps e unless a write happened in the scope since generation gen.
func (c *SharedCache) store(scope, key string, e *sharedEntry, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	sc := c.scopeLocked(scope)
	if sc.gen != gen {
		return
	}
	m := sc.entries
	if len(m) >= c.o.MaxEntries {
		now := c.o.Now()
		for k, old := range m {
			if !now.Before(old.expires) {
				delete(m, k)
			}
		}
		if len(m) >= c.o.MaxEntries {
			clear(m)
		}
	}
	m[key] = e
}

func (c *SharedCache) invalidate(scope string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	sc := c.scopeLocked(scope)
	sc.gen++
	clear(sc.entries)
}

// scopeLocked is scope's state, made on first use; c.mu is held.
func (c *SharedCache) scopeLocked(scope string) *sharedScope {
	sc := c.scopes[scope]
	if sc == nil {
		sc = &sharedScope{entries: map[string]*sharedEntry{}}
		c.scopes[scope] = sc
	}
	return sc
}

// response builds a private copy of e for req; a matching If-None-Match gets a 304.
func (e *sharedEntry) response(req *http.Request) *http.Response {
	status, body := e.status, e.body
	if e.etag != "" && status == http.StatusOK && etagMatches(req.Header.Get("If-None-Match"), e.etag) {
		status, body = http.StatusNotModified, nil
	}
	return &http.Response{
		Status:        fmt.Sprintf("%d %s", status, http.StatusText(status)),
		StatusCode:    status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        e.header.Clone(),
		Body:          io.NopCloser(bytes.NewReader(body)),
		ContentLength: int64(len(body)),
		Request:       req,
	}
}

func usesAPIKey(req *http.Request) bool {
	h := req.Header.Get("Authorization")
	if len(h) < 7 || !strings.EqualFold(h[:7], "bearer ") {
		return false
	}
	return models.KeyPrefix(strings.TrimSpace(h[7:])) != ""
}

func etagMatches(inm, etag string) bool {
	if inm == "" {
		return false
	}
	for _, t := range strings.Split(inm, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == strings.TrimPrefix(etag, "W/") {
			return true
		}
	}
	return false
}

// ErrNoToken is returned by a TokenSource that cannot supply a credential.
var ErrNoToken = errors.New("no credential available")

// TokenSource supplies the current bearer token (minted tokens are renewed
// before they expire, so sessions can outlive one token).
type TokenSource func(ctx context.Context) (string, error)

// AuthTransport sets Authorization from a TokenSource and fixed extra
// headers on every request, so the token never lives in the console's state.
type AuthTransport struct {
	Base    http.RoundTripper
	Token   TokenSource
	Headers map[string]string
}

// RoundTrip implements http.RoundTripper.
func (t *AuthTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	if t.Token != nil {
		tok, err := t.Token(req.Context())
		if err != nil {
			return nil, err
		}
		if tok != "" && r.Header.Get("Authorization") == "" {
			r.Header.Set("Authorization", "Bearer "+tok)
		}
	}
	for k, v := range t.Headers {
		r.Header.Set(k, v)
	}
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	return base.RoundTrip(r)
}
