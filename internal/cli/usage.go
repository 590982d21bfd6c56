package cli

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
)

// rangeFlags select the analytics window, as the Usage tab's range picker.
type rangeFlags struct {
	rng, from, to, key string
	keyName            string // the resolved key's name, for the title
}

func (f *rangeFlags) register(fs *pflag.FlagSet, withKey bool) {
	fs.StringVar(&f.rng, "range", models.Range24h, "window ending now: 1h, 24h, 7d or 30d")
	fs.StringVar(&f.from, "from", "", "start of a custom window: RFC 3339, a date, or a span ago (3d)")
	fs.StringVar(&f.to, "to", "", "end of a custom window (default now)")
	if withKey {
		fs.StringVar(&f.key, "key", "", "only requests made with this key (id or name)")
	}
}

func completeRange(cmd *cobra.Command, o *apiOpts, ios *streams) {
	fixedCompletion(cmd, "range", models.Range1h, models.Range24h, models.Range7d, models.Range30d)
	_ = cmd.RegisterFlagCompletionFunc("key", completeKeys(o, ios))
	_ = cmd.RegisterFlagCompletionFunc("from", cobra.NoFileCompletions)
	_ = cmd.RegisterFlagCompletionFunc("to", cobra.NoFileCompletions)
}

// params resolves the window and the key (a name costs a lookup).
func (f *rangeFlags) params(s *session, fs *pflag.FlagSet) (models.UsageParams, error) {
	if fs.Changed("range") && f.from != "" {
		return models.UsageParams{}, usagef("--range and --from cannot be combined")
	}
	p, err := usageRange(f.rng, f.from, f.to, time.Now())
	if err != nil {
		return p, err
	}
	if f.key != "" {
		if p.KeyID, f.keyName, err = resolveKeyID(s.ctx, s.cl, f.key); err != nil {
			return p, err
		}
	}
	return p, nil
}

func newUsageCmd(o *apiOpts, ios *streams) *cobra.Command {
	f := &rangeFlags{}
	cmd := &cobra.Command{
		Use:   "usage [--range 24h | --from T [--to T]] [--key ID|NAME]",
		Short: "API usage: totals, volume, endpoints and keys",
		Long: `Show API usage for a window: totals against the previous window, request
volume, endpoints and keys. Piped, only the window's totals, one
"name:<TAB>value" line each (from, to, requests, previous_requests,
success_rate, errors, rate_limited, avg_latency_ms, p95_latency_ms;
success_rate is "-" without requests); --json has everything.`,
		Args: noArgs,
		Example: `  pmdev usage --range 7d
  pmdev usage --from 2025-11-01 --to 2025-11-08 --key "Production Server"
  pmdev usage --json --jq '.totals.success_rate'`,
	}
	cmd.RunE = o.run(ios, func(s *session, _ []string) error { return showUsage(s, f, cmd.Flags()) })
	f.register(cmd.PersistentFlags(), true)
	completeRange(cmd, o, ios)
	cmd.AddCommand(usageErrorsCmd(o, ios, f))
	return cmd
}

func keysUsageCmd(o *apiOpts, ios *streams) *cobra.Command {
	f := &rangeFlags{}
	cmd := &cobra.Command{
		Use:               "usage ID|NAME [--range 24h]",
		Short:             "One key's API usage for a window",
		Args:              oneArg("key id or name"),
		ValidArgsFunction: completeKeys(o, ios),
	}
	cmd.RunE = o.run(ios, func(s *session, args []string) error {
		f.key = args[0]
		return showUsage(s, f, cmd.Flags())
	})
	f.register(cmd.Flags(), false)
	completeRange(cmd, o, ios)
	return cmd
}

func showUsage(s *session, f *rangeFlags, fs *pflag.FlagSet) error {
	p, err := f.params(s, fs)
	if err != nil {
		return err
	}
	u, err := s.cl.APIUsage(s.ctx, p)
	return s.answer(u, err, func() error { usageReport(s.out, u, f.keyName, time.Now()); return nil })
}

var rangeWords = map[string]string{models.Range1h: "last hour", models.Range24h: "last 24 hours", models.Range7d: "last 7 days", models.Range30d: "last 30 days"}

// usageReport prints the Usage tab's cards, volume, endpoints and keys.
func usageReport(o *output, u models.APIUsage, keyName string, now time.Time) {
	t, p := u.Totals, u.Previous
	window := rangeWords[u.Range]
	if window == "" {
		window = u.From.Local().Format("Jan 2 15:04") + " – " + u.To.Local().Format("Jan 2 15:04")
	}
	if o.human() {
		title := "API usage · " + window + " · " + bucketWords(u.BucketSeconds) + " buckets"
		if u.KeyID != "" {
			title += " · key " + keyLabel(u.KeyID, keyName)
		}
		o.println(o.style(o.st.Title, title))
	}
	refused := t.RateLimitUsagePc // the share refused (429), for one key or all
	lvl := o.st.Success
	switch {
	case refused >= 5:
		lvl = o.st.Danger
	case t.RateLimited > 0:
		lvl = o.st.Warning
	}
	fs := []field{
		{label: "Window", value: u.From.UTC().Format(time.RFC3339) + " – " + u.To.UTC().Format(time.RFC3339)},
		{label: "Requests", value: fmt.Sprintf("%s (previous window %s)", common.Thousands(t.Requests), common.Thousands(p.Requests))},
		{label: "Success rate", value: successRate(t.Requests, t.SuccessRate, pct)},
		{label: "Errors", value: fmt.Sprintf("%s (%s rate limited)", common.Thousands(t.Errors), common.Thousands(t.RateLimited))},
		{label: "Latency", value: fmt.Sprintf("avg %.0f ms · p95 %.0f ms", t.AvgLatencyMS, t.P95LatencyMS)},
		{label: "Rate limit", value: fmt.Sprintf("%s refused (429) · %s of requests", common.Thousands(u.RateLimit.ExceededCount), pct(refused)), style: &lvl},
	}
	if !o.human() {
		fs = []field{
			{label: "from", value: u.From.UTC().Format(time.RFC3339)}, {label: "to", value: u.To.UTC().Format(time.RFC3339)},
			{label: "requests", value: strconv.FormatInt(t.Requests, 10)}, {label: "previous_requests", value: strconv.FormatInt(p.Requests, 10)},
			{label: "success_rate", value: successRate(t.Requests, t.SuccessRate, func(v float64) string {
				return strconv.FormatFloat(v, 'f', -1, 64)
			})},
			{label: "errors", value: strconv.FormatInt(t.Errors, 10)}, {label: "rate_limited", value: strconv.FormatInt(t.RateLimited, 10)},
			{label: "avg_latency_ms", value: strconv.FormatFloat(t.AvgLatencyMS, 'f', -1, 64)},
			{label: "p95_latency_ms", value: strconv.FormatFloat(t.P95LatencyMS, 'f', -1, 64)},
		}
		o.fields(fs)
		return
	}
	if len(u.Series) > 0 {
		vals := make([]int64, len(u.Series))
		var peak int64
		for i, b := range u.Series {
			vals[i], peak = b.Total, max(peak, b.Total)
		}
		fs = append(fs, field{label: "Volume", value: sparkline(vals, max(o.width-40, 10)) + fmt.Sprintf("  peak %s in a %s bucket", common.Thousands(peak), bucketWords(u.BucketSeconds))})
	}
	o.fields(fs)
	if len(u.Endpoints) > 0 {
		o.heading("Endpoints")
		tb := &table{cols: []column{{title: "ENDPOINT", flex: true}, {title: "REQUESTS", right: true}, {title: "SUCCESS", right: true},
			{title: "AVG", right: true, drop: 1}, {title: "ERRORS", right: true}}}
		for _, e := range u.Endpoints {
			tb.add(cellText(common.Sanitize(e.Endpoint)), cellText(common.Thousands(e.Requests)), cellStyled(pct(e.SuccessRate), rateStyle(o, e.SuccessRate)),
				cellText(fmt.Sprintf("%.0f ms", e.AvgLatencyMS)), cellText(common.Thousands(e.Errors)))
		}
		tb.print(o)
	}
	if len(u.ByKey) > 0 && u.KeyID == "" {
		o.heading("Keys")
		tb := &table{cols: []column{{title: "NAME", flex: true}, {title: "ID", drop: 1}, {title: "REQUESTS", right: true}, {title: "SUCCESS", right: true}, {title: "LAST USED"}}}
		for _, k := range u.ByKey {
			name := common.Sanitize(k.Name)
			if k.Status == models.KeyRevoked || k.Status == models.KeyExpired {
				name += " (" + k.Status + ")"
			}
			tb.add(cellText(name), cellText(common.Sanitize(k.KeyID)), cellText(common.Thousands(k.Requests)),
				cellStyled(pct(k.SuccessRate), rateStyle(o, k.SuccessRate)), cellText(common.Ago(k.LastUsed, now)))
		}
		tb.print(o)
	}
}

// successRate words a rate with format, or "-": without requests there is
// no rate (the API answers 100).
func successRate(requests int64, rate float64, format func(float64) string) string {
	if requests == 0 {
		return "-"
	}
	return format(rate)
}

func pct(v float64) string {
	if v == 100 || v == 0 {
		return strconv.FormatFloat(v, 'f', 0, 64) + "%"
	}
	return strconv.FormatFloat(v, 'f', 1, 64) + "%"
}

// rateStyle colours a success rate as the console does: green from 99%,
// yellow from 95%, red below.
func rateStyle(o *output, r float64) lipgloss.Style {
	switch {
	case r >= 99:
		return o.st.Success
	case r >= 95:
		return o.st.Warning
	}
	return o.st.Danger
}

// bucketWords is "1-minute", "15-minute", "1-hour" or "6-hour".
func bucketWords(sec int) string {
	d := time.Duration(sec) * time.Second
	switch {
	case d >= time.Hour && d%time.Hour == 0:
		return strconv.Itoa(int(d/time.Hour)) + "-hour"
	case d >= time.Minute && d%time.Minute == 0:
		return strconv.Itoa(int(d/time.Minute)) + "-minute"
	}
	return strconv.Itoa(sec) + "-second"
}

// sparkline draws vals in at most w cells, each the largest of its
// buckets so a peak never disappears.
func sparkline(vals []int64, w int) string {
	const bars = "▁▂▃▄▅▆▇█"
	n := min(len(vals), w)
	var peak int64
	for _, v := range vals {
		peak = max(peak, v)
	}
	var b strings.Builder
	for c := range n {
		lo, hi := c*len(vals)/n, (c+1)*len(vals)/n
		var m int64
		for _, v := range vals[lo:max(hi, lo+1)] {
			m = max(m, v)
		}
		i := 0
		if peak > 0 {
			i = int(m * 7 / peak)
		}
		b.WriteString(string([]rune(bars)[i]))
	}
	return b.String()
}
