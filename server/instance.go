package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/penguinmails/pmdev/server/store"
)

// DefaultInstanceBeat is how often a serving instance refreshes its lease;
// a lease not refreshed for instanceStaleBeats beats is a stopped instance.
const (
	DefaultInstanceBeat = 2 * time.Second
	instanceStaleBeats  = 3
)

// ErrSplitLimits is the refusal to start next to an instance whose rate
// limits would not add up with this one's.
var ErrSplitLimits = fmt.Errorf("another instance serves this database with separate rate-limit buckets")

// instanceLease is this instance's row in the instances table while it serves.
type instanceLease struct {
	s     *Server
	in    store.Instance
	beat  time.Duration
	stop  chan struct{}
	done  sync.WaitGroup
	known map[string]bool // instances already warned about
	// split: another instance with limits of its own served when this
	// one started (--allow-split-limits); set before run starts.
	split bool
}

func (l *instanceLease) stale() time.Duration { return instanceStaleBeats * l.beat }

// conflicts are the live instances whose buckets are not this one's: with
// in-memory limits every other instance, with Redis those using another.
func (l *instanceLease) conflicts(ctx context.Context) ([]store.Instance, error) {
	live, err := l.s.st.LiveInstances(ctx, l.s.db, time.Now().Add(-l.stale()))
	if err != nil {
		return nil, err
	}
	var out []store.Instance
	for _, in := range live {
		if in.ID != l.in.ID && (l.in.Limiter == "memory" || in.Limiter != l.in.Limiter) {
			out = append(out, in)
		}
	}
	return out, nil
}

// claimInstance writes this instance's lease and refuses to serve next to
// an instance whose limits are separate (each would grant a key its whole
// burst), unless cfg.AllowSplitLimits, which logs the reason loudly. A
// lease left by a crashed instance looks alive until stale: it is watched
// for a beat before being believed.
func (s *Server) claimInstance(ctx context.Context) error {
	beat := s.cfg.InstanceBeat
	if beat <= 0 {
		beat = DefaultInstanceBeat
	}
	host, _ := os.Hostname()
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	now := time.Now() // wall clock: leases outlive the test clocks
	l := &instanceLease{s: s, beat: beat, stop: make(chan struct{}), known: map[string]bool{},
		in: store.Instance{ID: hex.EncodeToString(b), Host: host, PID: os.Getpid(), Limiter: limiterID(s.limiter), StartedAt: now, SeenAt: now}}
	if err := s.st.DropInstance(ctx, s.db, "", now.Add(-time.Hour)); err != nil {
		return fmt.Errorf("instance lease: %w", err)
	}
	if err := s.st.BeatInstance(ctx, s.db, l.in); err != nil {
		return fmt.Errorf("instance lease: %w", err)
	}
	others, err := l.alive(ctx)
	if err == nil && len(others) > 0 {
		err = splitLimitsError(l.in, others)
		if s.cfg.AllowSplitLimits {
			s.log.Error("serving anyway (--allow-split-limits): rate limits are NOT shared, each instance grants a key its whole burst", "reason", err.Error())
			for _, o := range others {
				l.known[o.ID] = true
			}
			l.split = true
			err = nil
		}
	}
	if err != nil {
		_ = s.st.DropInstance(context.WithoutCancel(ctx), s.db, l.in.ID, time.Time{})
		return err
	}
	s.instance = l
	l.done.Go(l.run)
	return nil
}

// alive is the conflicting instances that prove alive: a lease that does
// not move within the stale window belongs to a stopped instance.
func (l *instanceLease) alive(ctx context.Context) ([]store.Instance, error) {
	first, err := l.conflicts(ctx)
	if err != nil || len(first) == 0 {
		return nil, err
	}
	seen := map[string]time.Time{}
	for _, in := range first {
		seen[in.ID] = in.SeenAt
	}
	deadline := time.Now().Add(l.stale())
	for {
		now, err := l.conflicts(ctx)
		if err != nil {
			return nil, err
		}
		var moved []store.Instance
		for _, in := range now {
			if t, ok := seen[in.ID]; !ok || in.SeenAt.After(t) {
				moved = append(moved, in)
			}
		}
		if len(moved) > 0 || len(now) == 0 || time.Now().After(deadline) {
			return moved, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(l.beat / 2):
		}
	}
}

func splitLimitsError(self store.Instance, others []store.Instance) error {
	var b strings.Builder
	for i, o := range others {
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%s pid %d (rate limits: %s) started %s, seen %s ago", o.Host, o.PID, o.Limiter,
			o.StartedAt.UTC().Format(time.RFC3339), time.Since(o.SeenAt).Round(time.Millisecond))
	}
	return fmt.Errorf("%w: %s; this one's rate limits: %s. Share the limits with --ratelimit redis://… on every instance, "+
		"stop the other one, or start with --allow-split-limits to serve with each instance's own buckets", ErrSplitLimits, b.String(), self.Limiter)
}

// run refreshes the lease every beat and warns once of each conflicting
// instance that started anyway.
func (l *instanceLease) run() {
	t := time.NewTicker(l.beat)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), l.beat)
		l.in.SeenAt = time.Now()
		if err := l.s.st.BeatInstance(ctx, l.s.db, l.in); err != nil {
			l.s.log.Warn("instance lease: heartbeat failed", "err", err.Error())
		} else if others, err := l.conflicts(ctx); err == nil {
			for _, o := range others {
				if !l.known[o.ID] {
					l.known[o.ID] = true
					l.s.log.Error("rate limits are split: another instance serves this database with its own buckets",
						"reason", splitLimitsError(l.in, []store.Instance{o}).Error())
					// It may change keys this one cached: read them again.
					l.s.keyring.SetMaxAge(SharedKeyMaxAge)
					l.s.keyring.Clear()
				}
			}
		}
		cancel()
	}
}

// release stops the heartbeat and deletes the lease.
func (l *instanceLease) release(ctx context.Context) {
	if l == nil {
		return
	}
	close(l.stop)
	l.done.Wait()
	if err := l.s.st.DropInstance(ctx, l.s.db, l.in.ID, time.Time{}); err != nil {
		l.s.log.Warn("instance lease: not released", "err", err.Error())
	}
}
