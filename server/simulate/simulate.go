// Package simulate sends real product traffic to a running server with the
// demo tenant's simulator keys, so the console has live data to show:
// mixed endpoints, client errors, bursts into 429s, and a modest stream of
// webhook events (at most one per type per minute by default; see Gate).
package simulate

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server/product"
)

// Run sends real HTTP requests to baseURL with the simulator keys until ctx
// ends: mixed endpoints at 2–5 requests/s, some client errors, and an
// occasional burst that runs the worker key into 429s.
func Run(ctx context.Context, cfg Config, baseURL string) {
	sim, err := New(ctx, cfg, baseURL, nil)
	if err != nil {
		if ctx.Err() == nil {
			cfg.Log.Error("traffic simulator not started", "err", err)
		}
		return
	}
	cfg.Log.Info("traffic simulator started", "base_url", baseURL)
	nextBurst := time.Now().Add(time.Duration(60+sim.rng.IntN(120)) * time.Second)
	for {
		wait := time.Duration(150+sim.rng.IntN(400)) * time.Millisecond // ≈ 2.8 req/s on average
		select {
		case <-ctx.Done():
			cfg.Log.Info("traffic simulator stopped")
			return
		case <-time.After(wait):
		}
		sim.MakeEvent(ctx)
		if time.Now().After(nextBurst) {
			sim.Burst(ctx)
			nextBurst = time.Now().Add(time.Duration(120+sim.rng.IntN(240)) * time.Second)
			continue
		}
		sim.Request(ctx, sim.intn(100))
	}
}

func (m *Simulator) intn(n int) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.rng.IntN(n)
}

// do sends one request and returns the status and the response headers;
// a 2xx JSON answer is decoded into out[0] when given.
func (m *Simulator) do(ctx context.Context, key, method, path string, body any, out ...any) (int, http.Header) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, m.base+path, rd)
	if err != nil {
		return 0, nil
	}
	req.Header.Set("Authorization", "Bearer "+key)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := m.client.Do(req)
	if err != nil {
		return 0, nil
	}
	if len(out) > 0 && resp.StatusCode/100 == 2 {
		_ = json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(out[0])
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, resp.Header
}

func (m *Simulator) email() string {
	names := [...]string{"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"}
	return fmt.Sprintf("%s.%d@example.com", names[m.intn(len(names))], m.intn(1000))
}

// Request sends the request of roll p (0–99); each error branch gets the
// error its route really answers.
func (m *Simulator) Request(ctx context.Context, p int) {
	campaigns := product.Campaigns()
	switch {
	case p < 55:
		var sent models.SendEmailResponse
		st, _ := m.do(ctx, m.web.Plain, "POST", "/api/v1/emails/send", models.SendEmailRequest{To: m.email(), TemplateID: "welcome-v1",
			Variables: map[string]string{"name": "Friend"}, Tags: []string{"simulated"}}, &sent)
		if st == http.StatusOK {
			m.seen.sent(sent.ID, sent.To)
		}
	case p < 70:
		m.do(ctx, m.web.Plain, "GET", "/api/v1/campaigns?limit="+strconv.Itoa(5+m.intn(20)), nil)
	case p < 80:
		var c models.Contact
		if st, _ := m.do(ctx, m.web.Plain, "POST", "/api/v1/contacts", models.ContactRequest{Email: m.email(), Attributes: map[string]string{"source": "simulator"}}, &c); st/100 == 2 {
			m.seen.added(c)
		}
	case p < 88:
		m.do(ctx, m.web.Plain, "GET", "/api/v1/analytics/campaigns/"+campaigns[m.intn(len(campaigns))].ID, nil)
	case p < 92:
		m.do(ctx, m.web.Plain, "GET", "/api/v1/analytics/campaigns/cmp_9999", nil) // 404
	case p < 94:
		m.do(ctx, m.web.Plain, "POST", "/api/v1/emails/send", map[string]any{"to": "not-an-email", "subject": "Hi", "text_body": "x"}) // 400 invalid_email
	case p < 95:
		m.do(ctx, m.web.Plain, "GET", "/api/v1/campaigns?limit=500", nil) // 400 invalid_parameter
	case p < 96:
		m.do(ctx, m.web.Plain, "POST", "/api/v1/contacts", models.ContactRequest{Email: "bob@", Attributes: map[string]string{"source": "simulator"}}) // 400 invalid_email
	case p < 98:
		m.do(ctx, m.worker.Plain, "GET", "/api/v1/campaigns", nil) // 403: worker may only send
	default:
		m.do(ctx, m.worker.Plain, "POST", "/api/v1/emails/send", models.SendEmailRequest{To: m.email(), Subject: "Job done", TextBody: "ok"})
	}
}

// Burst empties the worker key's bucket and goes a little past it.
func (m *Simulator) Burst(ctx context.Context) {
	st, h := m.do(ctx, m.worker.Plain, "POST", "/api/v1/emails/send", models.SendEmailRequest{To: m.email(), Subject: "Batch", TextBody: "x"})
	if st == 0 {
		return
	}
	remaining, _ := strconv.Atoi(h.Get("X-RateLimit-Remaining"))
	n := min(remaining+10+m.intn(30), 800)
	m.cfg.Log.Info("traffic simulator burst", "requests", n)
	var wg sync.WaitGroup
	jobs := make(chan struct{})
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range jobs {
				m.do(ctx, m.worker.Plain, "POST", "/api/v1/emails/send", models.SendEmailRequest{To: "batch@example.com", Subject: "Batch", TextBody: "x"})
			}
		}()
	}
	for i := 0; i < n && ctx.Err() == nil; i++ {
		jobs <- struct{}{}
	}
	close(jobs)
	wg.Wait()
}
