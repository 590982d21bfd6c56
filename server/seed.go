package server

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/penguinmails/pmdev/models"
)

// Demo seed: tenant Acme (professional), three users, seven keys and 30 days
// of usage with a daily cycle, an error spike and rate-limit incidents.
// Plaintexts of seeded keys are discarded; SimulateTraffic mints its own.

type seedEndpoint struct {
	ep     string
	weight float64
	ok     int     // success status
	baseMS float64 // typical latency
}

type seedKey struct {
	k        storedKey
	rate     float64 // mean requests/minute at the daily peak
	eps      []seedEndpoint
	until    int64 // last second with traffic (revocation/expiry); 0 = now
	ips      []string
	lastIP   string
	n, errs  int64
	lastUsed int64
}

func seedEndpoints(weights map[string]float64) []seedEndpoint {
	all := []seedEndpoint{
		{"POST /api/v1/emails/send", 0, 200, 120},
		{"GET /api/v1/campaigns", 0, 200, 85},
		{"POST /api/v1/contacts", 0, 201, 95},
		{"GET /api/v1/analytics/campaigns/{id}", 0, 200, 210},
	}
	var out []seedEndpoint
	for _, e := range all {
		if w := weights[e.ep]; w > 0 {
			e.weight = w
			out = append(out, e)
		}
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

// seedErrorInfo is the error code and message the real handler of ep gives
// for status; variant picks between the plausible ones.
func seedErrorInfo(ep string, status int, variant int64) (string, string) {
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
		return "ip_not_allowed", "Requests from " + seedBlockedIP + " are not allowed for this key"
	case 404:
		return "campaign_not_found", fmt.Sprintf("Campaign cmp_%04d not found", 9000+variant%1000)
	case 429:
		return "rate_limit_exceeded", retryMessage(1)
	}
	return "internal_error", "Something went wrong on our side. Please try again later."
}

// seedBlockedIP is the address the demo's IP-restricted key refuses.
const seedBlockedIP = "192.0.2.99"

func (s *Server) seedDemo(ctx context.Context) error {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM tenants WHERE name = 'Acme'`).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		// Other data (users add, earlier runs) does not stop the seed; only the demo tenant itself does.
		s.seedSkipped = true
		s.log.Info("demo data already present; --seed demo skipped", "tenant", "Acme")
		return nil
	}
	now := s.now()
	nowSec := now.Unix()
	rng := rand.New(rand.NewPCG(20251126, 42))
	day := int64(86400)

	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	tenantID := uuid.NewString()
	if _, err := tx.ExecContext(ctx, `INSERT INTO tenants(id, name, plan, created_at) VALUES (?,?,?,?)`,
		tenantID, "Acme", models.PlanProfessional, ms(now.Add(-120*24*time.Hour))); err != nil {
		return err
	}
	for i, u := range [][2]string{{"admin@acme.test", models.RoleAdmin}, {"dev@acme.test", models.RoleDeveloper}, {"viewer@acme.test", models.RoleMember}} {
		// A demo address already added to another tenant keeps its account.
		res, err := tx.ExecContext(ctx, `INSERT INTO users(id, tenant_id, email, role, created_at) VALUES (?,?,?,?,?) ON CONFLICT(email) DO NOTHING`,
			uuid.NewString(), tenantID, u[0], u[1], ms(now.Add(-time.Duration(110-i*20)*24*time.Hour)))
		if err != nil {
			return err
		}
		if added, _ := res.RowsAffected(); added == 0 {
			s.log.Warn("demo user already exists in another tenant; not added to Acme", "email", u[0])
		}
	}

	at := func(daysAgo float64) time.Time {
		return now.Add(-time.Duration(daysAgo * float64(24*time.Hour))).Truncate(time.Second)
	}
	tp := func(t time.Time) *time.Time { return &t }
	mk := func(name, desc, env, by string, perms []string, rate int, created time.Time) storedKey {
		k := storedKey{TenantID: tenantID}
		k.Name, k.Description, k.Environment, k.CreatedBy = name, desc, env, by
		k.Permissions, k.RateLimit, k.CreatedAt, k.AllowedIPs = perms, rate, created, []string{}
		return k
	}
	keys := []*seedKey{
		{k: mk("Production Server", "Transactional email from the main app", models.EnvLive, "admin@acme.test",
			[]string{"send_email", "send_bulk_email", "read_campaigns", "read_analytics"}, 300, at(75)),
			rate: 110, eps: seedEndpoints(map[string]float64{"POST /api/v1/emails/send": .75, "GET /api/v1/campaigns": .15, "GET /api/v1/analytics/campaigns/{id}": .10}),
			ips: []string{"203.0.113.10", "203.0.113.11", "203.0.113.12"}},
		{k: mk("Marketing Sync", "CRM contact sync (office network only)", models.EnvLive, "dev@acme.test",
			[]string{"read_campaigns", "read_contacts", "write_contacts"}, 120, at(50)),
			rate: 22, eps: seedEndpoints(map[string]float64{"POST /api/v1/contacts": .8, "GET /api/v1/campaigns": .2}),
			ips: []string{"198.51.100.5", "203.0.113.40"}},
		{k: mk("Staging Environment", "Staging deploys", models.EnvTest, "dev@acme.test",
			models.PresetFullAccess(false), 60, at(40)),
			rate: 6, eps: seedEndpoints(map[string]float64{"POST /api/v1/emails/send": .4, "POST /api/v1/contacts": .3, "GET /api/v1/campaigns": .2, "GET /api/v1/analytics/campaigns/{id}": .1}),
			ips: []string{"192.0.2.20"}},
		{k: mk("Analytics Dashboard", "Internal BI dashboard", models.EnvLive, "admin@acme.test",
			[]string{"read_campaigns", "read_analytics"}, 300, at(33)),
			rate: 9, eps: seedEndpoints(map[string]float64{"GET /api/v1/analytics/campaigns/{id}": .7, "GET /api/v1/campaigns": .3}),
			ips: []string{"192.0.2.77", "192.0.2.78"}},
		{k: mk("Legacy Integration", "Old PHP integration, replaced by Production Server", models.EnvLive, "admin@acme.test",
			[]string{"send_email", "read_contacts", "write_contacts"}, 300, at(140)),
			rate: 25, eps: seedEndpoints(map[string]float64{"POST /api/v1/emails/send": .6, "POST /api/v1/contacts": .4}),
			until: nowSec - 10*day, ips: []string{"198.51.100.200"}},
		{k: mk("Q3 Contractor", "Temporary access for the data migration", models.EnvTest, "dev@acme.test",
			[]string{"read_contacts", "write_contacts"}, 60, at(45)),
			rate: 5, eps: seedEndpoints(map[string]float64{"POST /api/v1/contacts": 1}),
			until: nowSec - 5*day, ips: []string{"192.0.2.150"}},
		{k: mk("CI Pipeline", "Integration tests in CI", models.EnvTest, "dev@acme.test",
			[]string{"send_email", "read_campaigns"}, 60, at(2))},
	}
	keys[1].k.AllowedIPs = []string{"203.0.113.0/24", "198.51.100.5"}
	keys[3].k.ExpiresAt = tp(at(-60))
	keys[4].k.RevokedAt = tp(time.Unix(nowSec-10*day, 0).UTC())
	keys[5].k.ExpiresAt = tp(time.Unix(nowSec-5*day, 0).UTC())
	for _, sk := range keys {
		if _, err := insertKey(ctx, tx, &sk.k); err != nil {
			return err
		}
		if sk.until == 0 {
			sk.until = nowSec
		}
	}

	// Incidents.
	spikeStart := alignDown(nowSec-8*3600, 60)
	spikeEnd := spikeStart + 35*60
	rl1 := alignDown(nowSec-2*day, 3600) + 10*60
	rl2 := alignDown(nowSec-3*3600, 60)
	incident := func(sec int64) (demand float64, limited bool) {
		if (sec >= rl1 && sec < rl1+25*60) || (sec >= rl2 && sec < rl2+6*60) {
			return 520, true
		}
		return 0, false
	}

	rollups := map[rollupKey]*rollupVal{}
	totals := map[totalKey]int64{}
	type peakKey struct {
		tenantID, keyID string
		res, t          int64
	}
	peaks := map[peakKey]int64{}
	hourPeaks := map[int64]int64{}  // tenant-wide estimate for the hourly history
	blockPeaks := map[int64]int64{} // and for the 15-minute blocks
	type rawErr struct {
		ts     int64
		keyID  string
		ep     string
		status int
		ip     string
	}
	var raws []rawErr
	noisy := func(mean float64) int64 {
		if mean <= 0 {
			return 0
		}
		v := math.Round(mean + math.Sqrt(mean)*rng.NormFloat64())
		return int64(max(0, v))
	}
	// split distributes n by fractions with randomised rounding; the rest goes to index 0.
	split := func(n int64, fr []float64) []int64 {
		out := make([]int64, len(fr))
		left := n
		for i := 1; i < len(fr); i++ {
			x := float64(n) * fr[i]
			c := int64(x)
			if rng.Float64() < x-float64(c) {
				c++
			}
			c = min(c, left)
			out[i], left = c, left-c
		}
		out[0] = left
		return out
	}
	addRow := func(m map[rollupKey]*rollupVal, k rollupKey, n int64, baseMS float64) {
		if n == 0 {
			return
		}
		v := m[k]
		if v == nil {
			v = &rollupVal{}
			m[k] = v
		}
		lat := baseMS
		if k.status == 429 {
			lat = 2
		} else if k.status >= 500 {
			lat = baseMS * 3
		}
		b := histBucket(int64(lat * 1000))
		parts := split(n, []float64{0, .22, .06, .02})
		v.h[b] += parts[0]
		v.h[min(b+1, histBuckets-1)] += parts[1]
		v.h[min(b+2, histBuckets-1)] += parts[2]
		v.h[max(b-1, 0)] += parts[3]
		v.n += n
		v.latSum += int64(float64(n) * lat * 1000 * (1.02 + 0.1*rng.Float64()))
	}
	// statusMix gives each route only the errors its handler can answer:
	// analytics a 404 for unknown campaigns instead of a 400, and 403 only
	// for the IP-restricted key (every key holds the permissions it uses).
	statusMix := func(sec int64, sk *seedKey, ep seedEndpoint) ([]int, []float64) {
		st := []int{ep.ok, 400, 401, 403, 500}
		fr := []float64{0, .008, .001, .0008, .0006}
		if ep.ep == "GET /api/v1/analytics/campaigns/{id}" {
			st[1], fr[1] = 404, .018
		}
		if len(sk.k.AllowedIPs) == 0 {
			fr[3] = 0
		}
		if sec >= spikeStart && sec < spikeEnd {
			fr[4], fr[1] = .14, .03
		}
		return st, fr
	}
	// emit generates n requests of one key in [sec, sec+span) into m.
	emit := func(m map[rollupKey]*rollupVal, sk *seedKey, sec, span int64, n int64, limited int64) {
		epCounts := split(n, weights(sk.eps))
		lim := split(limited, weights(sk.eps))
		for i, ep := range sk.eps {
			st, fr := statusMix(sec, sk, ep)
			sc := split(epCounts[i], fr)
			for j, c := range sc {
				if c == 0 {
					continue
				}
				rk := rollupKey{tenantID, sk.k.KeyID, 0, sec, ep.ep, st[j]}
				addRow(m, rk, c, ep.baseMS)
				if st[j] >= 400 {
					sk.errs += c
					// One detail row per counted error, inside the bucket, so
					// the error log pages through what the charts count.
					for range c {
						raws = append(raws, rawErr{min(sec+rng.Int64N(span), nowSec-1), sk.k.KeyID, ep.ep, st[j], sk.ips[rng.IntN(len(sk.ips))]})
					}
				}
			}
			if lim[i] > 0 {
				addRow(m, rollupKey{tenantID, sk.k.KeyID, 0, sec, ep.ep, 429}, lim[i], ep.baseMS)
				sk.errs += lim[i]
				for range lim[i] {
					raws = append(raws, rawErr{min(sec+rng.Int64N(span), nowSec-1), sk.k.KeyID, ep.ep, 429, sk.ips[0]})
				}
			}
		}
		sk.n += n + limited
		if n+limited > 0 {
			sk.lastUsed = max(sk.lastUsed, min(sec+span-1, nowSec))
		}
	}

	histStart := alignDown(nowSec-30*day, 3600)
	minuteStart := alignDown(nowSec-49*3600, 3600)
	nowMin := alignDown(nowSec, 60)
	minuteDetail := alignDown(nowMin-3*3600, 900)
	for _, sk := range keys {
		if sk.rate == 0 {
			continue
		}
		start := max(histStart, alignUp(sk.k.CreatedAt.Unix(), 3600))
		// Hourly history before the minute-level window.
		for h := start; h < minuteStart && h < sk.until; h += 3600 {
			mean := sk.rate * dailyCycle(h+1800) * 60
			n := noisy(mean)
			var limited int64
			if d, ok := incident(h + 600); ok && sk == keys[0] {
				// 25 minutes at the limit replace 25 normal minutes.
				n, limited = n+int64(300*25-mean/60*25), int64((d-300)*25)
			}
			tmp := map[rollupKey]*rollupVal{}
			emit(tmp, sk, h, 3600, n, limited)
			for k, v := range tmp {
				for _, res := range []int64{3600, 21600} {
					k.res, k.t = res, alignDown(h, res)
					mergeRollup(rollups, k, v)
				}
			}
			pk := int64(float64(n) / 60 * (1.15 + 0.1*rng.Float64()))
			if limited > 0 {
				pk = 300
			}
			for _, res := range []int64{3600, 21600} {
				tk := peakKey{tenantID, sk.k.KeyID, res, alignDown(h, res)}
				peaks[tk] = max(peaks[tk], pk)
			}
			hourPeaks[h] += pk
		}
		// Recent window: 15-minute blocks, then single minutes for the last
		// hours (where the 1h view and its previous hour read 1-minute rows).
		step := int64(900)
		for m := max(start, minuteStart); m <= nowMin && m < sk.until; m += step {
			if m >= minuteDetail {
				step = 60
			}
			frac := min(1, float64(nowSec-m+1)/float64(step)) // the current minute is partly over
			n := noisy(sk.rate * dailyCycle(m) * float64(step/60) * frac)
			var limited, incMin int64
			demand := 0.0
			if sk == keys[0] {
				for x := m; x < m+step; x += 60 {
					if d, ok := incident(x); ok {
						incMin, demand = incMin+1, d
					}
				}
			}
			if incMin > 0 {
				// Incident minutes run at the limit, the rest of the block as usual.
				n = n*(step/60-incMin)/(step/60) + 300*incMin
				limited = int64(demand-300) * incMin
			}
			tmp := map[rollupKey]*rollupVal{}
			emit(tmp, sk, m, step, n, limited)
			for k, v := range tmp {
				for _, res := range rollupRes() {
					if res < step {
						continue
					}
					k.res, k.t = res, alignDown(m, res)
					mergeRollup(rollups, k, v)
				}
			}
			switch {
			case step == 60 && n > 0:
				totals[totalKey{tenantID, sk.k.KeyID, m}] += n
				totals[totalKey{tenantID, "", m}] += n
			case step == 900:
				pk := int64(float64(n) / 15 * (1.1 + 0.1*rng.Float64()))
				if incMin > 0 {
					pk = 300
				}
				for _, res := range peakRes() {
					tk := peakKey{tenantID, sk.k.KeyID, res, alignDown(m, res)}
					peaks[tk] = max(peaks[tk], pk)
				}
				blockPeaks[m] += pk
			}
		}
	}
	for b, pk := range blockPeaks {
		for _, res := range peakRes() {
			tk := peakKey{tenantID, "", res, alignDown(b, res)}
			peaks[tk] = max(peaks[tk], pk)
		}
	}
	for h, pk := range hourPeaks {
		for _, res := range []int64{3600, 21600} {
			tk := peakKey{tenantID, "", res, alignDown(h, res)}
			peaks[tk] = max(peaks[tk], pk)
		}
	}
	for k, n := range totals {
		for _, res := range peakRes() {
			tk := peakKey{k.tenantID, k.keyID, res, alignDown(k.t, res)}
			peaks[tk] = max(peaks[tk], n)
		}
	}

	// Bulk insert with prepared statements inside the one transaction.
	if err := insertRollups(ctx, tx, rollups); err != nil {
		return err
	}
	if err := bulk(ctx, tx, `INSERT INTO usage_minute_total(tenant_id, key_id, t, n) VALUES (?,?,?,?)`, len(totals), func(ex func(...any) error) error {
		for k, n := range totals {
			if k.t < minuteDetail {
				continue
			}
			if err := ex(k.tenantID, k.keyID, k.t, n); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return err
	}
	if err := bulk(ctx, tx, `INSERT INTO usage_peak(tenant_id, key_id, res, t, peak) VALUES (?,?,?,?,?)`, len(peaks), func(ex func(...any) error) error {
		for k, n := range peaks {
			if err := ex(k.tenantID, k.keyID, k.res, k.t, n); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return err
	}
	// Time order keeps the (tenant_id, ts) index inserts append-like.
	slices.SortFunc(raws, func(a, b rawErr) int { return cmp.Compare(a.ts, b.ts) })
	events := make([]usageEvent, len(raws))
	for i, e := range raws {
		code, msg := seedErrorInfo(e.ep, e.status, e.ts)
		method, route, _ := strings.Cut(e.ep, " ")
		ip := e.ip
		if e.status == 403 {
			ip = seedBlockedIP
		}
		events[i] = usageEvent{at: time.UnixMilli(e.ts*1000 + rng.Int64N(1000)), tenantID: tenantID, keyID: e.keyID,
			method: method, route: route, status: e.status, latencyUS: 2000 + rng.Int64N(300000), errCode: code, message: msg, ip: ip}
	}
	if err := insertEvents(ctx, tx, events); err != nil {
		return err
	}

	// Key counters, IPs and audit history.
	for i, sk := range keys {
		k := &sk.k
		if sk.n > 0 {
			sk.lastIP = sk.ips[0]
			if _, err := tx.ExecContext(ctx, `UPDATE api_keys SET request_count = ?, error_count = ?, last_used = ?, last_used_ip = ?, revoked_at = ?, expires_at = ? WHERE id = ?`,
				sk.n, sk.errs, sk.lastUsed*1000, sk.lastIP, msPtr(k.RevokedAt), msPtr(k.ExpiresAt), k.KeyID); err != nil {
				return err
			}
		} else if _, err := tx.ExecContext(ctx, `UPDATE api_keys SET revoked_at = ?, expires_at = ? WHERE id = ?`, msPtr(k.RevokedAt), msPtr(k.ExpiresAt), k.KeyID); err != nil {
			return err
		}
		left := sk.n
		for j, ip := range sk.ips {
			c := left
			if j < len(sk.ips)-1 {
				c = left * 7 / 10
			}
			left -= c
			if _, err := tx.ExecContext(ctx, `INSERT INTO key_ips(key_id, ip, last_seen, requests) VALUES (?,?,?,?)`,
				k.KeyID, ip, (sk.lastUsed-int64(j)*3600*(int64(i)+1))*1000, c); err != nil {
				return err
			}
		}
		type ev struct {
			t                  time.Time
			action, actor, det string
		}
		evs := []ev{{k.CreatedAt, "created", k.CreatedBy, "environment " + k.Environment}}
		switch i {
		case 0:
			evs = append(evs, ev{k.CreatedAt.Add(72 * time.Hour), "edited", "admin@acme.test", "changed permissions"})
		case 1:
			evs = append(evs, ev{k.CreatedAt.Add(24 * time.Hour), "edited", "dev@acme.test", "changed allowed_ips"})
			for d := 1; d <= 3; d++ {
				evs = append(evs, ev{at(float64(d) * 2.3), "ip_violation", "system", "request from " + seedBlockedIP + " blocked by the IP allow-list"})
			}
		case 4:
			evs = append(evs, ev{*k.RevokedAt, "revoked", "admin@acme.test", ""})
		}
		for _, e := range evs {
			if _, err := tx.ExecContext(ctx, `INSERT INTO audit_events(id, tenant_id, key_id, ts, action, actor, ip, detail) VALUES (?,?,?,?,?,?,?,?)`,
				uuid.NewString(), tenantID, k.KeyID, ms(e.t), e.action, e.actor, "192.0.2.1", e.det); err != nil {
				return err
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	s.log.Info("seeded demo data", "tenant", "Acme", "keys", len(keys), "rollup_rows", len(rollups), "took", time.Since(now).String())
	return nil
}

func weights(eps []seedEndpoint) []float64 {
	out := make([]float64, len(eps))
	for i, e := range eps {
		out[i] = e.weight
	}
	return out
}

func mergeRollup(m map[rollupKey]*rollupVal, k rollupKey, v *rollupVal) {
	d := m[k]
	if d == nil {
		d = &rollupVal{}
		m[k] = d
	}
	d.n += v.n
	d.latSum += v.latSum
	for i := range d.h {
		d.h[i] += v.h[i]
	}
}

// bulk runs fill with a prepared statement's executor.
func bulk(ctx context.Context, tx *sql.Tx, q string, n int, fill func(ex func(...any) error) error) error {
	if n == 0 {
		return nil
	}
	st, err := tx.PrepareContext(ctx, q)
	if err != nil {
		return fmt.Errorf("prepare: %w", err)
	}
	defer st.Close()
	return fill(func(args ...any) error {
		_, err := st.ExecContext(ctx, args...)
		return err
	})
}
