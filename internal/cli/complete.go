package cli

import (
	"context"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/penguinmails/pmdev/client"
	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
)

// Dynamic completion of key and endpoint ids: the API is asked with a
// short deadline, the sandbox started quietly when nothing is configured,
// and any failure completes nothing (the shell shows no error text).

const completeTimeout = 3 * time.Second

// completeWith opens a quiet session for a completion function.
func completeWith(o *apiOpts, ios *streams, cmd *cobra.Command, list func(ctx context.Context, cl *client.Client, prefix string) []cobra.Completion, prefix string) []cobra.Completion {
	quiet := *ios
	quiet.err = discard{}
	quiet.errTTY = false
	s, err := o.open(cmd, &quiet, true)
	if err != nil {
		return nil
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(s.ctx, completeTimeout)
	defer cancel()
	return list(ctx, s.cl, prefix)
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// completeKeys offers key ids (with the name as description) and, for a
// typed prefix, the names of current keys.
func completeKeys(o *apiOpts, ios *streams) cobra.CompletionFunc {
	return completeFromAPI(o, ios, keyCompletions)
}

// completeFromAPI completes the first positional argument (or a flag's
// value) from the API.
func completeFromAPI(o *apiOpts, ios *streams, list func(context.Context, *client.Client, string) []cobra.Completion) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return completeWith(o, ios, cmd, list, toComplete), cobra.ShellCompDirectiveNoFileComp
	}
}

func keyCompletions(ctx context.Context, cl *client.Client, prefix string) []cobra.Completion {
	keys, _, err := cl.ListAllKeys(ctx, models.KeyListParams{Sort: "last_used"}, 1000)
	if err != nil {
		return nil
	}
	var out []cobra.Completion
	for _, k := range keys {
		if k.Status == models.KeyRevoked {
			continue
		}
		name := common.Sanitize(k.Name)
		if strings.HasPrefix(k.KeyID, prefix) {
			st := k.Status
			if k.ReplacedBy != "" {
				st = "rotated away"
			}
			out = append(out, cobra.CompletionWithDesc(k.KeyID, name+" · "+st))
		}
		if prefix != "" && k.ReplacedBy == "" && strings.HasPrefix(strings.ToLower(name), strings.ToLower(prefix)) {
			out = append(out, cobra.CompletionWithDesc(name, k.KeyID))
		}
	}
	return out
}

// completeWebhooks offers endpoint ids with their URL as description.
func completeWebhooks(o *apiOpts, ios *streams) cobra.CompletionFunc {
	return completeFromAPI(o, ios, webhookCompletions)
}

func webhookCompletions(ctx context.Context, cl *client.Client, prefix string) []cobra.Completion {
	list, err := cl.ListWebhooks(ctx)
	if err != nil {
		return nil
	}
	var out []cobra.Completion
	for _, w := range list.Data {
		if strings.HasPrefix(w.ID, prefix) {
			out = append(out, cobra.CompletionWithDesc(w.ID, common.Sanitize(w.URL)+" · "+w.DisplayStatus()))
		}
	}
	return out
}

// completeDeliveries offers the deliveries retry can send again (failed or
// pending), of the endpoint *hook names when set, described by event,
// state and endpoint.
func completeDeliveries(o *apiOpts, ios *streams, hook *string) cobra.CompletionFunc {
	return completeFromAPI(o, ios, func(ctx context.Context, cl *client.Client, prefix string) []cobra.Completion {
		var out []cobra.Completion
		keep := func(w models.Webhook) bool { return *hook == "" || *hook == w.ID || *hook == w.URL }
		// A failure completes what was found before it.
		_ = eachDelivery(ctx, cl, 50, keep, func(w models.Webhook, d models.Delivery) bool {
			if d.Status != models.DeliverySuccess && strings.HasPrefix(d.ID, prefix) {
				out = append(out, cobra.CompletionWithDesc(d.ID, common.Sanitize(d.EventType)+" · "+common.DeliveryWord(d.Status)+" · "+common.Sanitize(w.URL)))
			}
			return true
		})
		return out
	})
}

// completeCommaList completes a comma-separated value from names (with
// descriptions), one element at a time.
func completeCommaList(names, descs []string) cobra.CompletionFunc {
	return func(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		done, last := "", toComplete
		if i := strings.LastIndex(toComplete, ","); i >= 0 {
			done, last = toComplete[:i+1], toComplete[i+1:]
		}
		var out []cobra.Completion
		for i, n := range names {
			if strings.HasPrefix(n, last) {
				out = append(out, cobra.CompletionWithDesc(done+n, descs[i]))
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
	}
}
