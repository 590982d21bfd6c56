package server

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/penguinmails/pmdev/models"
)

const simulatorMarker = "Created by the traffic simulator"

// simKey is a simulator key; its plaintext lives only in memory.
type simKey struct {
	id, plain string
}

// simulatorKeys (re)issues the simulator's two keys for the demo tenant: a
// web app key with broad permissions and a worker key that may only send
// (so some requests get 403) with a low limit (so bursts reach 429). Existing
// simulator keys get a fresh secret under the same id, keeping their history.
func (s *Server) simulatorKeys(ctx context.Context) (string, simKey, simKey, error) {
	var tenantID string
	err := s.db.QueryRowContext(ctx, `SELECT id FROM tenants ORDER BY name = 'Acme' DESC, created_at LIMIT 1`).Scan(&tenantID)
	if err != nil {
		return "", simKey{}, simKey{}, fmt.Errorf("no tenant to simulate traffic for: %w", err)
	}
	specs := []struct {
		name, env string
		perms     []string
		limit     int
	}{
		{"Simulator Web App", models.EnvLive, []string{"send_email", "read_campaigns", "write_contacts", "read_analytics"}, 300},
		{"Simulator Worker", models.EnvTest, []string{"send_email"}, 60},
	}
	now := s.now()
	var out [2]simKey
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return "", simKey{}, simKey{}, err
	}
	defer tx.Rollback()
	for i, sp := range specs {
		var id string
		err := tx.QueryRowContext(ctx, `SELECT id FROM api_keys WHERE tenant_id = ? AND name = ? AND description = ? AND revoked_at IS NULL
			AND replaced_by = '' ORDER BY created_at DESC LIMIT 1`, tenantID, sp.name, simulatorMarker).Scan(&id)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			k := storedKey{TenantID: tenantID}
			k.Name, k.Description, k.Environment, k.Permissions, k.RateLimit = sp.name, simulatorMarker, sp.env, sp.perms, sp.limit
			k.CreatedAt, k.CreatedBy, k.AllowedIPs = now, "system", []string{}
			plain, err := insertKey(ctx, tx, &k)
			if err != nil {
				return "", simKey{}, simKey{}, err
			}
			if err := s.audit(ctx, tx, tenantID, k.KeyID, "created", "system", "", "traffic simulator", now); err != nil {
				return "", simKey{}, simKey{}, err
			}
			out[i] = simKey{k.KeyID, plain}
		case err != nil:
			return "", simKey{}, simKey{}, err
		default:
			plain := newAPIKey(sp.env)
			p := models.KeyPrefix(plain)
			if _, err := tx.ExecContext(ctx, `UPDATE api_keys SET digest = ?, display_head = ?, display_tail = ?, expires_at = NULL WHERE id = ?`,
				digestOf(plain), plain[:len(p)+3], plain[len(plain)-4:], id); err != nil {
				return "", simKey{}, simKey{}, err
			}
			if err := s.audit(ctx, tx, tenantID, id, "rotated", "system", "", "traffic simulator restarted with a new secret", now); err != nil {
				return "", simKey{}, simKey{}, err
			}
			s.keys.invalidate(id)
			out[i] = simKey{id, plain}
		}
	}
	return tenantID, out[0], out[1], tx.Commit()
}

// SimulateTraffic sends real HTTP requests to baseURL with the demo tenant's
// simulator keys until ctx ends: mixed endpoints at 2–5 requests/s, some
// client errors, and an occasional burst that runs the worker key into 429s.
func (s *Server) SimulateTraffic(ctx context.Context, baseURL string) {
	tenantID, web, worker, err := s.simulatorKeys(ctx)
	if err != nil {
		if ctx.Err() == nil {
			s.log.Error("traffic simulator not started", "err", err)
		}
		return
	}
	s.log.Info("traffic simulator started", "base_url", baseURL)
	sim := &simulator{s: s, base: strings.TrimRight(baseURL, "/"), tenantID: tenantID, web: web, worker: worker,
		client: &http.Client{Timeout: 10 * time.Second}, rng: newSimRand()}
	nextBurst := time.Now().Add(time.Duration(60+sim.rng.IntN(120)) * time.Second)
	for {
		wait := time.Duration(150+sim.rng.IntN(400)) * time.Millisecond // ≈ 2.8 req/s on average
		select {
		case <-ctx.Done():
			s.log.Info("traffic simulator stopped")
			return
		case <-time.After(wait):
		}
		if time.Now().After(nextBurst) {
			sim.burst(ctx)
			nextBurst = time.Now().Add(time.Duration(120+sim.rng.IntN(240)) * time.Second)
			continue
		}
		sim.one(ctx)
	}
}

func newSimRand() *rand.Rand { return rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7)) }

type simulator struct {
	s           *Server
	base        string
	tenantID    string
	web, worker simKey
	client      *http.Client
	rng         *rand.Rand
	mu          sync.Mutex // guards rng during bursts
}

func (m *simulator) intn(n int) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.rng.IntN(n)
}

// do sends one request and returns the status and the response headers.
func (m *simulator) do(ctx context.Context, key, method, path string, body any) (int, http.Header) {
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
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, resp.Header
}

func (m *simulator) email() string {
	names := [...]string{"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"}
	return fmt.Sprintf("%s.%d@example.com", names[m.intn(len(names))], m.intn(1000))
}

func (m *simulator) one(ctx context.Context) { m.request(ctx, m.intn(100)) }

// request sends the request of roll p (0–99); each error branch gets the
// error its route really answers.
func (m *simulator) request(ctx context.Context, p int) {
	campaigns := sandboxCampaigns()
	switch {
	case p < 55:
		to := m.email()
		st, _ := m.do(ctx, m.web.plain, "POST", "/api/v1/emails/send", models.SendEmailRequest{To: to, TemplateID: "welcome-v1",
			Variables: map[string]string{"name": "Friend"}, Tags: []string{"simulated"}})
		if st == http.StatusOK {
			m.lifecycle(ctx, to)
		}
	case p < 70:
		m.do(ctx, m.web.plain, "GET", "/api/v1/campaigns?limit="+strconv.Itoa(5+m.intn(20)), nil)
	case p < 80:
		m.do(ctx, m.web.plain, "POST", "/api/v1/contacts", models.ContactRequest{Email: m.email(), Attributes: map[string]string{"source": "simulator"}})
	case p < 88:
		m.do(ctx, m.web.plain, "GET", "/api/v1/analytics/campaigns/"+campaigns[m.intn(len(campaigns))].ID, nil)
	case p < 92:
		m.do(ctx, m.web.plain, "GET", "/api/v1/analytics/campaigns/cmp_9999", nil) // 404
	case p < 94:
		m.do(ctx, m.web.plain, "POST", "/api/v1/emails/send", map[string]any{"to": "not-an-email", "subject": "Hi", "text_body": "x"}) // 400 invalid_email
	case p < 95:
		m.do(ctx, m.web.plain, "GET", "/api/v1/campaigns?limit=500", nil) // 400 invalid_parameter
	case p < 96:
		m.do(ctx, m.web.plain, "POST", "/api/v1/contacts", models.ContactRequest{Email: "bob@", Attributes: map[string]string{"source": "simulator"}}) // 400 invalid_email
	case p < 98:
		m.do(ctx, m.worker.plain, "GET", "/api/v1/campaigns", nil) // 403: worker may only send
	default:
		m.do(ctx, m.worker.plain, "POST", "/api/v1/emails/send", models.SendEmailRequest{To: m.email(), Subject: "Job done", TextBody: "ok"})
	}
}

// lifecycle emits the delivery events a real send would later produce.
func (m *simulator) lifecycle(ctx context.Context, to string) {
	data := map[string]any{"to": to, "simulated": true, "id": "msg_" + uuid.NewString()[:8]}
	ev := m.s.events
	if m.intn(50) == 0 {
		ev.Emit(ctx, m.tenantID, "email.bounced", data)
		return
	}
	ev.Emit(ctx, m.tenantID, "email.delivered", data)
	if m.intn(3) == 0 {
		ev.Emit(ctx, m.tenantID, "email.opened", data)
		if m.intn(3) == 0 {
			ev.Emit(ctx, m.tenantID, "email.clicked", data)
		}
	}
}

// burst empties the worker key's bucket and goes a little past it.
func (m *simulator) burst(ctx context.Context) {
	st, h := m.do(ctx, m.worker.plain, "POST", "/api/v1/emails/send", models.SendEmailRequest{To: m.email(), Subject: "Batch", TextBody: "x"})
	if st == 0 {
		return
	}
	remaining, _ := strconv.Atoi(h.Get("X-RateLimit-Remaining"))
	n := min(remaining+10+m.intn(30), 800)
	m.s.log.Info("traffic simulator burst", "requests", n)
	var wg sync.WaitGroup
	jobs := make(chan struct{})
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range jobs {
				m.do(ctx, m.worker.plain, "POST", "/api/v1/emails/send", models.SendEmailRequest{To: "batch@example.com", Subject: "Batch", TextBody: "x"})
			}
		}()
	}
	for i := 0; i < n && ctx.Err() == nil; i++ {
		jobs <- struct{}{}
	}
	close(jobs)
	wg.Wait()
}
