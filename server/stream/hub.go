// Package stream serves the live streams of a tenant over Server-Sent
// Events: its webhook events as they are generated and its product request
// log. Producers hand items to the hub without ever waiting (a full inbox
// drops and counts); one goroutine fans them out to subscribers, keeps a
// bounded window per tenant and source in memory and persists it, so a
// client resuming with Last-Event-ID misses nothing within the window, even
// across a server restart. A subscriber that cannot keep up is dropped with
// a reason instead of holding anyone back.
package stream

import (
	"cmp"
	"context"
	"database/sql"
	"log/slog"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/penguinmails/pmdev/server/store"
)

// Sources.
const (
	SourceEvents   = "events"
	SourceRequests = "requests"
)

// Defaults of Config.
const (
	DefaultMaxSubscribers = 100
	DefaultWindowEvents   = 1000
	DefaultWindowAge      = 15 * time.Minute
	DefaultHeartbeat      = 15 * time.Second
	// subBuffer is how many items a subscriber may lag behind before it is dropped.
	subBuffer = 256
	// inboxSize bounds the items waiting for the hub goroutine.
	inboxSize = 8192
)

// Drop reasons (StreamDropped.Reason).
const (
	ReasonSlowReader = "slow_reader"
	ReasonShutdown   = "shutdown"
)

// Config configures New.
type Config struct {
	DB  *sql.DB // nil: the window is kept in memory only
	Log *slog.Logger
	Now func() time.Time
	// MaxSubscribers bounds the open streams of one tenant (both sources).
	MaxSubscribers int
	// WindowEvents and WindowAge bound the resumable window of each tenant and source.
	WindowEvents int
	WindowAge    time.Duration
	Heartbeat    time.Duration
	// FlushEvery is how often the window is written (0: 200ms).
	FlushEvery time.Duration
}

// Item is one stream event.
type Item struct {
	ID     int64
	Tenant string
	Source string
	At     time.Time
	Data   []byte // JSON
	// What the filters look at: the event type (events); status, key and route (requests).
	Type, KeyID, Route string
	Status             int
	usage              *store.UsageEvent // a request to encode off the request path
}

// ring is the window of one tenant and source, oldest first.
type ring struct {
	items []Item
}

// Hub fans stream items out to subscribers.
type Hub struct {
	cfg   Config
	inbox chan Item
	lost  atomic.Int64 // items dropped because the inbox was full
	seq   atomic.Int64 // last id handed out

	mu    sync.Mutex
	rings map[[2]string]*ring // (tenant, source)
	subs  map[[2]string]map[*Sub]struct{}
	count map[string]int // open subscribers per tenant
	// activeTill is, per (tenant, source), until when (unix ns) items are
	// kept: forever while subscribed, then the window's age. Read without
	// the lock on the request path.
	activeTill sync.Map
	closed     bool
	pending    []Item // persisted at the next flush

	done     chan struct{}
	stopped  chan struct{}
	flushMu  sync.Mutex
	doneOnce sync.Once
}

// New loads the persisted window and starts the hub's goroutine.
func New(ctx context.Context, cfg Config) (*Hub, error) {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	// Zero or below takes the default (max clamps, cmp.Or picks).
	cfg.MaxSubscribers = cmp.Or(max(cfg.MaxSubscribers, 0), DefaultMaxSubscribers)
	cfg.WindowEvents = cmp.Or(max(cfg.WindowEvents, 0), DefaultWindowEvents)
	cfg.WindowAge = cmp.Or(max(cfg.WindowAge, 0), DefaultWindowAge)
	cfg.Heartbeat = cmp.Or(max(cfg.Heartbeat, 0), DefaultHeartbeat)
	if cfg.FlushEvery <= 0 {
		cfg.FlushEvery = 200 * time.Millisecond
	}
	h := &Hub{cfg: cfg, inbox: make(chan Item, inboxSize), rings: map[[2]string]*ring{}, subs: map[[2]string]map[*Sub]struct{}{},
		count: map[string]int{}, done: make(chan struct{}), stopped: make(chan struct{})}
	// Ids grow across restarts: never below the clock in microseconds nor the last one stored.
	h.seq.Store(cfg.Now().UnixMicro())
	if err := h.load(ctx); err != nil {
		return nil, err
	}
	go h.run()
	return h, nil
}

// Heartbeat is the interval of keep-alive comments.
func (h *Hub) Heartbeat() time.Duration { return h.cfg.Heartbeat }

// Lost is how many items were dropped because the hub fell behind.
func (h *Hub) Lost() int64 { return h.lost.Load() }

// Active reports whether a stream of the tenant and source has had a
// subscriber within the window: only then are its items kept, so idle
// tenants cost nothing.
func (h *Hub) Active(tenant, source string) bool { return h.activeKey([2]string{tenant, source}) }

func (h *Hub) activeKey(k [2]string) bool {
	v, ok := h.activeTill.Load(k)
	return ok && h.cfg.Now().UnixNano() < v.(int64)
}

// keepFor marks k active for d from now (math.MaxInt64 for good).
func (h *Hub) keepFor(k [2]string, d time.Duration) {
	till := int64(math.MaxInt64)
	if d > 0 {
		till = h.cfg.Now().Add(d).UnixNano()
	}
	h.activeTill.Store(k, till)
}

// Publish hands an item to the hub; it never blocks.
func (h *Hub) Publish(it Item) {
	select {
	case h.inbox <- it:
	default:
		h.lost.Add(1)
	}
}

func (h *Hub) run() {
	defer close(h.stopped)
	t := time.NewTicker(h.cfg.FlushEvery)
	defer t.Stop()
	for {
		select {
		case it := <-h.inbox:
			h.deliver(it)
		case <-t.C:
			h.flush(context.Background())
		case <-h.done:
			for {
				select {
				case it := <-h.inbox:
					h.deliver(it)
				default:
					return
				}
			}
		}
	}
}

// deliver numbers an item, keeps it in its window and offers it to every
// subscriber without waiting.
func (h *Hub) deliver(it Item) {
	k := [2]string{it.Tenant, it.Source}
	if !h.activeKey(k) {
		return
	}
	if it.Data == nil && it.usage != nil {
		it.Data = encodeRequest(it.usage)
	}
	h.mu.Lock()
	it.ID = h.next(it.At)
	r := h.rings[k]
	if r == nil {
		r = &ring{}
		h.rings[k] = r
	}
	r.items = append(r.items, it)
	h.trim(r)
	h.pending = append(h.pending, it)
	for s := range h.subs[k] {
		if !s.match(it) {
			continue
		}
		select {
		case s.ch <- it:
		default:
			h.dropLocked(s, ReasonSlowReader)
		}
	}
	h.mu.Unlock()
}

// next is the next id: increasing, and at least at's microseconds.
func (h *Hub) next(at time.Time) int64 {
	for {
		last := h.seq.Load()
		n := max(last+1, at.UnixMicro())
		if h.seq.CompareAndSwap(last, n) {
			return n
		}
	}
}

// trim keeps the window's bounds (count and age).
func (h *Hub) trim(r *ring) {
	if n := len(r.items) - h.cfg.WindowEvents; n > 0 {
		r.items = append(r.items[:0:0], r.items[n:]...)
	}
	cut := h.cfg.Now().Add(-h.cfg.WindowAge)
	i := 0
	for i < len(r.items) && r.items[i].At.Before(cut) {
		i++
	}
	if i > 0 {
		r.items = r.items[i:]
	}
}

// Sub is one open stream.
type Sub struct {
	tenant, source string
	match          func(Item) bool
	ch             chan Item
	gone           chan struct{}
	reason         string // set before gone is closed
}

// Items delivers the subscriber's items.
func (s *Sub) Items() <-chan Item { return s.ch }

// Gone is closed when the hub drops the subscriber; Reason says why.
func (s *Sub) Gone() <-chan struct{} { return s.gone }

// Reason is why the subscriber was dropped (after Gone).
func (s *Sub) Reason() string { return s.reason }

// Subscribe opens a stream of tenant and source for items passing match,
// with the window's items after lastID (0: none) to replay first. ok is
// false when the tenant has MaxSubscribers streams open already.
func (h *Hub) Subscribe(tenant, source string, lastID int64, match func(Item) bool) (s *Sub, replay []Item, ok bool) {
	k := [2]string{tenant, source}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed || h.count[tenant] >= h.cfg.MaxSubscribers {
		return nil, nil, false
	}
	s = &Sub{tenant: tenant, source: source, match: match, ch: make(chan Item, subBuffer), gone: make(chan struct{})}
	if lastID > 0 {
		if r := h.rings[k]; r != nil {
			h.trim(r)
			for _, it := range r.items {
				if it.ID > lastID && match(it) {
					replay = append(replay, it)
				}
			}
		}
	}
	if h.subs[k] == nil {
		h.subs[k] = map[*Sub]struct{}{}
	}
	h.subs[k][s] = struct{}{}
	h.count[tenant]++
	h.keepFor(k, 0)
	return s, replay, true
}

// Unsubscribe closes a stream (idempotent).
func (h *Hub) Unsubscribe(s *Sub) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.removeLocked(s)
}

func (h *Hub) removeLocked(s *Sub) bool {
	k := [2]string{s.tenant, s.source}
	if _, ok := h.subs[k][s]; !ok {
		return false
	}
	delete(h.subs[k], s)
	if len(h.subs[k]) == 0 {
		delete(h.subs, k)
		h.keepFor(k, h.cfg.WindowAge)
	}
	if h.count[s.tenant]--; h.count[s.tenant] <= 0 {
		delete(h.count, s.tenant)
	}
	return true
}

func (h *Hub) dropLocked(s *Sub, reason string) {
	if h.removeLocked(s) {
		s.reason = reason
		close(s.gone)
	}
}

// Drain ends every open stream (each gets a shutdown event) and takes no
// new ones; items are still kept and persisted until Close.
func (h *Hub) Drain() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for _, set := range h.subs {
		for s := range set {
			h.dropLocked(s, ReasonShutdown)
		}
	}
}

// Close drains the hub, then writes what is left of the window within ctx.
func (h *Hub) Close(ctx context.Context) error {
	h.Drain()
	h.doneOnce.Do(func() { close(h.done) })
	select {
	case <-h.stopped:
	case <-ctx.Done():
		return ctx.Err()
	}
	return h.flush(ctx)
}
