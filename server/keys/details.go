package keys

import (
	"context"
	"sort"
	"time"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server/httpx"
	"github.com/penguinmails/pmdev/server/store"
)

// Details adds 30 days of daily usage and the top endpoints to a key.
func (s *Service) Details(ctx context.Context, u *httpx.User, id string) (models.APIKeyDetails, error) {
	k, err := s.Load(ctx, u, id)
	if err != nil {
		return models.APIKeyDetails{}, err
	}
	now := s.now()
	d := models.APIKeyDetails{APIKey: k.APIKey, UsageByDay: make([]models.DayUsage, 30)}
	if err := s.annotateOne(ctx, k.TenantID, &d.APIKey, now); err != nil {
		return d, err
	}
	if err := s.withRotation(ctx, k, &d, now); err != nil {
		return d, err
	}
	first := store.AlignDown(now.Unix(), 86400) - 29*86400
	for i := range d.UsageByDay {
		d.UsageByDay[i].Date = time.Unix(first+int64(i)*86400, 0).UTC().Format("2006-01-02")
	}
	days, err := s.st.KeyDailyUsage(ctx, s.db, k.TenantID, k.KeyID, first)
	if err != nil {
		return d, err
	}
	for _, r := range days {
		if r.Day >= 0 && r.Day < len(d.UsageByDay) {
			d.UsageByDay[r.Day].Requests, d.UsageByDay[r.Day].Errors = r.N, r.Errors
		}
	}
	d.TopEndpoints, err = s.st.KeyTopEndpoints(ctx, s.db, k.TenantID, k.KeyID, first, 10)
	return d, err
}

// auditShown is how many audit events the security view lists.
const auditShown = 50

// Security lists a key's audit events and the addresses it was used from.
func (s *Service) Security(ctx context.Context, u *httpx.User, id string) (models.KeySecurity, error) {
	k, err := s.Load(ctx, u, id)
	if err != nil {
		return models.KeySecurity{}, err
	}
	out := models.KeySecurity{KeyID: k.KeyID}
	if out.AuditEvents, err = s.st.KeyAuditEvents(ctx, s.db, k.TenantID, k.KeyID, auditShown); err != nil {
		return out, err
	}
	// Expiry is a derived event: it happens with no request to record it.
	if k.Status == models.KeyExpired && k.ExpiresAt != nil {
		out.AuditEvents = append(out.AuditEvents, models.AuditEvent{ID: "expired-" + k.KeyID, Time: *k.ExpiresAt, Action: "expired", Actor: "system"})
		sort.SliceStable(out.AuditEvents, func(i, j int) bool { return out.AuditEvents[i].Time.After(out.AuditEvents[j].Time) })
		if len(out.AuditEvents) > auditShown {
			out.AuditEvents = out.AuditEvents[:auditShown]
		}
	}
	out.RecentIPs, err = s.st.KeyRecentIPs(ctx, s.db, k.KeyID, 10)
	return out, err
}
