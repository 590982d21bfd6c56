package server

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"net/http"
	"net/mail"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server/httpx"
)

// keyEntry is what product authentication needs about a key, cached by digest
// so the hot path does no database read.
type keyEntry struct {
	id, tenantID, name string
	perms              map[string]bool
	rateLimit, burst   int
	expiresAt          *time.Time
	revoked            bool
	ips                []netip.Prefix
}

func (e *keyEntry) has(perm string) bool { return e.perms[perm] || e.perms["full_access"] }

func (e *keyEntry) ipAllowed(ip string) bool {
	if len(e.ips) == 0 {
		return true
	}
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, p := range e.ips {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

type keyCache struct {
	mu       sync.RWMutex
	gen      uint64
	byDigest map[[32]byte]*keyEntry
	digestOf map[string][32]byte
}

func newKeyCache() *keyCache {
	return &keyCache{byDigest: map[[32]byte]*keyEntry{}, digestOf: map[string][32]byte{}}
}

// invalidate drops a key after any change; the generation stops an in-flight
// load from re-inserting stale data.
func (c *keyCache) invalidate(id string) {
	c.mu.Lock()
	c.gen++
	if d, ok := c.digestOf[id]; ok {
		delete(c.byDigest, d)
		delete(c.digestOf, id)
	}
	c.mu.Unlock()
}

// lookup returns the key for a plaintext, or nil when unknown.
func (c *keyCache) lookup(ctx context.Context, db *sql.DB, plain string) (*keyEntry, error) {
	d := sha256.Sum256([]byte(plain))
	c.mu.RLock()
	e, gen := c.byDigest[d], c.gen
	c.mu.RUnlock()
	if e != nil {
		return e, nil
	}
	var perms, ips, plan string
	var expires, revoked sql.NullInt64
	e = &keyEntry{}
	err := db.QueryRowContext(ctx, `SELECT k.id, k.tenant_id, k.name, k.permissions, k.rate_limit, k.expires_at, k.allowed_ips, k.revoked_at, t.plan
		FROM api_keys k JOIN tenants t ON t.id = k.tenant_id WHERE k.digest = ?`, d[:]).
		Scan(&e.id, &e.tenantID, &e.name, &perms, &e.rateLimit, &expires, &ips, &revoked, &plan)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var pl []string
	_ = json.Unmarshal([]byte(perms), &pl)
	e.perms = map[string]bool{}
	for _, p := range pl {
		e.perms[p] = true
	}
	var il []string
	_ = json.Unmarshal([]byte(ips), &il)
	for _, s := range il {
		if p, err := netip.ParsePrefix(s); err == nil {
			e.ips = append(e.ips, p)
		} else if a, err := netip.ParseAddr(s); err == nil {
			e.ips = append(e.ips, netip.PrefixFrom(a, a.BitLen()))
		}
	}
	e.expiresAt = nullMS(expires)
	e.revoked = revoked.Valid
	p, ok := models.PlanByName(plan)
	if !ok {
		p, _ = models.PlanByName(models.PlanProfessional)
	}
	e.burst = p.Burst
	c.mu.Lock()
	if c.gen == gen {
		c.byDigest[d] = e
		c.digestOf[e.id] = d
	}
	c.mu.Unlock()
	return e, nil
}

// productFunc handles an authenticated product request: status and body, or a problem.
type productFunc func(r *http.Request, k *keyEntry) (int, any, *models.Problem)

// setRateHeaders writes the rate-limit headers (keys pre-canonicalised: hot path).
func setRateHeaders(h http.Header, limit, burst, remaining, reset int) {
	l, rem, rs := strconv.Itoa(limit), strconv.Itoa(remaining), strconv.Itoa(reset)
	vals := [5]string{l, rem, rs, l + ";w=60;burst=" + strconv.Itoa(burst), "limit=" + l + ", remaining=" + rem + ", reset=" + rs}
	// One backing array for the five header values.
	h["X-Ratelimit-Limit"] = vals[0:1:1]
	h["X-Ratelimit-Remaining"] = vals[1:2:2]
	h["X-Ratelimit-Reset"] = vals[2:3:3]
	h["Ratelimit-Policy"] = vals[3:4:4]
	h["Ratelimit"] = vals[4:5:5]
}

// product authenticates an API key, enforces IP allow-list, rate limit and
// permission, runs h, and records the request for usage analytics.
func (s *Server) product(perm, endpoint string, h productFunc) http.Handler {
	method, route, _ := strings.Cut(endpoint, " ")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		token := bearer(r)
		if token == "" {
			unauthorized(w, "missing_token", "Authorization: Bearer <API key> is required")
			return
		}
		if !models.ValidKeyChecksum(token) {
			unauthorized(w, "invalid_token", "API key is invalid or expired")
			return
		}
		k, err := s.keys.lookup(r.Context(), s.db, token)
		if err != nil {
			s.internal(w, r, err)
			return
		}
		if k == nil {
			unauthorized(w, "invalid_token", "API key is invalid or expired")
			return
		}
		now := s.now()
		ip := httpx.ClientIP(r)
		ev := usageEvent{at: now, tenantID: k.tenantID, keyID: k.id, method: method, route: route, ip: ip}
		finish := func(status int, body any, p *models.Problem) {
			if p != nil {
				ev.status, ev.errCode, ev.message = p.Status, p.Error, p.Message
				if p.Status == http.StatusUnauthorized {
					w.Header().Set("WWW-Authenticate", `Bearer realm="penguinmails"`)
				}
				httpx.WriteProblem(w, p)
			} else {
				ev.status = status
				httpx.WriteJSON(w, status, body)
			}
			ev.latencyUS = time.Since(start).Microseconds()
			s.usage.record(ev)
		}
		bucket := s.limiter.Bucket(k.id, k.rateLimit, k.burst, now)
		peek := func() {
			st := bucket.Snapshot(now)
			setRateHeaders(w.Header(), st.Limit, st.Burst, st.Remaining, st.ResetSeconds)
		}
		switch {
		case k.revoked:
			peek()
			finish(0, nil, problemFor(http.StatusUnauthorized, "key_revoked", "This key has already been revoked and cannot be used."))
			return
		case k.expiresAt != nil && !now.Before(*k.expiresAt):
			peek()
			finish(0, nil, problemFor(http.StatusUnauthorized, "key_expired", "API key is invalid or expired: this key expired on "+k.expiresAt.Format(time.RFC3339)))
			return
		case !k.ipAllowed(ip):
			peek()
			ev.audit = &auditItem{action: "ip_violation", detail: "request from " + ip + " blocked by the IP allow-list"}
			finish(0, nil, problemFor(http.StatusForbidden, "ip_not_allowed", "Requests from "+ip+" are not allowed for this key"))
			return
		}
		res := bucket.Take(now)
		setRateHeaders(w.Header(), res.Limit, res.Burst, res.Remaining, res.ResetSeconds)
		if !res.Allowed {
			p := problemFor(http.StatusTooManyRequests, "rate_limit_exceeded",
				retryMessage(res.RetryAfter))
			p.RetryAfter = res.RetryAfter
			finish(0, nil, p)
			return
		}
		ev.counted = true
		if !k.has(perm) {
			p := problemFor(http.StatusForbidden, "insufficient_permissions",
				"Insufficient permissions: this key lacks "+perm+". Update key permissions in settings.")
			p.Permission = perm
			finish(0, nil, p)
			return
		}
		status, body, p := h(r, k)
		finish(status, body, p)
	})
}

func fieldProblem(code, field, msg string) *models.Problem {
	p := problemFor(http.StatusBadRequest, code, msg)
	p.Errors = []models.FieldError{{Field: field, Message: msg}}
	return p
}

func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && len(s) <= 254
}

func (s *Server) productSendEmail(r *http.Request, k *keyEntry) (int, any, *models.Problem) {
	var req models.SendEmailRequest
	if p := httpx.DecodeJSON(nil, r, &req, false); p != nil {
		return 0, nil, p
	}
	switch {
	case !validEmail(req.To):
		return 0, nil, fieldProblem("invalid_email", "to", "Recipient email is invalid")
	case req.From != "" && !validEmail(req.From):
		return 0, nil, fieldProblem("invalid_email", "from", "Sender email is invalid")
	case req.TemplateID == "" && req.Subject == "":
		return 0, nil, fieldProblem("validation_error", "subject", "Subject is required when no template_id is given")
	case req.TemplateID == "" && req.HTMLBody == "" && req.TextBody == "":
		return 0, nil, fieldProblem("validation_error", "html_body", "html_body or text_body is required when no template_id is given")
	case len(req.Tags) > 20:
		return 0, nil, fieldProblem("validation_error", "tags", "At most 20 tags")
	}
	resp := models.SendEmailResponse{ID: "msg_" + randomBase62(20), Status: "queued", To: req.To, CreatedAt: s.now()}
	s.events.Emit(r.Context(), k.tenantID, "email.sent", resp)
	return http.StatusOK, resp, nil
}

// campaignQuery reads status and limit without building a url.Values (hot path).
func campaignQuery(raw string) (status, limit string, ok bool) {
	for raw != "" {
		var part string
		part, raw, _ = strings.Cut(raw, "&")
		k, v, _ := strings.Cut(part, "=")
		if strings.ContainsAny(part, "%+;") {
			var err error
			if k, err = url.QueryUnescape(k); err != nil {
				return "", "", false
			}
			if v, err = url.QueryUnescape(v); err != nil {
				return "", "", false
			}
		}
		switch k {
		case "status":
			if status == "" {
				status = v
			}
		case "limit":
			if limit == "" {
				limit = v
			}
		}
	}
	return status, limit, true
}

// sandboxCampaigns is the fixed campaign catalogue every tenant sees.
func sandboxCampaigns() []models.Campaign {
	names := []string{"Welcome Series", "Spring Launch", "Product Update March", "Re-engagement", "Webinar Invite",
		"Black Friday Teaser", "Onboarding Day 3", "Customer Survey", "Holiday Greetings", "Feature Spotlight",
		"Churn Win-back", "Newsletter Weekly"}
	statuses := []string{"sent", "sent", "sent", "sending", "scheduled", "draft"}
	base := time.Date(2025, 9, 1, 9, 0, 0, 0, time.UTC)
	out := make([]models.Campaign, len(names))
	for i, n := range names {
		st := statuses[i%len(statuses)]
		var sent int64
		if st == "sent" || st == "sending" {
			sent = int64(1200 + 733*i)
		}
		out[i] = models.Campaign{ID: fmt.Sprintf("cmp_%04d", 1001+i), Name: n, Status: st, CreatedAt: base.Add(time.Duration(i) * 6 * 24 * time.Hour), Sent: sent}
	}
	return out
}

func (s *Server) productCampaigns(r *http.Request, k *keyEntry) (int, any, *models.Problem) {
	status, limitStr, ok := campaignQuery(r.URL.RawQuery)
	if !ok {
		return 0, nil, fieldProblem("invalid_parameter", "query", "The query string is malformed")
	}
	switch status {
	case "", "draft", "scheduled", "sending", "sent":
	default:
		return 0, nil, fieldProblem("invalid_parameter", "status", "status must be draft, scheduled, sending or sent")
	}
	limit := 20
	if v := limitStr; v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			return 0, nil, fieldProblem("invalid_parameter", "limit", "limit must be between 1 and 100")
		}
		limit = n
	}
	// The catalogue is static, so each (status, limit) answer is encoded once.
	ck := status + "/" + strconv.Itoa(limit)
	if b, ok := s.campaignJSON.Load(ck); ok {
		return http.StatusOK, b, nil
	}
	out := models.CampaignList{Campaigns: []models.Campaign{}}
	for _, c := range s.campaigns {
		if status != "" && c.Status != status {
			continue
		}
		out.Total++
		if len(out.Campaigns) < limit {
			out.Campaigns = append(out.Campaigns, c)
		}
	}
	b, _ := json.Marshal(out)
	raw := json.RawMessage(append(b, '\n'))
	s.campaignJSON.Store(ck, raw)
	return http.StatusOK, raw, nil
}

func (s *Server) productContact(r *http.Request, k *keyEntry) (int, any, *models.Problem) {
	var req models.ContactRequest
	if p := httpx.DecodeJSON(nil, r, &req, false); p != nil {
		return 0, nil, p
	}
	if !validEmail(req.Email) {
		return 0, nil, fieldProblem("invalid_email", "email", "Contact email is invalid")
	}
	if len(req.Attributes) > 50 {
		return 0, nil, fieldProblem("validation_error", "attributes", "At most 50 attributes")
	}
	for name, v := range req.Attributes {
		if name == "" || len(name) > 64 || len(v) > 1024 {
			return 0, nil, fieldProblem("validation_error", "attributes."+name, "Attribute names are 1–64 characters and values at most 1024")
		}
	}
	ctx := r.Context()
	now := s.now()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, nil, s.internalProblem(err)
	}
	defer tx.Rollback()
	c := models.Contact{Email: req.Email, Attributes: map[string]string{}}
	var attrs string
	var created int64
	err = tx.QueryRowContext(ctx, `SELECT id, attributes, created_at FROM contacts WHERE tenant_id = ? AND email = ?`, k.tenantID, req.Email).Scan(&c.ID, &attrs, &created)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		c.ID, c.Created, c.CreatedAt = "ct_"+uuid.NewString(), true, now
	case err != nil:
		return 0, nil, s.internalProblem(err)
	default:
		_ = json.Unmarshal([]byte(attrs), &c.Attributes)
		c.CreatedAt = fromMS(created)
	}
	for n, v := range req.Attributes {
		c.Attributes[n] = v
	}
	b, _ := json.Marshal(c.Attributes)
	if _, err := tx.ExecContext(ctx, `INSERT INTO contacts(id, tenant_id, email, attributes, created_at) VALUES (?,?,?,?,?)
		ON CONFLICT(tenant_id, email) DO UPDATE SET attributes = excluded.attributes`, c.ID, k.tenantID, req.Email, string(b), ms(c.CreatedAt)); err != nil {
		return 0, nil, s.internalProblem(err)
	}
	if err := tx.Commit(); err != nil {
		return 0, nil, s.internalProblem(err)
	}
	if c.Created {
		s.events.Emit(ctx, k.tenantID, "contact.created", c)
		return http.StatusCreated, c, nil
	}
	s.events.Emit(ctx, k.tenantID, "contact.updated", c)
	return http.StatusOK, c, nil
}

func (s *Server) internalProblem(err error) *models.Problem {
	s.log.Error("product request failed", "err", err)
	return problemFor(http.StatusInternalServerError, "internal_error", "Something went wrong on our side. Please try again later.")
}

func (s *Server) productCampaignAnalytics(r *http.Request, k *keyEntry) (int, any, *models.Problem) {
	id := r.PathValue("id")
	for _, c := range s.campaigns {
		if c.ID != id {
			continue
		}
		h := fnv.New32a()
		h.Write([]byte(id))
		seed := int64(h.Sum32() % 1000)
		a := models.CampaignAnalytics{CampaignID: id, Sent: c.Sent}
		a.Delivered = c.Sent * (970 + seed%25) / 1000
		a.Bounced = c.Sent - a.Delivered
		a.Opened = a.Delivered * (250 + seed%200) / 1000
		a.Clicked = a.Opened * (80 + seed%120) / 1000
		a.Unsubscribed = a.Delivered * (seed % 5) / 1000
		if c.Sent > 0 {
			a.OpenRate = round2(float64(a.Opened) * 100 / float64(a.Delivered))
			a.ClickRate = round2(float64(a.Clicked) * 100 / float64(a.Delivered))
			a.BounceRate = round2(float64(a.Bounced) * 100 / float64(c.Sent))
		}
		return http.StatusOK, a, nil
	}
	p := problemFor(http.StatusNotFound, "campaign_not_found", "Campaign "+id+" not found")
	return 0, nil, p
}

func round2(v float64) float64 { return float64(int64(v*100+0.5)) / 100 }

// retryMessage is the 429 message for a wait of secs seconds.
func retryMessage(secs int) string {
	return "Rate limit exceeded. Try again in " + plural(secs, "second", "seconds") + "."
}

// plural is "1 second", "2 seconds".
func plural[N int | int64](n N, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.FormatInt(int64(n), 10) + " " + many
}
