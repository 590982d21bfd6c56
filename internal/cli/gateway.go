package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/penguinmails/pmdev/api"
	"github.com/penguinmails/pmdev/internal/sshconsole"
)

// gatewayFlags are `pmdev ssh-gateway`'s flags.
type gatewayFlags struct {
	apiURL, identities, logPath string
	ssh                         sshconsole.Options
}

// newGatewayCmd is `pmdev ssh-gateway`: the console over SSH in front of any
// PenguinMails API, each authorized key mapped to a profile's token.
func newGatewayCmd() *cobra.Command {
	var f gatewayFlags
	cmd := &cobra.Command{
		Use:   "ssh-gateway --api-url URL --identities FILE",
		Short: "Serve the console over SSH in front of any PenguinMails API",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runGateway(ctx, &f, cmd.ErrOrStderr())
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&f.ssh.Addr, "listen", ":2222", "SSH listen address")
	fs.StringVar(&f.apiURL, "api-url", os.Getenv("PENGUINMAILS_API_URL"), "API origin, e.g. https://api.penguinmails.com (env PENGUINMAILS_API_URL)")
	fs.StringVar(&f.identities, "identities", "", `identities file: authorized_keys lines with profile="name" and token-env="VAR" or token-file="/path" (mode 0600)`)
	fs.StringVar(&f.ssh.HostKeyPath, "ssh-host-key", "", "ed25519 host key file, created 0600 on first start (default: in the data dir)")
	fs.StringVar(&f.logPath, "log", "", "operational log file (default stderr)")
	registerSSHLimitFlags(fs, &f.ssh, "")
	_ = cmd.MarkFlagFilename("identities")
	_ = cmd.MarkFlagFilename("ssh-host-key")
	_ = cmd.MarkFlagFilename("log")
	return cmd
}

// runSSHGateway is `pmdev ssh-gateway`: the console over SSH in front of any
// PenguinMails API, each authorized key mapped to a profile's token.
func runGateway(ctx context.Context, f *gatewayFlags, stderr io.Writer) error {
	o := f.ssh
	o.HostKeyPath = defaultHostKey(o.HostKeyPath)
	if err := checkAPIURL(f.apiURL); err != nil {
		return usagef("pmdev ssh-gateway: %v", err)
	}
	if f.identities == "" {
		return usagef("pmdev ssh-gateway: --identities FILE is required")
	}
	ids, err := sshconsole.LoadGatewayIdentities(f.identities, os.Getenv)
	if err != nil {
		return err
	}
	logOut, closeLog, err := logTo(f.logPath, stderr)
	if err != nil {
		return fmt.Errorf("--log: %w", err)
	}
	defer closeLog()
	o.Logger = slog.New(slog.NewTextHandler(logOut, nil))
	o.Assets = api.FS() // offline docs, as in the local console
	svc, err := sshconsole.Start(ctx, ids, f.apiURL, o)
	if err != nil {
		return err
	}
	o.Logger.Info("ssh gateway ready", "api", f.apiURL, "keys", ids.Len())
	go ids.CheckProfiles(ctx, f.apiURL, o.Logger)
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	for ctx.Err() == nil {
		select {
		case <-ctx.Done():
		case <-hup:
			if n, err := ids.Reload(); err != nil {
				o.Logger.Error("identities not reloaded; keeping the previous set", "err", err)
			} else {
				o.Logger.Info("identities reloaded", "keys", n)
			}
		}
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	return svc.Stop(sctx)
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

// logTo is where --log sends the operational log: the file at path, opened
// for appending (created 0600), or def when path is empty. done closes it.
func logTo(path string, def io.Writer) (w io.Writer, done func(), err error) {
	if path == "" {
		return def, func() {}, nil
	}
	lf, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, nil, err
	}
	return lf, func() { _ = lf.Close() }, nil
}
