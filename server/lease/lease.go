// Package lease makes one instance among those sharing a database run the
// singleton jobs (traffic simulator, retention pruning, notice scans, stale
// webhook claims). On PostgreSQL the holder keeps a session advisory lock on
// a connection of its own: when the holder dies its session ends, the lock
// is free, and another instance takes it at its next try. On SQLite one
// process owns the database, so the lease is always held.
package lease

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/penguinmails/pmdev/server/store/pgsql"
)

// Every is how often an instance without the lease tries to take it, and
// how often the holder checks that its session is alive.
var Every = 2 * time.Second

// Lease is this instance's claim to the named singleton role.
type Lease struct {
	held atomic.Bool
	log  *slog.Logger
	stop context.CancelFunc
	done chan struct{}
}

// Take starts competing for the named lease on db; Close gives it up.
func Take(db *sql.DB, name string, log *slog.Logger) *Lease {
	l := &Lease{log: log, done: make(chan struct{})}
	if !pgsql.Is(db) {
		l.held.Store(true)
		l.stop = func() {}
		close(l.done)
		return l
	}
	ctx, cancel := context.WithCancel(context.Background())
	l.stop = cancel
	go l.loop(ctx, db, name)
	return l
}

// Off is a lease never held: offline commands on a shared database leave
// the singletons to the servers.
func Off() *Lease {
	l := &Lease{stop: func() {}, done: make(chan struct{})}
	close(l.done)
	return l
}

// Held reports whether this instance holds the lease now.
func (l *Lease) Held() bool { return l.held.Load() }

// Close gives the lease up (the next instance takes it at its next try).
func (l *Lease) Close() {
	l.stop()
	<-l.done
}

// Run calls fn with a context that ends when the lease is lost or ctx
// ends, again each time the lease is taken back, until ctx ends or fn
// returns on its own.
func (l *Lease) Run(ctx context.Context, fn func(ctx context.Context)) {
	for ctx.Err() == nil {
		if !l.Held() {
			select {
			case <-ctx.Done():
				return
			case <-time.After(Every / 4):
				continue
			}
		}
		jctx, cancel := context.WithCancel(ctx)
		go func() {
			t := time.NewTicker(Every / 4)
			defer t.Stop()
			for jctx.Err() == nil && l.Held() {
				select {
				case <-jctx.Done():
				case <-t.C:
				}
			}
			cancel()
		}()
		fn(jctx)
		lost := jctx.Err() != nil
		cancel()
		if !lost {
			return
		}
	}
}

func (l *Lease) loop(ctx context.Context, db *sql.DB, name string) {
	defer close(l.done)
	defer l.held.Store(false)
	var conn *sql.Conn
	release := func() {
		if conn == nil {
			return
		}
		if l.held.Load() {
			uctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			_, _ = conn.ExecContext(uctx, `SELECT pg_advisory_unlock(hashtext(current_schema() || ?))`, ".pmdev.lease."+name)
			cancel()
		}
		// Never back to the pool: a pooled session would keep the lock.
		_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		conn.Close()
		conn = nil
		l.held.Store(false)
	}
	defer release()
	for {
		if err := l.try(ctx, db, &conn, name); err != nil && ctx.Err() == nil {
			if l.held.Load() {
				l.log.Warn("singleton lease lost", "lease", name, "err", err)
			}
			release()
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(Every):
		}
	}
}

// try takes the lock if free, or checks that the session holding it lives.
func (l *Lease) try(ctx context.Context, db *sql.DB, conn **sql.Conn, name string) error {
	ctx, cancel := context.WithTimeout(ctx, Every)
	defer cancel()
	if *conn == nil {
		c, err := db.Conn(ctx)
		if err != nil {
			return err
		}
		*conn = c
	}
	if l.held.Load() {
		return (*conn).PingContext(ctx)
	}
	var got bool
	if err := (*conn).QueryRowContext(ctx, `SELECT pg_try_advisory_lock(hashtext(current_schema() || ?))`, ".pmdev.lease."+name).Scan(&got); err != nil {
		return err
	}
	if got {
		l.held.Store(true)
		l.log.Info("singleton lease taken: this instance runs the simulator, pruning and scans", "lease", name)
	}
	return nil
}
