package server

import (
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server/httpx"
)

func itoa(n int) string { return strconv.Itoa(n) }

func (s *Server) planOf(u *httpx.User) models.Plan {
	return models.PlanOrDefault(u.Plan)
}

// deniedGrant returns the first admin permission in added that role may not grant.
func deniedGrant(role string, added []string) string {
	for _, p := range added {
		if !models.CanGrant(role, p) {
			return p
		}
	}
	return ""
}

func forbidGrant(w http.ResponseWriter, perm string) {
	httpx.Forbidden(w, perm, fmt.Sprintf("Only admins can grant the %s permission", perm))
}

func (s *Server) internal(w http.ResponseWriter, r *http.Request, err error) {
	s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	httpx.Error(w, http.StatusInternalServerError, "internal_error", "Something went wrong on our side. Please try again later.")
}

// answered is returned by a writeTx body that has written its own response.
type answered struct{}

func (answered) Error() string { return "response already written" }

// writeTx runs fn in a transaction and commits it, answering 500 on any
// other error; false means the response is written.
func (s *Server) writeTx(w http.ResponseWriter, r *http.Request, fn func(tx *sql.Tx) error) bool {
	tx, err := s.db.BeginTx(r.Context(), nil)
	if err != nil {
		s.internal(w, r, err)
		return false
	}
	defer tx.Rollback()
	if err = fn(tx); err == nil {
		err = tx.Commit()
	}
	if errors.Is(err, answered{}) {
		return false
	}
	if err != nil {
		s.internal(w, r, err)
		return false
	}
	return true
}

func (s *Server) handleMe(w http.ResponseWriter, r *http.Request) {
	u := httpx.UserFrom(r.Context())
	httpx.WriteJSON(w, http.StatusOK, models.Me{
		UserID:        u.ID,
		Email:         u.Email,
		Role:          u.Role,
		Tenant:        models.Tenant{ID: u.TenantID, Name: u.TenantName, Plan: s.planOf(u)},
		CreatedAt:     u.CreatedAt,
		CanManageKeys: models.CanManageKeys(u.Role),
		CanGrantAdmin: u.Role == models.RoleAdmin,
	})
}

// parseListParams validates the key list query.
func parseListParams(r *http.Request) (models.KeyListParams, *models.Problem) {
	q := r.URL.Query()
	p := models.KeyListParams{Q: strings.TrimSpace(q.Get("q")), Status: q.Get("status"), Sort: q.Get("sort"), Page: 1, PerPage: 100}
	bad := func(field, msg string) (models.KeyListParams, *models.Problem) {
		pr := httpx.NewProblem(http.StatusBadRequest, "invalid_parameter", msg)
		pr.Errors = []models.FieldError{{Field: field, Message: msg}}
		return p, pr
	}
	if len(p.Q) > 100 || httpx.BadString(p.Q, !utf8.ValidString(p.Q)) != "" {
		return bad("q", "Search text must be at most 100 printable characters")
	}
	switch p.Status {
	case "", "all":
		p.Status = ""
	case models.KeyActive, models.KeyRevoked, models.KeyExpired:
	default:
		return bad("status", "Status must be active, revoked or expired")
	}
	switch p.Sort {
	case "", "created", "last_used", "name":
	default:
		return bad("sort", "Sort must be created, last_used or name")
	}
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return bad("page", "Page must be a positive integer")
		}
		p.Page = n
	}
	if v := q.Get("per_page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return bad("per_page", "per_page must be between 1 and 1000")
		}
		p.PerPage = n
	}
	if p.Page > 1_000_000 {
		return bad("page", "Page is too large")
	}
	return p, nil
}

func (s *Server) handleListKeys(w http.ResponseWriter, r *http.Request) {
	u := httpx.UserFrom(r.Context())
	p, prob := parseListParams(r)
	if prob != nil {
		httpx.WriteProblem(w, prob)
		return
	}
	list, err := s.listKeys(r.Context(), u.TenantID, p)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	httpx.WriteTagged(w, r, list)
}

func (s *Server) handleCreateKey(w http.ResponseWriter, r *http.Request) {
	u := httpx.UserFrom(r.Context())
	var req models.CreateAPIKeyRequest
	if !httpx.ReadJSON(w, r, &req, false) {
		return
	}
	plan := s.planOf(u)
	now := s.now().Truncate(time.Millisecond) // stored precision: the answer equals a later GET
	k := storedKey{TenantID: u.TenantID}
	k.RateLimit = req.RateLimit
	k.ExpiresAt = req.ExpiresAt
	k.CreatedAt = now
	k.CreatedBy = u.Email
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
	if k.RateLimit == 0 {
		k.RateLimit = plan.LimitPerMinute
	} else if fe = models.CheckRateLimit(k.RateLimit, plan); fe != nil {
		errs = append(errs, *fe)
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
		httpx.Validation(w, errs)
		return
	}
	if perm := deniedGrant(u.Role, k.Permissions); perm != "" {
		forbidGrant(w, perm)
		return
	}
	var plain string
	if !s.writeTx(w, r, func(tx *sql.Tx) error {
		var err error
		if plain, err = insertKey(r.Context(), tx, &k); err != nil {
			return err
		}
		return s.audit(r.Context(), tx, u.TenantID, k.KeyID, "created", u.Email, httpx.ClientIP(r), "environment "+k.Environment, now)
	}) {
		return
	}
	k.Status = models.KeyActive
	w.Header().Set("Location", "/api/v1/platform/api-keys/"+k.KeyID)
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, http.StatusCreated, models.CreatedAPIKey{
		APIKey:    k.APIKey,
		Plaintext: plain,
		Warning:   "Store this key securely. It will not be shown again.",
	})
}

// loadKey fetches the path's key for the caller's tenant, answering 404 itself.
func (s *Server) loadKey(w http.ResponseWriter, r *http.Request) (storedKey, bool) {
	return s.loadKeyID(w, r, r.PathValue("id"))
}

// loadKeyID is loadKey for a key id taken from elsewhere (a query parameter).
func (s *Server) loadKeyID(w http.ResponseWriter, r *http.Request, id string) (storedKey, bool) {
	u := httpx.UserFrom(r.Context())
	k, err := s.getKey(r.Context(), u.TenantID, id)
	if isNotFound(err) {
		httpx.NotFound(w, "API key")
		return k, false
	}
	if err != nil {
		s.internal(w, r, err)
		return k, false
	}
	return k, true
}

func alreadyRevoked(w http.ResponseWriter) {
	httpx.Error(w, http.StatusConflict, "already_revoked", "This key has already been revoked and cannot be used.")
}

// loadUnrevokedKey is loadKey that also answers 409 for a revoked key.
func (s *Server) loadUnrevokedKey(w http.ResponseWriter, r *http.Request) (storedKey, bool) {
	k, ok := s.loadKey(w, r)
	if ok && k.Status == models.KeyRevoked {
		alreadyRevoked(w)
		return k, false
	}
	return k, ok
}

func (s *Server) handleGetKey(w http.ResponseWriter, r *http.Request) {
	k, ok := s.loadKey(w, r)
	if !ok {
		return
	}
	d, err := s.keyDetails(r.Context(), k)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, d)
}

func (s *Server) handleUpdateKey(w http.ResponseWriter, r *http.Request) {
	u := httpx.UserFrom(r.Context())
	var req models.UpdateAPIKeyRequest
	if !httpx.ReadJSON(w, r, &req, false) {
		return
	}
	k, ok := s.loadUnrevokedKey(w, r)
	if !ok {
		return
	}
	now := s.now()
	plan := s.planOf(u)
	var errs []models.FieldError
	var changed []string
	var fe *models.FieldError
	if req.Name != nil {
		var name string
		if name, fe = models.CheckKeyName(*req.Name); fe != nil {
			errs = append(errs, *fe)
		} else if name != k.Name {
			k.Name = name
			changed = append(changed, "name")
		}
	}
	if req.Description != nil {
		if d, fe := models.CheckKeyDescription(*req.Description); fe != nil {
			errs = append(errs, *fe)
		} else if d != k.Description {
			k.Description = d
			changed = append(changed, "description")
		}
	}
	var added []string
	if req.Permissions != nil {
		perms, fe := models.CheckPermissions(req.Permissions)
		if fe != nil {
			errs = append(errs, *fe)
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
				changed = append(changed, "permissions")
			}
		}
	}
	if req.ClearExpiry && req.ExpiresAt != nil {
		errs = append(errs, models.FieldError{Field: "clear_expiry", Message: "Use either expires_at or clear_expiry, not both"})
	} else if req.ClearExpiry && k.ExpiresAt != nil {
		if k.ReplacedBy != "" {
			errs = append(errs, models.FieldError{Field: "clear_expiry", Message: "A rotated key's grace period cannot be removed"})
		} else {
			k.ExpiresAt = nil
			changed = append(changed, "expires_at")
		}
	} else if req.ExpiresAt != nil {
		t := req.ExpiresAt.UTC()
		switch fe := models.CheckExpiry(t, now); {
		case fe != nil:
			errs = append(errs, *fe)
		case k.ReplacedBy != "" && (k.ExpiresAt == nil || t.After(*k.ExpiresAt)):
			errs = append(errs, models.FieldError{Field: "expires_at", Message: "A rotated key's grace period cannot be extended"})
		default:
			k.ExpiresAt = &t
			changed = append(changed, "expires_at")
		}
	}
	if req.AllowedIPs != nil {
		ips, fe := models.CheckAllowedIPs(*req.AllowedIPs)
		if fe != nil {
			errs = append(errs, *fe)
		} else {
			k.AllowedIPs = ips
			changed = append(changed, "allowed_ips")
		}
	}
	if req.RateLimit != nil {
		if fe := models.CheckRateLimit(*req.RateLimit, plan); fe != nil {
			errs = append(errs, *fe)
		} else if *req.RateLimit != k.RateLimit {
			k.RateLimit = *req.RateLimit
			changed = append(changed, "rate_limit")
		}
	}
	if len(errs) > 0 {
		httpx.Validation(w, errs)
		return
	}
	if perm := deniedGrant(u.Role, added); perm != "" {
		forbidGrant(w, perm)
		return
	}
	if len(changed) > 0 {
		if !s.writeTx(w, r, func(tx *sql.Tx) error {
			res, err := tx.ExecContext(r.Context(), `UPDATE api_keys SET name=?, description=?, permissions=?, expires_at=?,
			allowed_ips=?, rate_limit=? WHERE id=? AND tenant_id=? AND revoked_at IS NULL`,
				k.Name, k.Description, jsonList(k.Permissions), msPtr(k.ExpiresAt), jsonList(k.AllowedIPs), k.RateLimit, k.KeyID, u.TenantID)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				alreadyRevoked(w) // revoked concurrently
				return answered{}
			}
			return s.audit(r.Context(), tx, u.TenantID, k.KeyID, "edited", u.Email, httpx.ClientIP(r), "changed "+strings.Join(changed, ", "), now)
		}) {
			return
		}
		s.keys.invalidate(k.KeyID)
	}
	k.Status = keyStatus(k.RevokedAt, k.ExpiresAt, now)
	httpx.WriteJSON(w, http.StatusOK, k.APIKey)
}

func (s *Server) handleRevokeKey(w http.ResponseWriter, r *http.Request) {
	u := httpx.UserFrom(r.Context())
	k, ok := s.loadUnrevokedKey(w, r)
	if !ok {
		return
	}
	now := s.now().Truncate(time.Millisecond)
	if !s.writeTx(w, r, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(r.Context(), `UPDATE api_keys SET revoked_at = ? WHERE id = ? AND tenant_id = ? AND revoked_at IS NULL`, ms(now), k.KeyID, u.TenantID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			alreadyRevoked(w)
			return answered{}
		}
		return s.audit(r.Context(), tx, u.TenantID, k.KeyID, "revoked", u.Email, httpx.ClientIP(r), "", now)
	}) {
		return
	}
	s.keys.invalidate(k.KeyID)
	s.limiter.Forget(k.KeyID)
	httpx.WriteJSON(w, http.StatusOK, models.RevokeResult{Message: "API key revoked successfully", KeyID: k.KeyID, RevokedAt: now})
}

func (s *Server) handleRegenerateKey(w http.ResponseWriter, r *http.Request) {
	u := httpx.UserFrom(r.Context())
	var req models.RegenerateRequest
	if !httpx.ReadJSON(w, r, &req, true) {
		return
	}
	grace := models.KeyDefaultGraceHours
	if req.GracePeriodHours != nil {
		grace = *req.GracePeriodHours
		if fe := models.CheckGraceHours(grace); fe != nil {
			httpx.Validation(w, []models.FieldError{*fe})
			return
		}
	}
	old, ok := s.loadUnrevokedKey(w, r)
	if !ok {
		return
	}
	switch {
	case old.Status == models.KeyExpired:
		httpx.Error(w, http.StatusConflict, "key_expired", "This key has expired and cannot be rotated; create a new key instead.")
		return
	case old.ReplacedBy != "":
		httpx.Error(w, http.StatusConflict, "already_rotated", "This key was already rotated; rotate its replacement ("+old.ReplacedBy+") instead.")
		return
	}
	now := s.now().Truncate(time.Millisecond)
	graceEnd := now.Add(time.Duration(grace) * time.Hour)
	oldExpiry := graceEnd
	if old.ExpiresAt != nil && old.ExpiresAt.Before(graceEnd) {
		oldExpiry = *old.ExpiresAt
	}
	nk := storedKey{TenantID: u.TenantID}
	nk.Name, nk.Description, nk.Environment = old.Name, old.Description, old.Environment
	nk.Permissions, nk.RateLimit, nk.AllowedIPs, nk.ExpiresAt = old.Permissions, old.RateLimit, old.AllowedIPs, old.ExpiresAt
	nk.CreatedAt, nk.CreatedBy = now, u.Email
	var plain string
	if !s.writeTx(w, r, func(tx *sql.Tx) error {
		var err error
		if plain, err = insertKey(r.Context(), tx, &nk); err != nil {
			return err
		}
		res, err := tx.ExecContext(r.Context(), `UPDATE api_keys SET expires_at = ?, replaced_by = ? WHERE id = ? AND revoked_at IS NULL AND replaced_by = ''`,
			ms(oldExpiry), nk.KeyID, old.KeyID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			httpx.Error(w, http.StatusConflict, "already_rotated", "This key was rotated or revoked concurrently.")
			return answered{}
		}
		ip := httpx.ClientIP(r)
		if err := s.audit(r.Context(), tx, u.TenantID, old.KeyID, "rotated", u.Email, ip,
			fmt.Sprintf("replaced by %s; valid until %s", nk.KeyID, oldExpiry.Format(time.RFC3339)), now); err != nil {
			return err
		}
		return s.audit(r.Context(), tx, u.TenantID, nk.KeyID, "created", u.Email, ip, "rotated from "+old.KeyID, now)
	}) {
		return
	}
	s.keys.invalidate(old.KeyID)
	nk.Status = models.KeyActive
	warning := "The previous key has been revoked. Update your applications now."
	if grace > 0 {
		warning = fmt.Sprintf("Store this key securely. It will not be shown again. The previous key keeps working until %s (%dh grace period).",
			oldExpiry.Format(time.RFC3339), grace)
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, http.StatusOK, models.CreatedAPIKey{
		APIKey: nk.APIKey, Plaintext: plain, Warning: warning,
		OldKeyID: old.KeyID, OldKeyExpiresAt: &oldExpiry,
	})
}

func (s *Server) handleKeySecurity(w http.ResponseWriter, r *http.Request) {
	k, ok := s.loadKey(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	out := models.KeySecurity{KeyID: k.KeyID, AuditEvents: []models.AuditEvent{}, RecentIPs: []models.KeyIP{}}
	rows, err := s.db.QueryContext(ctx, `SELECT id, ts, action, actor, actor_key_fingerprint, ip, detail FROM audit_events
		WHERE key_id = ? AND tenant_id = ? AND target_type = 'api_key' ORDER BY ts DESC, rowid DESC LIMIT 50`, k.KeyID, k.TenantID)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	for rows.Next() {
		var e models.AuditEvent
		var ts int64
		if err := rows.Scan(&e.ID, &ts, &e.Action, &e.Actor, &e.ActorKeyFingerprint, &e.IP, &e.Detail); err != nil {
			rows.Close()
			s.internal(w, r, err)
			return
		}
		e.Time = fromMS(ts)
		out.AuditEvents = append(out.AuditEvents, e)
	}
	rows.Close()
	// Expiry is a derived event: it happens with no request to record it.
	if k.Status == models.KeyExpired && k.ExpiresAt != nil {
		out.AuditEvents = append(out.AuditEvents, models.AuditEvent{ID: "expired-" + k.KeyID, Time: *k.ExpiresAt, Action: "expired", Actor: "system"})
		sort.SliceStable(out.AuditEvents, func(i, j int) bool { return out.AuditEvents[i].Time.After(out.AuditEvents[j].Time) })
		if len(out.AuditEvents) > 50 {
			out.AuditEvents = out.AuditEvents[:50]
		}
	}
	rows, err = s.db.QueryContext(ctx, `SELECT ip, last_seen, requests FROM key_ips WHERE key_id = ? ORDER BY last_seen DESC LIMIT 10`, k.KeyID)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	defer rows.Close()
	for rows.Next() {
		var ip models.KeyIP
		var ts int64
		if err := rows.Scan(&ip.IP, &ts, &ip.Requests); err != nil {
			s.internal(w, r, err)
			return
		}
		ip.LastSeen = fromMS(ts)
		out.RecentIPs = append(out.RecentIPs, ip)
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}
