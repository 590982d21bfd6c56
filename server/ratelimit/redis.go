package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultRedisPrefix prefixes every Redis key of the limiter.
const DefaultRedisPrefix = "pmdev:rl:"

// redisRetry is how long Redis is left alone after a failure: requests
// meanwhile take the local bucket at once instead of waiting on a timeout.
const redisRetry = time.Second

// Redis keeps the buckets in Redis, shared by every instance pointing at the
// same Redis and prefix, each taken atomically by a Lua script.
//
// When Redis fails at runtime the limiter fails open to this instance's own
// buckets (a Memory): requests are still limited, per instance, so a key can
// get up to one burst per instance until Redis answers again. A limiter
// outage never becomes an API outage, and never removes limits altogether.
// The change is logged once each way and counted in Stats.
type Redis struct {
	rdb    *redis.Client
	prefix string
	log    *slog.Logger
	local  *Memory // the fallback while Redis is unreachable

	// denied remembers, per key, until when Redis refused it: no token can
	// appear before (only refill adds them), so requests meanwhile are
	// refused here without a round trip; a client ignoring 429s costs
	// Redis one call per token, not one per request.
	denied sync.Map // key id -> *denial

	errors, fallbacks atomic.Int64
	degraded          atomic.Bool
	retryAt           atomic.Int64 // unix ns before which Redis is not tried
}

var _ Limiter = (*Redis)(nil)

// quietRedis drops go-redis's own log lines (a failed dial each retry):
// the limiter logs the outage once, through slog.
type quietRedis struct{}

func (quietRedis) Printf(context.Context, string, ...any) {}

// NewRedis connects to url (redis://[user:password@]host:port/db) and checks
// it answers: a limiter that cannot start is a configuration error.
func NewRedis(ctx context.Context, url, prefix string, log *slog.Logger) (*Redis, error) {
	opt, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("rate limiter: %w", err)
	}
	// A request never waits long on the limiter: past these it is decided locally.
	opt.DialTimeout, opt.ReadTimeout, opt.WriteTimeout, opt.PoolTimeout = 500*time.Millisecond, 250*time.Millisecond, 250*time.Millisecond, 250*time.Millisecond
	opt.MaxRetries = 0
	if prefix == "" {
		prefix = DefaultRedisPrefix
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	redis.SetLogger(quietRedis{})
	l := &Redis{rdb: redis.NewClient(opt), prefix: prefix, log: log, local: NewMemory()}
	if err := l.rdb.Ping(ctx).Err(); err != nil {
		l.rdb.Close()
		return nil, fmt.Errorf("rate limiter: Redis at %s does not answer: %w", opt.Addr, err)
	}
	if err := takeScript.Load(ctx, l.rdb).Err(); err != nil {
		l.rdb.Close()
		return nil, fmt.Errorf("rate limiter: load script: %w", err)
	}
	return l, nil
}

// Describe names the shared state (address, database, prefix; never the
// password): instances with the same description share their buckets.
func (l *Redis) Describe() string {
	o := l.rdb.Options()
	return "redis://" + o.Addr + "/" + strconv.Itoa(o.DB) + "#" + l.prefix
}

// Client is the limiter's Redis connection pool, for the instances' other
// coordination (the key cache's invalidations).
func (l *Redis) Client() *redis.Client { return l.rdb }

// Prefix is the limiter's key prefix.
func (l *Redis) Prefix() string { return l.prefix }

// Close closes the connection pool.
func (l *Redis) Close() error { return l.rdb.Close() }

func (l *Redis) bucketKey(tenantID, keyID string) string {
	// The hash tag keeps a tenant's keys in one cluster slot.
	return l.prefix + "{" + tenantID + "}:b:" + keyID
}

func (l *Redis) tenantKey(tenantID string) string { return l.prefix + "{" + tenantID + "}:t" }

// up reports whether Redis should be tried now.
func (l *Redis) up() bool {
	return !l.degraded.Load() || time.Now().UnixNano() >= l.retryAt.Load()
}

// failed records a failed call; ctx's own end (the client left) is not
// Redis's fault.
func (l *Redis) failed(ctx context.Context, err error) {
	if ctx.Err() != nil {
		return
	}
	l.errors.Add(1)
	l.retryAt.Store(time.Now().Add(redisRetry).UnixNano())
	if l.degraded.CompareAndSwap(false, true) {
		l.log.Error("rate limiter: Redis unreachable, limiting per instance until it answers (a key may get one burst per instance)",
			"err", err.Error())
	}
}

func (l *Redis) ok() {
	if l.degraded.Load() && l.degraded.CompareAndSwap(true, false) {
		l.log.Warn("rate limiter: Redis answers again, limits are shared again")
	}
}

// run runs the script; ok false means Redis failed and the caller falls back.
func (l *Redis) run(ctx context.Context, tenantID, keyID string, limit, burst, cost int) ([]int64, bool) {
	if !l.up() {
		return nil, false
	}
	v, err := takeScript.Run(ctx, l.rdb, []string{l.bucketKey(tenantID, keyID), l.tenantKey(tenantID)},
		limit, burst, keyID, cost).Int64Slice()
	if err == nil && len(v) != 7 {
		err = fmt.Errorf("script answered %d values", len(v))
	}
	if err != nil {
		l.failed(ctx, err)
		return nil, false
	}
	l.ok()
	return v, true
}

// denial is a refusal from Redis: no token before next, full at full
// (unix ns, this instance's clock), under limit and burst.
type denial struct {
	next, full   int64
	limit, burst int
}

func ceilSeconds(ns int64) int { return int((ns + int64(time.Second) - 1) / int64(time.Second)) }

// Take consumes one token of the key's shared bucket.
func (l *Redis) Take(ctx context.Context, slot *Slot, tenantID, keyID string, limit, burst int, now time.Time) Result {
	if d, ok := l.denied.Load(keyID); ok {
		d := d.(*denial)
		if t := time.Now().UnixNano(); t < d.next && d.limit == limit && d.burst == burst {
			return Result{Limit: limit, Burst: burst, ResetSeconds: ceilSeconds(d.full - t), RetryAfter: max(1, ceilSeconds(d.next-t))}
		}
		l.denied.Delete(keyID)
	}
	v, ok := l.run(ctx, tenantID, keyID, limit, burst, 1)
	if !ok {
		l.fallbacks.Add(1)
		return l.local.Take(ctx, slot, tenantID, keyID, limit, burst, now)
	}
	if v[0] != 1 {
		t := time.Now().UnixNano() // after the answer: the refusal ends late rather than early
		l.denied.Store(keyID, &denial{next: t + v[6]*int64(time.Microsecond), full: t + v[4]*int64(time.Microsecond), limit: limit, burst: burst})
	}
	return Result{Allowed: v[0] == 1, Limit: limit, Burst: burst, Remaining: int(v[1]), ResetSeconds: int(v[2]), RetryAfter: int(v[3])}
}

// Peek reports the key's shared bucket under its current limit.
func (l *Redis) Peek(ctx context.Context, slot *Slot, tenantID, keyID string, limit, burst int, now time.Time) State {
	v, ok := l.run(ctx, tenantID, keyID, limit, burst, 0)
	if !ok {
		return l.local.Peek(ctx, slot, tenantID, keyID, limit, burst, now)
	}
	rem := int(v[1])
	return State{Limit: limit, Burst: burst, Remaining: rem, Used: max(0, burst-rem),
		ResetAt: now.Add(time.Duration(v[4]) * time.Microsecond), ResetSeconds: int(v[2])}
}

// Forget drops a key's bucket.
func (l *Redis) Forget(ctx context.Context, tenantID, keyID string) {
	l.local.Forget(ctx, tenantID, keyID)
	l.denied.Delete(keyID)
	if _, err := l.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.Del(ctx, l.bucketKey(tenantID, keyID))
		p.ZRem(ctx, l.tenantKey(tenantID), keyID)
		return nil
	}); err != nil {
		// Its bucket expires once full; the key is refused as revoked meanwhile.
		l.failed(ctx, err)
	}
}

// Stats reports errors, fallbacks and whether Redis is unreachable now.
func (l *Redis) Stats() Stats {
	return Stats{Backend: "redis", Errors: l.errors.Load(), Fallbacks: l.fallbacks.Load(), Degraded: l.degraded.Load()}
}

// Tenant lists the tenant's busy keys across every instance: the tenant's
// set of keys not full, then their buckets, each read in one pipeline.
func (l *Redis) Tenant(ctx context.Context, tenantID string, now time.Time) ([]KeyUse, error) {
	if !l.up() {
		return l.local.Tenant(ctx, tenantID, now)
	}
	var tm *redis.TimeCmd
	var members *redis.ZSliceCmd
	_, err := l.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		tm = p.Time(ctx)
		members = p.ZRangeWithScores(ctx, l.tenantKey(tenantID), 0, -1)
		return nil
	})
	if err != nil {
		l.failed(ctx, err)
		return l.local.Tenant(ctx, tenantID, now)
	}
	rnow := tm.Val()
	ids := make([]string, 0, len(members.Val()))
	for _, z := range members.Val() {
		if int64(z.Score) > rnow.UnixMicro() {
			ids = append(ids, z.Member.(string))
		}
	}
	states, err := l.read(ctx, tenantID, ids, rnow, now, true)
	if err != nil {
		return l.local.Tenant(ctx, tenantID, now)
	}
	out := make([]KeyUse, 0, len(states))
	for _, id := range ids {
		if st, ok := states[id]; ok && st.Used > 0 {
			out = append(out, KeyUse{KeyID: id, State: st})
		}
	}
	return out, nil
}

// States reports the shared buckets of ids that exist.
func (l *Redis) States(ctx context.Context, tenantID string, ids []string, now time.Time) (map[string]State, error) {
	if len(ids) == 0 {
		return map[string]State{}, nil
	}
	if !l.up() {
		return l.local.States(ctx, tenantID, ids, now)
	}
	st, err := l.read(ctx, tenantID, ids, time.Time{}, now, false)
	if err != nil {
		return l.local.States(ctx, tenantID, ids, now)
	}
	return st, nil
}

// read reads the buckets of ids in one pipeline (with Redis's clock unless
// rnow is given) and snapshots them as Bucket would, the reset instant moved
// onto this instance's clock. prune drops the tenant's full keys too.
func (l *Redis) read(ctx context.Context, tenantID string, ids []string, rnow, now time.Time, prune bool) (map[string]State, error) {
	cmds := make([]*redis.SliceCmd, len(ids))
	var tm *redis.TimeCmd
	_, err := l.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		if rnow.IsZero() {
			tm = p.Time(ctx)
		}
		for i, id := range ids {
			cmds[i] = p.HMGet(ctx, l.bucketKey(tenantID, id), "tokens", "last", "limit", "burst")
		}
		if prune && !rnow.IsZero() {
			// Keys full by now (a Take since then re-scored its key later).
			p.ZRemRangeByScore(ctx, l.tenantKey(tenantID), "-inf", strconv.FormatInt(rnow.UnixMicro(), 10))
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		l.failed(ctx, err)
		return nil, err
	}
	l.ok()
	if tm != nil {
		rnow = tm.Val()
	}
	out := make(map[string]State, len(ids))
	for i, id := range ids {
		b, ok := bucketOf(cmds[i].Val())
		if !ok {
			continue
		}
		st := b.Snapshot(rnow)
		st.ResetAt = now.Add(st.ResetAt.Sub(rnow))
		out[id] = st
	}
	return out, nil
}

// bucketOf parses an HMGET of tokens, last, limit, burst.
func bucketOf(v []any) (*Bucket, bool) {
	if len(v) != 4 {
		return nil, false
	}
	var f [4]float64
	for i, x := range v {
		s, ok := x.(string)
		if !ok {
			return nil, false
		}
		n, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, false
		}
		f[i] = n
	}
	return &Bucket{tokens: f[0], last: time.UnixMicro(int64(f[1])), limit: int(f[2]), burst: int(f[3])}, true
}
