package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"github.com/penguinmails/pmdev/internal/privfile"
	"github.com/penguinmails/pmdev/server"
)

const usersUsage = "usage: pmdev server users add --db FILE --email E --role admin|developer|member [--tenant NAME] [--plan starter|professional|business] [--ssh-key FILE]...\n" +
	"       pmdev server users ssh-keys list|add|remove ..."

const sshKeysUsage = "usage: pmdev server users ssh-keys list [--db FILE] [--email EMAIL]\n" +
	"       pmdev server users ssh-keys add [--db FILE] --email EMAIL KEY.pub...\n" +
	"       pmdev server users ssh-keys remove [--db FILE] SHA256:FINGERPRINT..."

// newUsersCmd is `pmdev server users`; dbPath is `pmdev server`'s --db.
func newUsersCmd(dbPath *string) *cobra.Command {
	users := &cobra.Command{
		Use:   "users",
		Short: "Add users and manage their SSH keys in the server's database",
		Args:  cobra.ArbitraryArgs,
		RunE:  func(*cobra.Command, []string) error { return usagef(usersUsage) },
	}
	var f usersAddFlags
	add := &cobra.Command{
		Use:   "add --email E --role R",
		Short: "Create a user (or change an existing one's role, saying so) and print a new personal access token alone on stdout",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return usersAdd(dbPath, &f, cmd.OutOrStdout(), cmd.ErrOrStderr(), isTerminal(cmd.ErrOrStderr()))
		},
	}
	fs := add.Flags()
	fs.StringVar(&f.email, "email", "", "user email (required)")
	fs.StringVar(&f.role, "role", "", "admin, developer or member (required)")
	fs.StringVar(&f.tenant, "tenant", "", `tenant name (default "Default"; created when missing)`)
	fs.StringVar(&f.plan, "plan", "", "plan of a new tenant: starter, professional (default) or business")
	fs.StringArrayVar(&f.sshKeys, "ssh-key", nil, "authorized public key file for SSH access (repeatable)")
	_ = add.RegisterFlagCompletionFunc("role", cobra.FixedCompletions([]string{"admin", "developer", "member"}, cobra.ShellCompDirectiveNoFileComp))
	_ = add.RegisterFlagCompletionFunc("plan", cobra.FixedCompletions([]string{"starter", "professional", "business"}, cobra.ShellCompDirectiveNoFileComp))
	_ = add.MarkFlagFilename("ssh-key", "pub")
	users.AddCommand(add, newSSHKeysCmd(dbPath))
	return users
}

type usersAddFlags struct {
	email, role, tenant, plan string
	sshKeys                   []string
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(f.Fd())
}

// usersAdd creates a user and prints its token alone on stdout, so
// TOKEN=$(pmdev server users add ...) works; a person at a terminal also
// gets a one-line hint on stderr saying what the token is.
func usersAdd(dbPath *string, f *usersAddFlags, stdout, stderr io.Writer, stderrTTY bool) error {
	if f.email == "" || f.role == "" {
		return usagef("pmdev server users add: --email and --role are required")
	}
	switch f.role {
	case "admin", "developer", "member":
	default:
		return usagef("pmdev server users add: --role must be admin, developer or member, not %q", f.role)
	}
	switch f.plan {
	case "", "starter", "professional", "business":
	default:
		return usagef("pmdev server users add: --plan must be starter, professional or business, not %q", f.plan)
	}
	keys, err := readSSHKeyFiles(f.sshKeys)
	if err != nil {
		return err
	}
	if err := privfile.CheckData(*dbPath); err != nil {
		return err
	}
	ctx := context.Background()
	srv, err := server.Open(ctx, server.Config{DBPath: *dbPath, NoWebhooks: true})
	if err != nil {
		return err
	}
	put, err := srv.PutUser(ctx, server.NewUser{Email: f.email, Role: f.role, Tenant: f.tenant, Plan: f.plan, SSHKeys: keys})
	if cerr := srv.Close(ctx); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, put.Token)
	// An existing user is updated, not refused (scripts re-run it), but
	// never silently: a changed role is a change of rights. Said on stderr
	// whatever it is, so a script's log keeps it.
	if put.Existed {
		change := "role " + put.OldRole + " unchanged"
		if put.OldRole != f.role {
			change = "role " + put.OldRole + " → " + f.role
		}
		fmt.Fprintf(stderr, "pmdev server users add: %s already existed: %s; a new token was issued (earlier tokens still work)\n", quoteIfControl(f.email), change)
	}
	if stderrTTY {
		fmt.Fprintf(stderr, "personal access token for %s (role %s); shown once — store it now\n", quoteIfControl(f.email), f.role)
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

// newSSHKeysCmd is `pmdev server users ssh-keys list|add|remove` on --db.
func newSSHKeysCmd(dbPath *string) *cobra.Command {
	var email string
	keys := &cobra.Command{
		Use:   "ssh-keys",
		Short: "List, add and remove users' SSH keys",
		Args:  cobra.ArbitraryArgs,
		RunE:  func(*cobra.Command, []string) error { return usagef(sshKeysUsage) },
	}
	keys.PersistentFlags().StringVar(&email, "email", "", "user email")
	sub := func(use, short string, aliases ...string) *cobra.Command {
		name, _, _ := strings.Cut(use, " ")
		return &cobra.Command{
			Use: use, Short: short, Aliases: aliases, Args: cobra.ArbitraryArgs,
			RunE: func(cmd *cobra.Command, args []string) error {
				return runSSHKeys(*dbPath, name, email, args, cmd.OutOrStdout())
			},
		}
	}
	keys.AddCommand(
		sub("list", "List registered keys (of --email)", "ls"),
		sub("add KEY.pub...", "Register public key files for --email"),
		sub("remove SHA256:FINGERPRINT...", "Remove keys (their open sessions end)", "rm"),
	)
	return keys
}

// runSSHKeys opens the database and runs one ssh-keys subcommand.
func runSSHKeys(dbPath, cmd, email string, rest []string, stdout io.Writer) error {
	usage := usagef(sshKeysUsage)
	if cmd == "list" && len(rest) > 0 {
		return usage
	}
	if err := privfile.CheckData(dbPath); err != nil {
		return err
	}
	ctx := context.Background()
	srv, err := server.Open(ctx, server.Config{DBPath: dbPath, NoWebhooks: true})
	if err != nil {
		return err
	}
	err = sshKeysCommand(ctx, srv, cmd, email, rest, stdout, usage)
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
				verb := "added"
				if k.Existed {
					verb = "already registered:"
				}
				fmt.Fprintf(stdout, "%s %s (%s) for %s\n", verb, k.Fingerprint, k.Type, k.Email)
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

// printable drops control characters from text stored by users.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return -1
		}
		return r
	}, s)
}
