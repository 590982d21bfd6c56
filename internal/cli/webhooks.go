package cli

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
)

func newWebhooksCmd(o *apiOpts, ios *streams) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "webhooks",
		Aliases: []string{"webhook"},
		Short:   "Manage webhook endpoints and their deliveries",
		Long: `Manage webhook endpoints and their deliveries.

An endpoint is named by its id (wh_…) or its URL.`,
	}
	groupCommand(cmd)
	cmd.AddCommand(webhooksListCmd(o, ios), webhooksGetCmd(o, ios), webhooksCreateCmd(o, ios), webhooksUpdateCmd(o, ios),
		webhooksDeleteCmd(o, ios), webhooksTestCmd(o, ios), webhooksRotateCmd(o, ios), webhooksDeliveriesCmd(o, ios),
		webhooksRetryCmd(o, ios))
	return cmd
}

func webhooksListCmd(o *apiOpts, ios *streams) *cobra.Command {
	return &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List webhook endpoints with their 24-hour health",
		Args:    noArgs,
		Example: `  pmdev webhooks list --json --jq '.[] | select(.health.failing) | .url'`,
		RunE: o.run(ios, func(s *session, _ []string) error {
			list, err := s.cl.ListWebhooks(s.ctx)
			return emitList(s, list.Data, err, "No webhook endpoints yet. Add one with: pmdev webhooks create --url URL --events email.delivered,email.bounced", "",
				func(hooks []models.Webhook) *table { return webhookTable(s.out, hooks, time.Now()) })
		}),
	}
}

// webhookTable has the Webhooks tab's columns, plus the id commands take.
func webhookTable(o *output, hooks []models.Webhook, now time.Time) *table {
	t := &table{cols: []column{{title: "ID"}, {title: "URL", flex: true}, {title: "STATUS"}, {title: "EVENTS", right: true, drop: 1},
		{title: "SUCCESS", right: true}, {title: "LAST DELIVERY", drop: 2}}}
	for _, w := range hooks {
		st := w.DisplayStatus()
		rate, plainRate := "—", ""
		rs := o.st.Muted
		if r := w.Health.SuccessRate24h; r != nil {
			rate, plainRate, rs = pct(*r), strconv.FormatFloat(*r, 'f', -1, 64), rateStyle(o, *r)
		}
		last := ""
		if w.Health.LastDeliveryAt != nil {
			last = w.Health.LastDeliveryAt.UTC().Format(time.RFC3339)
		}
		t.add(cellText(common.Sanitize(w.ID)), cellText(common.Sanitize(w.URL)), cellStyled(st, o.st.Status(st)),
			cellText(strconv.Itoa(len(w.Events))), cellBoth(rate, plainRate, rs), cellPlain(common.Ago(w.Health.LastDeliveryAt, now), last))
	}
	return t
}

func webhooksGetCmd(o *apiOpts, ios *streams) *cobra.Command {
	return &cobra.Command{
		Use:               "get ID|URL",
		Aliases:           []string{"view"},
		Short:             "Show one webhook endpoint",
		Args:              oneArg("endpoint id or URL"),
		ValidArgsFunction: completeWebhooks(o, ios),
		RunE: o.run(ios, func(s *session, args []string) error {
			w, err := resolveWebhook(s.ctx, s.cl, args[0])
			return s.answer(w, err, func() error { webhookDetails(s.out, w, time.Now()); return nil })
		}),
	}
}

func webhookDetails(o *output, w models.Webhook, now time.Time) {
	st := o.st.Status(w.DisplayStatus())
	h := w.Health
	health := "no deliveries in the last 24 hours"
	if h.SuccessRate24h != nil {
		health = fmt.Sprintf("%s success · %d deliveries · %d failed or retrying · avg %d ms · last %s", pct(*h.SuccessRate24h),
			h.Deliveries24h, h.Failures24h, h.AvgLatencyMS, common.Ago(h.LastDeliveryAt, now))
	}
	if h.PendingRetries > 0 {
		health += fmt.Sprintf(" · %d pending retry", h.PendingRetries)
	}
	fs := []field{
		{label: "ID", value: common.Sanitize(w.ID)},
		{label: "URL", value: common.Sanitize(w.URL)},
		{label: "Status", value: w.DisplayStatus(), style: &st},
		{label: "Events", value: common.Sanitize(strings.Join(w.Events, ", "))},
		{label: "Secret", value: common.Sanitize(w.SecretPrefix) + " (hidden; rotate-secret issues a new one)"},
		{label: "Retries", value: fmt.Sprintf("%d after the first attempt", w.MaxRetries)},
		{label: "Created", value: w.CreatedAt.UTC().Format(time.RFC3339) + " by " + common.Sanitize(w.CreatedBy)},
		{label: "Health 24h", value: health},
	}
	if w.Description != "" {
		fs = append(fs[:2], append([]field{{label: "Description", value: common.Sanitize(w.Description)}}, fs[2:]...)...)
	}
	if w.DisabledReason != "" {
		fs = append(fs, field{label: "Disabled", value: common.Sanitize(w.DisabledReason)})
	}
	o.fields(fs)
}

// hookForm is what create and update read from their flags.
type hookForm struct {
	url, description, status string
	events                   []string
	maxRetries               int
}

func (f *hookForm) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.url, "url", "", "receiver URL (https://…)")
	fs.StringVar(&f.description, "description", "", "what the endpoint is for")
	fs.StringSliceVar(&f.events, "events", nil, "event types, comma-separated (pmdev docs webhook-events lists them)")
	fs.StringVar(&f.status, "status", "", "active or paused")
	fs.IntVar(&f.maxRetries, "max-retries", 0, fmt.Sprintf("retries after a failed delivery (%d–%d, default %d)",
		models.WebhookMinRetries, models.WebhookMaxRetries, models.WebhookDefaultMaxRetries))
}

func completeHookForm(cmd *cobra.Command) {
	fixedCompletion(cmd, "status", models.WebhookActive, models.WebhookPaused)
	var names, descs []string
	for _, e := range models.WebhookEventNames() {
		names, descs = append(names, e.Type), append(descs, e.Description)
	}
	_ = cmd.RegisterFlagCompletionFunc("events", completeCommaList(names, descs))
	for _, name := range []string{"url", "description", "max-retries"} {
		_ = cmd.RegisterFlagCompletionFunc(name, cobra.NoFileCompletions)
	}
}

// checkEvents refuses unknown event types before any request.
func checkEvents(events []string) ([]string, error) {
	events = splitList(events)
	for _, e := range events {
		if !models.IsWebhookEvent(e) {
			var names []string
			for _, n := range models.WebhookEventNames() {
				names = append(names, n.Type)
			}
			return nil, usagef("--events: unknown event type %q (known: %s)", e, strings.Join(names, ", "))
		}
	}
	return events, nil
}

func checkHookStatus(st string) error {
	if st != models.WebhookActive && st != models.WebhookPaused {
		return usagef("--status %q: want active or paused", st)
	}
	return nil
}

func webhooksCreateCmd(o *apiOpts, ios *streams) *cobra.Command {
	f := &hookForm{}
	cmd := &cobra.Command{
		Use:   "create --url URL --events TYPE,…",
		Short: "Add a webhook endpoint (the signing secret is printed once, on stdout)",
		Long: `Add a webhook endpoint. Its signing secret is printed once, alone on stdout
(with --json, in "secret" of the contract's CreatedWebhook); details go to
stderr on a terminal.`,
		Args:    noArgs,
		Example: `  pmdev webhooks create --url https://example.com/hooks --events email.delivered,email.bounced`,
	}
	cmd.RunE = o.run(ios, func(s *session, _ []string) error {
		if f.url == "" {
			return usagef("webhooks create: --url is required")
		}
		events, err := checkEvents(f.events)
		if err != nil {
			return err
		}
		if len(events) == 0 {
			return usagef("webhooks create: --events is required")
		}
		if f.status != "" {
			if err := checkHookStatus(f.status); err != nil {
				return err
			}
		}
		req := models.CreateWebhookRequest{URL: f.url, Description: f.description, Events: events}
		if f.status != "" {
			req.Status = &f.status
		}
		// Only a given --max-retries is sent, so --max-retries 0 is refused rather than defaulted.
		if cmd.Flags().Changed("max-retries") {
			req.MaxRetries = &f.maxRetries
		}
		w, err := s.cl.CreateWebhook(s.ctx, req)
		return s.answer(w, err, func() error {
			s.ios.hint(fmt.Sprintf("✓ Added endpoint %s for %s.", w.ID, common.Sanitize(w.URL)))
			s.ios.hint("  The signing secret below is shown once: store it with your receiver now.")
			_, err := fmt.Fprintln(s.ios.out, w.Secret)
			return err
		})
	})
	f.register(cmd.Flags())
	completeHookForm(cmd)
	return cmd
}

func webhooksUpdateCmd(o *apiOpts, ios *streams) *cobra.Command {
	f := &hookForm{}
	cmd := &cobra.Command{
		Use:               "update ID|URL [flags]",
		Aliases:           []string{"edit"},
		Short:             "Change an endpoint's URL, events, description, status or retries",
		Args:              oneArg("endpoint id or URL"),
		ValidArgsFunction: completeWebhooks(o, ios),
		Example: `  pmdev webhooks update wh_123 --status paused
  pmdev webhooks update wh_123 --events email.delivered,email.bounced,email.opened`,
	}
	cmd.RunE = o.run(ios, func(s *session, args []string) error {
		var req models.UpdateWebhookRequest
		fs := cmd.Flags()
		if fs.Changed("url") {
			req.URL = &f.url
		}
		if fs.Changed("description") {
			req.Description = &f.description
		}
		if fs.Changed("status") {
			if err := checkHookStatus(f.status); err != nil {
				return err
			}
			req.Status = &f.status
		}
		if fs.Changed("events") {
			events, err := checkEvents(f.events)
			if err != nil {
				return err
			}
			req.Events = &events
		}
		if fs.Changed("max-retries") {
			req.MaxRetries = &f.maxRetries
		}
		if req == (models.UpdateWebhookRequest{}) {
			return usagef("webhooks update: nothing to change (see pmdev webhooks update --help)")
		}
		w, err := resolveWebhook(s.ctx, s.cl, args[0])
		if err != nil {
			return err
		}
		if w, err = s.cl.UpdateWebhook(s.ctx, w.ID, req); err != nil {
			return err
		}
		return s.out.emit(w, func() error {
			s.ios.hint("✓ Updated endpoint " + w.ID + ".")
			webhookDetails(s.out, w, time.Now())
			return nil
		})
	})
	f.register(cmd.Flags())
	completeHookForm(cmd)
	return cmd
}

func webhooksDeleteCmd(o *apiOpts, ios *streams) *cobra.Command {
	var yes bool
	cmd := &cobra.Command{
		Use:               "delete ID|URL",
		Aliases:           []string{"rm"},
		Short:             "Delete an endpoint and its delivery log",
		Long:              "Delete an endpoint and its delivery log. Asks first on a terminal; elsewhere needs --yes. Prints nothing with --json (the API answers 204).",
		Args:              oneArg("endpoint id or URL"),
		ValidArgsFunction: completeWebhooks(o, ios),
		RunE: o.run(ios, func(s *session, args []string) error {
			w, err := confirmWebhook(s, args[0], yes, "webhooks delete", "Delete endpoint %s (%s) and its delivery log?")
			if err != nil {
				return err
			}
			if err := s.cl.DeleteWebhook(s.ctx, w.ID); err != nil {
				return err
			}
			if !s.out.json {
				s.out.println("Deleted endpoint " + w.ID)
			}
			return nil
		}),
	}
	destructive(cmd, ios, &yes)
	return cmd
}

// confirmWebhook resolves arg, then asks question (formatted with the id
// and URL) before a destructive step, unless yes.
func confirmWebhook(s *session, arg string, yes bool, cmd, question string) (models.Webhook, error) {
	w, err := resolveWebhook(s.ctx, s.cl, arg)
	if err != nil {
		return w, err
	}
	return w, confirm(s, yes, cmd, fmt.Sprintf(question, w.ID, common.Sanitize(w.URL)))
}
