package auth

import (
	"net/http"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server/httpx"
)

// ActorFingerprintHeader carries the SSH key fingerprint of the acting user.
// It is honoured only for tokens minted by MintToken.
const ActorFingerprintHeader = "X-PM-Actor-Fingerprint"

// User requires a valid PAT and stores the caller in the request context
// (see httpx.UserFrom).
func (s *Service) User(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, code, msg := s.Authenticate(r.Context(), httpx.Bearer(r))
		if u == nil {
			httpx.Unauthorized(w, code, msg)
			return
		}
		ctx := httpx.WithUser(r.Context(), u)
		if fp := r.Header.Get(ActorFingerprintHeader); fp != "" && u.Minted && httpx.BadString(fp, false) == "" && len(fp) <= 200 {
			ctx = httpx.WithActorFingerprint(ctx, fp)
		}
		h(w, r.WithContext(ctx))
	})
}

// Developer is User for admins and developers; members get 403.
func (s *Service) Developer(h http.HandlerFunc) http.Handler {
	return s.User(func(w http.ResponseWriter, r *http.Request) {
		u := httpx.UserFrom(r.Context())
		if !models.CanManageKeys(u.Role) {
			httpx.Error(w, http.StatusForbidden, "insufficient_role",
				"Your role ("+u.Role+") cannot use developer settings; ask an admin for the developer role")
			return
		}
		h(w, r)
	})
}

// Mount adds the identity route.
func (s *Service) Mount(mux *http.ServeMux) {
	mux.Handle("GET /api/v1/me", s.User(func(w http.ResponseWriter, r *http.Request) {
		httpx.WriteJSON(w, http.StatusOK, MeOf(httpx.UserFrom(r.Context())))
	}))
}
