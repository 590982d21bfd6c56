package usage

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
	"github.com/penguinmails/pmdev/tui/common/commontest"
)

// The sizes the review drove the console at.
var reviewSizes = [][2]int{{80, 24}, {120, 40}, {200, 60}}

// The volume and rate charts at each review size, with colour and without:
// labels under their ticks (dates on multi-day ranges), the newest bucket
// dotted as "so far", whole-number y labels, total and errors told apart
// by their drawing characters without colour.
func TestChartsGolden(t *testing.T) {
	for _, size := range reviewSizes {
		for _, r := range []string{models.Range1h, models.Range24h, models.Range7d} {
			for _, noColor := range []bool{false, true} {
				mode := "colour"
				if noColor {
					mode = "nocolor"
				}
				t.Run(fmt.Sprintf("%s_%dx%d_%s", r, size[0], size[1], mode), func(t *testing.T) {
					m := loaded(r, size[0], size[1])
					m.ctx.NoColor = noColor
					v := m.View()
					commontest.Fits(t, v, size[0], size[1])
					plain := commontest.Plain(v)
					if !strings.Contains(plain, "┄ so far") {
						t.Error("the still-filling bucket is not marked")
					}
					if noColor != !strings.Contains(v, "\x1b[38;5;") {
						t.Errorf("colour codes present = %v with noColor = %v", !noColor, noColor)
					}
					commontest.Golden(t, v)
				})
			}
		}
	}
}

// keyUsage is the fixture filtered to one key whose own limit is lim.
func keyUsage(m *Model, lim int, peak, refused int64) {
	d := fixture(models.Range24h, commontest.Now)
	d.KeyID = "key_w"
	d.RateLimit.Limit = lim
	d.RateLimit.Peak = peak
	d.RateLimit.ExceededCount = refused
	d.Totals.RateLimited = refused
	for i := range d.RateLimit.Series {
		d.RateLimit.Series[i].Peak = d.RateLimit.Series[i].Peak * peak / 285
	}
	m.keyID, m.keyName = "key_w", "Simulator Worker"
	deliver(m, d)
}

// The card counts refusals; no sum over keys is divided by a per-key
// limit, and a key past its per-minute limit on its burst is not "845%".
func TestRefusalsCardNeverDividesByAPerKeyLimit(t *testing.T) {
	m := loaded(models.Range24h, 80, 24)
	m.data.Totals.RateLimitUsagePc, m.data.Totals.RateLimited = 108, 33
	m.version++
	v := commontest.Plain(m.View())
	if strings.Contains(v, "108%") || strings.Contains(v, "of limit") || !strings.Contains(v, "429 refused") || !strings.Contains(v, "33 (0.03%)") {
		t.Fatalf("card:\n%s", v)
	}
}

// Filtered to a key capped by its own setting, the section draws that
// limit, says the burst covered the minutes above it, and names what
// lifts the limit: editing the key, not the plan. A key at the plan's
// limit is pointed at the next plan instead.
func TestRateLimitNamesTheBindingLimit(t *testing.T) {
	m := loaded(models.Range24h, 120, 40)
	keyUsage(m, 60, 507, 33)
	b := commontest.Plain(strings.Join(m.rateLimit(120, m.rateHeight()).lines, "\n"))
	for _, want := range []string{"busiest minute vs this key's 60/min", "limit 60/min", "33 requests refused (429)",
		"above the 60/min limit until the burst ran out", "Refused by its own 60/min limit: raise it on Keys (e), up to 300."} {
		if !strings.Contains(b, want) {
			t.Errorf("lacks %q:\n%s", want, b)
		}
	}
	commontest.Golden(t, strings.Join(m.rateLimit(120, m.rateHeight()).lines, "\n"))

	keyUsage(m, 300, 320, 0)
	b = commontest.Plain(strings.Join(m.rateLimit(120, m.rateHeight()).lines, "\n"))
	for _, want := range []string{"above the 300/min limit: the burst covered it", "Close to the plan's 300/min limit: upgrade to Business: 1,000/min."} {
		if !strings.Contains(b, want) {
			t.Errorf("lacks %q:\n%s", want, b)
		}
	}
}

// The live bucket in the section uses the gauge's words: spent, with a
// bar that fills as it is spent.
func TestUsageLiveBucketSaysSpent(t *testing.T) {
	m := loaded(models.Range24h, 120, 40)
	keyUsage(m, 60, 100, 0)
	rl := models.RateLimits{Plan: m.ctx.Me.Tenant.Plan, BusiestKeyID: "key_w", At: commontest.Now,
		Keys: []models.KeyRateLimit{{KeyID: "key_w", Name: "Simulator Worker", RateLimitState: models.RateLimitState{Limit: 60, Burst: 500, Used: 120, Remaining: 380}}}}
	m.Update(common.RateLimitsMsg{Data: rl, At: commontest.Now})
	b := commontest.Plain(strings.Join(m.rateLimit(120, m.rateHeight()).lines, "\n"))
	if !strings.Contains(b, "Now: ██░░░░░░░░ 120/500 spent") || strings.Contains(b, "full") {
		t.Fatalf("live line:\n%s", b)
	}
}

// Requests that never reached the bucket (all refused as 401) leave the
// peak at 0: the section must not say there were no requests.
func TestPeakLineWithRequestsButNoPeak(t *testing.T) {
	m := loaded(models.Range24h, 80, 24)
	keyUsage(m, 60, 0, 0)
	m.data.Totals.Requests = 536
	got := commontest.Plain(m.peakLine())
	if strings.Contains(got, "No requests") || !strings.Contains(got, "No request drew on the rate limit") {
		t.Fatalf("peak line: %q", got)
	}
	m.data.Totals.Requests = 0
	if got := commontest.Plain(m.peakLine()); !strings.Contains(got, "No requests") {
		t.Fatalf("empty range: %q", got)
	}
}

// An earlier period holding a few stray requests is not compared with on
// rates, but the rise in requests is still told, as a multiple.
func TestCardsAgainstASparseEarlierPeriod(t *testing.T) {
	cur := models.UsageTotals{Requests: 4_235_979, SuccessRate: 97, AvgLatencyMS: 120, P95LatencyMS: 400, RateLimited: 900}
	prev := models.UsageTotals{Requests: 58_052, SuccessRate: 99, AvgLatencyMS: 80, P95LatencyMS: 200, RateLimited: 1}
	cards := metricCards(cur, prev)
	if cards[0].delta != "▲ 72×" || cards[0].sign != 1 {
		t.Errorf("requests: %q (sign %d), want ▲ 72×", cards[0].delta, cards[0].sign)
	}
	for _, c := range cards[1:] {
		if c.delta != "—" {
			t.Errorf("%s: %q against a sparse period", c.label, c.delta)
		}
	}
	prev.Requests = cur.Requests / 2
	if d := metricCards(cur, prev)[0].delta; d != "▲ 100.0%" {
		t.Errorf("requests against a full period: %q", d)
	}
}

// "new" only when the earlier period had no requests at all, on Requests
// only and never in a good or bad colour; the other cards say "—".
func TestCardsAgainstAnEmptyEarlierPeriod(t *testing.T) {
	cur := models.UsageTotals{Requests: 120, SuccessRate: 97, AvgLatencyMS: 120, P95LatencyMS: 400, RateLimited: 3}
	cards := metricCards(cur, models.UsageTotals{})
	if cards[0].delta != "new" || cards[0].sign != 0 {
		t.Errorf("requests: %q (sign %d), want new without a direction", cards[0].delta, cards[0].sign)
	}
	for _, c := range cards[1:] {
		if c.delta != "—" || c.sign != 0 {
			t.Errorf("%s: %q (sign %d), want —", c.label, c.delta, c.sign)
		}
	}
	// 429s where the earlier period had requests but none refused.
	c := metricCards(cur, models.UsageTotals{Requests: 100, SuccessRate: 99, AvgLatencyMS: 100, P95LatencyMS: 300})[4]
	if c.delta != "new" || c.sign != 0 {
		t.Errorf("429 refused: %q (sign %d), want new without a direction", c.delta, c.sign)
	}
}

// Above 1-minute buckets the API's peak_at is the start of a coarser
// rollup, not the busiest minute: the line names the bucket it lies in.
func TestPeakLineNamesTheBucketAboveMinuteResolution(t *testing.T) {
	for _, tc := range []struct {
		rng  string
		at   time.Duration // after From
		want string
	}{
		{models.Range1h, 51 * time.Minute, "Busiest minute: 285 requests at 14:22 "},
		{models.Range24h, 45 * time.Minute, "Busiest minute: 285 requests between 15:30 and 15:45 "},
		// A time inside a bucket (a finer rollup) still names the whole bucket.
		{models.Range24h, 52 * time.Minute, "Busiest minute: 285 requests between 15:30 and 15:45 "},
		{models.Range7d, 3 * time.Hour, "Busiest minute: 285 requests between Mon 23 Nov 18:00 and 19:00 "},
		{models.Range30d, 18 * time.Hour, "Busiest minute: 285 requests between Sun 01 Nov 12:00 and 18:00 "},
		{models.Range30d, 24 * time.Hour, "Busiest minute: 285 requests between Sun 01 Nov 18:00 and Mon 02 Nov 00:00 "},
	} {
		m := loaded(tc.rng, 120, 40)
		at := m.data.From.Add(tc.at)
		m.data.RateLimit.PeakAt = &at
		if got := commontest.Plain(m.peakLine()); !strings.Contains(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.rng, got, tc.want)
		}
	}
}
