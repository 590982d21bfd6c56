package httpx

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"time"
)

// User is the authenticated management caller (from a PAT).
type User struct {
	ID         string
	Email      string
	Role       string
	TenantID   string
	TenantName string
	Plan       string
	CreatedAt  time.Time
	// Minted is true for tokens made by Server.MintToken (SSH sessions).
	Minted bool
}

type ctxKey int

const (
	userKey ctxKey = iota
	fingerprintKey
)

// WithUser stores the caller in ctx.
func WithUser(ctx context.Context, u *User) context.Context {
	return context.WithValue(ctx, userKey, u)
}

// UserFrom returns the caller stored by the auth middleware, or nil.
func UserFrom(ctx context.Context) *User {
	u, _ := ctx.Value(userKey).(*User)
	return u
}

// WithActorFingerprint marks ctx as acting through the SSH key fp.
func WithActorFingerprint(ctx context.Context, fp string) context.Context {
	return context.WithValue(ctx, fingerprintKey, fp)
}

// ActorFingerprint returns the SSH key fingerprint stored in ctx, if any.
func ActorFingerprint(ctx context.Context) string {
	fp, _ := ctx.Value(fingerprintKey).(string)
	return fp
}

// ClientIP is the peer address of r (no forwarding headers are trusted).
func ClientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// ETagOf returns a weak ETag over the JSON form of v.
func ETagOf(v any) string {
	b, _ := json.Marshal(v)
	sum := sha256.Sum256(b)
	return `W/"` + hex.EncodeToString(sum[:12]) + `"`
}

// NotModified sets the ETag and reports whether r's If-None-Match matches it
// (in which case a 304 has been written).
func NotModified(w http.ResponseWriter, r *http.Request, etag string) bool {
	w.Header().Set("ETag", etag)
	w.Header().Set("Cache-Control", "private, no-cache")
	inm := r.Header.Get("If-None-Match")
	if inm == "" {
		return false
	}
	for _, t := range strings.Split(inm, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == strings.TrimPrefix(etag, "W/") {
			w.WriteHeader(http.StatusNotModified)
			return true
		}
	}
	return false
}

// WriteTagged answers 304 when If-None-Match matches v's ETag, else 200 with v.
func WriteTagged(w http.ResponseWriter, r *http.Request, v any) {
	if !NotModified(w, r, ETagOf(v)) {
		WriteJSON(w, http.StatusOK, v)
	}
}
