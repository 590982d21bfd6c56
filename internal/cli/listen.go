package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/penguinmails/pmdev/client"
	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server/webhook"
	"github.com/penguinmails/pmdev/tui/common"
)

// forwardTimeout bounds one forward to the local handler.
const forwardTimeout = 10 * time.Second

func newListenCmd(o *apiOpts, ios *streams) *cobra.Command {
	var target, events string
	var retries int
	cmd := &cobra.Command{
		Use:   "listen --forward-to URL [--events a,b] [--retry N]",
		Short: "Forward live webhook events to a local handler, signed as real deliveries",
		Long: `Follow the organisation's webhook events as they are generated and POST each
one to --forward-to with the headers and both signature schemes of a real
delivery (X-PenguinMails-Signature and Standard Webhooks), signed with a
whsec_ secret made for this session and printed first: configure your
handler with it. One line per forward: time, event type, event id, the
handler's status and latency. A failing handler is retried --retry times
and never stops the command; a lost connection resumes where it left off.
ctrl+c stops it.`,
		Args: noArgs,
		Example: `  pmdev listen --forward-to http://localhost:3000/webhooks
  pmdev listen --sandbox --forward-to http://localhost:3000/webhooks --events email.sent,email.bounced`,
		RunE: o.run(ios, func(s *session, _ []string) error {
			u, err := url.Parse(target)
			if target == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return usagef("--forward-to must be an http(s) URL, e.g. http://localhost:3000/webhooks")
			}
			if retries < 0 || retries > 10 {
				return usagef("--retry must be 0–10")
			}
			q := url.Values{}
			if events != "" {
				for _, e := range strings.Split(events, ",") {
					if !models.IsWebhookEvent(strings.TrimSpace(e)) {
						return usagef("--events: unknown event type %q", e)
					}
				}
				q.Set("types", strings.ReplaceAll(events, " ", ""))
			}
			f := &forwarder{target: target, secret: webhook.NewSecret(), retries: retries, out: s.out,
				hc: &http.Client{Timeout: forwardTimeout}}
			if s.out.json {
				_ = s.out.writeJSON(map[string]string{"secret": f.secret, "forward_to": target})
			} else {
				s.out.println("Webhook signing secret for this session: " + s.out.style(s.out.st.Secret, f.secret))
			}
			connected := false
			return followStream(s, models.StreamEventsPath, q, func() {
				if !connected && !s.out.json {
					s.out.println("Ready: forwarding events to " + common.Sanitize(target) + " (ctrl+c to stop)")
				}
				connected = true
			}, func(ev client.StreamEvent) {
				if ev.Name == models.StreamEventWebhook {
					f.forward(s.ctx, ev.Data)
				}
			})
		}),
	}
	cmd.Flags().StringVar(&target, "forward-to", "", "local URL to POST each event to")
	cmd.Flags().StringVar(&events, "events", "", "only these event types (comma-separated)")
	cmd.Flags().IntVar(&retries, "retry", 0, "retries of a forward the handler did not accept (0–10)")
	completeEventFlag(cmd, "events")
	return cmd
}

// followStream follows a live stream until ctrl+c, telling stderr when the
// connection drops or the server ends the stream.
func followStream(s *session, path string, q url.Values, connected func(), on func(client.StreamEvent)) error {
	return s.cl.Stream(s.ctx, path, q, client.StreamOptions{
		OnEvent: func(ev client.StreamEvent) {
			if ev.Name == models.StreamEventDropped {
				var d models.StreamDropped
				_ = json.Unmarshal(ev.Data, &d)
				fmt.Fprintln(s.ios.err, "stream ended by the server: "+common.Sanitize(d.Message))
				return
			}
			on(ev)
		},
		OnState: func(err error, wait time.Duration) {
			if err == nil {
				if connected != nil {
					connected()
				}
				return
			}
			fmt.Fprintf(s.ios.err, "connection lost (%s); reconnecting in %s\n", common.Sanitize(err.Error()), wait.Round(100*time.Millisecond))
		},
	})
}

// forwarder posts events to the local handler, signed as real deliveries.
type forwarder struct {
	target, secret string
	retries        int
	out            *output
	hc             *http.Client
}

// forwardResult is one line of `pmdev listen --json`.
type forwardResult struct {
	Event     string  `json:"event"`
	ID        string  `json:"id"`
	Attempt   int     `json:"attempt"`
	Status    int     `json:"status,omitempty"`
	LatencyMS float64 `json:"latency_ms"`
	Error     string  `json:"error,omitempty"`
}

func (f *forwarder) forward(ctx context.Context, body []byte) {
	var ev models.StreamedEvent
	if json.Unmarshal(body, &ev) != nil {
		return
	}
	for attempt := 1; attempt <= f.retries+1; attempt++ {
		r := f.send(ctx, ev, body)
		r.Attempt = attempt
		f.print(r)
		if r.Error == "" && r.Status >= 200 && r.Status < 300 || ctx.Err() != nil {
			return
		}
		if attempt <= f.retries {
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Duration(attempt) * 500 * time.Millisecond):
			}
		}
	}
}

func (f *forwarder) send(ctx context.Context, ev models.StreamedEvent, body []byte) forwardResult {
	r := forwardResult{Event: ev.Type, ID: ev.ID}
	sig, err := webhook.Sign([]string{f.secret}, ev.ID, time.Now(), body)
	if err != nil {
		r.Error = err.Error()
		return r
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, f.target, bytes.NewReader(body))
	if err != nil {
		r.Error = err.Error()
		return r
	}
	webhook.SetDeliveryHeaders(req.Header, sig, ev.Type, "del_listen_"+ev.ID, ev.ID)
	start := time.Now()
	resp, err := f.hc.Do(req)
	r.LatencyMS = float64(time.Since(start).Microseconds()) / 1000
	if err != nil {
		r.Error = rootError(err)
		return r
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	r.Status = resp.StatusCode
	return r
}

func (f *forwarder) print(r forwardResult) {
	if f.out.json {
		_ = f.out.writeJSON(r)
		return
	}
	status := "—"
	st := f.out.st.Danger
	if r.Status > 0 {
		status = fmt.Sprint(r.Status)
		st = f.out.st.HTTPStatus(r.Status)
	}
	line := fmt.Sprintf("%s  %-22s %s  %s  %s", time.Now().Format("15:04:05"), common.Sanitize(r.Event), common.Sanitize(r.ID),
		f.out.style(st, status), fmt.Sprintf("%.0fms", r.LatencyMS))
	if r.Attempt > 1 {
		line += fmt.Sprintf("  (attempt %d)", r.Attempt)
	}
	if r.Error != "" {
		line += "  " + common.Sanitize(r.Error)
	}
	f.out.println(line)
}

// rootError is a transport error without the method and URL around it.
func rootError(err error) string {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err.Error()
	}
	return err.Error()
}
