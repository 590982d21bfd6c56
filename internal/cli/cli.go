// Package cli is pmdev's command line: one cobra tree whose root is the
// console, with server (users, ssh-keys), ssh-gateway, docs, completion and
// version. Each flag is declared once, on its command; help and completion
// are generated from those declarations.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"

	"github.com/penguinmails/pmdev/client"
)

// Execute runs the command line and returns the exit status (see
// exitCodesHelp): 0, 2 for usage errors, 3–5 for refused API calls, 1 for
// anything else.
func Execute(version string, args []string, stdout, stderr io.Writer) int {
	return execute(version, args, systemStreams(stdout, stderr))
}

func execute(version string, args []string, ios *streams) int {
	return executeContext(context.Background(), version, args, ios)
}

// executeContext runs with ctx; cancelling it is ctrl+c for the scripting
// commands.
func executeContext(ctx context.Context, version string, args []string, ios *streams) int {
	root := newRootStreams(version, ios)
	root.SetArgs(args)
	return exitStatus(root.ExecuteContext(ctx), ios.err)
}

// newRoot builds the command tree writing to stdout and stderr.
func newRoot(version string, stdout, stderr io.Writer) *cobra.Command {
	return newRootStreams(version, systemStreams(stdout, stderr))
}

func newRootStreams(version string, ios *streams) *cobra.Command {
	root := newConsoleCmd(version)
	root.SetOut(ios.out)
	root.SetErr(ios.err)
	root.SetIn(ios.in)
	root.AddCommand(
		newServerCmd(),
		newGatewayCmd(),
		newDocsCmd(docsEnv{}),
		apiCommand(version, ios, newKeysCmd),
		apiCommand(version, ios, newUsageCmd),
		apiCommand(version, ios, newLimitsCmd),
		apiCommand(version, ios, newWebhooksCmd),
		apiCommand(version, ios, newWhoamiCmd),
		apiCommand(version, ios, newListenCmd),
		apiCommand(version, ios, newTriggerCmd),
		apiCommand(version, ios, newLogsCmd),
		&cobra.Command{
			Use:   "version",
			Short: "Print the version",
			Args:  noArgs,
			Run:   func(cmd *cobra.Command, _ []string) { fmt.Fprintln(cmd.OutOrStdout(), versionString(version)) },
		},
	)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		if c == root {
			return usagef("%v (see pmdev --help)", err)
		}
		return usagef("%s: %v (see %s --help)", strings.TrimPrefix(c.CommandPath(), "pmdev "), err, c.CommandPath())
	})
	// cobra's generated completion (scripts that call `pmdev __complete`);
	// an unknown shell is a usage error, as for any other command.
	root.InitDefaultCompletionCmd()
	if c, _, err := root.Find([]string{"completion"}); err == nil && c != root {
		c.Args = cobra.ArbitraryArgs
		c.RunE = func(_ *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usagef("usage: pmdev completion bash|zsh|fish")
			}
			return usagef("completion: unknown shell %q (want bash, zsh or fish)", args[0])
		}
	}
	return root
}

// usageError marks bad command-line usage; Execute exits with ExitCode (2).
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// ExitCode is the process exit status for this error.
func (e *usageError) ExitCode() int { return 2 }

func usagef(format string, a ...any) error { return &usageError{fmt.Sprintf(format, a...)} }

// exitStatus prints err and maps it to a status: 0, 2 for usage errors,
// the API's refusals as apiErrorText says, 1 otherwise.
func exitStatus(err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	// cobra's own argument errors (unknown command, bad completion shell) are usage errors.
	if msg := err.Error(); strings.HasPrefix(msg, "unknown command") || strings.HasPrefix(msg, "invalid argument") {
		err = usagef("%s", msg)
	}
	if e, ok := client.AsError(err); ok {
		msg, code := apiErrorText(e)
		fmt.Fprintln(stderr, "pmdev:", msg)
		return code
	}
	fmt.Fprintln(stderr, "pmdev:", err)
	var coded interface{ ExitCode() int }
	if errors.As(err, &coded) {
		return coded.ExitCode()
	}
	return 1
}

// noArgs refuses positional arguments with a usage error.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usagef("%s: unexpected argument %q (see %s --help)", cmd.CommandPath(), args[0], cmd.CommandPath())
	}
	return nil
}

func versionString(version string) string {
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
