package ratelimit

import (
	"context"
	"sync"
	"time"
)

// Memory holds one bucket per key id in this process, indexed by tenant
// too. Finding a key's bucket takes no lock (the request path); creating one
// does. Instances sharing a database each have their own: see Redis.
type Memory struct {
	buckets  sync.Map // key id -> *Bucket
	mu       sync.RWMutex
	byTenant map[string]map[string]*Bucket
	tenantOf map[string]string
}

// NewMemory returns an empty in-process limiter.
func NewMemory() *Memory {
	return &Memory{byTenant: map[string]map[string]*Bucket{}, tenantOf: map[string]string{}}
}

var _ Limiter = (*Memory)(nil)

// Bucket returns the key's bucket, creating a full one as needed; Take
// with TakeAt (or call SetLimit) to apply a changed limit.
func (l *Memory) Bucket(tenantID, keyID string, limit, burst int, now time.Time) *Bucket {
	if b, ok := l.buckets.Load(keyID); ok {
		return b.(*Bucket)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if b, ok := l.buckets.Load(keyID); ok {
		return b.(*Bucket)
	}
	b := NewBucket(limit, burst, now)
	l.buckets.Store(keyID, b)
	t := l.byTenant[tenantID]
	if t == nil {
		t = map[string]*Bucket{}
		l.byTenant[tenantID] = t
	}
	t[keyID] = b
	l.tenantOf[keyID] = tenantID
	return b
}

// slotted is Bucket through slot: the bucket it holds, or the key's found
// (or created) and kept there.
func (l *Memory) slotted(slot *Slot, tenantID, keyID string, limit, burst int, now time.Time) *Bucket {
	if slot == nil {
		return l.Bucket(tenantID, keyID, limit, burst, now)
	}
	if b := slot.b.Load(); b != nil {
		return b
	}
	b := l.Bucket(tenantID, keyID, limit, burst, now)
	slot.b.Store(b)
	return b
}

// Take consumes one token of the key's bucket.
func (l *Memory) Take(_ context.Context, slot *Slot, tenantID, keyID string, limit, burst int, now time.Time) Result {
	return l.slotted(slot, tenantID, keyID, limit, burst, now).TakeAt(limit, burst, now)
}

// Peek reports the key's bucket (created full as needed) under its current limit.
func (l *Memory) Peek(_ context.Context, slot *Slot, tenantID, keyID string, limit, burst int, now time.Time) State {
	b := l.slotted(slot, tenantID, keyID, limit, burst, now)
	b.SetLimit(limit, burst, now)
	return b.Snapshot(now)
}

// States reports the buckets of ids that exist.
func (l *Memory) States(_ context.Context, _ string, ids []string, now time.Time) (map[string]State, error) {
	out := map[string]State{}
	for _, id := range ids {
		if b, ok := l.buckets.Load(id); ok {
			out[id] = b.(*Bucket).Snapshot(now)
		}
	}
	return out, nil
}

// Forget drops a key's bucket (revoked keys).
func (l *Memory) Forget(_ context.Context, _, keyID string) {
	l.mu.Lock()
	l.buckets.Delete(keyID)
	if t, ok := l.tenantOf[keyID]; ok {
		delete(l.byTenant[t], keyID)
		delete(l.tenantOf, keyID)
	}
	l.mu.Unlock()
}

// Stats: a memory limiter has nothing to report but its kind.
func (l *Memory) Stats() Stats { return Stats{Backend: "memory"} }

// Tenant lists the buckets of a tenant's keys that have spent tokens.
func (l *Memory) Tenant(_ context.Context, tenantID string, now time.Time) ([]KeyUse, error) {
	l.mu.RLock()
	bs := make([]*Bucket, 0, len(l.byTenant[tenantID]))
	out := make([]KeyUse, 0, len(l.byTenant[tenantID]))
	for id, b := range l.byTenant[tenantID] {
		bs = append(bs, b)
		out = append(out, KeyUse{KeyID: id})
	}
	l.mu.RUnlock()
	busy := out[:0]
	for i, u := range out {
		u.State = bs[i].Snapshot(now)
		if u.Used > 0 {
			busy = append(busy, u)
		}
	}
	return busy, nil
}
