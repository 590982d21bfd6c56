package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/penguinmails/pmdev/api"
	"github.com/penguinmails/pmdev/internal/privfile"
	"github.com/penguinmails/pmdev/internal/sshconsole"
	"github.com/penguinmails/pmdev/server"
	"github.com/penguinmails/pmdev/server/stream"
)

// serverFlags are `pmdev server`'s own flags (--db is shared with its subcommands).
type serverFlags struct {
	addr, seed, retry, logFile      string
	simulate, allowPrivate, verbose bool
	rateLimit, rateLimitPrefix      string
	allowSplitLimits                bool
	simWebhookEvery                 time.Duration
	maxConnsPerIP, seedKeys         int
	maxStreamSubs                   int
	ssh                             sshconsole.Options
}

// rateLimitEnv is --ratelimit's default (a URL may hold a password).
const rateLimitEnv = "PMDEV_RATELIMIT"

// newServerCmd is `pmdev server` with `users add` and `users ssh-keys`.
func newServerCmd() *cobra.Command {
	var f serverFlags
	var dbPath, keyFile string
	cmd := &cobra.Command{
		Use:   "server",
		Short: "Run the reference API server (and the console over SSH with --ssh-addr)",
		Long: `Run the reference API server until SIGINT/SIGTERM, then drain HTTP and flush
usage records. With --ssh-addr it also serves the console over SSH, each key
signing in as the user it was registered for (pmdev server users add --ssh-key).`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runServer(cmd, webhookConfig(dbPath, keyFile), &f) },
	}
	cmd.PersistentFlags().StringVar(&dbPath, "db", server.DefaultDBPath(), "database: a SQLite file, or a postgres:// (postgresql://) URL to share one PostgreSQL database among instances")
	_ = cmd.MarkPersistentFlagFilename("db")
	cmd.PersistentFlags().StringVar(&keyFile, "webhook-key-file", "", "file holding the key that seals webhook secrets (default: the database path + .webhook-key; "+server.WebhookKeyEnv+" overrides both)")
	_ = cmd.MarkPersistentFlagFilename("webhook-key-file")
	fs := cmd.Flags()
	fs.StringVar(&f.addr, "addr", "127.0.0.1:8080", "listen address")
	fs.IntVar(&f.maxConnsPerIP, "max-conns-per-ip", 0, "cap concurrent HTTP connections from one client address (0: no cap; load tests open hundreds from one)")
	fs.StringVar(&f.seed, "seed", "", `seed an empty database ("demo")`)
	fs.IntVar(&f.seedKeys, "seed-keys", 0, "with --seed demo: this many keys (at least 7), each with 30 days of history (a benchmark fixture)")
	fs.BoolVar(&f.simulate, "simulate-traffic", false, "send background traffic with demo keys")
	fs.BoolVar(&f.allowPrivate, "allow-private-webhooks", false, "allow webhook URLs on private/loopback addresses")
	fs.StringVar(&f.retry, "webhook-retry-schedule", "", "comma-separated webhook retry delays, e.g. 1m,5m,15m,1h,24h")
	fs.DurationVar(&f.simWebhookEvery, "simulated-webhook-every", time.Minute, "with --simulate-traffic, send at most one webhook event of each type this often (0 or negative: none)")
	fs.StringVar(&f.rateLimit, "ratelimit", os.Getenv(rateLimitEnv), "share rate-limit buckets with every instance through Redis, e.g. redis://127.0.0.1:6379/0 (default: in this process; "+rateLimitEnv+" keeps a password out of the process list)")
	fs.StringVar(&f.rateLimitPrefix, "ratelimit-prefix", server.DefaultRateLimitPrefix, "with --ratelimit: prefix of the limiter's Redis keys (instances sharing limits use the same)")
	fs.BoolVar(&f.allowSplitLimits, "allow-split-limits", false, "serve even while another instance on this database keeps its own rate-limit buckets (each then grants a key its whole burst); logged loudly")
	fs.IntVar(&f.maxStreamSubs, "max-stream-subscribers", stream.DefaultMaxSubscribers, "live streams (events, request log) one organisation may have open at once")
	fs.StringVar(&f.logFile, "log", "", "write logs to this file instead of stderr")
	fs.BoolVarP(&f.verbose, "verbose", "v", false, "log every request (debug level)")
	fs.StringVar(&f.ssh.Addr, "ssh-addr", "", "also serve the console over SSH on this address (e.g. 127.0.0.1:2222)")
	fs.StringVar(&f.ssh.HostKeyPath, "ssh-host-key", "", "ed25519 SSH host key file, created 0600 on first start (default: in the data dir)")
	fs.StringVar(&f.ssh.PublicURL, "ssh-public-url", "", "the API's URL as SSH users reach it, for the console's code examples (default: the listen address)")
	registerSSHLimitFlags(fs, &f.ssh, "ssh-")
	_ = cmd.RegisterFlagCompletionFunc("seed", cobra.FixedCompletions([]string{"demo"}, cobra.ShellCompDirectiveNoFileComp))
	cmd.AddCommand(newUsersCmd(&dbPath), newServerWebhooksCmd(&dbPath, &keyFile))
	return cmd
}

// registerSSHLimitFlags adds the limits shared by `pmdev server` (prefix "ssh-") and the gateway (no prefix).
func registerSSHLimitFlags(fs *pflag.FlagSet, o *sshconsole.Options, prefix string) {
	fs.DurationVar(&o.IdleTimeout, prefix+"idle-timeout", sshconsole.DefaultIdleTimeout, "end an SSH session after this long without input, and a connection without one (negative: never)")
	fs.IntVar(&o.MaxSessions, prefix+"max-sessions", sshconsole.DefaultMaxSessions, "maximum concurrent SSH sessions (a connection without one counts as one)")
	fs.IntVar(&o.MaxPerUser, prefix+"max-sessions-per-user", sshconsole.DefaultMaxPerUser, "maximum concurrent SSH sessions of one user (gateway: of one key)")
	fs.StringVar(&o.AuditLog, prefix+"audit-log", "", `SSH session audit log, JSON lines ("-" for stderr; default: ssh-audit.log next to the host key)`)
}

// defaultHostKey is where the host key lives unless --ssh-host-key says.
func defaultHostKey(path string) string {
	if path != "" {
		return path
	}
	return sshconsole.HostKeyIn(filepath.Dir(server.DefaultDBPath()))
}

func parseSchedule(s string) ([]time.Duration, error) {
	if s == "" {
		return nil, nil
	}
	var out []time.Duration
	for _, part := range strings.Split(s, ",") {
		d, err := time.ParseDuration(strings.TrimSpace(part))
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("bad duration %q", part)
		}
		out = append(out, d)
	}
	return out, nil
}

// runServer serves until SIGINT/SIGTERM, then drains HTTP and flushes usage before exiting.
func runServer(cmd *cobra.Command, cfg server.Config, f *serverFlags) error {
	dbPath := cfg.DBPath
	sshOpts := f.ssh
	sshOpts.HostKeyPath = defaultHostKey(sshOpts.HostKeyPath)
	if f.seed != "" && f.seed != "demo" {
		return usagef("pmdev server: --seed must be demo, not %q", f.seed)
	}
	if f.seedKeys != 0 && (f.seed == "" || f.seedKeys < 7 || f.seedKeys > 100_000) {
		return usagef("pmdev server: --seed-keys needs --seed demo and a count from 7 to 100000, not %d", f.seedKeys)
	}
	schedule, err := parseSchedule(f.retry)
	if err != nil {
		return usagef("pmdev server: --webhook-retry-schedule: %v", err)
	}
	if _, _, err := net.SplitHostPort(f.addr); err != nil {
		return usagef("pmdev server: --addr %q: %v", f.addr, err)
	}
	if u := f.ssh.PublicURL; u != "" {
		if p, err := url.Parse(u); err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" || p.User != nil {
			return usagef("pmdev server: --ssh-public-url %q: want an http(s) URL with a host, e.g. https://api.example.com", u)
		}
	}
	if f.maxConnsPerIP < 0 {
		return usagef("pmdev server: --max-conns-per-ip must be 0 (no cap) or more, not %d", f.maxConnsPerIP)
	}
	if err := checkServerFiles(dbPath, sshOpts); err != nil {
		return err
	}
	if cfg.WebhookKeyFile != "" && cfg.WebhookKey == "" {
		if _, err := os.Stat(cfg.WebhookKeyFile); err == nil {
			if err := privfile.Check(cfg.WebhookKeyFile, "webhook key file"); err != nil {
				return err
			}
		}
	}
	if f.rateLimit != "" && !strings.HasPrefix(f.rateLimit, "redis://") && !strings.HasPrefix(f.rateLimit, "rediss://") {
		return usagef("pmdev server: --ratelimit must be a redis:// or rediss:// URL")
	}
	if f.simWebhookEvery == 0 {
		f.simWebhookEvery = -1 // 0 would mean the default to the server
	}

	logOut, closeLog, err := logTo(f.logFile, cmd.ErrOrStderr())
	if err != nil {
		return fmt.Errorf("open log: %w", err)
	}
	defer closeLog()
	level := slog.LevelInfo
	if f.verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(logOut, &slog.HandlerOptions{Level: level}))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	cfg.Seed, cfg.SeedKeys, cfg.Logger, cfg.Assets = f.seed, f.seedKeys, logger, api.FS()
	cfg.AllowPrivateWebhooks, cfg.WebhookRetrySchedule, cfg.SimulatedWebhookEvery = f.allowPrivate, schedule, f.simWebhookEvery
	cfg.RateLimit, cfg.RateLimitPrefix, cfg.AllowSplitLimits = f.rateLimit, f.rateLimitPrefix, f.allowSplitLimits
	cfg.StreamMaxSubscribers = f.maxStreamSubs
	srv, err := server.Open(ctx, cfg)
	if err != nil {
		return err
	}
	if srv.SeedSkipped() {
		fmt.Fprintln(cmd.ErrOrStderr(), "pmdev server: demo data already present; --seed demo skipped")
	}
	// Header, body and idle bounds, and the per-address cap, are the server package's.
	httpOpts := server.HTTPOptions{MaxConnsPerIP: f.maxConnsPerIP, ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	ln, err := server.Listen(f.addr, httpOpts)
	if err != nil {
		srv.Close(context.Background())
		return err
	}
	baseURL := "http://" + ln.Addr().String()
	hs := server.NewHTTPServer(srv.Handler(), httpOpts)
	// Webhook sends in flight would hold Shutdown for up to their timeout; they are requeued instead.
	hs.RegisterOnShutdown(srv.Drain)
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	logger.Info("pmdev server listening", "url", baseURL, "db", server.DisplayDB(dbPath), "ratelimit", srv.RateLimitBackend())
	fmt.Fprintf(cmd.ErrOrStderr(), "pmdev server listening on %s (db %s)\n", baseURL, server.DisplayDB(dbPath))

	var stopSSH func(context.Context) error
	if sshOpts.Addr != "" {
		sshOpts.Logger, sshOpts.Assets = logger, api.FS()
		if sshOpts.PublicURL == "" && !loopbackOnly(sshOpts.Addr) && loopbackOnly(f.addr) {
			// Remote users would be shown an address on their own machine.
			logger.Warn("SSH users see the API as " + baseURL + " in code examples; set --ssh-public-url to the URL they reach")
		}
		svc, err := sshconsole.Start(ctx, sshconsole.DirectoryResolver(serverDirectory{srv}, sshOpts.TokenTTL), baseURL, sshOpts)
		if err != nil {
			hs.Close()
			srv.Close(context.Background())
			return fmt.Errorf("ssh: %w", err)
		}
		stopSSH = svc.Stop
	}
	simDone := make(chan struct{})
	if f.simulate {
		go func() { defer close(simDone); srv.SimulateTraffic(ctx, baseURL) }()
	} else {
		close(simDone)
	}

	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-errc:
	}
	stop()
	logger.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	<-simDone
	var errs []error
	if stopSSH != nil {
		errs = append(errs, stopSSH(sctx))
	}
	// Drain in-flight requests first, then flush their usage records.
	if err := hs.Shutdown(sctx); err != nil {
		errs = append(errs, err)
	}
	errs = append(errs, srv.Close(sctx))
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		errs = append(errs, serveErr)
	}
	err = errors.Join(errs...)
	logger.Info("stopped", "err", err)
	return err
}

// checkServerFiles refuses to serve when the database, its webhook key or
// the SSH host key (when SSH is on) can be read by group or others.
func checkServerFiles(db string, ssh sshconsole.Options) error {
	if err := privfile.CheckData(db); err != nil {
		return err
	}
	if ssh.Addr == "" {
		return nil
	}
	if _, err := os.Stat(ssh.HostKeyPath); err == nil {
		return privfile.Check(ssh.HostKeyPath, "ssh host key")
	}
	return nil
}

// loopbackOnly: addr (host:port) listens on a loopback address only.
func loopbackOnly(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
