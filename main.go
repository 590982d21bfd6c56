// Command pmdev is the PenguinMails developer console: API keys, usage, docs
// and webhooks in the terminal. With no API configured it runs against a
// sandbox server started in-process.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/penguinmails/pmdev/client"
	"github.com/penguinmails/pmdev/server"
	"github.com/penguinmails/pmdev/styles"
	"github.com/penguinmails/pmdev/tui"
	"github.com/penguinmails/pmdev/tui/common"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run dispatches the subcommands and returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "server":
			return exitStatus(runServer(args[1:]), stderr)
		case "docs":
			return exitStatus(runDocs(args[1:]), stderr)
		case "ssh-gateway":
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return exitStatus(runSSHGateway(ctx, args[1:], stderr), stderr)
		case "completion":
			return exitStatus(runCompletion(args[1:], stdout), stderr)
		case "help":
			fmt.Fprint(stdout, usageText)
			return 0
		case "version":
			fmt.Fprintln(stdout, versionString())
			return 0
		}
	}
	return exitStatus(runConsole(args, stdout, stderr), stderr)
}

// exitStatus prints err and maps it to a status: 0, 2 for usage errors, 1 otherwise.
func exitStatus(err error, stderr io.Writer) int {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return 0
	}
	fmt.Fprintln(stderr, "pmdev:", err)
	var coded interface{ ExitCode() int }
	if errors.As(err, &coded) {
		return coded.ExitCode()
	}
	return 1
}

const usageText = `pmdev — the PenguinMails developer console

Usage:
  pmdev [flags]                 the console (sandbox unless an API is configured)
  pmdev server [flags]          run the reference API server
  pmdev docs [args]             read the API docs in the terminal
  pmdev ssh-gateway [flags]     serve the console over SSH
  pmdev completion bash|zsh|fish
  pmdev --version

Console flags:
  --sandbox               use the in-process sandbox even if an API is configured
  --as ROLE               sandbox identity: admin, developer or member (default admin)
  --sandbox-traffic       simulate API traffic in the sandbox (default true)
  --sandbox-db FILE       sandbox database (default $XDG_DATA_HOME/pmdev/pmdev.db)
  --api-url URL           API origin (env PENGUINMAILS_API_URL)
  --token TOKEN           personal access token pm_pat_… (env PENGUINMAILS_TOKEN)
  --profile NAME          profile from the config file
  --refresh LIST          poll intervals, e.g. ratelimits=2s,usage=15s,keys=30s,webhooks=15s
                          (floor 1s, 0 turns a source off)
  --no-color              no colours (also NO_COLOR=1)
  --mouse                 clickable tabs (off by default so text selection works)
  --log FILE              write a log (never tokens or keys)
  --debug                 debug-level log lines (with --log)
  --version, --help

Config: $XDG_CONFIG_HOME/pmdev/config.yaml (or $PMDEV_CONFIG):
  default_profile, profiles.NAME.{api_url, token_env | token_file | token},
  refresh.{ratelimits,usage,keys,webhooks}, keys.{scope.action: [keys]}, mouse, no_color

Keys: 1-5 tabs · tab/shift+tab · ? help · r refresh · p pause · q quit · esc back
`

func versionString() string {
	v := version
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 7 {
				v += " (" + s.Value[:7] + ")"
			}
		}
	}
	return fmt.Sprintf("pmdev %s %s/%s %s", v, runtime.GOOS, runtime.GOARCH, runtime.Version())
}

// consoleFlags are the console's command line.
type consoleFlags struct {
	sandbox, traffic, noColor, mouse, showVersion, debug bool
	as, sandboxDB, apiURL, token, profile, refresh, log  string
	set                                                  map[string]bool
}

// parseConsoleFlags prints --help to helpOut.
func parseConsoleFlags(args []string, helpOut io.Writer) (*consoleFlags, error) {
	f := &consoleFlags{set: map[string]bool{}}
	fs := flag.NewFlagSet("pmdev", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.BoolVar(&f.sandbox, "sandbox", false, "")
	fs.StringVar(&f.as, "as", "admin", "")
	fs.BoolVar(&f.traffic, "sandbox-traffic", true, "")
	fs.StringVar(&f.sandboxDB, "sandbox-db", "", "")
	// No env defaults here: --help must never print a token.
	fs.StringVar(&f.apiURL, "api-url", "", "")
	fs.StringVar(&f.token, "token", "", "")
	fs.StringVar(&f.profile, "profile", "", "")
	fs.StringVar(&f.refresh, "refresh", "", "")
	fs.BoolVar(&f.noColor, "no-color", false, "")
	fs.BoolVar(&f.mouse, "mouse", false, "")
	fs.StringVar(&f.log, "log", "", "")
	fs.BoolVar(&f.debug, "debug", false, "")
	fs.BoolVar(&f.showVersion, "version", false, "")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(helpOut, usageText)
			return nil, err
		}
		return nil, usagef("%v (see pmdev --help)", err)
	}
	if fs.NArg() > 0 {
		return nil, usagef("unknown command %q (see pmdev --help)", fs.Arg(0))
	}
	fs.Visit(func(fl *flag.Flag) { f.set[fl.Name] = true })
	return f, nil
}

// consoleSetup is everything resolved from flags, environment and config.
type consoleSetup struct {
	sandbox bool
	email   string // sandbox identity
	apiURL  string
	token   string
	refresh common.Refresh
	keys    *common.KeyMap
	noColor bool
	mouse   bool
}

func resolveSetup(f *consoleFlags, getenv func(string) string) (*consoleSetup, error) {
	path := configPath(getenv)
	cfg, err := loadConfig(path, getenv("PMDEV_CONFIG") != "")
	if err != nil {
		return nil, err
	}
	s := &consoleSetup{keys: common.DefaultKeyMap(), mouse: f.mouse || cfg.Mouse}
	s.noColor = f.noColor || cfg.NoColor || getenv("NO_COLOR") != ""
	if s.refresh, err = applyRefresh(common.DefaultRefresh(), cfg.Refresh, "config refresh."); err != nil {
		return nil, err
	}
	fr, err := parseRefreshFlag(f.refresh)
	if err != nil {
		return nil, usagef("%v", err)
	}
	if s.refresh, err = applyRefresh(s.refresh, fr, "--refresh "); err != nil {
		return nil, usagef("%v", err)
	}
	if err := s.keys.Rebind(cfg.Keys); err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}

	if f.sandbox && (f.set["api-url"] || f.set["profile"] || f.set["token"]) {
		return nil, usagef("--sandbox cannot be combined with --api-url, --token or --profile")
	}
	var prof profile
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
		s.sandbox = true
		if s.email, err = sandboxEmail(f.as); err != nil {
			return nil, usagef("%v", err)
		}
		return s, nil
	}
	if f.set["as"] || f.set["sandbox-traffic"] {
		return nil, usagef("--as and --sandbox-traffic apply to the sandbox only (an API URL is configured; add --sandbox)")
	}
	if err := checkURL(s.apiURL); err != nil {
		return nil, usagef("API URL: %v", err)
	}
	ptoken, err := prof.resolveToken(profName, getenv)
	if err != nil {
		return nil, err
	}
	s.token = firstNonEmpty(f.token, getenv("PENGUINMAILS_TOKEN"), ptoken)
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

func runConsole(args []string, stdout, stderr io.Writer) error {
	f, err := parseConsoleFlags(args, stdout)
	if err != nil {
		return err
	}
	if f.showVersion {
		fmt.Fprintln(stdout, versionString())
		return nil
	}
	setup, err := resolveSetup(f, os.Getenv)
	if err != nil {
		return err
	}
	logger, closeLog, err := openLog(f.log, f.debug)
	if err != nil {
		return err
	}
	defer closeLog()

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()

	apiURL, token := setup.apiURL, setup.token
	if setup.sandbox {
		db := f.sandboxDB
		if db == "" {
			db = server.DefaultDBPath()
		}
		sb, err := startSandbox(ctx, sandboxOptions{DBPath: db, Email: setup.email, Traffic: f.traffic, Assets: embeddedAPI(), Logger: logger})
		if err != nil {
			return err
		}
		defer func() {
			if err := sb.Close(); err != nil {
				logger.Error("sandbox close", "err", err)
			}
		}()
		apiURL, token = sb.BaseURL, sb.Token
	}
	logger.Info("console starting", "api", apiURL, "sandbox", setup.sandbox, "refresh", fmt.Sprintf("%+v", setup.refresh))

	model := newConsole(setup, apiURL, token, logger)
	opts := []tea.ProgramOption{tea.WithContext(ctx)}
	if setup.noColor {
		opts = append(opts, tea.WithColorProfile(colorprofile.Ascii))
	}
	p := tea.NewProgram(model, opts...)
	_, err = p.Run()
	// Requests still in flight have no reader now: cancel them so the sandbox
	// (closed by the deferred call) need not wait for them.
	model.Context().Client.Close()
	if errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
		err = nil // SIGTERM: a normal way to stop
	}
	return err
}

// newConsole builds the root model for an API (the sandbox's or a real one).
func newConsole(setup *consoleSetup, apiURL, token string, logger *slog.Logger) *tui.Model {
	cl := client.New(client.Options{BaseURL: apiURL, Token: token, UserAgent: "pmdev/" + version, Logger: logger})
	wd, _ := os.Getwd()
	cacheDir, _ := os.UserCacheDir()
	cctx := &common.Context{
		Styles:   styles.New(true),
		Keys:     setup.keys,
		Client:   cl,
		Logger:   logger,
		Refresh:  setup.refresh,
		APIURL:   strings.TrimRight(apiURL, "/"),
		Sandbox:  setup.sandbox, // the in-process server only, not any loopback API
		NoColor:  setup.noColor,
		Assets:   embeddedAPI(),
		CacheDir: joinIf(cacheDir, "pmdev"),
		WorkDir:  wd,
		Files:    common.OSFiles{},
		Now:      time.Now,
	}
	return tui.New(cctx, tui.Options{Mouse: setup.mouse})
}

func joinIf(dir, name string) string {
	if dir == "" {
		return ""
	}
	return dir + string(os.PathSeparator) + name
}
