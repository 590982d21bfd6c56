// Package sandbox runs the reference server in this process on a loopback
// port, seeded with demo data, for the console to use when no API is
// configured. The console still talks to it over HTTP only.
package sandbox

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/penguinmails/pmdev/internal/privfile"
	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server"
)

// identities maps --as to the seeded demo users.
func identities() map[string]string {
	return map[string]string{
		models.RoleAdmin:     "admin@acme.test",
		models.RoleDeveloper: "dev@acme.test",
		models.RoleMember:    "viewer@acme.test",
	}
}

// Email resolves --as: a role name, or one of the seeded emails.
func Email(as string) (string, error) {
	ids := identities()
	if e, ok := ids[as]; ok {
		return e, nil
	}
	for _, e := range ids {
		if e == as {
			return e, nil
		}
	}
	return "", fmt.Errorf("--as %q: want admin, developer or member", as)
}

// Sandbox is the reference server running in this process on a loopback port.
type Sandbox struct {
	srv     *server.Server
	hs      *http.Server
	BaseURL string
	Token   string

	stopSim context.CancelFunc
	simDone sync.WaitGroup
	served  chan error

	// Attached: another process serves it (see Attach); Close stops nothing.
	Attached  bool
	announced string // the database whose address file this one wrote
}

// Options configure Start.
type Options struct {
	DBPath  string
	Email   string
	Traffic bool
	Assets  fs.FS
	Logger  *slog.Logger
	// Progress, when set, follows the demo seed of a new database.
	Progress func(done, total int)
	// HistoryLater writes a new database's 30 days of usage history in the
	// background once serving (the console: its first screen needs none of
	// it); otherwise Start returns after it is written.
	HistoryLater bool
}

// Start opens (and on first run seeds) the sandbox database, serves it
// on 127.0.0.1:0 and mints a short-lived token for the chosen identity.
func Start(ctx context.Context, o Options) (*Sandbox, error) {
	// pmdev's own demo database (older versions created it 0644): fixed
	// rather than refused, unlike `pmdev server`.
	if err := privfile.TightenData(o.DBPath, o.Logger); err != nil {
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	srv, err := server.Open(ctx, server.Config{DBPath: o.DBPath, Seed: "demo", SeedProgress: o.Progress, SeedHistoryLater: o.HistoryLater,
		Logger: o.Logger, Assets: o.Assets, AllowPrivateWebhooks: true, // local receivers
		Personal: true}) // a second console window opens it too
	if err != nil {
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	httpOpts := server.HTTPOptions{ErrorLog: slog.NewLogLogger(o.Logger.Handler(), slog.LevelWarn)}
	ln, err := server.Listen("127.0.0.1:0", httpOpts)
	if err != nil {
		_ = srv.Close(ctx)
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	sb := &Sandbox{
		srv:     srv,
		hs:      server.NewHTTPServer(srv.Handler(), httpOpts),
		BaseURL: "http://" + ln.Addr().String(),
		served:  make(chan error, 1),
	}
	// Open live streams end at Shutdown instead of holding it.
	sb.hs.RegisterOnShutdown(srv.Drain)
	go func() { sb.served <- sb.hs.Serve(ln) }()
	sb.Token, err = srv.MintToken(ctx, o.Email, 12*time.Hour)
	if err != nil {
		sb.Close()
		return nil, fmt.Errorf("sandbox: sign in as %s: %w", o.Email, err)
	}
	simCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	sb.stopSim = cancel
	// A new sandbox's 30 days of usage history, once the console can sign
	// in (its transaction would hold up the token's). Close waits for it.
	go func() { _ = srv.WriteSeedHistory(context.WithoutCancel(ctx)) }() // a no-op unless HistoryLater
	// A second window on the same database leaves the traffic to the
	// sandbox already serving it: starting a simulator would give its keys
	// new secrets, and the first one's requests would all be refused.
	_, another := serving(o.DBPath)
	if o.Traffic && !another {
		sb.simDone.Add(1)
		go func() {
			defer sb.simDone.Done()
			srv.SimulateTraffic(simCtx, sb.BaseURL)
		}()
	}
	sb.announce(o.DBPath, another)
	o.Logger.Info("sandbox started", "url", sb.BaseURL, "db", o.DBPath, "as", o.Email, "traffic", o.Traffic && !another)
	return sb, nil
}

// Close stops the traffic generator, drains HTTP, then flushes and closes the
// server (in that order, so no acknowledged request is lost).
func (sb *Sandbox) Close() error {
	if sb.Attached {
		return nil
	}
	sb.retire()
	if sb.stopSim != nil { // nil when Start failed before the simulator
		sb.stopSim()
	}
	sb.simDone.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// Requests still running when the console quits have no reader left:
	// give them a moment, then cut them off.
	gctx, gcancel := context.WithTimeout(ctx, 2*time.Second)
	defer gcancel()
	var err error
	if sb.hs.Shutdown(gctx) != nil {
		err = sb.hs.Close()
	}
	if serr := <-sb.served; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	return errors.Join(err, sb.srv.Close(ctx))
}
