package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/penguinmails/pmdev/api"
	"github.com/penguinmails/pmdev/client"
	"github.com/penguinmails/pmdev/internal/config"
	"github.com/penguinmails/pmdev/internal/sandbox"
	"github.com/penguinmails/pmdev/server"
)

// The scripting commands (keys, usage, limits, webhooks, whoami) reach the
// API the way the console does: --api-url/--token, --profile, the
// environment, the config file, and the sandbox when none of them names an
// API. Each top-level command carries these flags for its subcommands.

const apiHelp = `
Output:
  On a terminal, a table with the console's columns and masking; otherwise
  tab-separated values without a header. --json prints the API's JSON, which
  is stable: the contract's schemas (api/openapi.yaml; "pmdev docs" describes
  them). A single object is the operation's response schema, a list is a JSON
  array of the item schema (all pages followed). --jq EXPR filters that JSON
  (strings print bare). Colour only on a terminal, never with NO_COLOR.
` + exitCodesHelp

const exitCodesHelp = `
Exit status:
  0    success
  1    API or other error (the problem's detail is printed on stderr)
  2    usage error (bad flag or argument, also a value the API refuses;
       ambiguous name, --yes missing)
  3    authentication or permission refused (401, 403)
  4    not found (404, or no key or endpoint of that name)
  5    rate limited (429); the message says when to retry
  130  interrupted
`

// apiOpts are the flags of one top-level scripting command.
type apiOpts struct {
	conn    consoleFlags // API, credentials, sandbox and colour, as the console
	json    bool
	jq      string
	version string
}

// apiCommand makes the top-level scripting command that build makes: it
// takes the API and output flags, o, for itself and its subcommands.
func apiCommand(version string, ios *streams, build func(o *apiOpts, ios *streams) *cobra.Command) *cobra.Command {
	o := &apiOpts{version: version}
	cmd := build(o, ios)
	fs := cmd.PersistentFlags()
	o.conn.registerAPI(fs, false)
	fs.BoolVar(&o.json, "json", false, "print the API's JSON (stable: the contract's schemas)")
	fs.StringVar(&o.jq, "jq", "", "filter the JSON with a jq `expression` (implies --json)")
	completeAPIFlags(cmd)
	_ = cmd.RegisterFlagCompletionFunc("jq", cobra.NoFileCompletions)
	noFileCompletion(cmd)
	addHelp(cmd)
	return cmd
}

// noFileCompletion makes arguments and flag values of cmd and its
// subcommands complete nothing where no completion is declared: only
// flags marked as files complete file names.
func noFileCompletion(cmd *cobra.Command) {
	if cmd.ValidArgsFunction == nil && len(cmd.ValidArgs) == 0 {
		cmd.ValidArgsFunction = cobra.NoFileCompletions
	}
	cmd.LocalFlags().VisitAll(func(f *pflag.Flag) {
		if _, file := f.Annotations[cobra.BashCompFilenameExt]; file || f.Value.Type() == "bool" {
			return
		}
		if _, ok := cmd.GetFlagCompletionFunc(f.Name); !ok {
			_ = cmd.RegisterFlagCompletionFunc(f.Name, cobra.NoFileCompletions)
		}
	})
	for _, sub := range cmd.Commands() {
		noFileCompletion(sub)
	}
}

// addHelp appends the output and exit status sections to cmd and its subcommands.
func addHelp(cmd *cobra.Command) {
	if cmd.Long == "" {
		cmd.Long = cmd.Short + "."
	}
	cmd.Long += "\n" + apiHelp
	for _, sub := range cmd.Commands() {
		addHelp(sub)
	}
}

// session is one command's connection to the API.
type session struct {
	ctx     context.Context
	cl      *client.Client
	out     *output
	ios     *streams
	sandbox bool
	closers []func()
}

// Close cancels what is in flight and stops the sandbox.
func (s *session) Close() {
	for i := len(s.closers) - 1; i >= 0; i-- {
		s.closers[i]()
	}
}

// open resolves the API from flags, environment and config (starting the
// sandbox when none is named), and prepares the output. quiet is for
// completion: no notice on stderr.
func (o *apiOpts) open(cmd *cobra.Command, ios *streams, quiet bool) (*session, error) {
	f := &o.conn
	f.changed = func(name string) bool { return cmd.Flags().Changed(name) }
	out, err := newOutput(ios, o.json, o.jq, f.noColor)
	if err != nil {
		return nil, err
	}
	setup, err := resolveSetup(f, ios.getenv)
	if err != nil {
		return nil, err
	}
	if setup.noColor && ios.outTTY {
		if out, err = newOutput(ios, o.json, o.jq, true); err != nil {
			return nil, err
		}
	}
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	s := &session{ctx: ctx, out: out, ios: ios, sandbox: setup.sandbox, closers: []func(){stop}}
	apiURL, token := setup.apiURL, setup.token
	if setup.sandbox {
		sb, db, err := startSandbox(ctx, f, setup.email)
		if err != nil {
			s.Close()
			return nil, err
		}
		s.closers = append(s.closers, func() { _ = sb.Close() })
		apiURL, token = sb.BaseURL, sb.Token
		if !quiet {
			why := "no API configured"
			if f.sandbox {
				why = "--sandbox"
			}
			where := "demo data in " + db
			if sb.Attached {
				where = "served by another pmdev at " + sb.BaseURL + ", " + where
			}
			fmt.Fprintf(ios.err, "pmdev: using the sandbox (%s): %s, signed in as %s\n", why, where, setup.email)
		}
	}
	s.cl = client.New(client.Options{BaseURL: apiURL, Token: token, UserAgent: "pmdev/" + o.version, Unconditional: true})
	s.closers = append(s.closers, s.cl.Close)
	return s, nil
}

// startSandbox uses the sandbox another pmdev process (a console, a
// listen) serves, so what one terminal triggers the others see; else it
// starts the reference server in this process as the console does.
// Traffic is simulated only with --sandbox-traffic, and only by a sandbox
// of this process.
func startSandbox(ctx context.Context, f *consoleFlags, email string) (*sandbox.Sandbox, string, error) {
	o := f.sandboxOptions(email, slog.New(slog.DiscardHandler))
	if !o.Traffic {
		if sb, err := sandbox.Attach(ctx, o); err == nil {
			return sb, o.DBPath, nil
		} else if !errors.Is(err, sandbox.ErrNotServing) {
			return nil, o.DBPath, err
		}
	}
	sb, err := sandbox.Start(ctx, o)
	return sb, o.DBPath, err
}

// sandboxOptions are the sandbox's options from the flags.
func (f *consoleFlags) sandboxOptions(email string, logger *slog.Logger) sandbox.Options {
	db := f.sandboxDB
	if db == "" {
		db = server.DefaultDBPath()
	}
	return sandbox.Options{DBPath: db, Email: email, Traffic: f.traffic, Assets: api.FS(), Logger: logger}
}

// run wraps a command body with a session.
func (o *apiOpts) run(ios *streams, body func(s *session, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		s, err := o.open(cmd, ios, false)
		if err != nil {
			return err
		}
		defer s.Close()
		err = body(s, args)
		if err != nil && s.ctx.Err() != nil {
			return errInterrupted
		}
		return flagProblem(cmd, err)
	}
}

// errInterrupted ends a command stopped by ctrl+c or SIGTERM.
var errInterrupted = &codedError{msg: "interrupted", code: 130}

// codedError is an error with its own exit status.
type codedError struct {
	msg  string
	code int
}

func (e *codedError) Error() string { return e.msg }
func (e *codedError) ExitCode() int { return e.code }

// notFoundf is exit status 4 for a name that matches nothing.
func notFoundf(format string, a ...any) error {
	return &codedError{msg: fmt.Sprintf(format, a...), code: 4}
}

// completeProfiles offers the config file's profile names.
func completeProfiles(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
	cfg, err := config.Load(config.Path(os.Getenv), false)
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []cobra.Completion
	for name, p := range cfg.Profiles {
		out = append(out, cobra.CompletionWithDesc(name, p.APIURL))
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}
