package seed

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server/httpx"
	"github.com/penguinmails/pmdev/server/store"
)

type endpoint struct {
	ep     string
	weight float64
	ok     int     // success status
	baseMS float64 // typical latency
}

// demoKey is a seeded key and the traffic it gets.
type demoKey struct {
	k        store.Key
	rate     float64 // mean requests/minute at the daily peak
	eps      []endpoint
	until    int64 // last second with traffic (revocation/expiry); 0 = now
	ips      []string
	n, errs  int64
	lastUsed int64
	// strays are requests per hour that keep coming after until, from a
	// client never updated, and are refused (401).
	strays int64
}

func endpoints(weights map[string]float64) []endpoint {
	all := []endpoint{
		{"POST /api/v1/emails/send", 0, 200, 120},
		{"GET /api/v1/campaigns", 0, 200, 85},
		{"POST /api/v1/contacts", 0, 201, 95},
		{"GET /api/v1/analytics/campaigns/{id}", 0, 200, 210},
	}
	var out []endpoint
	for _, e := range all {
		if w := weights[e.ep]; w > 0 {
			e.weight = w
			out = append(out, e)
		}
	}
	return out
}

func weights(eps []endpoint) []float64 {
	out := make([]float64, len(eps))
	for i, e := range eps {
		out[i] = e.weight
	}
	return out
}

func dailyCycle(sec int64) float64 {
	t := time.Unix(sec, 0).UTC()
	h := float64(t.Hour()) + float64(t.Minute())/60
	f := 0.2 + 0.8*(0.5-0.5*math.Cos(2*math.Pi*(h-4)/24))
	if wd := t.Weekday(); wd == time.Saturday || wd == time.Sunday {
		f *= 0.55
	}
	return f
}

// BlockedIP is the address the demo's IP-restricted key refuses.
const BlockedIP = "192.0.2.99"

// ErrorInfo is the error code and message the real handler of ep gives for
// status; variant picks between the plausible ones.
func ErrorInfo(ep string, status int, variant int64) (string, string) {
	alt := variant%2 == 1
	switch status {
	case 400:
		switch ep {
		case "POST /api/v1/emails/send":
			if alt {
				return "validation_error", "Subject is required when no template_id is given"
			}
			return "invalid_email", "Recipient email is invalid"
		case "POST /api/v1/contacts":
			if alt {
				return "validation_error", "Attribute names are 1–64 characters and values at most 1024"
			}
			return "invalid_email", "Contact email is invalid"
		case "GET /api/v1/campaigns":
			if alt {
				return "invalid_parameter", "status must be draft, scheduled, sending or sent"
			}
			return "invalid_parameter", "limit must be between 1 and 100"
		}
		return "invalid_parameter", "The query string is malformed"
	case 401:
		return "invalid_token", "API key is invalid or expired"
	case 403:
		// Only IP-restricted keys get 403s in the demo: the others hold every permission they use.
		return "ip_not_allowed", "Requests from " + BlockedIP + " are not allowed for this key"
	case 404:
		return "campaign_not_found", fmt.Sprintf("Campaign cmp_%04d not found", 9000+variant%1000)
	case 429:
		return "rate_limit_exceeded", models.RetryMessage(1)
	}
	return "internal_error", httpx.InternalMessage
}

// rawErr is one failed request of the history.
type rawErr struct {
	ts        int64
	keyID     string
	ep        string
	status    int
	ip        string
	code, msg string // set: instead of ErrorInfo's
}

// history generates 30 days of usage for the demo keys: a daily cycle, an
// error spike and rate-limit incidents on the first key, as rollups,
// per-minute totals, peaks and one error row per counted error.
type history struct {
	rng      *rand.Rand
	tenantID string
	nowSec   int64

	spikeStart, spikeEnd, rl1, rl2 int64

	rollups    map[store.RollupKey]*store.RollupVal // of the key being generated
	tenant     map[store.RollupKey]*store.RollupVal // tenant-wide, of every key so far
	totals     map[store.TotalKey]int64
	peaks      map[store.PeakKey]int64
	hourPeaks  map[int64]int64 // tenant-wide estimate for the hourly history
	blockPeaks map[int64]int64 // and for the 15-minute blocks
	raws       []rawErr
}

const day = int64(86400)

func newHistory(tenantID string, now time.Time) *history {
	nowSec := now.Unix()
	h := &history{rng: rand.New(rand.NewPCG(20251126, 42)), tenantID: tenantID, nowSec: nowSec,
		rollups: map[store.RollupKey]*store.RollupVal{}, tenant: map[store.RollupKey]*store.RollupVal{}, totals: map[store.TotalKey]int64{}, peaks: map[store.PeakKey]int64{},
		hourPeaks: map[int64]int64{}, blockPeaks: map[int64]int64{}}
	h.spikeStart = store.AlignDown(nowSec-8*3600, 60)
	h.spikeEnd = h.spikeStart + 35*60
	h.rl1 = store.AlignDown(nowSec-2*day, 3600) + 10*60
	h.rl2 = store.AlignDown(nowSec-3*3600, 60)
	return h
}

// incident reports whether the first key runs into its limit at sec, and the demand then.
func (h *history) incident(sec int64) (demand float64, limited bool) {
	if (sec >= h.rl1 && sec < h.rl1+25*60) || (sec >= h.rl2 && sec < h.rl2+6*60) {
		return 520, true
	}
	return 0, false
}

func (h *history) noisy(mean float64) int64 {
	if mean <= 0 {
		return 0
	}
	v := math.Round(mean + math.Sqrt(mean)*h.rng.NormFloat64())
	return int64(max(0, v))
}

// split distributes n by fractions with randomised rounding; the rest goes to index 0.
func (h *history) split(n int64, fr []float64) []int64 {
	out := make([]int64, len(fr))
	left := n
	for i := 1; i < len(fr); i++ {
		x := float64(n) * fr[i]
		c := int64(x)
		if h.rng.Float64() < x-float64(c) {
			c++
		}
		c = min(c, left)
		out[i], left = c, left-c
	}
	out[0] = left
	return out
}

func (h *history) addRow(m map[store.RollupKey]*store.RollupVal, k store.RollupKey, n int64, baseMS float64) {
	if n == 0 {
		return
	}
	v := m[k]
	if v == nil {
		v = &store.RollupVal{}
		m[k] = v
	}
	lat := baseMS
	if k.Status == 429 {
		lat = 2
	} else if k.Status >= 500 {
		lat = baseMS * 3
	}
	b := store.HistBucket(int64(lat * 1000))
	parts := h.split(n, []float64{0, .22, .06, .02})
	v.H[b] += parts[0]
	v.H[min(b+1, store.HistBuckets-1)] += parts[1]
	v.H[min(b+2, store.HistBuckets-1)] += parts[2]
	v.H[max(b-1, 0)] += parts[3]
	v.N += n
	v.LatSum += int64(float64(n) * lat * 1000 * (1.02 + 0.1*h.rng.Float64()))
}

// statusMix gives each route only the errors its handler can answer:
// analytics a 404 for unknown campaigns instead of a 400, and 403 only
// for the IP-restricted key (every key holds the permissions it uses).
func (h *history) statusMix(sec int64, dk *demoKey, ep endpoint) ([]int, []float64) {
	st := []int{ep.ok, 400, 401, 403, 500}
	fr := []float64{0, .008, .001, .0008, .0006}
	if ep.ep == "GET /api/v1/analytics/campaigns/{id}" {
		st[1], fr[1] = 404, .018
	}
	if len(dk.k.AllowedIPs) == 0 {
		fr[3] = 0
	}
	if sec >= h.spikeStart && sec < h.spikeEnd {
		fr[4], fr[1] = .14, .03
	}
	return st, fr
}

// emit generates n requests of one key in [sec, sec+span) into m.
func (h *history) emit(m map[store.RollupKey]*store.RollupVal, dk *demoKey, sec, span int64, n int64, limited int64) {
	epCounts := h.split(n, weights(dk.eps))
	lim := h.split(limited, weights(dk.eps))
	for i, ep := range dk.eps {
		st, fr := h.statusMix(sec, dk, ep)
		sc := h.split(epCounts[i], fr)
		for j, c := range sc {
			if c == 0 {
				continue
			}
			rk := store.RollupKey{TenantID: h.tenantID, KeyID: dk.k.KeyID, T: sec, Endpoint: ep.ep, Status: st[j]}
			h.addRow(m, rk, c, ep.baseMS)
			if st[j] >= 400 {
				dk.errs += c
				// One detail row per counted error, inside the bucket, so
				// the error log pages through what the charts count.
				for range c {
					h.raws = append(h.raws, rawErr{ts: min(sec+h.rng.Int64N(span), h.nowSec-1), keyID: dk.k.KeyID, ep: ep.ep, status: st[j], ip: dk.ips[h.rng.IntN(len(dk.ips))]})
				}
			}
		}
		if lim[i] > 0 {
			h.addRow(m, store.RollupKey{TenantID: h.tenantID, KeyID: dk.k.KeyID, T: sec, Endpoint: ep.ep, Status: 429}, lim[i], ep.baseMS)
			dk.errs += lim[i]
			for range lim[i] {
				h.raws = append(h.raws, rawErr{ts: min(sec+h.rng.Int64N(span), h.nowSec-1), keyID: dk.k.KeyID, ep: ep.ep, status: 429, ip: dk.ips[0]})
			}
		}
	}
	dk.n += n + limited
	if n+limited > 0 {
		// Never past the end of its traffic: a request after a revocation or
		// expiry is refused (and recorded as such, see strays).
		dk.lastUsed = max(dk.lastUsed, min(sec+span-1, h.nowSec, dk.until-1))
	}
}

// run generates the traffic of keys; the first one has the incidents.
// After each key, flush takes its rows (h.rollups, its totals and peaks).
func (h *history) run(keys []*demoKey, flush func(dk *demoKey) error) error {
	histStart := store.AlignDown(h.nowSec-30*day, 3600)
	minuteStart := store.AlignDown(h.nowSec-49*3600, 3600)
	nowMin := store.AlignDown(h.nowSec, 60)
	minuteDetail := h.minuteDetail()
	for _, dk := range keys {
		if dk.rate == 0 {
			continue
		}
		start := max(histStart, store.AlignUp(dk.k.CreatedAt.Unix(), 3600))
		// Hourly history before the minute-level window.
		for hr := start; hr < minuteStart && hr < dk.until; hr += 3600 {
			h.hour(dk, dk == keys[0], hr)
		}
		// Recent window: 15-minute blocks, then single minutes for the last
		// hours (where the 1h view and its previous hour read 1-minute rows).
		step := int64(900)
		for m := max(start, minuteStart); m <= nowMin && m < dk.until; m += step {
			if m >= minuteDetail {
				step = 60
			}
			h.block(dk, dk == keys[0], m, step)
		}
		if dk.strays > 0 {
			h.strays(dk)
		}
		if err := flush(dk); err != nil {
			return err
		}
	}
	h.tenantPeaks()
	return nil
}

// strays are the requests a retired key still gets: a cron job never
// updated calls at five past every hour and is refused (401), as the
// product API answers a revoked or expired key.
func (h *history) strays(dk *demoKey) {
	code, msg := "key_revoked", "This key has already been revoked and cannot be used."
	if dk.k.RevokedAt == nil && dk.k.ExpiresAt != nil {
		code, msg = "key_expired", "API key is invalid or expired: this key expired on "+dk.k.ExpiresAt.UTC().Format(time.RFC3339)
	}
	const ep = "POST /api/v1/emails/send"
	minuteStart := store.AlignDown(h.nowSec-49*3600, 3600)
	detail := h.minuteDetail()
	for sec := store.AlignUp(dk.until+1, 3600) + 300; sec+dk.strays <= h.nowSec; sec += 3600 {
		for _, res := range store.RollupRes() {
			if (res == 60 && sec < detail) || (res == 900 && sec < minuteStart) {
				continue // finer rows only where the recent views read them
			}
			h.addRow(h.rollups, store.RollupKey{TenantID: h.tenantID, KeyID: dk.k.KeyID, Res: res, T: store.AlignDown(sec, res), Endpoint: ep, Status: 401}, dk.strays, 3)
		}
		for i := range dk.strays {
			h.raws = append(h.raws, rawErr{ts: sec + i, keyID: dk.k.KeyID, ep: ep, status: 401, ip: dk.ips[0], code: code, msg: msg})
		}
		dk.n, dk.errs, dk.lastUsed = dk.n+dk.strays, dk.errs+dk.strays, sec+dk.strays-1
	}
}

// minuteDetail is where single-minute rows start.
func (h *history) minuteDetail() int64 {
	return store.AlignDown(store.AlignDown(h.nowSec, 60)-3*3600, 900)
}

// hour generates one hour of a key's older history (hourly and 6-hour rows).
func (h *history) hour(dk *demoKey, incidents bool, hr int64) {
	mean := dk.rate * dailyCycle(hr+1800) * 60
	n := h.noisy(mean)
	var limited int64
	if d, ok := h.incident(hr + 600); ok && incidents {
		// 25 minutes at the limit replace 25 normal minutes.
		n, limited = n+int64(300*25-mean/60*25), int64((d-300)*25)
	}
	tmp := map[store.RollupKey]*store.RollupVal{}
	h.emit(tmp, dk, hr, 3600, n, limited)
	for k, v := range tmp {
		for _, res := range []int64{3600, 21600} {
			k.Res, k.T = res, store.AlignDown(hr, res)
			store.MergeRollup(h.rollups, k, v)
		}
	}
	pk := int64(float64(n) / 60 * (1.15 + 0.1*h.rng.Float64()))
	if limited > 0 {
		pk = 300
	}
	for _, res := range []int64{3600, 21600} {
		tk := store.PeakKey{TenantID: h.tenantID, KeyID: dk.k.KeyID, Res: res, T: store.AlignDown(hr, res)}
		h.peaks[tk] = max(h.peaks[tk], pk)
	}
	h.hourPeaks[hr] += pk
}

// block generates step seconds (a 15-minute block or a minute) of a key's recent traffic.
func (h *history) block(dk *demoKey, incidents bool, m, step int64) {
	frac := min(1, float64(h.nowSec-m+1)/float64(step)) // the current minute is partly over
	n := h.noisy(dk.rate * dailyCycle(m) * float64(step/60) * frac)
	var limited, incMin int64
	demand := 0.0
	if incidents {
		for x := m; x < m+step; x += 60 {
			if d, ok := h.incident(x); ok {
				incMin, demand = incMin+1, d
			}
		}
	}
	if incMin > 0 {
		// Incident minutes run at the limit, the rest of the block as usual.
		n = n*(step/60-incMin)/(step/60) + 300*incMin
		limited = int64(demand-300) * incMin
	}
	tmp := map[store.RollupKey]*store.RollupVal{}
	h.emit(tmp, dk, m, step, n, limited)
	for k, v := range tmp {
		for _, res := range store.RollupRes() {
			if res < step {
				continue
			}
			k.Res, k.T = res, store.AlignDown(m, res)
			store.MergeRollup(h.rollups, k, v)
		}
	}
	switch {
	case step == 60 && n > 0:
		h.totals[store.TotalKey{TenantID: h.tenantID, KeyID: dk.k.KeyID, T: m}] += n
		h.totals[store.TotalKey{TenantID: h.tenantID, T: m}] += n
	case step == 900:
		pk := int64(float64(n) / 15 * (1.1 + 0.1*h.rng.Float64()))
		if incMin > 0 {
			pk = 300
		}
		for _, res := range store.PeakRes() {
			tk := store.PeakKey{TenantID: h.tenantID, KeyID: dk.k.KeyID, Res: res, T: store.AlignDown(m, res)}
			h.peaks[tk] = max(h.peaks[tk], pk)
		}
		h.blockPeaks[m] += pk
	}
}

// tenantPeaks adds the tenant-wide peaks and the peaks of the per-minute totals.
func (h *history) tenantPeaks() {
	for b, pk := range h.blockPeaks {
		for _, res := range store.PeakRes() {
			tk := store.PeakKey{TenantID: h.tenantID, Res: res, T: store.AlignDown(b, res)}
			h.peaks[tk] = max(h.peaks[tk], pk)
		}
	}
	for hr, pk := range h.hourPeaks {
		for _, res := range []int64{3600, 21600} {
			tk := store.PeakKey{TenantID: h.tenantID, Res: res, T: store.AlignDown(hr, res)}
			h.peaks[tk] = max(h.peaks[tk], pk)
		}
	}
	for k, n := range h.totals {
		for _, res := range store.PeakRes() {
			tk := store.PeakKey{TenantID: k.TenantID, KeyID: k.KeyID, Res: res, T: store.AlignDown(k.T, res)}
			h.peaks[tk] = max(h.peaks[tk], n)
		}
	}
}

// recentTotals are the per-minute totals kept (those of the minute-detail window).
func (h *history) recentTotals() map[store.TotalKey]int64 {
	detail := h.minuteDetail()
	out := make(map[store.TotalKey]int64, len(h.totals))
	for k, n := range h.totals {
		if k.T >= detail {
			out[k] = n
		}
	}
	return out
}

// errorEvents are the error rows kept in full, in time order (which keeps the
// (tenant_id, ts) index inserts append-like).
func (h *history) errorEvents() []store.UsageEvent {
	slices.SortFunc(h.raws, func(a, b rawErr) int { return cmp.Compare(a.ts, b.ts) })
	events := make([]store.UsageEvent, 0, len(h.raws))
	type sk struct {
		keyID          string
		minute, status int64
	}
	kept := map[sk]int{}
	for _, e := range h.raws {
		code, msg := ErrorInfo(e.ep, e.status, e.ts)
		if e.code != "" {
			code, msg = e.code, e.msg
		}
		method, route, _ := strings.Cut(e.ep, " ")
		ip := e.ip
		if e.status == 403 {
			ip = BlockedIP
		}
		ev := store.UsageEvent{At: time.UnixMilli(e.ts*1000 + h.rng.Int64N(1000)), TenantID: h.tenantID, KeyID: e.keyID,
			Method: method, Route: route, Status: e.status, LatencyUS: 2000 + h.rng.Int64N(300000), ErrCode: code, Message: msg, IP: ip}
		// The live server's sample: floods are counted, not recorded one by one.
		k := sk{e.keyID, e.ts / 60, int64(e.status)}
		if kept[k] < store.SampleCap(e.status) {
			kept[k]++
			events = append(events, ev)
		}
	}
	return events
}
