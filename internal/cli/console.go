package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/penguinmails/pmdev/api"
	"github.com/penguinmails/pmdev/client"
	"github.com/penguinmails/pmdev/internal/config"
	"github.com/penguinmails/pmdev/internal/sandbox"
	"github.com/penguinmails/pmdev/styles"
	"github.com/penguinmails/pmdev/tui"
	"github.com/penguinmails/pmdev/tui/common"
)

const consoleLong = `pmdev — the PenguinMails developer console.

With no API configured (flags, environment or config file) the console runs
against a sandbox: the reference server started in this process with demo data.

Config: $XDG_CONFIG_HOME/pmdev/config.yaml (or $PMDEV_CONFIG):
  default_profile, profiles.NAME.{api_url, token_env | token_file | token},
  refresh.{ratelimits,usage,keys,webhooks}, keys.{scope.action: [keys]}, mouse, no_color

Keys: 1-5 tabs · tab/shift+tab · ? help · r refresh · p pause · q quit · esc back

Scripting: pmdev keys, usage, limits, webhooks and whoami print tables, or the
API's JSON with --json/--jq. Exit status: 0 ok, 1 API error, 2 usage error,
3 auth refused (401/403), 4 not found, 5 rate limited (429), 130 interrupted.`

// consoleFlags are the console's command line.
type consoleFlags struct {
	sandbox, traffic, noColor, mouse, debug             bool
	as, sandboxDB, apiURL, token, profile, refresh, log string
	changed                                             func(name string) bool
}

// register declares the console's flags (the only place they are listed).
func (f *consoleFlags) register(fs *pflag.FlagSet) {
	f.registerAPI(fs, true)
	fs.StringVar(&f.refresh, "refresh", "", "poll intervals, e.g. ratelimits=2s,usage=15s,keys=30s,webhooks=15s (floor 1s, 0 turns a source off)")
	fs.BoolVar(&f.mouse, "mouse", false, "clickable tabs (off by default so text selection works)")
	// The scripting commands report on stderr and keep no log: these two
	// are the console's alone.
	fs.StringVar(&f.log, "log", "", "console only: write the console's log to this `file` (never tokens or keys)")
	fs.BoolVar(&f.debug, "debug", false, "console only: debug-level lines in the --log file")
}

// registerAPI declares the flags the console shares with the scripting
// commands: which API, which credentials, the sandbox, colour. The
// console simulates sandbox traffic by default, the commands do not.
func (f *consoleFlags) registerAPI(fs *pflag.FlagSet, traffic bool) {
	fs.BoolVar(&f.sandbox, "sandbox", false, "use the in-process sandbox even if an API is configured")
	fs.StringVar(&f.as, "as", "admin", "sandbox identity: admin, developer or member")
	fs.BoolVar(&f.traffic, "sandbox-traffic", traffic, "simulate API traffic in the sandbox")
	fs.StringVar(&f.sandboxDB, "sandbox-db", "", "sandbox database (default $XDG_DATA_HOME/pmdev/pmdev.db)")
	// No env defaults here: --help must never print a token.
	fs.StringVar(&f.apiURL, "api-url", "", "API origin (env PENGUINMAILS_API_URL)")
	fs.StringVar(&f.token, "token", "", "personal access token pm_pat_… (env PENGUINMAILS_TOKEN)")
	fs.StringVar(&f.profile, "profile", "", "profile from the config file")
	fs.BoolVar(&f.noColor, "no-color", false, "no colours (also NO_COLOR=1)")
	f.changed = func(name string) bool { return fs.Changed(name) }
}

// newConsoleCmd is the root command: the console.
func newConsoleCmd(version string) *cobra.Command {
	f := &consoleFlags{}
	cmd := &cobra.Command{
		Use:           "pmdev",
		Short:         "The PenguinMails developer console",
		Long:          consoleLong,
		Version:       versionString(version),
		SilenceErrors: true,
		SilenceUsage:  true,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usagef("unknown command %q (see pmdev --help)", args[0])
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error { return runConsole(cmd, f, version) },
	}
	cmd.SetVersionTemplate("{{.Version}}\n")
	f.register(cmd.Flags())
	completeAPIFlags(cmd)
	_ = cmd.MarkFlagFilename("log")
	return cmd
}

// completeAPIFlags completes the values of registerAPI's flags on cmd.
func completeAPIFlags(cmd *cobra.Command) {
	_ = cmd.RegisterFlagCompletionFunc("as", cobra.FixedCompletions([]string{"admin", "developer", "member"}, cobra.ShellCompDirectiveNoFileComp))
	if cmd.PersistentFlags().Lookup("sandbox-db") != nil {
		_ = cmd.MarkPersistentFlagFilename("sandbox-db")
	} else {
		_ = cmd.MarkFlagFilename("sandbox-db")
	}
	_ = cmd.RegisterFlagCompletionFunc("profile", completeProfiles)
	for _, name := range []string{"api-url", "token"} {
		_ = cmd.RegisterFlagCompletionFunc(name, cobra.NoFileCompletions)
	}
}

// parseConsoleFlags parses a console command line (tests).
func parseConsoleFlags(args []string) (*consoleFlags, error) {
	f := &consoleFlags{}
	fs := pflag.NewFlagSet("pmdev", pflag.ContinueOnError)
	f.register(fs)
	if err := fs.Parse(args); err != nil {
		return nil, usagef("%v (see pmdev --help)", err)
	}
	return f, nil
}

// consoleSetup is everything resolved from flags, environment and config.
type consoleSetup struct {
	sandbox   bool
	email     string // sandbox identity
	apiURL    string
	token     string
	tokenFrom string // where the token came from, for the console's words when it is rejected
	refresh   common.Refresh
	keys      *common.KeyMap
	noColor   bool
	mouse     bool
}

func resolveSetup(f *consoleFlags, getenv func(string) string) (*consoleSetup, error) {
	path := config.Path(getenv)
	cfg, err := config.Load(path, getenv("PMDEV_CONFIG") != "")
	if err != nil {
		return nil, err
	}
	s := &consoleSetup{mouse: f.mouse || cfg.Mouse}
	s.noColor = f.noColor || cfg.NoColor || getenv("NO_COLOR") != ""
	if s.refresh, err = config.ApplyRefresh(common.DefaultRefresh(), cfg.Refresh, "config refresh."); err != nil {
		return nil, err
	}
	fr, err := config.ParseRefreshFlag(f.refresh)
	if err != nil {
		return nil, usagef("%v", err)
	}
	if s.refresh, err = config.ApplyRefresh(s.refresh, fr, "--refresh "); err != nil {
		return nil, usagef("%v", err)
	}
	if s.keys, err = cfg.KeyMap(); err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}

	if f.sandbox && (f.changed("api-url") || f.changed("profile") || f.changed("token")) {
		return nil, usagef("--sandbox cannot be combined with --api-url, --token or --profile")
	}
	var prof config.Profile
	profName := f.profile
	if profName == "" && !f.sandbox {
		profName = cfg.DefaultProfile
	}
	if profName != "" {
		p, ok := cfg.Profiles[profName]
		if !ok {
			return nil, usagef("--profile %q: no such profile in %s", profName, path)
		}
		prof = p
	}
	s.apiURL = firstNonEmpty(f.apiURL, getenv("PENGUINMAILS_API_URL"), prof.APIURL)
	if f.sandbox || s.apiURL == "" {
		// A token means a real API was meant: a script that forgot the URL
		// must not act on the demo database and report success.
		if !f.sandbox && firstNonEmpty(f.token, getenv("PENGUINMAILS_TOKEN")) != "" {
			return nil, usagef("a token was given (--token / PENGUINMAILS_TOKEN) but no API URL: set --api-url or PENGUINMAILS_API_URL, or drop the token to use the sandbox")
		}
		s.sandbox = true
		if s.email, err = sandbox.Email(f.as); err != nil {
			return nil, usagef("%v", err)
		}
		return s, nil
	}
	if f.changed("as") || f.changed("sandbox-traffic") {
		return nil, usagef("--as and --sandbox-traffic apply to the sandbox only (an API URL is configured; add --sandbox)")
	}
	if err := config.CheckURL(s.apiURL); err != nil {
		return nil, usagef("API URL: %v", err)
	}
	ptoken, err := prof.ResolveToken(profName, getenv)
	if err != nil {
		return nil, err
	}
	s.token = firstNonEmpty(f.token, getenv("PENGUINMAILS_TOKEN"), ptoken)
	switch {
	case f.token != "":
		s.tokenFrom = "--token"
	case getenv("PENGUINMAILS_TOKEN") != "":
		s.tokenFrom = "PENGUINMAILS_TOKEN"
	case ptoken != "":
		s.tokenFrom = "profile " + profName
	}
	if s.token == "" {
		return nil, usagef("no token for %s: set PENGUINMAILS_TOKEN, pass --token, or use --profile", s.apiURL)
	}
	return s, nil
}

func firstNonEmpty(v ...string) string {
	for _, s := range v {
		if s != "" {
			return s
		}
	}
	return ""
}

func openLog(path string, debugLevel bool) (*slog.Logger, func(), error) {
	if path == "" {
		return slog.New(slog.DiscardHandler), func() {}, nil
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("--log: %w", err)
	}
	level := slog.LevelInfo
	if debugLevel {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(f, &slog.HandlerOptions{Level: level})), func() { _ = f.Close() }, nil
}

func runConsole(cmd *cobra.Command, f *consoleFlags, version string) error {
	setup, err := resolveSetup(f, os.Getenv)
	if err != nil {
		return err
	}
	logger, closeLog, err := openLog(f.log, f.debug)
	if err != nil {
		return err
	}
	defer closeLog()

	// SIGHUP is the terminal (or the SSH connection) closing: stop the way
	// q does, so the sandbox writes what it counted and closes its database.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGHUP)
	defer stop()

	opts := tui.Options{Mouse: setup.mouse}
	var cl *client.Client
	if setup.sandbox {
		// The sandbox starts while the console draws its splash: nothing
		// the first frame shows waits for the database.
		startCtx, cancelStart := context.WithCancel(ctx)
		o := f.sandboxOptions(setup.email, logger)
		o.HistoryLater = true
		st := startSandboxAsync(startCtx, o)
		defer func() {
			cancelStart()
			if err := st.close(); err != nil {
				logger.Error("sandbox close", "err", err)
			}
		}()
		opts.Progress = st.progress
		opts.Connect = func() (tui.Conn, error) {
			sb, err := st.wait()
			if err != nil {
				return tui.Conn{}, err
			}
			logger.Info("console connected", "api", sb.BaseURL, "sandbox", true)
			return tui.Conn{Client: newClient(sb.BaseURL, sb.Token, version, logger), APIURL: sb.BaseURL}, nil
		}
	} else {
		cl = newClient(setup.apiURL, setup.token, version, logger)
	}
	logger.Info("console starting", "api", setup.apiURL, "sandbox", setup.sandbox, "refresh", fmt.Sprintf("%+v", setup.refresh))

	model := newConsole(setup, cl, setup.apiURL, opts, logger)
	popts := []tea.ProgramOption{tea.WithContext(ctx)}
	if setup.noColor {
		popts = append(popts, tea.WithColorProfile(colorprofile.Ascii))
	}
	p := tea.NewProgram(model, popts...)
	_, err = p.Run()
	// Requests still in flight have no reader now: cancel them so the sandbox
	// (closed by the deferred call) need not wait for them.
	if c := model.Context().Client; c != nil {
		c.Close()
	}
	if errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
		err = nil // SIGTERM or SIGHUP: a normal way to stop
	}
	if err == nil {
		err = model.Err() // the sandbox could not start
	}
	return err
}

func newClient(apiURL, token, version string, logger *slog.Logger) *client.Client {
	return client.New(client.Options{BaseURL: apiURL, Token: token, UserAgent: "pmdev/" + version, Logger: logger})
}

// newConsole builds the root model for an API: a real one (cl set), or the
// sandbox, which opts.Connect provides once it has started.
// This is the one place the local console's common.Context is built (the SSH
// console's is built in internal/sshconsole/console.go).
func newConsole(setup *consoleSetup, cl *client.Client, apiURL string, opts tui.Options, logger *slog.Logger) *tui.Model {
	wd, _ := os.Getwd()
	cacheDir, _ := os.UserCacheDir()
	cctx := &common.Context{
		Styles:    styles.New(true),
		Keys:      setup.keys,
		Client:    cl,
		Logger:    logger,
		Refresh:   setup.refresh,
		APIURL:    strings.TrimRight(apiURL, "/"),
		Sandbox:   setup.sandbox, // the in-process server only, not any loopback API
		TokenFrom: setup.tokenFrom,
		NoColor:   setup.noColor,
		Assets:    api.FS(),
		CacheDir:  joinIf(cacheDir, "pmdev"),
		WorkDir:   wd,
		Files:     common.OSFiles{},
		Now:       time.Now,
	}
	return tui.New(cctx, opts)
}

func joinIf(dir, name string) string {
	if dir == "" {
		return ""
	}
	return dir + string(os.PathSeparator) + name
}
