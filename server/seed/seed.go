// Package seed fills an empty database with the demo: tenant Acme
// (professional), three users, seven keys and 30 days of usage with a daily
// cycle, an error spike and rate-limit incidents. Plaintexts of seeded keys
// are discarded; the traffic simulator mints its own.
package seed

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/penguinmails/pmdev/models"
	apikeys "github.com/penguinmails/pmdev/server/keys"
	"github.com/penguinmails/pmdev/server/store"
)

// Store is what the seed writes.
type Store interface {
	store.KeyStore
	store.UserStore
	store.AuditStore
	store.UsageStore
}

// Tenant is the demo tenant's name.
const Tenant = "Acme"

// Demo seeds the demo unless its tenant exists (other data does not stop
// it); skipped reports that it did not. keys > 7 adds generated keys with
// 30 days of history up to that many (a benchmark fixture, written in the
// same transaction key by key); 0 is the demo's 7, whose seed is two
// transactions: first what the first screens show (tenant, users, keys with
// their counters and audit), then the 30 days of usage history, returned
// as a History for the caller to Write once it serves (nil when there is
// none to write). A demo whose history was never written (a process
// stopped between the two) gets it now. progress, when set, follows the
// first transaction (done of total steps).
func Demo(ctx context.Context, db *sql.DB, st Store, log *slog.Logger, now time.Time, keys int, progress func(done, total int)) (hist *History, skipped bool, err error) {
	if keys != 0 && keys < 7 {
		return nil, false, errors.New("the demo has 7 keys: ask for at least 7")
	}
	if progress == nil {
		progress = func(int, int) {}
	}
	// An Acme without keys (made by `pmdev server users add --tenant Acme`
	// before the first seed) gets the demo; one with keys has it already.
	existing := ""
	if tenantID, err := st.TenantByName(ctx, db, Tenant); err == nil {
		sums, err := st.KeySummaries(ctx, db, tenantID)
		if err != nil {
			return nil, false, err
		}
		if len(sums) == 0 {
			existing = tenantID
		} else if _, has, err := st.FirstRollup(ctx, db, tenantID, 3600); err != nil || has {
			log.Info("demo data already present; --seed demo skipped", "tenant", Tenant)
			return nil, true, err
		} else {
			hist, err := resume(ctx, db, st, log, tenantID, now)
			return hist, true, err
		}
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, false, err
	}
	var n, rows int
	start := time.Now()
	inline := keys > 0 // the fixture: history in this transaction, memory bounded
	err = store.Tx(ctx, db, func(tx store.Handle) error {
		tenantID := existing
		if tenantID == "" {
			tenantID = uuid.NewString()
			if err := st.InsertTenant(ctx, tx, tenantID, Tenant, models.PlanProfessional, now.Add(-120*24*time.Hour)); err != nil {
				return err
			}
		}
		for i, u := range [][2]string{{"admin@acme.test", models.RoleAdmin}, {"dev@acme.test", models.RoleDeveloper}, {"viewer@acme.test", models.RoleMember}} {
			// A demo address already added (to Acme or another tenant) keeps its account.
			added, err := st.InsertUser(ctx, tx, store.User{ID: uuid.NewString(), TenantID: tenantID, Email: u[0], Role: u[1],
				CreatedAt: now.Add(-time.Duration(110-i*20) * 24 * time.Hour)})
			if err != nil {
				return err
			}
			if !added {
				log.Warn("demo user already exists; kept as it is", "email", u[0])
			}
		}
		dks := demoKeys(tenantID, now)
		if keys > len(dks) {
			dks = append(dks, moreKeys(tenantID, now, keys-len(dks))...)
		}
		for _, dk := range dks {
			if _, err := apikeys.Insert(ctx, st, tx, &dk.k); err != nil {
				return err
			}
		}
		// Steps: one per key, then the rest.
		total, done := len(dks)+1, 0
		progress(0, total)
		h, err := generate(tenantID, now, dks, func(b *store.UsageBatch) error {
			rows += len(b.Rollups) + len(b.KeyTotals)
			done++
			progress(done, total)
			if inline {
				return st.WriteUsage(ctx, tx, b)
			}
			hist = hist.add(b)
			return nil
		})
		if err != nil {
			return err
		}
		n = len(dks)
		if inline {
			if err := writeHistory(ctx, st, tx, h); err != nil {
				return err
			}
		} else {
			if hist == nil {
				hist = &History{}
			}
			hist.h = h
		}
		return writeKeys(ctx, st, tx, tenantID, dks, now)
	})
	if err != nil {
		return nil, false, err
	}
	progress(1, 1)
	if hist != nil {
		hist.st, hist.db, hist.log, hist.tenantID = st, db, log, hist.h.tenantID
	}
	log.Info("seeded demo data", "tenant", Tenant, "keys", n, "rollup_rows", rows, "history", map[bool]string{true: "written", false: "to write"}[inline],
		"took", time.Since(start).Round(time.Millisecond).String())
	return hist, false, nil
}

// demoKeys are the demo's keys and their traffic: three in use, one
// expiring, one revoked, one expired, one unused. Each hygiene
// recommendation shows at least once: Production Server is 120 days old
// and never rotated (and, like Marketing Sync, a live key without an
// expiry); Staging Environment is a test key with production volume
// holding full_access without an IP allow-list; Legacy Integration is
// revoked but an old client still calls it every hour; CI Pipeline was
// never used in 38 days.
func demoKeys(tenantID string, now time.Time) []*demoKey {
	nowSec := now.Unix()
	at := func(daysAgo float64) time.Time {
		return now.Add(-time.Duration(daysAgo * float64(24*time.Hour))).Truncate(time.Second)
	}
	tp := func(t time.Time) *time.Time { return &t }
	mk := func(name, desc, env, by string, perms []string, rate int, created time.Time) store.Key {
		k := store.Key{TenantID: tenantID}
		k.Name, k.Description, k.Environment, k.CreatedBy = name, desc, env, by
		k.Permissions, k.RateLimit, k.CreatedAt, k.AllowedIPs = perms, rate, created, []string{}
		return k
	}
	out := []*demoKey{
		{k: mk("Production Server", "Transactional email from the main app", models.EnvLive, "admin@acme.test",
			[]string{"send_email", "send_bulk_email", "read_campaigns", "read_analytics"}, 300, at(120)),
			rate: 110, eps: endpoints(map[string]float64{"POST /api/v1/emails/send": .75, "GET /api/v1/campaigns": .15, "GET /api/v1/analytics/campaigns/{id}": .10}),
			ips: []string{"203.0.113.10", "203.0.113.11", "203.0.113.12"}},
		{k: mk("Marketing Sync", "CRM contact sync (office network only)", models.EnvLive, "dev@acme.test",
			[]string{"read_campaigns", "read_contacts", "write_contacts"}, 120, at(50)),
			rate: 22, eps: endpoints(map[string]float64{"POST /api/v1/contacts": .8, "GET /api/v1/campaigns": .2}),
			ips: []string{"198.51.100.5", "203.0.113.40"}},
		{k: mk("Staging Environment", "Staging deploys", models.EnvTest, "admin@acme.test",
			models.PresetFullAccess(true), 60, at(40)),
			rate: 30, eps: endpoints(map[string]float64{"POST /api/v1/emails/send": .4, "POST /api/v1/contacts": .3, "GET /api/v1/campaigns": .2, "GET /api/v1/analytics/campaigns/{id}": .1}),
			ips: []string{"192.0.2.20"}},
		{k: mk("Analytics Dashboard", "Internal BI dashboard", models.EnvLive, "admin@acme.test",
			[]string{"read_campaigns", "read_analytics"}, 300, at(33)),
			rate: 9, eps: endpoints(map[string]float64{"GET /api/v1/analytics/campaigns/{id}": .7, "GET /api/v1/campaigns": .3}),
			ips: []string{"192.0.2.77", "192.0.2.78"}},
		{k: mk("Legacy Integration", "Old PHP integration, replaced by Production Server", models.EnvLive, "admin@acme.test",
			[]string{"send_email", "read_contacts", "write_contacts"}, 300, at(140)),
			rate: 25, eps: endpoints(map[string]float64{"POST /api/v1/emails/send": .6, "POST /api/v1/contacts": .4}),
			until: nowSec - 10*day, ips: []string{"198.51.100.200"}, strays: 4},
		{k: mk("Q3 Contractor", "Temporary access for the data migration", models.EnvTest, "dev@acme.test",
			[]string{"read_contacts", "write_contacts"}, 60, at(45)),
			rate: 5, eps: endpoints(map[string]float64{"POST /api/v1/contacts": 1}),
			until: nowSec - 5*day, ips: []string{"192.0.2.150"}},
		{k: mk("CI Pipeline", "Integration tests in CI", models.EnvTest, "dev@acme.test",
			[]string{"send_email", "read_campaigns"}, 60, at(38))},
	}
	out[1].k.AllowedIPs = []string{"203.0.113.0/24", "198.51.100.5"}
	out[3].k.ExpiresAt = tp(at(-60))
	out[4].k.RevokedAt = tp(time.Unix(nowSec-10*day, 0).UTC())
	out[5].k.ExpiresAt = tp(time.Unix(nowSec-5*day, 0).UTC())
	return out
}

// writeKeys stores the keys' counters and addresses, and their audit history.
func writeKeys(ctx context.Context, st Store, tx store.Handle, tenantID string, dks []*demoKey, now time.Time) error {
	at := func(daysAgo float64) time.Time {
		return now.Add(-time.Duration(daysAgo * float64(24*time.Hour))).Truncate(time.Second)
	}
	for i, dk := range dks {
		k := &dk.k
		t := store.KeyTotals{KeyID: k.KeyID, Requests: dk.n, Errors: dk.errs, RevokedAt: k.RevokedAt, Expires: k.ExpiresAt}
		if dk.n > 0 {
			t.LastUsed, t.LastIP = time.Unix(dk.lastUsed, 0), dk.ips[0]
		}
		if err := st.ImportKeyTotals(ctx, tx, t); err != nil {
			return err
		}
		left := dk.n
		for j, ip := range dk.ips {
			c := left
			if j < len(dk.ips)-1 {
				c = left * 7 / 10
			}
			left -= c
			if err := st.AddKeyIP(ctx, tx, k.KeyID, ip, time.Unix(dk.lastUsed-int64(j)*3600*(int64(i)+1), 0), c); err != nil {
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
				evs = append(evs, ev{at(float64(d) * 2.3), "ip_violation", "system", "request from " + BlockedIP + " blocked by the IP allow-list"})
			}
		case 4:
			evs = append(evs, ev{*k.RevokedAt, "revoked", "admin@acme.test", ""})
		}
		for _, e := range evs {
			if err := st.InsertAudit(ctx, tx, store.AuditEntry{TenantID: tenantID, TargetType: store.AuditTargetKey, TargetID: k.KeyID,
				At: e.t, Action: e.action, Actor: e.actor, IP: "192.0.2.1", Detail: e.det}); err != nil {
				return err
			}
		}
	}
	return nil
}
