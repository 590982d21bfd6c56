package keys

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server/store"
)

var ruleNow = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

func daysAgo(d float64) *time.Time {
	t := ruleNow.Add(-time.Duration(d * float64(24*time.Hour)))
	return &t
}

// ruleKey is an active live key created a day ago, used an hour ago,
// expiring in a year, with a harmless permission: no advice at all.
func ruleKey() models.APIKey {
	exp := ruleNow.AddDate(1, 0, 0)
	return models.APIKey{KeyID: "k", Environment: models.EnvLive, Status: models.KeyActive, Permissions: []string{"send_email"},
		CreatedAt: *daysAgo(1), LastUsed: daysAgo(1.0 / 24), ExpiresAt: &exp, AllowedIPs: []string{}}
}

func codes(recs []models.KeyRecommendation) []string {
	var out []string
	for _, r := range recs {
		out = append(out, r.Code)
	}
	return out
}

// Each rule fires on one side of its threshold and not on the other.
func TestRecommendationRulesAtTheirBoundaries(t *testing.T) {
	c := store.CutoffsAt(ruleNow)
	cases := []struct {
		name string
		edit func(k *models.APIKey, sig *signals)
		want string // the code expected, "" for none
	}{
		{"clean key", func(*models.APIKey, *signals) {}, ""},
		{"89 days old", func(k *models.APIKey, _ *signals) { k.CreatedAt = *daysAgo(89) }, ""},
		{"exactly 90 days old", func(k *models.APIKey, _ *signals) { k.CreatedAt = *daysAgo(90) }, ""},
		{"91 days old", func(k *models.APIKey, _ *signals) { k.CreatedAt = *daysAgo(91) }, models.RecRotationDue},
		{"last used 29 days ago", func(k *models.APIKey, _ *signals) { k.CreatedAt, k.LastUsed = *daysAgo(60), daysAgo(29) }, ""},
		{"last used 31 days ago", func(k *models.APIKey, _ *signals) { k.CreatedAt, k.LastUsed = *daysAgo(60), daysAgo(31) }, models.RecUnused},
		{"never used, 29 days old", func(k *models.APIKey, _ *signals) { k.CreatedAt, k.LastUsed = *daysAgo(29), nil }, ""},
		{"never used, 31 days old", func(k *models.APIKey, _ *signals) { k.CreatedAt, k.LastUsed = *daysAgo(31), nil }, models.RecUnused},
		{"full_access, no allow-list", func(k *models.APIKey, _ *signals) { k.Permissions = []string{"full_access"} }, models.RecAdminWithoutIPs},
		{"manage_billing, no allow-list", func(k *models.APIKey, _ *signals) { k.Permissions = []string{"send_email", "manage_billing"} }, models.RecAdminWithoutIPs},
		{"manage_api_keys with an allow-list", func(k *models.APIKey, _ *signals) {
			k.Permissions, k.AllowedIPs = []string{"manage_api_keys"}, []string{"203.0.113.0/24"}
		}, ""},
		{"manage_webhooks is not admin", func(k *models.APIKey, _ *signals) { k.Permissions = []string{"manage_webhooks"} }, ""},
		{"live key without expiry", func(k *models.APIKey, _ *signals) { k.ExpiresAt = nil }, models.RecLiveWithoutExpiry},
		{"test key without expiry", func(k *models.APIKey, _ *signals) { k.ExpiresAt, k.Environment = nil, models.EnvTest }, ""},
		{"test key, 9,999 a day", func(k *models.APIKey, s *signals) { k.Environment, s.day = models.EnvTest, 9_999 }, ""},
		{"test key, 10,000 a day", func(k *models.APIKey, s *signals) { k.Environment, s.day = models.EnvTest, 10_000 }, models.RecTestKeyVolume},
		{"live key, 50,000 a day", func(k *models.APIKey, s *signals) { s.day = 50_000 }, ""},
		{"revoked, called after, 6 days ago", func(k *models.APIKey, s *signals) {
			k.Status, k.RevokedAt, k.LastUsed, s.refused = models.KeyRevoked, daysAgo(10), daysAgo(6), 3
		}, models.RecRetiredKeyStillUsed},
		{"revoked, called after, 8 days ago", func(k *models.APIKey, _ *signals) {
			k.Status, k.RevokedAt, k.LastUsed = models.KeyRevoked, daysAgo(10), daysAgo(8)
		}, ""},
		{"revoked, last called before", func(k *models.APIKey, _ *signals) {
			k.Status, k.RevokedAt, k.LastUsed = models.KeyRevoked, daysAgo(2), daysAgo(3)
		}, ""},
		{"revoked 200 days old full_access key", func(k *models.APIKey, _ *signals) {
			k.Status, k.RevokedAt, k.CreatedAt, k.Permissions, k.LastUsed = models.KeyRevoked, daysAgo(100), *daysAgo(200), []string{"full_access"}, nil
		}, ""},
		{"expired, called an hour ago", func(k *models.APIKey, _ *signals) {
			k.Status, k.ExpiresAt = models.KeyExpired, daysAgo(1)
		}, models.RecRetiredKeyStillUsed},
		{"rotated away, old and unrestricted", func(k *models.APIKey, _ *signals) {
			k.ReplacedBy, k.CreatedAt, k.Permissions = "new", *daysAgo(200), []string{"full_access"}
		}, ""},
	}
	for _, tc := range cases {
		k, sig := ruleKey(), signals{}
		tc.edit(&k, &sig)
		got := codes(recommend(&k, sig, c))
		switch {
		case tc.want == "" && len(got) > 0:
			t.Errorf("%s: %v, want none", tc.name, got)
		case tc.want != "" && !slices.Contains(got, tc.want):
			t.Errorf("%s: %v, want %s", tc.name, got, tc.want)
		}
	}
}

// Advice comes most severe first, with the figures behind it, and only
// high and medium advice makes a key need attention.
func TestRecommendationsOrderAndWords(t *testing.T) {
	c := store.CutoffsAt(ruleNow)
	k := ruleKey()
	k.CreatedAt, k.ExpiresAt, k.Permissions = *daysAgo(120), nil, []string{"full_access"}
	recs := recommend(&k, signals{}, c)
	if got := codes(recs); !slices.Equal(got, []string{models.RecAdminWithoutIPs, models.RecRotationDue, models.RecLiveWithoutExpiry}) {
		t.Fatalf("order %v", got)
	}
	if !strings.Contains(recs[1].Message, "120 days old") || recs[1].Action != models.ActionRotate || recs[1].Severity != models.SeverityMedium {
		t.Errorf("rotation advice %+v", recs[1])
	}
	if attention(recs) != store.AttentionHigh || attention(recs[2:]) != store.AttentionNone || attention(recs[1:]) != store.AttentionMedium {
		t.Errorf("attention ranks %d %d %d", attention(recs), attention(recs[1:]), attention(recs[2:]))
	}
	r := ruleKey()
	r.Status, r.RevokedAt, r.LastUsed, r.LastUsedIP = models.KeyRevoked, daysAgo(10), daysAgo(0.5), "198.51.100.200"
	msg := recommend(&r, signals{refused: 96}, c)[0].Message
	for _, want := range []string{"Revoked on " + daysAgo(10).Format("2006-01-02"), "96 requests were refused in the last 7 days", "from 198.51.100.200"} {
		if !strings.Contains(msg, want) {
			t.Errorf("retired-key message %q lacks %q", msg, want)
		}
	}
	tk := ruleKey()
	tk.Environment = models.EnvTest
	if msg := recommend(&tk, signals{day: 26_431}, c)[0].Message; !strings.Contains(msg, "26,431 requests since ") || !strings.Contains(msg, " UTC (the last 24 hours in whole hours") {
		t.Errorf("volume message %q", msg)
	}
}
