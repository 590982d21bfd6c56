package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/penguinmails/pmdev/internal/privfile"
	"github.com/penguinmails/pmdev/server"
)

// webhookConfig is the server config of a database whose webhook sealing
// key comes from PMDEV_WEBHOOK_KEY, else keyFile (default: next to the database).
func webhookConfig(db, keyFile string) server.Config {
	return server.Config{DBPath: db, WebhookKey: os.Getenv(server.WebhookKeyEnv), WebhookKeyFile: keyFile}
}

// newServerWebhooksCmd is `pmdev server webhooks rekey`.
func newServerWebhooksCmd(dbPath, keyFile *string) *cobra.Command {
	wh := &cobra.Command{
		Use:   "webhooks",
		Short: "Repair webhook delivery in the server's database",
		Args:  cobra.ArbitraryArgs,
		RunE: func(*cobra.Command, []string) error {
			return usagef("usage: pmdev server webhooks rekey [--db FILE] [--webhook-key-file FILE] [--force]")
		},
	}
	var force bool
	rekey := &cobra.Command{
		Use:   "rekey",
		Short: "Replace a lost or wrong webhook sealing key; every endpoint gets a new signing secret",
		Long: `Webhook signing secrets are stored sealed with a key kept next to the database
(<db>.webhook-key) or given in ` + server.WebhookKeyEnv + `. When that key is lost the
secrets cannot be recovered and the server refuses to start. rekey installs a
new key (a new key file, or the key in ` + server.WebhookKeyEnv + ` when set) and
gives every endpoint a new signing secret, then lists each endpoint with its
new secret, shown this once: give each receiver its new secret.

Stop every server using the database first. Without --force it only runs
when the current key does not open the secrets.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runRekey(cmd.Context(), webhookConfig(*dbPath, *keyFile), force, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	rekey.Flags().BoolVar(&force, "force", false, "re-key although the current key works (every receiver must then be updated)")
	wh.AddCommand(rekey)
	return wh
}

func runRekey(ctx context.Context, cfg server.Config, force bool, stdout, stderr io.Writer) error {
	if ctx == nil {
		ctx = context.Background()
	}
	if !server.IsPostgres(cfg.DBPath) { // a URL has no file to look for
		if _, err := os.Stat(cfg.DBPath); err != nil {
			return fmt.Errorf("webhooks rekey: no database at %s", cfg.DBPath)
		}
	}
	if err := privfile.CheckData(cfg.DBPath); err != nil {
		return err
	}
	err := server.CheckWebhookKey(ctx, cfg)
	switch {
	case err == nil && !force:
		return errors.New("webhooks rekey: the current webhook key opens every signing secret; nothing to repair (--force gives every endpoint a new secret anyway)")
	case err != nil && !errors.Is(err, server.ErrWebhookKey):
		return err
	}
	list, where, err := server.RekeyWebhooks(ctx, cfg)
	if err != nil {
		return err
	}
	if len(list) > 0 {
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "TENANT\tENDPOINT\tURL\tCREATED BY\tNEW SECRET")
		for _, w := range list {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", quoteIfControl(w.Tenant), w.ID, quoteIfControl(w.URL), quoteIfControl(w.CreatedBy), w.Secret)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	fmt.Fprintf(stderr, "re-keyed %d webhook endpoint(s); the new sealing key is %s (back it up with the database).\n", len(list), where)
	if len(list) > 0 {
		fmt.Fprintln(stderr, "Each new secret is shown only here: update every receiver with its endpoint's secret; the old secrets no longer verify.")
	}
	return nil
}
