package usage

import (
	"fmt"
	"time"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
	"github.com/penguinmails/pmdev/tui/common/commontest"
)

// bucketsOf is each preset's bucket size and count.
func bucketsOf(r string) (time.Duration, int) {
	switch r {
	case models.Range1h:
		return time.Minute, 60
	case models.Range7d:
		return time.Hour, 168
	case models.Range30d:
		return 6 * time.Hour, 120
	}
	return 15 * time.Minute, 96
}

// tri is a deterministic wave in [0, 2h) with period p (no floating point, so
// goldens are identical on every platform).
func tri(i, p, h int) int {
	x := i % p
	if x < p/2 {
		return x * 2 * h / p
	}
	return (p - x) * 2 * h / p
}

// fixture builds a deterministic usage answer for a range ending at now.
func fixture(r string, now time.Time) models.APIUsage {
	step, n := bucketsOf(r)
	return fixtureN(r, now, step, n)
}

func fixtureN(r string, now time.Time, step time.Duration, n int) models.APIUsage {
	to := now.Truncate(step).Add(step)
	from := to.Add(-time.Duration(n) * step)
	scale := int64(step / time.Minute)
	u := models.APIUsage{Range: r, From: from, To: to, BucketSeconds: int(step / time.Second), GeneratedAt: now}
	var tot models.UsageTotals
	peakAt := from
	rl := models.RateLimitSeries{Limit: 300}
	for i := 0; i < n; i++ {
		total := scale * int64(40+(i*37)%23+tri(i, 24, 30))
		if i == n/3 {
			total *= 3 // a spike that downsampling must keep
		}
		ce := total / 25
		var se, rlim int64
		if i%17 == 0 {
			se = 3
		}
		if i%29 == 5 {
			rlim = 7
		}
		b := models.UsageBucket{T: from.Add(time.Duration(i) * step), Total: total, Success: total - ce - se - rlim,
			ClientError: ce, ServerError: se, RateLimited: rlim}
		u.Series = append(u.Series, b)
		tot.Requests += b.Total
		tot.Success += b.Success
		tot.Errors += ce + se + rlim
		tot.RateLimited += rlim
		peak := int64(120 + tri(i, 24, 60) + (i*13)%40)
		if i == n/3 {
			peak = 285
			peakAt = b.T.Add(step / 2)
		}
		rl.Series = append(rl.Series, models.RateLimitPoint{T: b.T, Peak: peak})
	}
	rl.Peak, rl.PeakAt, rl.ExceededCount = 285, &peakAt, 3
	tot.SuccessRate = float64(tot.Success) * 100 / float64(tot.Requests)
	tot.AvgLatencyMS, tot.P95LatencyMS, tot.RateLimitUsagePc = 142, 388, 95
	u.Totals = tot
	u.Previous = models.UsageTotals{Requests: tot.Requests * 9 / 10, SuccessRate: tot.SuccessRate + 0.4,
		AvgLatencyMS: 150, P95LatencyMS: 350, RateLimitUsagePc: 80}
	u.RateLimit = rl
	u.Endpoints = []models.EndpointUsage{
		{Endpoint: "POST /api/v1/emails/send", Requests: tot.Requests * 6 / 10, SuccessRate: 99.8, AvgLatencyMS: 120, Errors: 16},
		{Endpoint: "GET /api/v1/campaigns", Requests: tot.Requests * 2 / 10, SuccessRate: 100, AvgLatencyMS: 85},
		{Endpoint: "POST /api/v1/contacts", Requests: tot.Requests / 10, SuccessRate: 98.5, AvgLatencyMS: 95, Errors: 18},
		{Endpoint: "GET /api/v1/analytics/campaigns/{id}", Requests: tot.Requests / 20, SuccessRate: 100, AvgLatencyMS: 210},
		{Endpoint: "GET /api/v1/contacts", Requests: tot.Requests / 40, SuccessRate: 97.1, AvgLatencyMS: 64, Errors: 30},
		{Endpoint: "GET /api/v1/\x1b[2Jcampaigns/{id}/stats", Requests: 12, SuccessRate: 91.7, AvgLatencyMS: 301, Errors: 1},
	}
	e := tot.Errors
	u.ErrorsBy = []models.StatusCount{
		{Status: 400, Count: e * 45 / 100, Percent: 45}, {Status: 401, Count: e * 30 / 100, Percent: 30},
		{Status: 429, Count: e * 15 / 100, Percent: 15}, {Status: 500, Count: e - e*90/100, Percent: 10},
	}
	codes := []struct {
		st        int
		code, msg string
		ep        string
	}{
		{400, "invalid_email", "Recipient email is invalid", "POST /api/v1/emails/send"},
		{401, "invalid_api_key", "API key expired", "GET /api/v1/campaigns"},
		{429, "rate_limit_exceeded", "Rate limit exceeded, retry in 12s", "POST /api/v1/contacts"},
		{500, "internal_error", "upstream \"smtp\" timed out", "POST /api/v1/emails/send"},
	}
	for i := 0; i < 12; i++ {
		c := codes[i%len(codes)]
		u.RecentErrors = append(u.RecentErrors, models.RecentError{Time: now.Add(-time.Duration(i*7+2) * step / 3), Endpoint: c.ep,
			Status: c.st, ErrorCode: c.code, Message: c.msg, KeyID: fmt.Sprintf("key_%d", i%3), KeyName: keyNames[i%3]})
	}
	last := now.Add(-2 * time.Hour)
	earlier := now.Add(-5 * time.Hour)
	u.ByKey = []models.KeyUsage{
		{KeyID: "key_0", Name: keyNames[0], Requests: tot.Requests * 8 / 10, SuccessRate: 99.8, LastUsed: &last},
		{KeyID: "key_1", Name: keyNames[1], Requests: tot.Requests * 2 / 10, SuccessRate: 98.2, LastUsed: &earlier},
		{KeyID: "key_2", Name: keyNames[2], Requests: 0, SuccessRate: 0},
	}
	return u
}

// keyNames include a hostile one: the OSC 52 sequence must never reach the screen.
var keyNames = []string{"Production App", "Staging\x1b]52;c;ZXZpbA==\x07 Server", "CI, \"nightly\""}

// loaded returns a pane of size w×h holding the fixture for r.
func loaded(r string, w, h int) *Model {
	ctx := commontest.Context(w, h, nil)
	ctx.Active = common.PaneUsage
	m := New(ctx)
	m.rng = r
	m.SetSize(w, h)
	id := m.poll.Start()
	m.Update(usageMsg{Result: common.Result{Pane: common.PaneUsage, ReqID: id}, params: m.Params(), data: fixture(r, commontest.Now)})
	return m
}
