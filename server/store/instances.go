package store

import (
	"context"
	"time"
)

// Instance is one serving process of the database, as its lease row says.
type Instance struct {
	ID, Host string
	PID      int
	// Limiter names where its rate-limit buckets live: "memory", or the
	// Redis address, database and prefix (never a password).
	Limiter           string
	StartedAt, SeenAt time.Time
}

// InstanceStore holds the instance leases: each serving instance writes its
// row every few seconds and deletes it when it stops.
type InstanceStore interface {
	// BeatInstance inserts or refreshes in (seen_at = in.SeenAt).
	BeatInstance(ctx context.Context, h Handle, in Instance) error
	// LiveInstances lists the instances seen at or after since.
	LiveInstances(ctx context.Context, h Handle, since time.Time) ([]Instance, error)
	// DropInstance deletes id's row, and every row not seen since before.
	DropInstance(ctx context.Context, h Handle, id string, before time.Time) error
}
