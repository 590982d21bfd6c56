package cli

import (
	"encoding/json"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
)

func newTriggerCmd(o *apiOpts, ios *streams) *cobra.Command {
	var data string
	cmd := &cobra.Command{
		Use:   "trigger EVENT [--data @file.json]",
		Short: "Fire a webhook event through the real pipeline",
		Long: `Fire one event of type EVENT for the organisation: it goes to every endpoint
subscribed to it, to the live event stream (pmdev listen) and to the console,
exactly as one real traffic would produce. Its data is the type's sample;
--data (JSON, or @file to read it from a file) sets fields over it, and the
server refuses a field the type does not have or of the wrong type.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if err := oneArg("event type")(cmd, args); err != nil {
				return err
			}
			if !models.IsWebhookEvent(args[0]) {
				return usagef("unknown event type %q (pmdev docs webhook-events lists them)", args[0])
			}
			return nil
		},
		ValidArgsFunction: completeEventTypes,
		Example: `  pmdev trigger email.bounced
  pmdev trigger email.sent --data '{"to":"ada@example.com","tags":["launch"]}'
  pmdev trigger contact.created --data @contact.json`,
		RunE: o.run(ios, func(s *session, args []string) error {
			req := models.TriggerEventRequest{Type: args[0]}
			if data != "" {
				raw := []byte(data)
				if name, ok := strings.CutPrefix(data, "@"); ok {
					b, err := os.ReadFile(name)
					if err != nil {
						return usagef("--data: %v", err)
					}
					raw = b
				}
				var obj map[string]any
				if err := json.Unmarshal(raw, &obj); err != nil {
					return usagef("--data must be a JSON object: %v", err)
				}
				req.Data = raw
			}
			ev, err := s.cl.TriggerEvent(s.ctx, req)
			return s.answer(ev, err, func() error {
				s.out.println("Triggered " + common.Sanitize(ev.Type) + " " + common.Sanitize(ev.ID))
				return nil
			})
		}),
	}
	cmd.Flags().StringVar(&data, "data", "", "JSON fields to set over the sample data, or @file.json")
	return cmd
}

// completeEventTypes completes an event type argument.
func completeEventTypes(_ *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []string
	for _, e := range models.WebhookEventNames() {
		out = append(out, e.Type)
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}
