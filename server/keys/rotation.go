package keys

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server/httpx"
	"github.com/penguinmails/pmdev/server/store"
	"github.com/penguinmails/pmdev/server/webhook/events"
)

// The rotation cockpit: while a rotated key's grace period runs, either
// key shows both keys' traffic since the rotation, where the old key is
// still used from, and whether it went quiet; the grace can be extended
// (up to 168 hours after the rotation) or ended at once.

var errNotInGrace = httpx.Failf(http.StatusConflict, "not_in_grace", "This key is not part of a rotation whose grace period is running.")

// pair is the two keys of a rotation in its grace period.
type pair struct {
	old, nk   store.Key
	rotatedAt time.Time
}

// rotationOf finds the rotation k belongs to while its old key still
// works: as the old key (that rotation first), else as the new one.
func (s *Service) rotationOf(ctx context.Context, k store.Key, now time.Time) (pair, bool, error) {
	var p pair
	switch {
	case k.ReplacedBy != "" && k.Status == models.KeyActive:
		nk, err := s.st.GetKey(ctx, s.db, k.TenantID, k.ReplacedBy, now)
		if err != nil {
			return p, false, err
		}
		p.old, p.nk = k, nk
	default:
		old, err := s.st.KeyReplacedBy(ctx, s.db, k.TenantID, k.KeyID, now)
		if errors.Is(err, store.ErrNotFound) {
			return p, false, nil
		}
		if err != nil || old.Status != models.KeyActive {
			return p, false, err
		}
		p.old, p.nk = old, k
	}
	if p.old.ExpiresAt == nil {
		return p, false, nil // a rotation always sets the old key's expiry
	}
	p.rotatedAt = p.nk.CreatedAt // rotations recorded before rotated_at existed
	if p.old.RotatedAt != nil {
		p.rotatedAt = *p.old.RotatedAt
	}
	return p, true, nil
}

// graceMax is the latest the old key's grace can run to: 168 hours after
// the rotation, never past the new key's own expiry (the old key's before).
func (p pair) graceMax() time.Time {
	m := p.rotatedAt.Add(models.KeyMaxGraceHours * time.Hour)
	if p.nk.ExpiresAt != nil && p.nk.ExpiresAt.Before(m) {
		m = *p.nk.ExpiresAt
	}
	return m
}

// picture is the cockpit's live view of p at now.
func (s *Service) picture(ctx context.Context, p pair, now time.Time) (models.KeyRotation, error) {
	r := models.KeyRotation{OldKeyID: p.old.KeyID, NewKeyID: p.nk.KeyID, RotatedAt: p.rotatedAt, OldKeyExpiresAt: *p.old.ExpiresAt,
		GraceMaxExpiresAt: p.graceMax(), OldRequestsSinceRotation: max(0, p.old.RequestCount-p.old.RequestsAtRotation),
		NewRequestsSinceRotation: p.nk.RequestCount, OldLastUsedAt: p.old.LastUsed, QuietPeriodSeconds: int(models.GraceQuietPeriod / time.Second)}
	// The minute rollups are written every second: fresher than the counters.
	hour, err := s.st.KeyWindowCounts(ctx, s.db, p.old.TenantID, []string{p.old.KeyID}, 60, store.AlignDown(now.Add(-time.Hour).Unix(), 60))
	if err != nil {
		return r, err
	}
	r.OldRequestsLastHour = hour[p.old.KeyID].N
	// Quiet counts from the rotation: a key idle before it may have clients
	// that call rarely, and only time since shows they moved to the new key.
	since := p.rotatedAt
	if p.old.LastUsed != nil && p.old.LastUsed.After(since) {
		since = *p.old.LastUsed
	}
	r.SafeToEndGrace = now.Sub(since) >= models.GraceQuietPeriod && r.OldRequestsLastHour == 0
	r.OldRecentIPs, err = s.st.KeyIPsSince(ctx, s.db, p.old.KeyID, p.rotatedAt, 10)
	return r, err
}

// trafficRes are the bucket sizes of the traffic since a rotation: the
// finest that keeps it within trafficBuckets (all kept long enough).
var trafficRes = []int64{60, 900, 3600, 21600}

const trafficBuckets = 120

// traffic is both keys' requests per bucket since the rotation.
func (s *Service) traffic(ctx context.Context, p pair, now time.Time) (models.RotationTraffic, error) {
	var res int64
	for _, res = range trafficRes {
		if (now.Unix()-p.rotatedAt.Unix())/res < trafficBuckets {
			break
		}
	}
	start, end := store.AlignDown(p.rotatedAt.Unix(), res), store.AlignDown(now.Unix(), res)+res
	out := models.RotationTraffic{BucketSeconds: int(res), Buckets: make([]models.RotationBucket, (end-start)/res)}
	for i := range out.Buckets {
		out.Buckets[i].T = time.Unix(start+int64(i)*res, 0).UTC()
	}
	rows, err := s.st.KeyTotalSeries(ctx, s.db, p.old.TenantID, []string{p.old.KeyID, p.nk.KeyID}, res, start, end)
	for _, b := range rows {
		i := (b.T - start) / res
		if i < 0 || int(i) >= len(out.Buckets) {
			continue
		}
		if b.KeyID == p.old.KeyID {
			out.Buckets[i].Old += b.N
		} else {
			out.Buckets[i].New += b.N
		}
	}
	return out, err
}

// rotationEvent is the rotation k is part of, as webhook events carry it
// (nil when there is none or it cannot be read: an event is not held back).
func (s *Service) rotationEvent(ctx context.Context, k store.Key, now time.Time) *models.KeyRotation {
	_, r, _ := s.rotationPicture(ctx, k, now)
	return r
}

// rotationPicture is the rotation k is part of and its picture; nil
// (and no error) when there is none.
func (s *Service) rotationPicture(ctx context.Context, k store.Key, now time.Time) (pair, *models.KeyRotation, error) {
	p, ok, err := s.rotationOf(ctx, k, now)
	if err != nil || !ok {
		return p, nil, err
	}
	r, err := s.picture(ctx, p, now)
	if err != nil {
		return p, nil, err
	}
	return p, &r, nil
}

// RotationFor is the rotation keyID of tenantID is part of (for the
// expiry notices' events); nil when none.
func (s *Service) RotationFor(ctx context.Context, tenantID, keyID string) *models.KeyRotation {
	now := s.now()
	k, err := s.st.GetKey(ctx, s.db, tenantID, keyID, now)
	if err != nil {
		return nil
	}
	return s.rotationEvent(ctx, k, now)
}

// loadGrace loads the rotation in grace of key id (either key) for a change.
func (s *Service) loadGrace(ctx context.Context, u *httpx.User, id, verb string) (pair, error) {
	k, err := s.Load(ctx, u, id)
	if err != nil {
		return pair{}, err
	}
	p, ok, err := s.rotationOf(ctx, k, s.now())
	if err != nil {
		return p, err
	}
	if !ok {
		return p, errNotInGrace
	}
	if err := deniedAct(u.Role, verb, p.old); err != nil {
		return p, err
	}
	return p, nil
}

// ExtendGrace lets the old key of id's rotation work req.Hours longer.
func (s *Service) ExtendGrace(ctx context.Context, a Actor, id string, req models.ExtendGraceRequest) (models.APIKey, error) {
	if req.Hours < 1 || req.Hours > models.KeyMaxGraceHours {
		return models.APIKey{}, httpx.Invalid(models.FieldError{Field: "hours", Message: fmt.Sprintf("hours must be between 1 and %d", models.KeyMaxGraceHours)})
	}
	p, err := s.loadGrace(ctx, a.User, id, "extend the grace period of")
	if err != nil {
		return models.APIKey{}, err
	}
	now := s.now().Truncate(time.Millisecond)
	was := *p.old.ExpiresAt
	until := was.Add(time.Duration(req.Hours) * time.Hour)
	if m := p.graceMax(); until.After(m) {
		return models.APIKey{}, httpx.Invalid(models.FieldError{Field: "hours", Message: fmt.Sprintf(
			"The grace period can run until %s at the latest (%d hours after the rotation, never past the new key's expiry): at most %s more",
			m.UTC().Format(time.RFC3339), models.KeyMaxGraceHours, maxMore(m.Sub(was)))})
	}
	return s.setGrace(ctx, a, p, until, "grace_extended", fmt.Sprintf("old key now works until %s (was %s)",
		until.UTC().Format(time.RFC3339), was.UTC().Format(time.RFC3339)), now)
}

// maxMore says how much longer a grace may still run.
func maxMore(d time.Duration) string {
	if h := int(d / time.Hour); h >= 1 {
		return models.Plural(h, "hour", "hours")
	}
	return "less than an hour"
}

// EndGrace cuts the old key of id's rotation off now (it expires).
func (s *Service) EndGrace(ctx context.Context, a Actor, id string) (models.APIKey, error) {
	p, err := s.loadGrace(ctx, a.User, id, "end the grace period of")
	if err != nil {
		return models.APIKey{}, err
	}
	now := s.now().Truncate(time.Millisecond)
	r, err := s.picture(ctx, p, now)
	if err != nil {
		return models.APIKey{}, err
	}
	return s.setGrace(ctx, a, p, now, "grace_ended", fmt.Sprintf("old key cut off %s early; %s in the last hour",
		maxMore(p.old.ExpiresAt.Sub(now)), models.Plural(r.OldRequestsLastHour, "request", "requests")), now)
}

// setGrace moves the old key's expiry and audits it on both keys.
func (s *Service) setGrace(ctx context.Context, a Actor, p pair, until time.Time, action, detail string, now time.Time) (models.APIKey, error) {
	err := store.Tx(ctx, s.db, func(tx store.Handle) error {
		ok, err := s.st.SetGraceExpiry(ctx, tx, a.User.TenantID, p.old.KeyID, until)
		if err != nil {
			return err
		}
		if !ok {
			return errNotInGrace // revoked concurrently
		}
		if err := s.audit(ctx, tx, a, p.old.KeyID, action, detail, now); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, p.nk.KeyID, action, "of the old key "+p.old.KeyID+": "+detail, now)
	})
	if err != nil {
		return models.APIKey{}, err
	}
	s.cache.Invalidate(p.old.KeyID)
	k := p.old.APIKey
	k.ExpiresAt = &until
	k.Status = models.KeyStatusAt(k.RevokedAt, k.ExpiresAt, now)
	return k, s.annotateOne(ctx, a.User.TenantID, &k, now)
}

// withRotation adds the rotation k is part of, and its traffic, to d.
func (s *Service) withRotation(ctx context.Context, k store.Key, d *models.APIKeyDetails, now time.Time) error {
	p, r, err := s.rotationPicture(ctx, k, now)
	if r == nil {
		return err
	}
	t, err := s.traffic(ctx, p, now)
	d.Rotation, d.RotationTraffic = r, &t
	return err
}

// emitRevoked sends api_key.revoked with the rotation k was part of.
func (s *Service) emitRevoked(ctx context.Context, k store.Key, rot *models.KeyRotation, at time.Time, a Actor) {
	events.Emit(ctx, s.events, k.TenantID, events.NewAPIKeyRevoked(k.APIKey, at, eventActor(ctx, a), rot))
}
