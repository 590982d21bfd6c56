package cli

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/penguinmails/pmdev/client"
	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
)

// errDeliveryFailed is exit status 1 after a test or retry the receiver
// did not accept: the API call worked, the delivery did not.
func errDeliveryFailed(what string) error {
	return &codedError{msg: what + " was not accepted by the receiver", code: 1}
}

func webhooksTestCmd(o *apiOpts, ios *streams) *cobra.Command {
	var event string
	cmd := &cobra.Command{
		Use:   "test ID|URL [--event TYPE]",
		Short: "Send a sample event now and show the receiver's answer",
		Long: `Send a sample event of --event (default: the endpoint's first subscribed
type) and show the receiver's answer. Exits 1 when the receiver did not
accept it (the result is printed either way).`,
		Args:              oneArg("endpoint id or URL"),
		ValidArgsFunction: completeWebhooks(o, ios),
		RunE: o.run(ios, func(s *session, args []string) error {
			if event != "" && !models.IsWebhookEvent(event) {
				return usagef("--event %q: unknown event type", event)
			}
			w, err := resolveWebhook(s.ctx, s.cl, args[0])
			if err != nil {
				return err
			}
			if event == "" {
				event = "email.sent"
				if len(w.Events) > 0 {
					event = w.Events[0]
				}
			}
			r, err := s.cl.TestWebhook(s.ctx, w.ID, models.TestRequest{EventType: event})
			if err != nil {
				return err
			}
			err = s.out.emit(r, func() error {
				st := s.out.st.Status(r.Status)
				code := "—"
				if r.ResponseStatus > 0 {
					code = strconv.Itoa(r.ResponseStatus)
				}
				fs := []field{
					{label: "Event", value: common.Sanitize(event)},
					{label: "Result", value: r.Status, style: &st},
					{label: "Response", value: code},
					{label: "Latency", value: fmt.Sprintf("%d ms", r.LatencyMS)},
					{label: "Delivery", value: common.Sanitize(r.DeliveryID)},
				}
				if r.Error != "" {
					fs = append(fs, field{label: "Error", value: common.Sanitize(r.Error)})
				}
				if r.BodyExcerpt != "" {
					fs = append(fs, field{label: "Body", value: common.Sanitize(r.BodyExcerpt)})
				}
				s.out.fields(fs)
				return nil
			})
			if err == nil && r.Status != models.DeliverySuccess {
				err = errDeliveryFailed("the test event")
			}
			return err
		}),
	}
	cmd.Flags().StringVar(&event, "event", "", "event type to send")
	completeEventFlag(cmd, "event")
	return cmd
}

func completeEventFlag(cmd *cobra.Command, flag string) {
	var names []string
	for _, e := range models.WebhookEventNames() {
		names = append(names, e.Type)
	}
	fixedCompletion(cmd, flag, names...)
}

func webhooksRotateCmd(o *apiOpts, ios *streams) *cobra.Command {
	var yes bool
	cmd := &cobra.Command{
		Use:   "rotate-secret ID|URL",
		Short: "Issue a new signing secret (printed once); the old one signs for 24 h more",
		Long: `Issue a new signing secret, printed once, alone on stdout (with --json, in
"secret" of the contract's RotateSecretResult). The old secret keeps signing
for 24 hours. Asks first on a terminal; elsewhere needs --yes.`,
		Args:              oneArg("endpoint id or URL"),
		ValidArgsFunction: completeWebhooks(o, ios),
		RunE: o.run(ios, func(s *session, args []string) error {
			w, err := confirmWebhook(s, args[0], yes, "webhooks rotate-secret", "Rotate the signing secret of %s (%s)?")
			if err != nil {
				return err
			}
			r, err := s.cl.RotateWebhookSecret(s.ctx, w.ID)
			return s.answer(r, err, func() error {
				s.ios.hint(fmt.Sprintf("✓ New secret for %s; the old one signs until %s.", r.ID, r.PreviousSecretExpiresAt.Local().Format("Jan 2 15:04")))
				s.ios.hint("  The secret below is shown once: give it to your receiver now.")
				_, err := fmt.Fprintln(s.ios.out, r.Secret)
				return err
			})
		}),
	}
	destructive(cmd, ios, &yes)
	return cmd
}

var deliveryStatuses = []string{models.DeliverySuccess, models.DeliveryFailed, models.DeliveryPendingRetry, models.DeliveryPending}

func webhooksDeliveriesCmd(o *apiOpts, ios *streams) *cobra.Command {
	var status, since string
	var limit int
	cmd := &cobra.Command{
		Use:   "deliveries ID|URL [--status failed,pending_retry] [--since 1h]",
		Short: "An endpoint's recent deliveries, newest first",
		Long: `List an endpoint's recent deliveries, newest first (at most 200). --since
keeps those whose latest attempt is that recent.`,
		Args:              oneArg("endpoint id or URL"),
		ValidArgsFunction: completeWebhooks(o, ios),
		Example: `  pmdev webhooks deliveries wh_123 --status failed --since 1h
  pmdev webhooks deliveries wh_123 --json --jq '.[] | select(.status == "failed") | .id'`,
		RunE: o.run(ios, func(s *session, args []string) error {
			statuses := splitList([]string{status})
			for _, st := range statuses {
				if !slices.Contains(deliveryStatuses, st) {
					return usagef("--status %q: want success, failed, pending_retry or pending (or several, comma-separated)", st)
				}
			}
			switch {
			case limit < 0 || limit > 200:
				return usagef("--limit must be 0 (all) to 200")
			case limit == 0:
				limit = 200 // the API keeps an endpoint's newest 200
			}
			var cutoff time.Time
			if since != "" {
				d, err := parseSpan(since)
				if err != nil {
					return usagef("--since: %v", err)
				}
				cutoff = time.Now().Add(-d)
			}
			w, err := resolveWebhook(s.ctx, s.cl, args[0])
			if err != nil {
				return err
			}
			ds, err := deliveries(s, w.ID, statuses, limit, cutoff)
			return emitList(s, ds, err, "No deliveries match.", "", func(ds []models.Delivery) *table {
				return deliveryTable(s.out, ds, time.Now())
			})
		}),
	}
	cmd.Flags().StringVar(&status, "status", "", "only deliveries in these states: success, failed, pending_retry, pending (comma-separated)")
	cmd.Flags().StringVar(&since, "since", "", "only deliveries last attempted within this span (e.g. 1h, 7d)")
	cmd.Flags().IntVarP(&limit, "limit", "L", 50, "list at most this many, up to 200 (0: all, the API's newest 200)")
	fixedCompletion(cmd, "status", deliveryStatuses...)
	fixedCompletion(cmd, "since", "15m", "1h", "24h", "7d")
	return cmd
}

// deliveries reads an endpoint's deliveries in any of statuses (all when
// none), newest first, last attempted after cutoff.
func deliveries(s *session, hookID string, statuses []string, limit int, cutoff time.Time) ([]models.Delivery, error) {
	if len(statuses) == 0 {
		statuses = []string{""}
	}
	ds := []models.Delivery{}
	for _, st := range statuses {
		list, err := s.cl.ListDeliveries(s.ctx, hookID, st, limit)
		if err != nil {
			return nil, err
		}
		for _, d := range list.Data {
			if !d.UpdatedAt.Before(cutoff) {
				ds = append(ds, d)
			}
		}
	}
	slices.SortStableFunc(ds, func(a, b models.Delivery) int { return b.CreatedAt.Compare(a.CreatedAt) })
	return ds[:min(len(ds), limit)], nil
}

// deliveryTable has the endpoint details' columns, plus the delivery id
// that retry takes.
func deliveryTable(o *output, ds []models.Delivery, now time.Time) *table {
	t := &table{cols: []column{{title: "ID"}, {title: "TIME"}, {title: "EVENT", flex: true}, {title: "RESULT"},
		{title: "CODE", right: true}, {title: "LATENCY", right: true, drop: 2}, {title: "ATTEMPTS", right: true, drop: 3},
		{title: "NEXT RETRY", drop: 1}}}
	for _, d := range ds {
		ev := common.Sanitize(d.EventType)
		if d.Test {
			ev += " (test)"
		}
		code, lat, next := "—", "—", "—"
		if d.ResponseStatus > 0 {
			code = strconv.Itoa(d.ResponseStatus)
		} else if d.Error != "" {
			code = "err"
		}
		if d.Attempts > 0 {
			lat = strconv.Itoa(d.LatencyMS) + " ms"
		}
		plainNext := ""
		switch {
		case d.Status == models.DeliveryPendingRetry && d.NextRetryAt != nil:
			next, plainNext = "in "+common.ShortDur(d.NextRetryAt.Sub(now)), d.NextRetryAt.UTC().Format(time.RFC3339)
		case d.Status == models.DeliveryFailed && !d.Test:
			next = "exhausted"
		}
		t.add(cellText(common.Sanitize(d.ID)), cellPlain(d.UpdatedAt.Local().Format("Jan 02 15:04:05"), d.UpdatedAt.UTC().Format(time.RFC3339)),
			cellPlain(ev, common.Sanitize(d.EventType)), cellBoth(common.DeliveryWord(d.Status), d.Status, o.st.Status(d.Status)),
			cellPlain(code, strconv.Itoa(d.ResponseStatus)), cellPlain(lat, strconv.Itoa(d.LatencyMS)),
			cellText(fmt.Sprintf("%d/%d", d.Attempts, d.MaxAttempts)), cellPlain(next, plainNext))
	}
	return t
}

func webhooksRetryCmd(o *apiOpts, ios *streams) *cobra.Command {
	var hook string
	cmd := &cobra.Command{
		Use:   "retry DELIVERY_ID [--webhook ID|URL]",
		Short: "Send a failed or pending delivery again now",
		Long: `Send a failed or pending delivery again now and show its new state. The
endpoint is found from the recent deliveries of every endpoint unless
--webhook names it. Exits 1 when the receiver did not accept it.`,
		Args:              oneArg("delivery id"),
		ValidArgsFunction: completeDeliveries(o, ios, &hook),
		RunE: o.run(ios, func(s *session, args []string) error {
			id := args[0]
			var hookID string
			if hook != "" {
				w, err := resolveWebhook(s.ctx, s.cl, hook)
				if err != nil {
					return err
				}
				hookID = w.ID
			} else {
				var err error
				if hookID, err = findDelivery(s, id); err != nil {
					return err
				}
			}
			d, err := s.cl.RetryDelivery(s.ctx, hookID, id)
			if err != nil {
				return err
			}
			err = s.out.emit(models.RetryDeliveryResult{Delivery: d}, func() error {
				deliveryTable(s.out, []models.Delivery{d}, time.Now()).print(s.out)
				return nil
			})
			if err == nil && d.Status != models.DeliverySuccess {
				err = errDeliveryFailed("delivery " + d.ID)
			}
			return err
		}),
	}
	cmd.Flags().StringVar(&hook, "webhook", "", "the endpoint the delivery belongs to (id or URL)")
	_ = cmd.RegisterFlagCompletionFunc("webhook", completeWebhooks(o, ios))
	return cmd
}

// findDelivery looks for a delivery among every endpoint's newest 200.
func findDelivery(s *session, id string) (string, error) {
	found := ""
	err := eachDelivery(s.ctx, s.cl, 200, nil, func(w models.Webhook, d models.Delivery) bool {
		if d.ID == id {
			found = w.ID
		}
		return found == ""
	})
	switch {
	case err != nil:
		return "", err
	case found == "":
		return "", notFoundf("no delivery %q among the newest 200 of each endpoint (pass --webhook to look it up directly)", common.Sanitize(id))
	}
	return found, nil
}

// eachDelivery walks the newest limit deliveries of each endpoint keep
// takes (nil: all) until fn returns false; an endpoint deleted meanwhile
// is skipped.
func eachDelivery(ctx context.Context, cl *client.Client, limit int, keep func(models.Webhook) bool, fn func(models.Webhook, models.Delivery) bool) error {
	list, err := cl.ListWebhooks(ctx)
	if err != nil {
		return err
	}
	for _, w := range list.Data {
		if keep != nil && !keep(w) {
			continue
		}
		ds, err := cl.ListDeliveries(ctx, w.ID, "", limit)
		if client.StatusOf(err) == 404 {
			continue
		}
		if err != nil {
			return err
		}
		for _, d := range ds.Data {
			if !fn(w, d) {
				return nil
			}
		}
	}
	return nil
}
