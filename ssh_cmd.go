package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/penguinmails/pmdev/client"
	"github.com/penguinmails/pmdev/server"
)

// registerSSHFlags adds the SSH flags of `pmdev server` to fs.
func registerSSHFlags(fs *flag.FlagSet, o *sshOptions) {
	fs.StringVar(&o.Addr, "ssh-addr", "", "also serve the console over SSH on this address (e.g. 127.0.0.1:2222)")
	fs.StringVar(&o.HostKeyPath, "ssh-host-key", "", "ed25519 SSH host key file, created 0600 on first start (default: in the data dir)")
	registerSSHLimitFlags(fs, o, "ssh-")
}

// registerSSHLimitFlags adds the limits shared by `pmdev server` (prefix "ssh-") and the gateway (no prefix).
func registerSSHLimitFlags(fs *flag.FlagSet, o *sshOptions, prefix string) {
	fs.DurationVar(&o.IdleTimeout, prefix+"idle-timeout", defaultSSHIdleTimeout, "end an SSH session after this long without input (negative: never)")
	fs.IntVar(&o.MaxSessions, prefix+"max-sessions", defaultSSHMaxSessions, "maximum concurrent SSH sessions")
	fs.IntVar(&o.MaxPerUser, prefix+"max-sessions-per-user", defaultSSHMaxPerUser, "maximum concurrent SSH sessions of one user (gateway: of one key)")
	fs.StringVar(&o.AuditLog, prefix+"audit-log", "", `SSH session audit log, JSON lines ("-" for stderr; default: ssh-audit.log next to the host key)`)
}

// runSSHGateway is `pmdev ssh-gateway`: the console over SSH in front of any
// PenguinMails API, each authorized key mapped to a profile's token.
func runSSHGateway(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("pmdev ssh-gateway", flag.ContinueOnError)
	var o sshOptions
	var apiURL, identities, logPath string
	fs.StringVar(&o.Addr, "listen", ":2222", "SSH listen address")
	fs.StringVar(&apiURL, "api-url", os.Getenv("PENGUINMAILS_API_URL"), "API origin, e.g. https://api.penguinmails.com (env PENGUINMAILS_API_URL)")
	fs.StringVar(&identities, "identities", "", `identities file: authorized_keys lines with profile="name" and token-env="VAR" or token-file="/path" (mode 0600)`)
	fs.StringVar(&o.HostKeyPath, "ssh-host-key", "", "ed25519 host key file, created 0600 on first start (default: in the data dir)")
	fs.StringVar(&logPath, "log", "", "operational log file (default stderr)")
	registerSSHLimitFlags(fs, &o, "")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: pmdev ssh-gateway --api-url URL --identities FILE [--listen :2222] [flags]\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := checkAPIURL(apiURL); err != nil {
		return usagef("pmdev ssh-gateway: %v", err)
	}
	if identities == "" {
		return usagef("pmdev ssh-gateway: --identities FILE is required")
	}
	ids, err := loadGatewayIdentities(identities, os.Getenv)
	if err != nil {
		return err
	}
	var logOut io.Writer = stderr
	if logPath != "" {
		f, err := os.OpenFile(logPath, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
		if err != nil {
			return fmt.Errorf("--log: %w", err)
		}
		defer f.Close()
		logOut = f
	}
	o.Logger = slog.New(slog.NewTextHandler(logOut, nil))
	o.Assets = embeddedAPI() // offline docs, as in the local console
	svc, err := startSSHService(ctx, ids, apiURL, o)
	if err != nil {
		return err
	}
	o.Logger.Info("ssh gateway ready", "api", apiURL, "keys", len(*ids.keys.Load()))
	go checkGatewayProfiles(ctx, ids, apiURL, o.Logger)
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	for ctx.Err() == nil {
		select {
		case <-ctx.Done():
		case <-hup:
			if n, err := ids.reload(); err != nil {
				o.Logger.Error("identities not reloaded; keeping the previous set", "err", err)
			} else {
				o.Logger.Info("identities reloaded", "keys", n)
			}
		}
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	return svc.stop(sctx)
}

// checkGatewayProfiles tells the operator at start which profile tokens the
// API accepts, so a typo shows in the log rather than at a user's login.
func checkGatewayProfiles(ctx context.Context, ids *gatewayIdentities, apiURL string, log *slog.Logger) {
	for _, p := range ids.profiles() {
		tok := p.token
		c := client.New(client.Options{BaseURL: apiURL, UserAgent: "pmdev-ssh", RetryCount: -1,
			Transport: &client.AuthTransport{Token: func(context.Context) (string, error) { return tok, nil }}})
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		me, err := c.Me(cctx)
		cancel()
		if err != nil {
			log.Warn("profile token not accepted by the API", "profile", p.Name, "source", p.Source, "err", shortAPIError(err))
			continue
		}
		log.Info("profile ok", "profile", p.Name, "user", me.Email, "role", me.Role, "tenant", me.Tenant.Name)
	}
}

func checkAPIURL(raw string) error {
	if raw == "" {
		return errors.New("--api-url URL is required (or set PENGUINMAILS_API_URL)")
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("--api-url %q: want http(s)://host[:port]", raw)
	}
	return nil
}

// readSSHKeyFiles reads and validates public key files.
func readSSHKeyFiles(paths []string) ([][]byte, error) {
	out := make([][]byte, 0, len(paths))
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("ssh key: %w", err)
		}
		if _, err := server.ParseSSHKeys(b); err != nil {
			return nil, fmt.Errorf("ssh key %s: %w", p, err)
		}
		out = append(out, b)
	}
	return out, nil
}

// runServerSSHKeys is `pmdev server users ssh-keys list [--email E] |
// add --email E FILE... | remove SHA256:…` on the database given by --db.
func runServerSSHKeys(args []string, stdout io.Writer) error {
	usage := usagef("usage: pmdev server users ssh-keys list [--db FILE] [--email EMAIL]\n" +
		"       pmdev server users ssh-keys add [--db FILE] --email EMAIL KEY.pub...\n" +
		"       pmdev server users ssh-keys remove [--db FILE] SHA256:FINGERPRINT...")
	if len(args) == 0 {
		return usage
	}
	fs := flag.NewFlagSet("pmdev server users ssh-keys "+args[0], flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	dbPath := fs.String("db", server.DefaultDBPath(), "SQLite database file")
	email := fs.String("email", "", "user email")
	if err := fs.Parse(args[1:]); err != nil {
		return usagef("%v\n%v", err, usage)
	}
	switch args[0] {
	case "list", "ls", "add", "remove", "rm":
	default:
		return usage
	}
	if err := checkDataFiles(*dbPath); err != nil {
		return err
	}
	ctx := context.Background()
	srv, err := server.Open(ctx, server.Config{DBPath: *dbPath})
	if err != nil {
		return err
	}
	err = sshKeysCommand(ctx, srv, args[0], *email, fs.Args(), stdout, usage)
	return errors.Join(err, srv.Close(ctx))
}

func sshKeysCommand(ctx context.Context, srv *server.Server, cmd, email string, rest []string, stdout io.Writer, usage error) error {
	switch cmd {
	case "list", "ls":
		keys, err := srv.ListSSHKeys(ctx, email)
		if err != nil {
			return err
		}
		if len(keys) == 0 {
			fmt.Fprintln(stdout, "no SSH keys registered")
			return nil
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "EMAIL\tFINGERPRINT\tTYPE\tCOMMENT\tADDED\tLAST USED")
		for _, k := range keys {
			used := "never"
			if k.LastUsed != nil {
				used = k.LastUsed.Format(time.RFC3339)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", k.Email, k.Fingerprint, k.Type, printable(k.Comment), k.CreatedAt.Format(time.RFC3339), used)
		}
		return tw.Flush()
	case "add":
		if email == "" || len(rest) == 0 {
			return usage
		}
		data, err := readSSHKeyFiles(rest)
		if err != nil {
			return err
		}
		for _, b := range data {
			added, err := srv.AddSSHKey(ctx, email, b)
			if err != nil {
				return err
			}
			for _, k := range added {
				fmt.Fprintf(stdout, "added %s (%s) for %s\n", k.Fingerprint, k.Type, k.Email)
			}
		}
		return nil
	case "remove", "rm":
		if len(rest) == 0 {
			return usage
		}
		for _, fp := range rest {
			k, err := srv.RemoveSSHKey(ctx, fp)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "removed %s of %s\n", k.Fingerprint, k.Email)
		}
		return nil
	}
	return usage
}

// printable drops control characters from text stored by users.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return -1
		}
		return r
	}, s)
}
