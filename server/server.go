// Package server is the pmdev reference implementation of the PenguinMails
// API v1 endpoints the console uses, over real HTTP with real SQLite storage.
// This package is the composition root: it opens the store, wires the
// domain packages (auth, keys, usage, product, webhook, docs) and their
// routes, and owns start-up and shutdown.
package server

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/penguinmails/pmdev/server/auth"
	"github.com/penguinmails/pmdev/server/keys"
	"github.com/penguinmails/pmdev/server/lease"
	"github.com/penguinmails/pmdev/server/notify"
	"github.com/penguinmails/pmdev/server/product"
	"github.com/penguinmails/pmdev/server/ratelimit"
	"github.com/penguinmails/pmdev/server/seed"
	"github.com/penguinmails/pmdev/server/simulate"
	"github.com/penguinmails/pmdev/server/store"
	"github.com/penguinmails/pmdev/server/store/pgsql"
	"github.com/penguinmails/pmdev/server/store/sqlite"
	"github.com/penguinmails/pmdev/server/stream"
	"github.com/penguinmails/pmdev/server/usage"
	"github.com/penguinmails/pmdev/server/webhook"
)

// Config configures Open.
type Config struct {
	DBPath   string
	Seed     string // "" or "demo"
	SeedKeys int    // with Seed "demo": keys in all (0: the demo's 7), for benchmarks
	// SeedProgress, when set, is called as the seed advances (done of total steps).
	SeedProgress func(done, total int)
	// SeedHistoryLater leaves the demo's usage history (most of the seed's
	// time) to WriteSeedHistory, to run once serving; Open writes it otherwise.
	SeedHistoryLater     bool
	Logger               *slog.Logger
	Now                  func() time.Time
	AllowPrivateWebhooks bool
	WebhookRetrySchedule []time.Duration
	// WebhookNoticeScan is how often keys are checked for api_key.expiring
	// notices (0: every minute; < 0: never, tests scan by hand).
	WebhookNoticeScan time.Duration
	// WebhookKey is the key sealing webhook secrets at rest, 64 hexadecimal
	// digits (the commands read it from PMDEV_WEBHOOK_KEY); instances sharing
	// a database must share it. Empty: the key file is used.
	WebhookKey string
	// WebhookKeyFile holds the key when WebhookKey is empty (default: the
	// database path + ".webhook-key"); it is created while no endpoint exists.
	WebhookKeyFile string
	// WebhookClaimTimeout is how old a delivery claim must be before
	// another instance on a shared database (PostgreSQL) takes it back from
	// a holder that died mid-send (0: a minute; tests shorten it).
	WebhookClaimTimeout time.Duration
	// NoWebhooks opens the database for an offline command (users, SSH
	// keys): no webhook delivery, no notices, no sealing-key check, and no
	// webhook routes.
	NoWebhooks bool
	// SimulatedWebhookEvery paces the webhook events of simulated traffic:
	// at most one per event type per interval (0: a minute; < 0: none).
	SimulatedWebhookEvery time.Duration
	Assets                fs.FS // the api dir (openapi.yaml, docs/); may be nil
	// RateLimit is where the rate-limit buckets live: "" keeps them in this
	// process; redis://host:port/db shares them with every instance using
	// the same Redis and RateLimitPrefix.
	RateLimit string
	// RateLimitPrefix prefixes the limiter's Redis keys (default
	// ratelimit.DefaultRedisPrefix).
	RateLimitPrefix string
	// AllowSplitLimits serves even next to a live instance whose rate-limit
	// buckets are separate from this one's (each then grants a key its whole
	// burst), logging why; without it Open refuses (ErrSplitLimits).
	AllowSplitLimits bool
	// Personal marks a one-user sandbox (the console's embedded server):
	// consoles in several terminals may open it at once, each with its own
	// buckets as before, so it takes no instance lease and refuses nothing.
	Personal bool
	// InstanceBeat is how often the instance lease is refreshed (0:
	// DefaultInstanceBeat); offline commands (NoWebhooks) take no lease.
	InstanceBeat time.Duration
	// StreamMaxSubscribers bounds the live streams one tenant may have
	// open (0: stream.DefaultMaxSubscribers).
	StreamMaxSubscribers int
	// StreamHeartbeat is the interval of the streams' keep-alive comments
	// (0: stream.DefaultHeartbeat).
	StreamHeartbeat time.Duration
}

// SharedKeyMaxAge is how long an instance on a shared (PostgreSQL) database
// trusts an API key it read: a key revoked or changed through another
// instance stops working here within it.
const SharedKeyMaxAge = 5 * time.Second

// soleKeyWriter reports whether no other instance can change keys on this
// database: this one holds the instance lease with limits of its own, which
// any later instance is refused next to (or, with --allow-split-limits,
// found by the lease's heartbeat, which then turns the re-reads on). A key
// read again every SharedKeyMaxAge costs a query per key, the largest part
// of PostgreSQL's work per product request at 1,000 keys.
func (s *Server) soleKeyWriter(limiter ratelimit.Limiter) bool {
	_, shared := limiter.(*ratelimit.Redis)
	return s.instance != nil && !shared && !s.instance.split
}

// Events receives domain events (the webhook service implements it).
type Events = product.Events

type noopEvents struct{}

func (noopEvents) Emit(context.Context, string, string, any) {}

// Server is one running API instance over one database.
type Server struct {
	cfg      Config
	db       *sql.DB
	st       store.Store
	log      *slog.Logger
	now      func() time.Time
	eventsMu sync.RWMutex     // events is read by background notices too
	events   Events           // the webhook service once started; tests tap it
	webhooks *webhook.Service // nil until started
	notify   *notify.Notifier // expiry and rate-limit notices; nil until started
	simGate  *simulate.Gate   // paces the simulated traffic's webhook events
	limiter  ratelimit.Limiter
	instance *instanceLease // this instance's row; nil for offline commands
	keySync  *keySync       // nil without the Redis limiter
	lead     *lease.Lease   // held by the one instance running the singletons
	keyring  *keys.Cache
	usage    *usage.Writer
	streams  *stream.Hub
	auth     *auth.Service
	handler  http.Handler

	seedSkipped bool // Seed "demo" found the demo tenant already there
	history     seedHistory

	closeOnce sync.Once
	closeErr  error
}

// DefaultDBPath is $XDG_DATA_HOME/pmdev/pmdev.db (fallback ~/.local/share/pmdev/pmdev.db).
func DefaultDBPath() string {
	dir := os.Getenv("XDG_DATA_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			home = "."
		}
		dir = filepath.Join(home, ".local", "share")
	}
	return filepath.Join(dir, "pmdev", "pmdev.db")
}

// Open opens (creating if needed) the database, migrates it, seeds it when
// asked and empty, and starts the background usage writer and webhook
// delivery.
func Open(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.DBPath == "" {
		cfg.DBPath = DefaultDBPath()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Seed != "" && cfg.Seed != "demo" {
		return nil, fmt.Errorf("unknown seed %q (want demo)", cfg.Seed)
	}
	if !cfg.NoWebhooks {
		if _, _, err := cfg.webhookKey(); err != nil {
			return nil, err // before connecting: a missing key is a configuration error
		}
	}
	limiter, err := openLimiter(ctx, cfg)
	if err != nil {
		return nil, err
	}
	db, err := sqlite.Open(ctx, cfg.DBPath)
	if err != nil {
		closeLimiter(limiter)
		return nil, err
	}
	st := sqlite.Store{}
	now := func() time.Time { return cfg.Now().UTC() }
	s := &Server{
		cfg:     cfg,
		db:      db,
		st:      st,
		log:     cfg.Logger,
		now:     now,
		events:  noopEvents{},
		limiter: limiter,
		keyring: keys.NewCache(db, st),
		auth:    auth.New(db, st, cfg.Logger, now),
		simGate: simulate.NewGate(cfg.SimulatedWebhookEvery, now),
	}
	if !cfg.NoWebhooks && !cfg.Personal {
		if err := s.claimInstance(ctx); err != nil {
			db.Close()
			closeLimiter(limiter)
			return nil, err
		}
	}
	if cfg.Seed == "demo" {
		hist, skipped, err := seed.Demo(ctx, db, st, s.log, now(), cfg.SeedKeys, cfg.SeedProgress)
		if err == nil && hist != nil && !cfg.SeedHistoryLater {
			err = hist.Write(ctx)
			hist = nil
		}
		if err == nil && !skipped && hist == nil {
			s.analyzeAfterBulkLoad(ctx) // the history is written (inline with --seed-keys)
		}
		if err != nil {
			s.instance.release(ctx)
			db.Close()
			closeLimiter(limiter)
			return nil, fmt.Errorf("seed demo: %w", err)
		}
		s.seedSkipped, s.history.pending = skipped, hist
	}
	if pgsql.Is(db) && !s.soleKeyWriter(limiter) {
		s.keyring.SetMaxAge(SharedKeyMaxAge)
	}
	s.lead = lease.Off()
	if !cfg.NoWebhooks || !pgsql.Is(db) {
		s.lead = lease.Take(db, "singletons", s.log)
	}
	s.usage = usage.NewWriter(db, st, s.log, now, auth.ExpiredTokenKeep, s.lead.Held)
	// undo stops what has started so far, newest first, when a later part fails.
	undo := func() {
		s.usage.Close(ctx)
		s.instance.release(ctx)
		s.lead.Close()
		db.Close()
		closeLimiter(limiter)
	}
	s.streams, err = stream.New(ctx, stream.Config{DB: db, Log: s.log.With("component", "streams"), Now: now,
		MaxSubscribers: cfg.StreamMaxSubscribers, Heartbeat: cfg.StreamHeartbeat})
	if err != nil {
		undo()
		return nil, err
	}
	if !cfg.NoWebhooks {
		if err := s.startWebhooks(ctx); err != nil {
			s.streams.Close(ctx)
			undo()
			return nil, err
		}
	}
	if r, ok := limiter.(*ratelimit.Redis); ok && !cfg.NoWebhooks {
		s.startKeySync(r)
	}
	s.handler = s.routes()
	return s, nil
}

// SeedSkipped reports whether Open was asked for the demo seed but left the
// database alone because the demo tenant already exists.
func (s *Server) SeedSkipped() bool { return s.seedSkipped }

// Handler serves every route.
func (s *Server) Handler() http.Handler { return s.handler }

// Drain stops background work that could hold an HTTP shutdown: webhook
// sends in flight (queue workers, test sends, manual retries) are abandoned
// and stay queued, and no new delivery starts. Requests keep being served
// and recorded. Register it with http.Server.RegisterOnShutdown; Close
// calls it too.
func (s *Server) Drain() {
	s.streams.Drain() // open streams end with a shutdown event
	if s.webhooks != nil {
		s.webhooks.Drain()
	}
}

// Close stops taking new work, then, within ctx, writes every usage record
// still queued and waits for the webhook workers, and only then closes the
// database. Call it after the HTTP server has shut down so no acknowledged
// request is lost. At ctx's deadline the writes still running are abandoned
// (the rows lost are logged) rather than holding the exit.
func (s *Server) Close(ctx context.Context) error {
	s.closeOnce.Do(func() {
		s.Drain()
		s.history.wait(ctx)
		if s.notify != nil {
			s.notify.Close()
		}
		var wg sync.WaitGroup
		var whErr, usageErr error
		wg.Go(func() {
			if s.webhooks != nil {
				whErr = s.webhooks.Close(ctx)
			}
		})
		wg.Go(func() { usageErr = s.usage.Close(ctx) })
		wg.Wait()
		s.instance.release(ctx)
		s.lead.Close()
		s.keySync.stop()
		// After the webhooks: their last events are in the window written now.
		streamErr := s.streams.Close(ctx)
		s.closeErr = errors.Join(whErr, usageErr, streamErr, s.db.Close(), closeLimiter(s.limiter))
	})
	return s.closeErr
}

// Flush writes pending usage now (tests and the simulator use it).
func (s *Server) Flush() { s.usage.Flush() }
