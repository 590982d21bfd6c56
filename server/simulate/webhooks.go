package simulate

import (
	"context"
	"sync"
	"time"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server/product"
	"github.com/penguinmails/pmdev/server/webhook/events"
)

// DefaultWebhookEvery is how often the simulated traffic sends each event
// type at most: a receiver sees a modest stream it can read, not the
// simulator's several requests a second.
const DefaultWebhookEvery = time.Minute

// Gate paces the webhook events of simulated traffic: at most one event of
// each type per interval, whether the simulator makes it up (deliveries,
// opens, campaigns) or a product request of a simulator key causes it
// (email.sent, contact.*). Requests of other keys are never held back.
type Gate struct {
	every time.Duration // < 0: no events at all
	now   func() time.Time

	mu   sync.Mutex
	keys map[string]bool      // the simulator's key ids
	last map[string]time.Time // event type -> last sent
}

// NewGate paces events to one per type per every (0: DefaultWebhookEvery;
// < 0: none).
func NewGate(every time.Duration, now func() time.Time) *Gate {
	if every == 0 {
		every = DefaultWebhookEvery
	}
	if now == nil {
		now = time.Now
	}
	return &Gate{every: every, now: now, keys: map[string]bool{}, last: map[string]time.Time{}}
}

// Every is the pacing interval (negative when simulated traffic sends no events).
func (g *Gate) Every() time.Duration { return g.every }

func (g *Gate) addKeys(ids ...string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, id := range ids {
		g.keys[id] = true
	}
}

// Drop reports whether the event a product request of keyID caused is held
// back: keyID is a simulator key and the type was sent within the interval.
// It is the product API's Throttle.
func (g *Gate) Drop(keyID, eventType string) bool {
	if g == nil {
		return false
	}
	g.mu.Lock()
	sim := g.keys[keyID]
	g.mu.Unlock()
	return sim && !g.allow(eventType)
}

// allow takes eventType's slot if the interval has passed since the last one.
func (g *Gate) allow(eventType string) bool {
	if g.every < 0 {
		return false
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	if last, ok := g.last[eventType]; ok && now.Sub(last) < g.every {
		return false
	}
	g.last[eventType] = now
	return true
}

// due reports whether eventType could be sent now, without taking the slot.
func (g *Gate) due(eventType string) bool {
	if g.every < 0 {
		return false
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	last, ok := g.last[eventType]
	return !ok || g.now().Sub(last) >= g.every
}

// made are the event types the simulator makes up; the others come from
// its real product requests (email.sent, contact.created, contact.updated)
// and from the server (api_key.*, rate_limit.threshold after a burst).
var made = []string{events.EmailDelivered, events.EmailOpened, events.EmailClicked, events.EmailBounced,
	events.EmailSpamReported, events.EmailUnsubscribed, events.CampaignLaunched, events.CampaignCompleted,
	events.CampaignPaused, events.ContactUnsubscribed}

// seen is what the simulator's own requests produced, which the made-up
// events are about.
type seen struct {
	mu      sync.Mutex
	email   *events.Email
	contact *models.Contact
	next    int // index in made where the next look for a due type starts
}

func (s *seen) sent(id, to string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := events.NewEmail(id, to, "", []string{"simulated"})
	s.email = &e
}

func (s *seen) added(c models.Contact) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.contact = &c
}

// MakeEvent sends at most one made-up event whose type is due, and reports
// whether it did. Email events are about the simulator's last sent message,
// contact.unsubscribed about its last contact: a type waits until there is
// one.
func (m *Simulator) MakeEvent(ctx context.Context) bool {
	g := m.cfg.Gate
	if g == nil {
		return false
	}
	m.seen.mu.Lock()
	email, contact, start := m.seen.email, m.seen.contact, m.seen.next
	m.seen.mu.Unlock()
	now := m.cfg.Now()
	campaigns := product.Campaigns()
	c := campaigns[m.intn(len(campaigns))]
	ua, ip := "Mozilla/5.0 (Windows NT 10.0; Win64; x64)", "198.51.100.23"
	for i := range made {
		n := (start + i) % len(made)
		t := made[n]
		if !g.due(t) {
			continue
		}
		var d events.Data
		switch t {
		case events.CampaignLaunched:
			d = events.NewCampaignLaunched(c, now, 1200+m.intn(800))
		case events.CampaignCompleted:
			sent := c.Sent
			if sent == 0 {
				sent = 1200
			}
			d = events.NewCampaignCompleted(c, now, models.CampaignAnalytics{Sent: sent, Delivered: sent * 97 / 100, Bounced: sent - sent*97/100})
		case events.CampaignPaused:
			d = events.NewCampaignPaused(c, now, "system")
		case events.ContactUnsubscribed:
			if contact == nil {
				continue
			}
			d = events.NewContactUnsubscribed(*contact, now)
		default:
			if email == nil {
				continue
			}
			d = madeEmailEvent(t, *email, now, ua, ip)
		}
		if !g.allow(t) {
			continue
		}
		events.Emit(ctx, m.cfg.Events, m.tenantID, d)
		m.seen.mu.Lock()
		m.seen.next = n + 1 // types take turns
		m.seen.mu.Unlock()
		return true
	}
	return false
}

func madeEmailEvent(t string, e events.Email, now time.Time, ua, ip string) events.Data {
	switch t {
	case events.EmailDelivered:
		return events.NewEmailDelivered(e, now, "250 2.0.0 OK")
	case events.EmailOpened:
		return events.NewEmailOpened(e, now, ua, ip)
	case events.EmailClicked:
		return events.NewEmailClicked(e, now, "https://example.com/welcome", ua, ip)
	case events.EmailBounced:
		return events.NewEmailBounced(e, now, events.BounceSoft, "452 4.2.2 mailbox full")
	case events.EmailSpamReported:
		return events.NewEmailSpamReported(e, now)
	default:
		return events.NewEmailUnsubscribed(e, now)
	}
}
