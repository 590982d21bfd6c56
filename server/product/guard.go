// Package product serves the product API the sandbox implements (send
// email, campaigns, contacts, campaign analytics) behind API-key
// authentication, the IP allow-list, the rate limit and the permission
// check, and records every request for the usage analytics.
package product

import (
	"context"
	"database/sql"
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server/httpx"
	"github.com/penguinmails/pmdev/server/keys"
	"github.com/penguinmails/pmdev/server/ratelimit"
	"github.com/penguinmails/pmdev/server/store"
)

// Events receives domain events (the webhook service implements it).
type Events interface {
	Emit(ctx context.Context, tenantID, eventType string, data any)
}

// Thresholds hears of buckets running low (the webhook notifier); it must
// not block.
type Thresholds interface {
	Observe(keyID, tenantID string, limit, burst, remaining int, now time.Time)
}

// Recorder takes each request for the usage analytics without blocking on
// the database (the usage writer).
type Recorder interface {
	Record(e store.UsageEvent)
}

// Config wires the product API.
type Config struct {
	DB      *sql.DB
	Store   store.ContactStore
	Keys    *keys.Cache
	Limiter ratelimit.Limiter
	Usage   Recorder
	Events  Events
	// Thresholds, when set, hears of every request that leaves a key's
	// bucket at least 80 % spent.
	Thresholds Thresholds
	// Throttle, when set, reports whether the event a request of keyID
	// caused is held back (the traffic simulator's keys send few events).
	Throttle func(keyID, eventType string) bool
	Log      *slog.Logger
	Now      func() time.Time
}

// Service is the product API.
type Service struct {
	Config
	campaigns    []models.Campaign // the sandbox catalogue
	campaignJSON sync.Map          // "status/limit" -> json.RawMessage
	limited      sync.Map          // Retry-After seconds -> encoded 429 problem
}

// New returns the product API.
func New(cfg Config) *Service { return &Service{Config: cfg, campaigns: Campaigns()} }

// Mount adds the product routes.
func (s *Service) Mount(mux *http.ServeMux) {
	for _, r := range []struct {
		perm, endpoint string
		h              handlerFunc
	}{
		{"send_email", "POST /api/v1/emails/send", s.sendEmail},
		{"read_campaigns", "GET /api/v1/campaigns", s.listCampaigns},
		{"write_contacts", "POST /api/v1/contacts", s.putContact},
		{"read_analytics", "GET /api/v1/analytics/campaigns/{id}", s.campaignAnalytics},
	} {
		mux.Handle(r.endpoint, s.guard(r.perm, r.endpoint, r.h))
	}
}

// handlerFunc handles an authenticated product request: status and body, or a problem.
type handlerFunc func(r *http.Request, k *keys.Entry) (int, any, *models.Problem)

// policies caches the RateLimit-Policy value of each limit and burst
// (copy on write: a lookup takes no lock and allocates nothing).
var (
	policies   atomic.Pointer[map[[2]int]string]
	policiesMu sync.Mutex
)

func policy(limit, burst int) string {
	k := [2]int{limit, burst}
	if m := policies.Load(); m != nil {
		if v, ok := (*m)[k]; ok {
			return v
		}
	}
	policiesMu.Lock()
	defer policiesMu.Unlock()
	old := policies.Load()
	next := map[[2]int]string{}
	if old != nil {
		if len(*old) < 4096 { // limits × plans: never near this
			for kk, v := range *old {
				next[kk] = v
			}
		}
	}
	v := strconv.Itoa(limit) + ";w=60;burst=" + strconv.Itoa(burst)
	next[k] = v
	policies.Store(&next)
	return v
}

// setRateHeaders writes the rate-limit headers (keys pre-canonicalised: hot path).
func setRateHeaders(h http.Header, limit, burst, remaining, reset int) {
	l, rem, rs := strconv.Itoa(limit), strconv.Itoa(remaining), strconv.Itoa(reset)
	vals := [5]string{l, rem, rs, policy(limit, burst), "limit=" + l + ", remaining=" + rem + ", reset=" + rs}
	// One backing array for the five header values.
	h["X-Ratelimit-Limit"] = vals[0:1:1]
	h["X-Ratelimit-Remaining"] = vals[1:2:2]
	h["X-Ratelimit-Reset"] = vals[2:3:3]
	h["Ratelimit-Policy"] = vals[3:4:4]
	h["Ratelimit"] = vals[4:5:5]
}

// Shared header values (never modified in place).
var (
	jsonType    = []string{"application/json"}
	problemType = []string{"application/problem+json"}
	noStore     = []string{"no-store"}
)

// retryAfters are the Retry-After header values of the first minute.
var retryAfters = func() (out [61][]string) {
	for i := range out {
		out[i] = []string{strconv.Itoa(i)}
	}
	return out
}()

// retryMessages are the 429 messages of the first minute.
var retryMessages = func() (out [61]string) {
	for i := range out {
		out[i] = models.RetryMessage(i)
	}
	return out
}()

func retryMessage(sec int) string {
	if sec >= 0 && sec < len(retryMessages) {
		return retryMessages[sec]
	}
	return models.RetryMessage(sec)
}

func retryAfter(sec int) []string {
	if sec >= 0 && sec < len(retryAfters) {
		return retryAfters[sec]
	}
	return []string{strconv.Itoa(sec)}
}

// limitedBody is the 429 problem for a Retry-After of after seconds, as
// httpx.WriteProblem writes it, encoded once.
func (s *Service) limitedBody(after int) []byte {
	if b, ok := s.limited.Load(after); ok {
		return b.([]byte)
	}
	p := httpx.NewProblem(http.StatusTooManyRequests, "rate_limit_exceeded", models.RetryMessage(after))
	p.RetryAfter = after
	b, _ := json.Marshal(p)
	b = append(b, '\n')
	if after <= 3600 { // bounded: one entry per second of wait
		s.limited.Store(after, b)
	}
	return b
}

// guard authenticates an API key, enforces IP allow-list, rate limit and
// permission, runs h, and records the request for usage analytics.
func (s *Service) guard(perm, endpoint string, h handlerFunc) http.Handler {
	method, route, _ := strings.Cut(endpoint, " ")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		token := httpx.Bearer(r)
		if token == "" {
			httpx.Unauthorized(w, "missing_token", "Authorization: Bearer <API key> is required")
			return
		}
		k, err := s.Keys.Lookup(r.Context(), token) // checks the checksum before any database read
		if err != nil {
			httpx.Internal(w, r, s.Log, err)
			return
		}
		if k == nil {
			httpx.Unauthorized(w, "invalid_token", "API key is invalid or expired")
			return
		}
		now := s.Now()
		ip := httpx.ClientIP(r)
		ev := store.UsageEvent{At: now, TenantID: k.TenantID, KeyID: k.ID, Method: method, Route: route, IP: ip,
			RequestID: w.Header().Get(models.HeaderRequestID), // set by the server before routing
			Slot:      &k.Usage}
		finish := func(status int, body any, p *models.Problem) {
			if p != nil {
				ev.Status, ev.ErrCode, ev.Message = p.Status, p.Error, p.Message
				if p.Status == http.StatusUnauthorized {
					httpx.Challenge(w)
				}
				httpx.WriteProblem(w, p)
			} else if raw, ok := body.(json.RawMessage); ok {
				// The hot path: a cached body, and no per-request header slice.
				ev.Status = status
				w.Header()["Content-Type"] = jsonType
				w.WriteHeader(status)
				_, _ = w.Write(raw)
			} else {
				ev.Status = status
				httpx.WriteJSON(w, status, body)
			}
			ev.LatencyUS = time.Since(start).Microseconds()
			s.Usage.Record(ev)
		}
		peek := func() {
			st := s.Limiter.Peek(r.Context(), &k.Bucket, k.TenantID, k.ID, k.RateLimit, k.Burst, now)
			setRateHeaders(w.Header(), st.Limit, st.Burst, st.Remaining, st.ResetSeconds)
		}
		switch {
		case k.Revoked:
			peek()
			finish(0, nil, httpx.NewProblem(http.StatusUnauthorized, "key_revoked", "This key has already been revoked and cannot be used."))
			return
		case k.ExpiresAt != nil && !now.Before(*k.ExpiresAt):
			peek()
			finish(0, nil, httpx.NewProblem(http.StatusUnauthorized, "key_expired", "API key is invalid or expired: this key expired on "+k.ExpiresAt.Format(time.RFC3339)))
			return
		case !k.IPAllowed(ip):
			peek()
			ev.Audit = &store.AuditItem{Action: "ip_violation", Detail: "request from " + ip + " blocked by the IP allow-list"}
			finish(0, nil, httpx.NewProblem(http.StatusForbidden, "ip_not_allowed", "Requests from "+ip+" are not allowed for this key"))
			return
		}
		res := s.Limiter.Take(r.Context(), &k.Bucket, k.TenantID, k.ID, k.RateLimit, k.Burst, now)
		setRateHeaders(w.Header(), res.Limit, res.Burst, res.Remaining, res.ResetSeconds)
		if res.Remaining*5 <= res.Burst && s.Thresholds != nil {
			s.Thresholds.Observe(k.ID, k.TenantID, res.Limit, res.Burst, res.Remaining, now)
		}
		if !res.Allowed {
			// A client ignoring 429s gets the same few bodies: encoded once each.
			ev.Status, ev.ErrCode, ev.Message = http.StatusTooManyRequests, "rate_limit_exceeded", retryMessage(res.RetryAfter)
			h := w.Header()
			h["Content-Type"] = problemType
			h["Cache-Control"] = noStore
			h["Retry-After"] = retryAfter(res.RetryAfter)
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = w.Write(s.limitedBody(res.RetryAfter))
			ev.LatencyUS = time.Since(start).Microseconds()
			s.Usage.Record(ev)
			return
		}
		ev.Counted = true
		if !k.Has(perm) {
			p := httpx.NewProblem(http.StatusForbidden, "insufficient_permissions",
				"Insufficient permissions: this key lacks "+perm+". Update key permissions in settings.")
			p.Permission = perm
			finish(0, nil, p)
			return
		}
		status, body, p := h(r, k)
		finish(status, body, p)
	})
}
