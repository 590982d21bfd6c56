package main

import (
	"context"
	"embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/charmbracelet/x/term"

	"github.com/penguinmails/pmdev/server"
)

// usageError marks bad command-line usage; main exits with ExitCode (2).
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// ExitCode is the process exit status for this error.
func (e *usageError) ExitCode() int { return 2 }

func usagef(format string, a ...any) error { return &usageError{fmt.Sprintf(format, a...)} }

// parseFlags parses args into fs, turning flag errors into usage errors.
func parseFlags(fs *flag.FlagSet, args []string) error {
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(os.Stderr)
			fs.Usage()
			return err
		}
		return usagef("%s: %v (see -h)", fs.Name(), err)
	}
	if fs.NArg() > 0 {
		return usagef("%s: unexpected argument %q (see -h)", fs.Name(), fs.Arg(0))
	}
	return nil
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

// serverAPIDir is the api/ dir (openapi.yaml, docs/) compiled into the binary.
//
//go:embed api
var serverAPIDir embed.FS

// embeddedAPI returns the embedded api/ dir rooted at its contents.
func embeddedAPI() fs.FS {
	sub, err := fs.Sub(serverAPIDir, "api")
	if err != nil {
		return nil
	}
	return sub
}

// runServer is `pmdev server [flags]`, or `pmdev server users add ...`.
// It serves until SIGINT/SIGTERM, then drains HTTP and flushes usage before exiting.
func runServer(args []string) error {
	if len(args) > 0 && args[0] == "users" {
		return runServerUsers(args[1:])
	}
	fset := flag.NewFlagSet("pmdev server", flag.ContinueOnError)
	addr := fset.String("addr", "127.0.0.1:8080", "listen address")
	dbPath := fset.String("db", server.DefaultDBPath(), "SQLite database file")
	seed := fset.String("seed", "", `seed an empty database ("demo")`)
	simulate := fset.Bool("simulate-traffic", false, "send background traffic with demo keys")
	allowPrivate := fset.Bool("allow-private-webhooks", false, "allow webhook URLs on private/loopback addresses")
	retry := fset.String("webhook-retry-schedule", "", "comma-separated webhook retry delays, e.g. 1m,5m,15m,1h,24h")
	logFile := fset.String("log", "", "write logs to this file instead of stderr")
	verbose := fset.Bool("v", false, "log every request (debug level)")
	var sshOpts sshOptions
	registerSSHFlags(fset, &sshOpts)
	fset.Usage = func() {
		fmt.Fprintln(fset.Output(), "Usage: pmdev server [flags]\n       pmdev server users add --db FILE --email E --role R [--tenant NAME] [--plan P]\n\nFlags:")
		fset.PrintDefaults()
	}
	if err := parseFlags(fset, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if *seed != "" && *seed != "demo" {
		return usagef("pmdev server: --seed must be demo, not %q", *seed)
	}
	schedule, err := parseSchedule(*retry)
	if err != nil {
		return usagef("pmdev server: --webhook-retry-schedule: %v", err)
	}
	if _, _, err := net.SplitHostPort(*addr); err != nil {
		return usagef("pmdev server: --addr %q: %v", *addr, err)
	}
	if err := checkServerFiles(*dbPath, sshOpts); err != nil {
		return err
	}

	logOut := io.Writer(os.Stderr)
	if *logFile != "" {
		f, err := os.OpenFile(*logFile, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
		if err != nil {
			return fmt.Errorf("open log: %w", err)
		}
		defer f.Close()
		logOut = f
	}
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(logOut, &slog.HandlerOptions{Level: level}))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	srv, err := server.Open(ctx, server.Config{
		DBPath: *dbPath, Seed: *seed, Logger: logger,
		AllowPrivateWebhooks: *allowPrivate, WebhookRetrySchedule: schedule,
		Assets: embeddedAPI(),
	})
	if err != nil {
		return err
	}
	if srv.SeedSkipped() {
		fmt.Fprintln(os.Stderr, "pmdev server: demo data already present; --seed demo skipped")
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		srv.Close(context.Background())
		return err
	}
	baseURL := "http://" + ln.Addr().String()
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute, ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	// Webhook sends in flight would hold Shutdown for up to their timeout; they are requeued instead.
	hs.RegisterOnShutdown(srv.Drain)
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	logger.Info("pmdev server listening", "url", baseURL, "db", *dbPath)
	fmt.Fprintf(os.Stderr, "pmdev server listening on %s (db %s)\n", baseURL, *dbPath)

	var stopSSH func(context.Context) error
	if sshOpts.Addr != "" {
		sshOpts.Logger, sshOpts.Assets = logger, embeddedAPI()
		stopSSH, err = startSSH(ctx, srv, baseURL, sshOpts)
		if err != nil {
			hs.Close()
			srv.Close(context.Background())
			return fmt.Errorf("ssh: %w", err)
		}
	}
	simDone := make(chan struct{})
	if *simulate {
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

// runServerUsers is `pmdev server users add ...` (prints only the new token on
// stdout) and `pmdev server users ssh-keys ...`.
func runServerUsers(args []string) error {
	if len(args) > 0 && args[0] == "ssh-keys" {
		return runServerSSHKeys(args[1:], os.Stdout)
	}
	if len(args) > 0 && args[0] == "add" {
		return runServerUsersAdd(args[1:], os.Stdout, os.Stderr, term.IsTerminal(os.Stderr.Fd()))
	}
	return usagef("usage: pmdev server users add --db FILE --email E --role admin|developer|member [--tenant NAME] [--plan starter|professional|business] [--ssh-key FILE]...\n" +
		"       pmdev server users ssh-keys list|add|remove ...")
}

// runServerUsersAdd creates a user and prints its token alone on stdout, so
// TOKEN=$(pmdev server users add ...) works; a person at a terminal also
// gets a one-line hint on stderr saying what the token is.
func runServerUsersAdd(args []string, stdout, stderr io.Writer, stderrTTY bool) error {
	fset := flag.NewFlagSet("pmdev server users add", flag.ContinueOnError)
	dbPath := fset.String("db", server.DefaultDBPath(), "SQLite database file")
	email := fset.String("email", "", "user email (required)")
	role := fset.String("role", "", "admin, developer or member (required)")
	tenant := fset.String("tenant", "", `tenant name (default "Default"; created when missing)`)
	plan := fset.String("plan", "", "plan of a new tenant: starter, professional (default) or business")
	var sshKeys []string
	fset.Func("ssh-key", "authorized public key file for SSH access (repeatable)", func(v string) error {
		sshKeys = append(sshKeys, v)
		return nil
	})
	if err := parseFlags(fset, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if *email == "" || *role == "" {
		return usagef("pmdev server users add: --email and --role are required")
	}
	switch *role {
	case "admin", "developer", "member":
	default:
		return usagef("pmdev server users add: --role must be admin, developer or member, not %q", *role)
	}
	switch *plan {
	case "", "starter", "professional", "business":
	default:
		return usagef("pmdev server users add: --plan must be starter, professional or business, not %q", *plan)
	}
	keys, err := readSSHKeyFiles(sshKeys)
	if err != nil {
		return err
	}
	if err := checkDataFiles(*dbPath); err != nil {
		return err
	}
	ctx := context.Background()
	srv, err := server.Open(ctx, server.Config{DBPath: *dbPath})
	if err != nil {
		return err
	}
	token, err := srv.AddUser(ctx, server.NewUser{Email: *email, Role: *role, Tenant: *tenant, Plan: *plan, SSHKeys: keys})
	if cerr := srv.Close(ctx); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, token)
	if stderrTTY {
		fmt.Fprintf(stderr, "personal access token for %s (role %s); shown once — store it now\n", quoteIfControl(*email), *role)
	}
	return nil
}

// quoteIfControl keeps control characters from an argument off the terminal.
func quoteIfControl(s string) string {
	if strings.IndexFunc(s, func(r rune) bool { return !strconv.IsPrint(r) }) >= 0 {
		return strconv.Quote(s)
	}
	return s
}

// checkServerFiles refuses to serve when the database, its webhook key or
// the SSH host key (when SSH is on) can be read by group or others.
func checkServerFiles(db string, ssh sshOptions) error {
	if err := checkDataFiles(db); err != nil {
		return err
	}
	if ssh.Addr == "" {
		return nil
	}
	ssh.setDefaults()
	if _, err := os.Stat(ssh.HostKeyPath); err == nil {
		return checkPrivate(ssh.HostKeyPath, "ssh host key")
	}
	return nil
}
