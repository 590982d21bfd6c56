package cli

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/penguinmails/pmdev/client"
	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
)

func newLogsCmd(o *apiOpts, ios *streams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "logs",
		Short: "The product request log",
		Args:  noArgs,
	}
	var status, key, route string
	tail := &cobra.Command{
		Use:   "tail [--status 2xx|4xx|5xx|429] [--key ID|NAME] [--route R]",
		Short: "Follow the request log live",
		Long: `Follow the organisation's product requests as they are answered, one line
each: time, request id, key, method, route, status, latency and the error.
On a terminal the status is coloured by class (never with NO_COLOR); --json
prints one RequestLogEntry per line. A lost connection resumes where it
left off. ctrl+c stops it.`,
		Args: noArgs,
		Example: `  pmdev logs tail --status 4xx
  pmdev logs tail --route /api/v1/emails/send --json`,
		RunE: o.run(ios, func(s *session, _ []string) error {
			if status != "" && !slices.Contains(models.StreamStatusFilters, status) {
				return usagef("--status must be one of %s", strings.Join(models.StreamStatusFilters, ", "))
			}
			keyID := ""
			if key != "" {
				var err error
				if keyID, _, err = resolveKeyID(s.ctx, s.cl, key); err != nil {
					return err
				}
			}
			q := url.Values{}
			for k, v := range map[string]string{"status": status, "key": keyID, "route": route} {
				if v != "" {
					q.Set(k, v)
				}
			}
			return followStream(s, models.StreamRequestsPath, q, nil, func(ev client.StreamEvent) {
				var e models.RequestLogEntry
				if ev.Name != models.StreamEventRequest || json.Unmarshal(ev.Data, &e) != nil {
					return
				}
				if s.out.json {
					_ = s.out.writeJSON(e)
					return
				}
				s.out.println(requestLine(s.out, e))
			})
		}),
	}
	tail.Flags().StringVar(&status, "status", "", "only this status class: 2xx, 4xx, 5xx or 429")
	tail.Flags().StringVar(&key, "key", "", "only requests made with this key (id or name)")
	tail.Flags().StringVar(&route, "route", "", "only routes containing this text")
	fixedCompletion(tail, "status", models.StreamStatusFilters...)
	_ = tail.RegisterFlagCompletionFunc("key", completeKeys(o, ios))
	cmd.AddCommand(tail)
	return cmd
}

// requestLine is one request of the log for people (or tab-separated off a terminal).
func requestLine(o *output, e models.RequestLogEntry) string {
	cols := []string{e.Time.Local().Format("15:04:05.000"), common.Sanitize(e.RequestID), common.Sanitize(e.KeyID),
		common.Sanitize(e.Method), common.Sanitize(e.Route), fmt.Sprint(e.Status), fmt.Sprintf("%.1fms", e.LatencyMS)}
	errText := ""
	if e.ErrorCode != "" {
		errText = common.Sanitize(e.ErrorCode + ": " + e.ErrorMessage)
	}
	if !o.ios.outTTY {
		return strings.Join(append(cols, errText, common.Sanitize(e.IP)), "\t")
	}
	key := cols[2]
	if len(key) > 8 {
		key = key[:8] + "…"
	}
	line := fmt.Sprintf("%s  %-6s %-34s %s  %8s  %s  %s", cols[0], cols[3], cols[4], o.style(o.st.HTTPStatus(e.Status), cols[5]),
		cols[6], key, cols[1])
	if errText != "" {
		line += "  " + o.style(o.st.Muted, errText)
	}
	return line
}
