package keys

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server/store"
)

// The key hygiene rules: what the server recommends for each key. The
// cutoffs come from store.Cutoffs, whose comment states the rules; the
// key list's "needs attention" filter and sort rank keys by the same rules
// in SQL, and a test holds the two together.

// signals are what the rules read besides the key itself.
type signals struct {
	// day is a test key's requests in the volume window (since
	// Cutoffs.VolumeSince).
	day int64
	// refused is a revoked or expired key's refused requests (401) in
	// the hourly rollups from the start of the hour RetiredKeyDays ago.
	refused int64
}

// recommend lists the recommendations for k at c, most severe first.
func recommend(k *models.APIKey, sig signals, c store.Cutoffs) []models.KeyRecommendation {
	out := []models.KeyRecommendation{}
	add := func(code, sev, action, msg string) {
		out = append(out, models.KeyRecommendation{Code: code, Severity: sev, Message: msg, Action: action})
	}
	if end, ok := retiredAt(k); ok {
		if k.LastUsed != nil && k.LastUsed.After(end) && store.MS(*k.LastUsed) >= c.RetiredSince {
			word := "Revoked"
			if k.Status == models.KeyExpired {
				word = "Expired"
			}
			from := ""
			if k.LastUsedIP != "" {
				from = " from " + k.LastUsedIP
			}
			add(models.RecRetiredKeyStillUsed, models.SeverityHigh, models.ActionFindCaller,
				fmt.Sprintf("%s on %s, yet %s refused in the last %d days (last at %s%s): a client still uses it — update it.",
					word, day(end), models.Plural(sig.refused, "request was", "requests were"), models.RetiredKeyDays, stamp(*k.LastUsed), from))
		}
		return out
	}
	if k.ReplacedBy != "" {
		return out // rotated: its replacement carries the advice
	}
	if perm := adminPermission(k.Permissions); perm != "" && len(k.AllowedIPs) == 0 {
		add(models.RecAdminWithoutIPs, models.SeverityHigh, models.ActionSetAllowedIPs,
			fmt.Sprintf("Holds %s, yet any address may use it: add an IP allow-list.", perm))
	}
	if created := store.MS(k.CreatedAt); created < c.RotateBefore {
		add(models.RecRotationDue, models.SeverityMedium, models.ActionRotate,
			fmt.Sprintf("%d days old and never rotated: rotate keys at least every %d days.", daysBetween(created, c.Now), models.KeyRotateAfterDays))
	}
	switch {
	case k.LastUsed == nil && store.MS(k.CreatedAt) < c.UnusedBefore:
		add(models.RecUnused, models.SeverityMedium, models.ActionRevoke,
			fmt.Sprintf("Never used in the %d days since it was created: revoke it unless something still needs it.", daysBetween(store.MS(k.CreatedAt), c.Now)))
	case k.LastUsed != nil && store.MS(*k.LastUsed) < c.UnusedBefore:
		add(models.RecUnused, models.SeverityMedium, models.ActionRevoke,
			fmt.Sprintf("No request for %d days (last on %s): revoke it unless something still needs it.", daysBetween(store.MS(*k.LastUsed), c.Now), day(*k.LastUsed)))
	}
	if k.Environment == models.EnvTest && sig.day >= c.Volume {
		add(models.RecTestKeyVolume, models.SeverityMedium, models.ActionUseLiveKey,
			fmt.Sprintf("Test key with production volume: %s requests since %s UTC (the last 24 hours in whole hours; flagged from %s): serve that traffic with a live key.",
				thousands(sig.day), time.Unix(c.VolumeSince, 0).UTC().Format("Jan 2 15:04"), thousands(c.Volume)))
	}
	if k.Environment == models.EnvLive && k.ExpiresAt == nil {
		add(models.RecLiveWithoutExpiry, models.SeverityLow, models.ActionSetExpiry,
			"Live key without an expiry date: set one, so a forgotten key stops working on its own.")
	}
	slices.SortStableFunc(out, func(a, b models.KeyRecommendation) int { return severityRank(b.Severity) - severityRank(a.Severity) })
	return out
}

// retiredAt is when a revoked or expired key stopped working.
func retiredAt(k *models.APIKey) (time.Time, bool) {
	switch {
	case k.Status == models.KeyRevoked && k.RevokedAt != nil:
		return *k.RevokedAt, true
	case k.Status == models.KeyExpired && k.ExpiresAt != nil:
		return *k.ExpiresAt, true
	}
	return time.Time{}, false
}

// adminPermission is the first admin-category permission of perms, or "".
func adminPermission(perms []string) string {
	for _, a := range store.AdminPermissions() {
		if slices.Contains(perms, a) {
			return a
		}
	}
	return ""
}

// severityRank is store's attention rank of a severity.
func severityRank(sev string) int {
	switch sev {
	case models.SeverityHigh:
		return store.AttentionHigh
	case models.SeverityMedium:
		return store.AttentionMedium
	}
	return store.AttentionNone
}

// attention is the rank of a key's recommendations: the most severe one.
func attention(recs []models.KeyRecommendation) int {
	r := store.AttentionNone
	for _, rec := range recs {
		r = max(r, severityRank(rec.Severity))
	}
	return r
}

func daysBetween(fromMS, toMS int64) int64 { return (toMS - fromMS) / (24 * 3600 * 1000) }

func day(t time.Time) string { return t.UTC().Format("2006-01-02") }

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }

func thousands(n int64) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// annotate fills the recommendations of keys (all of tenantID) at now,
// reading the usage the rules need in two queries.
func (s *Service) annotate(ctx context.Context, tenantID string, keys []*models.APIKey, now time.Time) error {
	c := store.CutoffsAt(now)
	var tests, retired []string
	for _, k := range keys {
		if end, ok := retiredAt(k); ok {
			if k.LastUsed != nil && k.LastUsed.After(end) && store.MS(*k.LastUsed) >= c.RetiredSince {
				retired = append(retired, k.KeyID)
			}
		} else if k.Environment == models.EnvTest && k.ReplacedBy == "" {
			tests = append(tests, k.KeyID)
		}
	}
	vol, err := s.st.KeyWindowCounts(ctx, s.db, tenantID, tests, 3600, c.VolumeSince)
	if err != nil {
		return err
	}
	refused, err := s.st.KeyWindowCounts(ctx, s.db, tenantID, retired, 3600, store.AlignDown(c.RetiredSince/1000, 3600))
	if err != nil {
		return err
	}
	for _, k := range keys {
		k.Recommendations = recommend(k, signals{day: vol[k.KeyID].N, refused: refused[k.KeyID].Refused}, c)
		k.NeedsAttention = attention(k.Recommendations) > store.AttentionNone
	}
	return nil
}

// annotateOne is annotate for a single key.
func (s *Service) annotateOne(ctx context.Context, tenantID string, k *models.APIKey, now time.Time) error {
	return s.annotate(ctx, tenantID, []*models.APIKey{k}, now)
}
