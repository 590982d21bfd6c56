// Package keys manages API keys: the platform routes that create, list,
// edit, rotate and revoke them, and the cache product requests authenticate
// against. Rules come from models, SQL from the store.
package keys

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server/httpx"
	"github.com/penguinmails/pmdev/server/ratelimit"
	"github.com/penguinmails/pmdev/server/secret"
	"github.com/penguinmails/pmdev/server/store"
	"github.com/penguinmails/pmdev/server/webhook/events"
)

// Store is what the key service keeps and reads.
type Store interface {
	store.KeyStore
	store.AuditStore
	KeyDailyUsage(ctx context.Context, h store.Handle, tenantID, keyID string, since int64) ([]store.DayRow, error)
	KeyTopEndpoints(ctx context.Context, h store.Handle, tenantID, keyID string, since int64, limit int) ([]models.EndpointCount, error)
	KeyWindowCounts(ctx context.Context, h store.Handle, tenantID string, ids []string, res, since int64) (map[string]store.WindowCount, error)
	KeyTotalSeries(ctx context.Context, h store.Handle, tenantID string, ids []string, res, start, end int64) ([]store.KeyBucket, error)
}

// Service applies the key rules; every change and its audit record share
// one transaction.
type Service struct {
	db      *sql.DB
	st      Store
	cache   *Cache
	limiter ratelimit.Limiter
	now     func() time.Time
	events  events.Emitter // webhook events of key changes; nil sends none
}

// New returns the service; changes invalidate cache and reset limiter buckets.
func New(db *sql.DB, st Store, cache *Cache, limiter ratelimit.Limiter, now func() time.Time) *Service {
	return &Service{db: db, st: st, cache: cache, limiter: limiter, now: now}
}

// WithEvents makes the service send api_key.* webhook events through e.
func (s *Service) WithEvents(e events.Emitter) *Service {
	s.events = e
	return s
}

// eventActor is a's user as a webhook event names them.
func eventActor(ctx context.Context, a Actor) events.EventActor {
	return events.UserActor(a.User.Email, httpx.ActorFingerprint(ctx))
}

// Actor is who makes a change, and from where.
type Actor struct {
	User *httpx.User
	IP   string
}

var (
	errNotFound       = httpx.Failf(http.StatusNotFound, "not_found", "API key not found")
	errAlreadyRevoked = httpx.Failf(http.StatusConflict, "already_revoked", "This key has already been revoked and cannot be used.")
)

// Insert stores k (a fresh id when it has none) under a new secret and
// returns the plaintext, which is never stored.
func Insert(ctx context.Context, st store.KeyStore, h store.Handle, k *store.Key) (string, error) {
	plain, sec := secret.NewAPIKey(k.Environment)
	if k.KeyID == "" {
		k.KeyID = uuid.NewString()
	}
	k.MaskedKey = models.MaskFromParts(sec.Head, sec.Tail)
	return plain, st.InsertKey(ctx, h, *k, sec)
}

// Audit records one event of key id in the audit log under ctx's SSH key fingerprint.
func Audit(ctx context.Context, st store.AuditStore, h store.Handle, tenantID, id, action, actor, ip, detail string, at time.Time) error {
	return st.InsertAudit(ctx, h, store.AuditEntry{TenantID: tenantID, TargetType: store.AuditTargetKey, TargetID: id, At: at,
		Action: action, Actor: actor, ActorFingerprint: httpx.ActorFingerprint(ctx), IP: ip, Detail: detail})
}

func (s *Service) audit(ctx context.Context, tx store.Handle, a Actor, id, action, detail string, at time.Time) error {
	return Audit(ctx, s.st, tx, a.User.TenantID, id, action, a.User.Email, a.IP, detail, at)
}

// Load returns a key of u's tenant; another tenant's key is not found.
func (s *Service) Load(ctx context.Context, u *httpx.User, id string) (store.Key, error) {
	k, err := s.st.GetKey(ctx, s.db, u.TenantID, id, s.now())
	if errors.Is(err, store.ErrNotFound) {
		return k, errNotFound
	}
	return k, err
}

// loadToChange loads a key u is about to change (verb names the change):
// not found, then not allowed (403), then revoked (409), so a developer
// learns nothing about the state of a key only admins may touch.
func (s *Service) loadToChange(ctx context.Context, u *httpx.User, id, verb string) (store.Key, error) {
	k, err := s.Load(ctx, u, id)
	if err != nil {
		return k, err
	}
	if err := deniedAct(u.Role, verb, k); err != nil {
		return k, err
	}
	if k.Status == models.KeyRevoked {
		return k, errAlreadyRevoked
	}
	return k, nil
}

// List is one page of u's tenant's keys: the first (with the total) or
// the one p.Cursor continues to.
func (s *Service) List(ctx context.Context, u *httpx.User, p models.KeyListParams) (models.APIKeyList, error) {
	var after *store.KeyPos
	if p.Cursor != "" {
		var err error
		if after, err = decodeListCursor(p); err != nil {
			return models.APIKeyList{}, httpx.Fail(httpx.FieldProblem("invalid_parameter", "cursor", err.Error()))
		}
	}
	now := s.now()
	page, err := s.st.ListKeys(ctx, s.db, u.TenantID, p, after, after == nil, now)
	if err != nil {
		return models.APIKeyList{}, err
	}
	ptrs := make([]*models.APIKey, len(page.Keys))
	for i := range page.Keys {
		ptrs[i] = &page.Keys[i]
	}
	if err := s.annotate(ctx, u.TenantID, ptrs, now); err != nil {
		return models.APIKeyList{}, err
	}
	out := models.APIKeyList{APIKeys: page.Keys, Total: page.Total, PerPage: p.PerPage}
	if page.Last != nil {
		out.NextCursor = encodeListCursor(p, *page.Last)
	}
	return out, nil
}

// deniedGrant fails with 403 for the first permission in added that role may not grant.
func deniedGrant(role string, added []string) error {
	if perm := models.AdminHeld(role, added); perm != "" {
		return forbidden(perm, fmt.Sprintf("Only admins can grant the %s permission", perm))
	}
	return nil
}

// deniedAct fails with 403 when role may not act (verb: edit, regenerate,
// revoke) on k because it holds an admin-category permission.
func deniedAct(role, verb string, k store.Key) error {
	if perm := models.AdminHeld(role, k.Permissions); perm != "" {
		return forbidden(perm, fmt.Sprintf("Only admins can %s a key holding the %s permission", verb, perm))
	}
	return nil
}

func forbidden(perm, msg string) error {
	p := httpx.NewProblem(http.StatusForbidden, "insufficient_permissions", msg)
	p.Permission = perm
	return httpx.Fail(p)
}

// Create validates req and stores a new key.
func (s *Service) Create(ctx context.Context, a Actor, req models.CreateAPIKeyRequest) (models.CreatedAPIKey, error) {
	plan := models.PlanOrDefault(a.User.Plan)
	now := s.now().Truncate(time.Millisecond) // stored precision: the answer equals a later GET
	k := store.Key{TenantID: a.User.TenantID}
	k.RateLimit, k.ExpiresAt, k.CreatedAt, k.CreatedBy = plan.LimitPerMinute, req.ExpiresAt, now, a.User.Email
	var errs []models.FieldError
	var fe *models.FieldError
	if k.Name, fe = models.CheckKeyName(req.Name); fe != nil {
		errs = append(errs, *fe)
	}
	if k.Description, fe = models.CheckKeyDescription(req.Description); fe != nil {
		errs = append(errs, *fe)
	}
	if k.Environment, fe = models.CheckEnvironment(req.Environment); fe != nil {
		errs = append(errs, *fe)
	}
	if k.Permissions, fe = models.CheckPermissions(req.Permissions); fe != nil {
		errs = append(errs, *fe)
	}
	if req.RateLimit != nil {
		k.RateLimit = *req.RateLimit
		if fe = models.CheckRateLimit(k.RateLimit, plan); fe != nil {
			errs = append(errs, *fe)
		}
	}
	if k.ExpiresAt != nil {
		t := k.ExpiresAt.UTC()
		k.ExpiresAt = &t
		if fe = models.CheckExpiry(t, now); fe != nil {
			errs = append(errs, *fe)
		}
	}
	if k.AllowedIPs, fe = models.CheckAllowedIPs(req.AllowedIPs); fe != nil {
		errs = append(errs, *fe)
	}
	if len(errs) > 0 {
		return models.CreatedAPIKey{}, httpx.Invalid(errs...)
	}
	if err := deniedGrant(a.User.Role, k.Permissions); err != nil {
		return models.CreatedAPIKey{}, err
	}
	var plain string
	err := store.Tx(ctx, s.db, func(tx store.Handle) error {
		var err error
		if plain, err = Insert(ctx, s.st, tx, &k); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, k.KeyID, "created", "environment "+k.Environment, now)
	})
	if err != nil {
		return models.CreatedAPIKey{}, err
	}
	k.Status = models.KeyActive
	events.Emit(ctx, s.events, k.TenantID, events.NewAPIKeyCreated(k.APIKey, eventActor(ctx, a)))
	if err := s.annotateOne(ctx, k.TenantID, &k.APIKey, now); err != nil {
		return models.CreatedAPIKey{}, err
	}
	return models.CreatedAPIKey{APIKey: k.APIKey, Plaintext: plain, Warning: "Store this key securely. It will not be shown again."}, nil
}

// Update applies the fields req sets to an unrevoked key.
func (s *Service) Update(ctx context.Context, a Actor, id string, req models.UpdateAPIKeyRequest) (models.APIKey, error) {
	k, err := s.loadToChange(ctx, a.User, id, "edit")
	if err != nil {
		return models.APIKey{}, err
	}
	now := s.now()
	changed, added, err := applyUpdate(&k, req, models.PlanOrDefault(a.User.Plan), now)
	if err != nil {
		return models.APIKey{}, err
	}
	if err := deniedGrant(a.User.Role, added); err != nil {
		return models.APIKey{}, err
	}
	if len(changed) > 0 {
		err := store.Tx(ctx, s.db, func(tx store.Handle) error {
			ok, err := s.st.UpdateKey(ctx, tx, k)
			if err != nil {
				return err
			}
			if !ok {
				return errAlreadyRevoked // revoked concurrently
			}
			return s.audit(ctx, tx, a, k.KeyID, "edited", "changed "+strings.Join(changed, ", "), now)
		})
		if err != nil {
			return models.APIKey{}, err
		}
		s.cache.Invalidate(k.KeyID)
	}
	k.Status = models.KeyStatusAt(k.RevokedAt, k.ExpiresAt, now)
	return k.APIKey, s.annotateOne(ctx, k.TenantID, &k.APIKey, now)
}

// edit collects the outcome of an update: field errors and the fields changed.
type edit struct {
	errs    []models.FieldError
	changed []string
}

func (e *edit) fail(field, msg string) {
	e.errs = append(e.errs, models.FieldError{Field: field, Message: msg})
}

// set stores v in *dst when it passed its check (fe nil) and differs.
func set[T comparable](e *edit, field string, dst *T, v T, fe *models.FieldError) {
	switch {
	case fe != nil:
		e.errs = append(e.errs, *fe)
	case v != *dst:
		*dst = v
		e.changed = append(e.changed, field)
	}
}

// applyUpdate validates req against k and applies it, returning the fields
// changed and the permissions added.
func applyUpdate(k *store.Key, req models.UpdateAPIKeyRequest, plan models.Plan, now time.Time) (changed, added []string, err error) {
	var e edit
	if req.Name != nil {
		v, fe := models.CheckKeyName(*req.Name)
		set(&e, "name", &k.Name, v, fe)
	}
	if req.Description != nil {
		v, fe := models.CheckKeyDescription(*req.Description)
		set(&e, "description", &k.Description, v, fe)
	}
	if req.Permissions != nil {
		if perms, fe := models.CheckPermissions(req.Permissions); fe != nil {
			e.errs = append(e.errs, *fe)
		} else {
			had := map[string]bool{}
			for _, p := range k.Permissions {
				had[p] = true
			}
			for _, p := range perms {
				if !had[p] {
					added = append(added, p)
				}
			}
			if len(added) > 0 || len(perms) != len(k.Permissions) {
				k.Permissions = perms
				e.changed = append(e.changed, "permissions")
			}
		}
	}
	switch {
	case req.ClearExpiry && req.ExpiresAt != nil:
		e.fail("clear_expiry", "Use either expires_at or clear_expiry, not both")
	case req.ClearExpiry && k.ExpiresAt != nil:
		if k.ReplacedBy != "" {
			e.fail("clear_expiry", "A rotated key's grace period cannot be removed")
		} else {
			k.ExpiresAt = nil
			e.changed = append(e.changed, "expires_at")
		}
	case req.ExpiresAt != nil:
		t := req.ExpiresAt.UTC()
		switch fe := models.CheckExpiry(t, now); {
		case fe != nil:
			e.errs = append(e.errs, *fe)
		case k.ReplacedBy != "" && (k.ExpiresAt == nil || t.After(*k.ExpiresAt)):
			e.fail("expires_at", "A rotated key's grace period cannot be extended")
		default:
			k.ExpiresAt = &t
			e.changed = append(e.changed, "expires_at")
		}
	}
	if req.AllowedIPs != nil {
		// Setting the list counts as a change even when it is the same.
		if ips, fe := models.CheckAllowedIPs(*req.AllowedIPs); fe != nil {
			e.errs = append(e.errs, *fe)
		} else {
			k.AllowedIPs = ips
			e.changed = append(e.changed, "allowed_ips")
		}
	}
	if req.RateLimit != nil {
		set(&e, "rate_limit", &k.RateLimit, *req.RateLimit, models.CheckRateLimit(*req.RateLimit, plan))
	}
	if len(e.errs) > 0 {
		return nil, nil, httpx.Invalid(e.errs...)
	}
	return e.changed, added, nil
}

// Revoke revokes an unrevoked key.
func (s *Service) Revoke(ctx context.Context, a Actor, id string) (models.RevokeResult, error) {
	k, err := s.loadToChange(ctx, a.User, id, "revoke")
	if err != nil {
		return models.RevokeResult{}, err
	}
	now := s.now().Truncate(time.Millisecond)
	rot := s.rotationEvent(ctx, k, now) // as it stood: revoking may end it
	err = store.Tx(ctx, s.db, func(tx store.Handle) error {
		ok, err := s.st.RevokeKey(ctx, tx, a.User.TenantID, k.KeyID, now)
		if err != nil {
			return err
		}
		if !ok {
			return errAlreadyRevoked
		}
		return s.audit(ctx, tx, a, k.KeyID, "revoked", "", now)
	})
	if err != nil {
		return models.RevokeResult{}, err
	}
	s.cache.Invalidate(k.KeyID)
	s.limiter.Forget(ctx, a.User.TenantID, k.KeyID)
	k.RevokedAt, k.Status = &now, models.KeyRevoked
	s.emitRevoked(ctx, k, rot, now, a)
	return models.RevokeResult{Message: "API key revoked successfully", KeyID: k.KeyID, RevokedAt: now}, nil
}

// Regenerate replaces a key by a new one with the same settings; the old
// one keeps working for the grace period (never past its own expiry).
func (s *Service) Regenerate(ctx context.Context, a Actor, id string, req models.RegenerateRequest) (models.CreatedAPIKey, error) {
	grace := models.KeyDefaultGraceHours
	if req.GracePeriodHours != nil {
		grace = *req.GracePeriodHours
		if fe := models.CheckGraceHours(grace); fe != nil {
			return models.CreatedAPIKey{}, httpx.Invalid(*fe)
		}
	}
	old, err := s.loadToChange(ctx, a.User, id, "regenerate")
	if err != nil {
		return models.CreatedAPIKey{}, err
	}
	switch {
	case old.Status == models.KeyExpired:
		return models.CreatedAPIKey{}, httpx.Failf(http.StatusConflict, "key_expired", "This key has expired and cannot be rotated; create a new key instead.")
	case old.ReplacedBy != "":
		return models.CreatedAPIKey{}, httpx.Failf(http.StatusConflict, "already_rotated", "This key was already rotated; rotate its replacement ("+old.ReplacedBy+") instead.")
	}
	now := s.now().Truncate(time.Millisecond)
	oldExpiry := now.Add(time.Duration(grace) * time.Hour)
	if old.ExpiresAt != nil && old.ExpiresAt.Before(oldExpiry) {
		oldExpiry = *old.ExpiresAt
	}
	nk := store.Key{TenantID: a.User.TenantID}
	nk.Name, nk.Description, nk.Environment = old.Name, old.Description, old.Environment
	nk.Permissions, nk.RateLimit, nk.AllowedIPs, nk.ExpiresAt = old.Permissions, old.RateLimit, old.AllowedIPs, old.ExpiresAt
	nk.CreatedAt, nk.CreatedBy = now, a.User.Email
	var plain string
	err = store.Tx(ctx, s.db, func(tx store.Handle) error {
		var err error
		if plain, err = Insert(ctx, s.st, tx, &nk); err != nil {
			return err
		}
		ok, err := s.st.RotateKey(ctx, tx, old.KeyID, nk.KeyID, now, oldExpiry)
		if err != nil {
			return err
		}
		if !ok {
			return httpx.Failf(http.StatusConflict, "already_rotated", "This key was rotated or revoked concurrently.")
		}
		if err := s.audit(ctx, tx, a, old.KeyID, "rotated",
			fmt.Sprintf("replaced by %s; valid until %s", nk.KeyID, oldExpiry.Format(time.RFC3339)), now); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, nk.KeyID, "created", "rotated from "+old.KeyID, now)
	})
	if err != nil {
		return models.CreatedAPIKey{}, err
	}
	s.cache.Invalidate(old.KeyID)
	nk.Status = models.KeyActive
	events.Emit(ctx, s.events, nk.TenantID, events.NewAPIKeyRotated(old.APIKey, nk.APIKey, oldExpiry, now, eventActor(ctx, a), s.rotationEvent(ctx, nk, now)))
	if err := s.annotateOne(ctx, nk.TenantID, &nk.APIKey, now); err != nil {
		return models.CreatedAPIKey{}, err
	}
	warning := "The previous key has been revoked. Update your applications now."
	if grace > 0 {
		warning = fmt.Sprintf("Store this key securely. It will not be shown again. The previous key keeps working until %s (%dh grace period).",
			oldExpiry.Format(time.RFC3339), grace)
	}
	return models.CreatedAPIKey{APIKey: nk.APIKey, Plaintext: plain, Warning: warning, OldKeyID: old.KeyID, OldKeyExpiresAt: &oldExpiry}, nil
}
