package simulate

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server/keys"
	"github.com/penguinmails/pmdev/server/product"
	"github.com/penguinmails/pmdev/server/secret"
	"github.com/penguinmails/pmdev/server/store"
)

const marker = "Created by the traffic simulator"

// Store is what the simulator reads and writes to issue its keys.
type Store interface {
	store.KeyStore
	store.AuditStore
	FirstTenant(ctx context.Context, h store.Handle, prefer string) (string, error)
}

// Config is what the simulator needs of the server.
type Config struct {
	DB     *sql.DB
	Store  Store
	Keys   *keys.Cache // a reissued secret invalidates its key
	Events product.Events
	// Gate paces the webhook events of simulated traffic (nil: the
	// simulator makes none up).
	Gate *Gate
	Log  *slog.Logger
	Now  func() time.Time
}

// Key is a simulator key; its plaintext lives only in memory.
type Key struct {
	ID, Plain string
}

// Simulator sends traffic with two keys of one tenant.
type Simulator struct {
	cfg         Config
	base        string
	tenantID    string
	web, worker Key
	client      *http.Client
	rng         *rand.Rand
	mu          sync.Mutex // guards rng during bursts
	seen        seen
}

// New (re)issues the simulator's two keys for the demo tenant (else the
// oldest): a web app key with broad permissions and a worker key that may
// only send (so some requests get 403) with a low limit (so bursts reach
// 429). Existing simulator keys get a fresh secret under the same id,
// keeping their history.
func New(ctx context.Context, cfg Config, baseURL string, client *http.Client) (*Simulator, error) {
	tenantID, err := cfg.Store.FirstTenant(ctx, cfg.DB, "Acme")
	if err != nil {
		return nil, fmt.Errorf("no tenant to simulate traffic for: %w", err)
	}
	specs := []struct {
		name, env string
		perms     []string
		limit     int
	}{
		{"Simulator Web App", models.EnvLive, []string{"send_email", "read_campaigns", "write_contacts", "read_analytics"}, 300},
		{"Simulator Worker", models.EnvTest, []string{"send_email"}, 60},
	}
	now := cfg.Now()
	var out [2]Key
	var reissued []string
	err = store.Tx(ctx, cfg.DB, func(tx store.Handle) error {
		for i, sp := range specs {
			id, err := cfg.Store.FindLiveKey(ctx, tx, tenantID, sp.name, marker)
			switch {
			case errors.Is(err, store.ErrNotFound):
				k := store.Key{TenantID: tenantID}
				k.Name, k.Description, k.Environment, k.Permissions, k.RateLimit = sp.name, marker, sp.env, sp.perms, sp.limit
				k.CreatedAt, k.CreatedBy, k.AllowedIPs = now, "system", []string{}
				plain, err := keys.Insert(ctx, cfg.Store, tx, &k)
				if err != nil {
					return err
				}
				if err := keys.Audit(ctx, cfg.Store, tx, tenantID, k.KeyID, "created", "system", "", "traffic simulator", now); err != nil {
					return err
				}
				out[i] = Key{k.KeyID, plain}
			case err != nil:
				return err
			default:
				plain, sec := secret.NewAPIKey(sp.env)
				if err := cfg.Store.ResetKeySecret(ctx, tx, id, sec); err != nil {
					return err
				}
				if err := keys.Audit(ctx, cfg.Store, tx, tenantID, id, "rotated", "system", "", "traffic simulator restarted with a new secret", now); err != nil {
					return err
				}
				reissued = append(reissued, id)
				out[i] = Key{id, plain}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, id := range reissued {
		cfg.Keys.Invalidate(id)
	}
	if cfg.Gate != nil {
		cfg.Gate.addKeys(out[0].ID, out[1].ID)
	}
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	return &Simulator{cfg: cfg, base: strings.TrimRight(baseURL, "/"), tenantID: tenantID, web: out[0], worker: out[1],
		client: client, rng: rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))}, nil
}

// Keys are the web app and worker keys.
func (m *Simulator) Keys() (web, worker Key) { return m.web, m.worker }
