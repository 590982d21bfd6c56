package webhook

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/penguinmails/pmdev/server/internal/stop"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server/store"
)

// DefaultSchedule is the wait before each retry; longer retry counts repeat the last step.
var defaultSchedule = []time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute, time.Hour, 24 * time.Hour}

// DefaultSchedule returns the production retry schedule.
func DefaultSchedule() []time.Duration { return slices.Clone(defaultSchedule) }

// Delivery tuning.
const (
	DefaultTimeout = 10 * time.Second
	// DefaultWorkers bounds the attempts in flight at once, all endpoints
	// together; DefaultPerEndpoint and DefaultPerTenant bound them per
	// endpoint and per tenant, so a slow or hanging receiver holds only
	// its own slots and every other endpoint keeps being served.
	DefaultWorkers     = 32
	DefaultPerEndpoint = 2
	DefaultPerTenant   = 8
	// RotationGrace is how long the previous secret keeps signing after a rotation.
	RotationGrace = 24 * time.Hour
	// FailingAfter consecutive failed attempts marks an endpoint failing.
	FailingAfter = 3
	// An endpoint whose every attempt has failed for DisableAfter, with at
	// least DisableMinFailures of them, is disabled: a receiver down for a
	// while (a deploy, an outage) keeps its endpoint however busy it is.
	DisableAfter       = 72 * time.Hour
	DisableMinFailures = 10
	// MaxPerTenant bounds the endpoints of one tenant.
	MaxPerTenant = 50
	// DefaultClaimTimeout is how old a claim must be before another instance
	// takes it back: well past a send's timeout and its bookkeeping.
	DefaultClaimTimeout = time.Minute
	// subsEvery is how often a shared service re-reads the endpoints, which
	// other instances may have changed.
	subsEvery = 2 * time.Second
	// pollMax bounds how long the dispatcher sleeps without looking at the queue.
	pollMax   = time.Second
	userAgent = "PenguinMails-Webhooks/1.0"
	// dbTimeout bounds one bookkeeping write (recording an attempt, releasing
	// a claim), well below the database's busy timeout, so shutdown is not
	// held by a locked database.
	dbTimeout = 3 * time.Second
	// abortGrace is how long Close waits for workers after its deadline
	// aborted their database writes.
	abortGrace = time.Second
)

// Config configures Open.
type Config struct {
	DB     *sql.DB
	Logger *slog.Logger
	Now    func() time.Time
	// AllowPrivate lets endpoints use http and private/loopback addresses (sandbox, tests).
	AllowPrivate bool
	// Schedule overrides DefaultSchedule (tests use milliseconds).
	Schedule []time.Duration
	// Key seals secrets at rest (KeySize bytes); when empty the key is read
	// from KeyFile, which is created if missing while no endpoint exists;
	// with neither the key lives in memory only (in-memory databases).
	Key     []byte
	KeyFile string
	// Shared says other instances may deliver from the same database
	// (PostgreSQL): claims are taken with row locks skipping what another
	// instance holds, and a claim is only taken back when older than
	// ClaimTimeout (its holder died mid-send), by the instance Singleton
	// says runs the singletons (nil: this one).
	Shared       bool
	Singleton    func() bool
	ClaimTimeout time.Duration // 0: DefaultClaimTimeout
	// Workers, PerEndpoint and PerTenant bound the attempts in flight
	// (0: the defaults).
	Workers     int
	PerEndpoint int
	PerTenant   int
	Timeout     time.Duration
	Resolver    Resolver
	// Audit records endpoint changes in the server's audit log, inside the
	// change's transaction; nil records nothing.
	Audit AuditFunc
	// Tap, when set, sees every event of a tenant it wants, as built, with
	// or without endpoints (the live event stream); it must not block.
	Tap Tap
}

// Tap sees events as they are generated.
type Tap interface {
	Wants(tenantID string) bool
	Tap(tenantID, eventType string, at time.Time, body []byte)
}

// Execer is the transaction an AuditFunc writes with.
type Execer = store.Handle

// AuditFunc records one change of webhook id by actor (ctx may carry the
// actor's SSH key fingerprint).
type AuditFunc func(ctx context.Context, ex Execer, tenantID, id, action, actor, ip, detail string) error

// Service owns the webhook tables, the queue and its workers.
type Service struct {
	db *sql.DB
	// shared: other instances deliver from the database too (see Config)
	shared       bool
	singleton    func() bool
	claimTimeout time.Duration
	lastRequeue  time.Time // the dispatcher's last requeueClaims
	lastSubs     time.Time // and its last reloadSubs
	log          *slog.Logger
	now          func() time.Time
	allowPvt     bool
	schedule     []time.Duration
	timeout      time.Duration
	resolver     Resolver
	seal         *sealer
	client       *http.Client
	audit        AuditFunc
	tap          Tap

	subsMu sync.RWMutex
	subs   map[string][]subscription // tenant id -> active endpoints

	wake   chan struct{}
	freed  chan struct{} // an attempt ended: a slot may be free
	fair   *fairness
	stop   chan struct{}
	runCtx context.Context // ends at Drain: no new send, sends in flight abandoned
	cancel context.CancelFunc
	// dbCtx ends when Close gives up; bookkeeping writes stop then, so the
	// database can be closed under them (claims left are requeued at Open).
	dbCtx   context.Context
	dbAbort context.CancelFunc
	wg      sync.WaitGroup
	once    sync.Once
}

type subscription struct {
	id         string
	events     []string
	maxRetries int
}

// Open prepares the service over an already migrated database, puts back
// every delivery a previous process claimed but did not finish, and starts
// the dispatcher and the workers.
func Open(ctx context.Context, cfg Config) (*Service, error) {
	if cfg.DB == nil {
		return nil, errors.New("webhook: no database")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if len(cfg.Schedule) == 0 {
		cfg.Schedule = DefaultSchedule()
	}
	// Zero or below takes the default (max clamps, cmp.Or picks).
	cfg.Workers = cmp.Or(max(cfg.Workers, 0), DefaultWorkers)
	cfg.PerEndpoint = cmp.Or(max(cfg.PerEndpoint, 0), DefaultPerEndpoint)
	cfg.PerTenant = cmp.Or(max(cfg.PerTenant, 0), DefaultPerTenant)
	cfg.Timeout = cmp.Or(max(cfg.Timeout, 0), DefaultTimeout)
	if cfg.Resolver == nil {
		cfg.Resolver = net.DefaultResolver
	}
	seal, err := openSealer(ctx, cfg.DB, cfg)
	if err != nil {
		return nil, err
	}
	runCtx, cancel := context.WithCancel(context.Background())
	dbCtx, dbAbort := context.WithCancel(context.Background())
	s := &Service{
		db:       cfg.DB,
		log:      cfg.Logger,
		now:      func() time.Time { return cfg.Now().UTC() },
		allowPvt: cfg.AllowPrivate,
		schedule: slices.Clone(cfg.Schedule),
		timeout:  cfg.Timeout,
		resolver: cfg.Resolver,
		seal:     seal,
		client:   NewHTTPClient(cfg.Timeout, cfg.AllowPrivate, cfg.PerEndpoint),
		audit:    cfg.Audit,
		tap:      cfg.Tap,
		subs:     map[string][]subscription{},
		wake:     make(chan struct{}, 1),
		freed:    make(chan struct{}, 1),
		fair:     newFairness(cfg.Workers, cfg.PerEndpoint, cfg.PerTenant),
		stop:     make(chan struct{}),
		runCtx:   runCtx,
		cancel:   cancel,
		dbCtx:    dbCtx,
		dbAbort:  dbAbort,
	}
	fail := func(err error) (*Service, error) {
		cancel()
		dbAbort()
		return nil, err
	}
	cfg.ClaimTimeout = cmp.Or(max(cfg.ClaimTimeout, 0), DefaultClaimTimeout)
	s.shared, s.singleton, s.claimTimeout = cfg.Shared, cfg.Singleton, cfg.ClaimTimeout
	// Alone on the database every claim left is this process's previous
	// life; shared, only claims older than ClaimTimeout are.
	if err := s.requeueClaims(ctx, !cfg.Shared); err != nil {
		return fail(err)
	}
	if err := s.reloadSubs(ctx); err != nil {
		return fail(err)
	}
	s.wg.Add(1)
	go s.dispatch()
	return s, nil
}

// requeueClaims puts back claims whose holder stopped mid-send (all of
// them, or those older than the claim timeout). The attempt's outcome is
// unknown, so it is sent again (receivers de-duplicate on webhook-id);
// finished deliveries are never claimed again. Test sends answer one HTTP
// request, which nobody waits for any more: they fail.
func (s *Service) requeueClaims(ctx context.Context, all bool) error {
	now := store.MS(s.now())
	before := int64(math.MaxInt64)
	if !all {
		before = now - s.claimTimeout.Milliseconds()
	}
	if _, err := s.db.ExecContext(ctx, `UPDATE webhook_deliveries SET claimed_at = NULL,
		next_attempt_at = COALESCE(next_attempt_at, ?) WHERE claimed_at IS NOT NULL AND claimed_at < ? AND test = 0`, now, before); err != nil {
		return err
	}
	_, err := s.db.ExecContext(ctx, `UPDATE webhook_deliveries SET claimed_at = NULL, status = 'failed',
		error = 'interrupted by a server restart' WHERE claimed_at IS NOT NULL AND claimed_at < ? AND test = 1`, before)
	return err
}

// Drain stops taking new work: no delivery is claimed any more and sends in
// flight (queue workers, test sends and manual retries) are abandoned, their
// deliveries put back in the queue. Call it when the HTTP server begins to
// shut down, so slow receivers do not hold in-flight requests; Close calls it.
func (s *Service) Drain() {
	s.once.Do(func() {
		close(s.stop)
		s.cancel()
	})
}

// Close drains the service and waits for its workers to record what they
// were doing. At ctx's deadline their database writes are aborted (what was
// left claimed is requeued by the next Open); Close still waits briefly for
// them to return, so the database can be closed after it.
func (s *Service) Close(ctx context.Context) error {
	s.Drain()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	defer s.client.CloseIdleConnections()
	inTime, finished := stop.Wait(ctx, done, s.dbAbort, abortGrace)
	if inTime {
		return nil
	}
	if !finished {
		s.log.Warn("webhook workers still running after the shutdown deadline")
	}
	return fmt.Errorf("webhook: stop workers: %w", ctx.Err())
}

// bookkeeping bounds one queue write.
func (s *Service) bookkeeping() (context.Context, context.CancelFunc) {
	return context.WithTimeout(s.dbCtx, dbTimeout)
}

// sendCtx is parent bounded by the delivery timeout and ended by Drain.
func (s *Service) sendCtx(parent context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(parent, s.timeout+2*time.Second)
	stop := context.AfterFunc(s.runCtx, cancel)
	return ctx, func() { stop(); cancel() }
}

// stopping reports whether err is only the service shutting down.
func (s *Service) stopping(err error) bool {
	return s.runCtx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, sql.ErrConnDone) || s.dbCtx.Err() != nil || strings.Contains(err.Error(), "database is closed"))
}

func (s *Service) kick() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *Service) reloadSubs(ctx context.Context) error {
	rows, err := s.db.QueryContext(ctx, `SELECT id, tenant_id, events, max_retries FROM webhooks WHERE status = ?`, models.WebhookActive)
	if err != nil {
		return err
	}
	defer rows.Close()
	subs := map[string][]subscription{}
	for rows.Next() {
		var id, tenant, events string
		var mr int
		if err := rows.Scan(&id, &tenant, &events, &mr); err != nil {
			return err
		}
		var ev []string
		_ = json.Unmarshal([]byte(events), &ev)
		subs[tenant] = append(subs[tenant], subscription{id: id, events: ev, maxRetries: mr})
	}
	if err := rows.Err(); err != nil {
		return err
	}
	s.subsMu.Lock()
	s.subs = subs
	s.subsMu.Unlock()
	return nil
}

// Wants reports whether an active endpoint of the tenant subscribes to
// eventType, so producers can skip building events nobody receives.
func (s *Service) Wants(tenantID, eventType string) bool {
	if s.tap != nil && s.tap.Wants(tenantID) {
		return true
	}
	s.subsMu.RLock()
	defer s.subsMu.RUnlock()
	for _, sub := range s.subs[tenantID] {
		if slices.Contains(sub.events, eventType) {
			return true
		}
	}
	return false
}

// Emit queues eventType with data for every active endpoint of the tenant
// subscribed to it. It implements the server's Events hook; without
// subscribers it costs one map lookup.
func (s *Service) Emit(ctx context.Context, tenantID, eventType string, data any) {
	s.emit(ctx, tenantID, eventType, data, false)
}

// emit is Emit; with always it builds the event even when nobody receives
// it and reports it (a trigger answers with it), ok false when it failed.
func (s *Service) emit(ctx context.Context, tenantID, eventType string, data any, always bool) (env Envelope, body []byte, ok bool) {
	if d, typed := data.(interface{ EventType() string }); typed && d.EventType() != eventType {
		s.log.Error("webhook event data of another type", "type", eventType, "data_type", d.EventType())
		return env, nil, false
	}
	s.subsMu.RLock()
	var targets []subscription
	for _, sub := range s.subs[tenantID] {
		if slices.Contains(sub.events, eventType) {
			targets = append(targets, sub)
		}
	}
	s.subsMu.RUnlock()
	tapped := s.tap != nil && s.tap.Wants(tenantID)
	if len(targets) == 0 && !tapped && !always {
		return env, nil, true
	}
	now := s.now()
	env = Envelope{ID: newID("evt_"), Type: eventType, CreatedAt: now.Truncate(time.Millisecond), Data: data}
	body, err := json.Marshal(env)
	if err != nil {
		s.log.Error("webhook event encode", "type", eventType, "err", err)
		return env, nil, false
	}
	if tapped {
		s.tap.Tap(tenantID, eventType, now, body)
	}
	if len(targets) == 0 {
		return env, body, true
	}
	// The caller's request may end before this commits; the event must not be lost with it.
	ctx = context.WithoutCancel(ctx)
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		s.log.Error("webhook enqueue", "err", err)
		return env, body, false
	}
	defer tx.Rollback()
	for _, t := range targets {
		// The status check in SQL skips an endpoint paused since the cache was loaded.
		if _, err := tx.ExecContext(ctx, `INSERT INTO webhook_deliveries(id, webhook_id, tenant_id, event_id, event_type, payload,
			status, max_attempts, next_attempt_at, created_at, updated_at)
			SELECT ?, id, tenant_id, ?, ?, ?, ?, max_retries + 1, ?, ?, ? FROM webhooks WHERE id = ? AND status = ?`,
			newID("del_"), env.ID, eventType, body, models.DeliveryPending, store.MS(now), store.MS(now), store.MS(now), t.id, models.WebhookActive); err != nil {
			s.log.Error("webhook enqueue", "err", err)
			return env, body, false
		}
	}
	if err := tx.Commit(); err != nil {
		s.log.Error("webhook enqueue", "err", err)
		return env, body, false
	}
	s.kick()
	return env, body, true
}
