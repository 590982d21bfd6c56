package keys

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server/ratelimit"
	"github.com/penguinmails/pmdev/server/store"
)

// Entry is what product authentication needs about a key.
type Entry struct {
	ID, TenantID, Name string
	RateLimit, Burst   int
	ExpiresAt          *time.Time
	Revoked            bool
	perms              []string // a handful: a scan beats hashing
	full               bool     // holds full_access
	ips                []netip.Prefix
	loaded             time.Time
	// Bucket keeps the key's rate-limit bucket for the limiter; a changed
	// key is a new entry whose first request finds the same bucket by id.
	Bucket ratelimit.Slot
	// Usage keeps the key's place in the usage writer's pending counts.
	Usage store.UsageSlot
}

// Has reports whether the key holds perm (full_access holds them all).
func (e *Entry) Has(perm string) bool { return e.full || slices.Contains(e.perms, perm) }

// IPAllowed reports whether the allow-list admits ip (an empty list admits all).
func (e *Entry) IPAllowed(ip string) bool {
	if len(e.ips) == 0 {
		return true
	}
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, p := range e.ips {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// Cache holds keys by digest so the product hot path does no database read.
// Every change of a key must Invalidate it.
type Cache struct {
	db *sql.DB
	st store.KeyStore

	// maxAge bounds how long an entry is trusted in nanoseconds (0: until
	// invalidated); instances sharing a database cannot invalidate each
	// other's.
	maxAge atomic.Int64

	mu       sync.RWMutex
	gen      uint64
	byDigest map[[32]byte]*Entry
	digestOf map[string][32]byte
	notify   func(id string) // tells the other instances; nil: none
}

// NewCache returns an empty cache over db.
func NewCache(db *sql.DB, st store.KeyStore) *Cache {
	return &Cache{db: db, st: st, byDigest: map[[32]byte]*Entry{}, digestOf: map[string][32]byte{}}
}

// SetMaxAge makes entries older than d be read again: another instance on
// the same database may have changed the key. Safe at any time.
func (c *Cache) SetMaxAge(d time.Duration) { c.maxAge.Store(int64(d)) }

// MaxAge is how long an entry is trusted (0: until invalidated).
func (c *Cache) MaxAge() time.Duration { return time.Duration(c.maxAge.Load()) }

// Invalidate drops a key after any change; the generation stops an
// in-flight load from re-inserting stale data.
func (c *Cache) Invalidate(id string) {
	notify := c.Forget(id)
	if notify != nil {
		notify(id)
	}
}

// Forget drops a key changed by another instance (Invalidate there) and
// returns the notification hook.
func (c *Cache) Forget(id string) func(string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	if d, ok := c.digestOf[id]; ok {
		delete(c.byDigest, d)
		delete(c.digestOf, id)
	}
	return c.notify
}

// Clear drops every key: changes elsewhere may have gone unheard.
func (c *Cache) Clear() {
	c.mu.Lock()
	c.gen++
	clear(c.byDigest)
	clear(c.digestOf)
	c.mu.Unlock()
}

// OnInvalidate makes every Invalidate also call fn (after the change is
// committed), so instances sharing the database drop the key too.
func (c *Cache) OnInvalidate(fn func(id string)) {
	c.mu.Lock()
	c.notify = fn
	c.mu.Unlock()
}

// Lookup returns the key of a plaintext, or nil when unknown. A cached
// digest is a real key; before a database read the checksum turns away
// strings that cannot be keys.
func (c *Cache) Lookup(ctx context.Context, plain string) (*Entry, error) {
	var buf [96]byte // keys fit: no allocation for the conversion
	d := sha256.Sum256(append(buf[:0], plain...))
	c.mu.RLock()
	e, gen := c.byDigest[d], c.gen
	c.mu.RUnlock()
	if maxAge := c.MaxAge(); e != nil && (maxAge == 0 || time.Since(e.loaded) < maxAge) {
		return e, nil
	}
	if !models.ValidKeyChecksum(plain) {
		return nil, nil
	}
	key := d // a copy for the read, so that d stays off the heap on the hot path
	k, err := c.st.KeyAuthByDigest(ctx, c.db, key[:])
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	e = &Entry{ID: k.ID, TenantID: k.TenantID, Name: k.Name, RateLimit: k.RateLimit, ExpiresAt: k.ExpiresAt, Revoked: k.Revoked,
		perms: slices.Clone(k.Permissions), full: slices.Contains(k.Permissions, "full_access"), Burst: models.PlanOrDefault(k.Plan).Burst, loaded: time.Now()}
	for _, s := range k.AllowedIPs {
		if p, err := netip.ParsePrefix(s); err == nil {
			e.ips = append(e.ips, p)
		} else if a, err := netip.ParseAddr(s); err == nil {
			e.ips = append(e.ips, netip.PrefixFrom(a, a.BitLen()))
		}
	}
	c.mu.Lock()
	if c.gen == gen {
		c.byDigest[d] = e
		c.digestOf[e.ID] = d
	}
	c.mu.Unlock()
	return e, nil
}

// Generation changes with every key change (an ETag part for documents
// that show key names or limits).
func (c *Cache) Generation() uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.gen
}
