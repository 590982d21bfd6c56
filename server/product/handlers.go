package product

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server/httpx"
	"github.com/penguinmails/pmdev/server/keys"
	"github.com/penguinmails/pmdev/server/secret"
	"github.com/penguinmails/pmdev/server/store"
	"github.com/penguinmails/pmdev/server/webhook/events"
)

// emit sends the event a request of k caused, unless Throttle holds it back.
func (s *Service) emit(ctx context.Context, k *keys.Entry, d events.Data) {
	if s.Throttle != nil && s.Throttle(k.ID, d.EventType()) {
		return
	}
	events.Emit(ctx, s.Events, k.TenantID, d)
}

func (s *Service) internal(err error) *models.Problem {
	s.Log.Error("product request failed", "err", err)
	return httpx.NewProblem(http.StatusInternalServerError, "internal_error", httpx.InternalMessage)
}

func (s *Service) sendEmail(r *http.Request, k *keys.Entry) (int, any, *models.Problem) {
	var req models.SendEmailRequest
	if p := httpx.DecodeJSON(nil, r, &req, false); p != nil {
		return 0, nil, p
	}
	switch {
	case !models.ValidEmail(req.To):
		return 0, nil, httpx.FieldProblem("invalid_email", "to", "Recipient email is invalid")
	case req.From != "" && !models.ValidEmail(req.From):
		return 0, nil, httpx.FieldProblem("invalid_email", "from", "Sender email is invalid")
	case req.TemplateID == "" && req.Subject == "":
		return 0, nil, httpx.FieldProblem("validation_error", "subject", "Subject is required when no template_id is given")
	case req.TemplateID == "" && req.HTMLBody == "" && req.TextBody == "":
		return 0, nil, httpx.FieldProblem("validation_error", "html_body", "html_body or text_body is required when no template_id is given")
	case len(req.Tags) > 20:
		return 0, nil, httpx.FieldProblem("validation_error", "tags", "At most 20 tags")
	}
	resp := models.SendEmailResponse{ID: "msg_" + secret.Base62(20), Status: "queued", To: req.To, CreatedAt: s.Now()}
	s.emit(r.Context(), k, events.NewEmailSent(events.NewEmail(resp.ID, resp.To, "", req.Tags),
		resp.Status, req.TemplateID, req.Subject, resp.CreatedAt))
	return http.StatusOK, resp, nil
}

// campaignQuery reads status and limit without building a url.Values (hot
// path) under httpx.Query's rules: a malformed query, or status or limit
// given empty or more than once, is a problem naming the parameter.
func campaignQuery(raw string) (status, limit string, p *models.Problem) {
	var seenStatus, seenLimit bool
	for raw != "" {
		var part string
		part, raw, _ = strings.Cut(raw, "&")
		k, v, _ := strings.Cut(part, "=")
		if strings.ContainsAny(part, "%+;") {
			var err error
			k, err = url.QueryUnescape(k)
			if err == nil {
				v, err = url.QueryUnescape(v)
			}
			if err != nil || strings.Contains(part, ";") {
				return "", "", httpx.FieldProblem("invalid_parameter", "query", "The query string is not valid URL encoding")
			}
		}
		var seen *bool
		switch k {
		case "status":
			seen, status = &seenStatus, v
		case "limit":
			seen, limit = &seenLimit, v
		default:
			continue
		}
		switch {
		case *seen:
			return "", "", httpx.FieldProblem("invalid_parameter", k, fmt.Sprintf("Parameter %q is given more than once", k))
		case v == "":
			return "", "", httpx.FieldProblem("invalid_parameter", k, fmt.Sprintf("Parameter %q is empty; leave it out to use the default", k))
		}
		*seen = true
	}
	return status, limit, nil
}

// Campaigns is the fixed campaign catalogue every tenant sees.
func Campaigns() []models.Campaign {
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

func (s *Service) listCampaigns(r *http.Request, _ *keys.Entry) (int, any, *models.Problem) {
	status, limitStr, p := campaignQuery(r.URL.RawQuery)
	if p != nil {
		return 0, nil, p
	}
	switch status {
	case "", "draft", "scheduled", "sending", "sent":
	default:
		return 0, nil, httpx.FieldProblem("invalid_parameter", "status", "status must be draft, scheduled, sending or sent")
	}
	limit := 20
	if v := limitStr; v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			return 0, nil, httpx.FieldProblem("invalid_parameter", "limit", "limit must be between 1 and 100")
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

// putContact creates a contact or merges attributes into the existing one.
func (s *Service) putContact(r *http.Request, k *keys.Entry) (int, any, *models.Problem) {
	var req models.ContactRequest
	if p := httpx.DecodeJSON(nil, r, &req, false); p != nil {
		return 0, nil, p
	}
	if !models.ValidEmail(req.Email) {
		return 0, nil, httpx.FieldProblem("invalid_email", "email", "Contact email is invalid")
	}
	if len(req.Attributes) > 50 {
		return 0, nil, httpx.FieldProblem("validation_error", "attributes", "At most 50 attributes")
	}
	for name, v := range req.Attributes {
		if n := utf8.RuneCountInString(name); n == 0 || n > 64 || utf8.RuneCountInString(v) > 1024 {
			return 0, nil, httpx.FieldProblem("validation_error", "attributes."+name, "Attribute names are 1–64 characters and values at most 1024")
		}
	}
	ctx := r.Context()
	var c models.Contact
	var before map[string]string // for the event: which attributes changed
	err := store.Tx(ctx, s.DB, func(tx store.Handle) error {
		var err error
		c, err = s.Store.GetContact(ctx, tx, k.TenantID, req.Email)
		switch {
		case errors.Is(err, store.ErrNotFound):
			c.ID, c.Created, c.CreatedAt = "ct_"+uuid.NewString(), true, s.Now()
		case err != nil:
			return err
		}
		before = maps.Clone(c.Attributes)
		for n, v := range req.Attributes {
			c.Attributes[n] = v
		}
		return s.Store.PutContact(ctx, tx, k.TenantID, c)
	})
	if err != nil {
		return 0, nil, s.internal(err)
	}
	if c.Created {
		s.emit(ctx, k, events.NewContactCreated(c))
		return http.StatusCreated, c, nil
	}
	s.emit(ctx, k, events.NewContactUpdated(c, before, s.Now()))
	return http.StatusOK, c, nil
}

func (s *Service) campaignAnalytics(r *http.Request, _ *keys.Entry) (int, any, *models.Problem) {
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
			a.OpenRate = models.Round2(float64(a.Opened) * 100 / float64(a.Delivered))
			a.ClickRate = models.Round2(float64(a.Clicked) * 100 / float64(a.Delivered))
			a.BounceRate = models.Round2(float64(a.Bounced) * 100 / float64(c.Sent))
		}
		return http.StatusOK, a, nil
	}
	return 0, nil, httpx.NewProblem(http.StatusNotFound, "campaign_not_found", "Campaign "+id+" not found")
}
