package cli

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/spf13/cobra"

	"github.com/penguinmails/pmdev/client"
	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
)

func newLimitsCmd(o *apiOpts, ios *streams) *cobra.Command {
	var watch bool
	var every time.Duration
	var limit int
	cmd := &cobra.Command{
		Use:   "limits [--watch]",
		Short: "Rate limits: the plan, the busiest keys and every key's bucket",
		Long: `Show the plan's rate limit and the active keys' token buckets, busiest first
(up to --limit keys; 0 for all). A key whose bucket is spent (USED = BURST)
gets 429 until it refills.

--watch polls every --interval: on a terminal the table is redrawn in place;
otherwise one line per poll (with --json, one JSON document per line).
ctrl+c stops it (exit status 130, as for listen and logs tail).`,
		Args: noArgs,
		Example: `  pmdev limits --watch
  pmdev limits --json --jq '.keys[] | select(.used >= 0.8 * .burst) | .name'`,
		RunE: o.run(ios, func(s *session, _ []string) error {
			if every < time.Second {
				return usagef("--interval must be at least 1s")
			}
			if limit < 0 {
				return usagef("--limit must be 0 (all) or more")
			}
			if watch {
				return watchLimits(s, every, limit)
			}
			rl, err := s.cl.AllRateLimits(s.ctx, limit)
			return s.answer(rl, err, func() error {
				for _, l := range limitsView(s.out, rl, time.Now()) {
					s.out.println(l)
				}
				return nil
			})
		}),
	}
	cmd.Flags().BoolVarP(&watch, "watch", "w", false, "keep polling and redraw until ctrl+c")
	cmd.Flags().DurationVar(&every, "interval", 2*time.Second, "how often --watch polls")
	cmd.Flags().IntVarP(&limit, "limit", "L", 100, "keys to show, busiest first (0: all)")
	fixedCompletion(cmd, "interval", "1s", "2s", "5s", "10s")
	return cmd
}

// busiestFirst orders buckets as the API picks its busiest key: the largest
// share of the burst spent, then the longest until full.
func busiestFirst(keys []models.KeyRateLimit) []models.KeyRateLimit {
	out := slices.Clone(keys)
	slices.SortStableFunc(out, func(a, b models.KeyRateLimit) int {
		if c := cmp.Compare(ratio(b.RateLimitState), ratio(a.RateLimitState)); c != 0 {
			return c
		}
		return cmp.Compare(b.ResetIn, a.ResetIn)
	})
	return out
}

func ratio(st models.RateLimitState) float64 {
	if st.Burst <= 0 {
		return 0
	}
	return float64(st.Used) / float64(st.Burst)
}

// limitsView renders the answer as lines: the plan and busiest bucket as
// the Overview card shows them, then the keys table (script lines: one
// tab-separated row per key).
func limitsView(o *output, rl models.RateLimits, now time.Time) []string {
	keys := busiestFirst(rl.Keys)
	t := &table{cols: []column{{title: "ID", drop: 1}, {title: "NAME", flex: true}, {title: "USED", right: true},
		{title: "USE", right: true}, {title: "REMAINING", right: true, drop: 2}, {title: "REFILL", right: true, drop: 3},
		{title: "FULL IN", right: true}}}
	for _, k := range keys {
		r := ratio(k.RateLimitState)
		full := "full"
		if k.ResetIn > 0 {
			full = strconv.Itoa(k.ResetIn) + "s"
		}
		t.add(cellText(common.Sanitize(k.KeyID)), cellText(common.Sanitize(k.Name)),
			cellPlain(fmt.Sprintf("%d/%d", k.Used, k.Burst), strconv.Itoa(k.Used)),
			cellBoth(fmt.Sprintf("%d%%", int(r*100+0.5)), strconv.Itoa(k.Burst), o.st.Level(r)),
			cellText(strconv.Itoa(k.Remaining)), cellPlain(fmt.Sprintf("%d/min", k.Limit), strconv.Itoa(k.Limit)),
			cellPlain(full, strconv.Itoa(k.ResetIn)))
	}
	var b strings.Builder
	tw := &output{ios: &streams{out: &b, outTTY: o.ios.outTTY}, w: &b, st: o.st, width: o.width}
	if o.human() {
		g := common.GaugeOf(rl)
		plan := common.Sanitize(firstNonEmpty(rl.Plan.DisplayName, rl.Plan.Name))
		tw.println(tw.style(o.st.Title, "Rate limits") + tw.style(o.st.Muted, fmt.Sprintf(" · %s plan · %d req/min · burst %d per key", plan, rl.Plan.LimitPerMinute, rl.Plan.Burst)))
		lvl := o.st.Level(g.Ratio)
		line := "Busiest  "
		if g.Name == "" {
			line += "every bucket is full"
		} else {
			bar := common.GaugeBar(lvl, o.st.Subtle, g.Ratio, 20, false)
			line += common.Sanitize(g.Name) + "  " + bar + " " + tw.style(lvl, fmt.Sprintf("%d/%d (%d%%)", g.Used, g.Burst, int(g.Ratio*100+0.5)))
			if g.ResetIn > 0 {
				line += fmt.Sprintf(" · full in %ds", g.ResetIn)
			}
		}
		tw.println(line)
		switch {
		case g.AtLimit() && g.Name != "":
			tw.println(tw.style(o.st.Danger, "✗ At the limit — requests get 429 until the bucket refills"))
		case g.Ratio >= 0.8:
			tw.println(tw.style(o.st.Warning, "⚠ Near the limit"))
		}
		tw.println("")
		if len(keys) == 0 {
			tw.println(tw.style(o.st.Muted, "No active keys."))
		}
	}
	if len(keys) > 0 {
		t.print(tw)
	}
	if o.human() {
		tw.println(tw.style(o.st.Muted, "as of "+rl.At.Local().Format("15:04:05")))
	}
	if b.Len() == 0 {
		return nil // piped, no keys: no lines, not one empty line
	}
	return strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
}

// watchLine is one poll as a script line: time, busiest key, its bucket,
// and how many keys are at 80% or more.
func watchLine(rl models.RateLimits) string {
	g := common.GaugeOf(rl)
	hot := 0
	for _, k := range rl.Keys {
		if ratio(k.RateLimitState) >= 0.8 {
			hot++
		}
	}
	return strings.Join([]string{rl.At.UTC().Format(time.RFC3339), common.Sanitize(rl.BusiestKeyID), common.Sanitize(g.Name),
		strconv.Itoa(g.Used), strconv.Itoa(g.Burst), strconv.Itoa(g.ResetIn), strconv.Itoa(len(rl.Keys)), strconv.Itoa(hot)}, "\t")
}

// watchLimits polls until ctrl+c. On a terminal each frame replaces the
// last (cursor up, clear below), so scrollback keeps what was there before.
func watchLimits(s *session, every time.Duration, limit int) error {
	o := s.out
	drawn := 0
	tty := o.ios.outTTY && !o.json
	if tty {
		fmt.Fprint(o.ios.out, "\x1b[?25l") // hide the cursor while redrawing
		defer fmt.Fprint(o.ios.out, "\x1b[?25h")
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	var last *models.RateLimits
	var lastErr string
	for {
		rl, err := s.cl.AllRateLimits(s.ctx, limit)
		switch {
		case s.ctx.Err() != nil:
			return errInterrupted
		case err == nil:
			last, lastErr = &rl, ""
		case client.StatusOf(err) == 401 || client.StatusOf(err) == 403 || client.StatusOf(err) == 404:
			return err
		default:
			msg, _ := apiErrorText(mustClientError(err))
			lastErr = msg
			if !tty {
				fmt.Fprintln(o.ios.err, "pmdev:", msg)
			}
		}
		switch {
		case o.json && err == nil:
			if err := o.writeJSON(rl); err != nil {
				return err
			}
		case tty && last != nil:
			lines := watchFrame(o, *last, lastErr)
			if drawn > 0 {
				fmt.Fprintf(o.ios.out, "\x1b[%dA", drawn)
			}
			fmt.Fprint(o.ios.out, "\r\x1b[J")
			for _, l := range lines {
				o.println(l)
			}
			drawn = len(lines)
		case !tty && err == nil:
			o.println(watchLine(rl))
		}
		select {
		case <-s.ctx.Done():
			return errInterrupted
		case <-tick.C:
		}
	}
}

// watchFrame is one screen of --watch, fitted to the terminal as it is now
// (lines that wrapped or scrolled away would break the redraw).
func watchFrame(o *output, rl models.RateLimits, errText string) []string {
	if w, _ := o.ios.termSize(); w > 0 {
		o.width = w
	}
	lines := limitsView(o, rl, time.Now())
	if errText != "" {
		lines = append(lines, o.style(o.st.Danger, errText+" · retrying"))
	}
	if _, h := o.ios.termSize(); h > 2 && len(lines) > h-1 {
		more := len(lines) - (h - 2)
		lines = append(lines[:h-2], o.style(o.st.Muted, fmt.Sprintf("… %d more lines (make the terminal taller)", more)))
	}
	for i, l := range lines {
		lines[i] = ansi.Truncate(l, o.width, "…")
	}
	return lines
}

// mustClientError wraps a non-client error so apiErrorText can word it.
func mustClientError(err error) *client.Error {
	if e, ok := client.AsError(err); ok {
		return e
	}
	return &client.Error{Kind: client.KindDecode, Message: err.Error()}
}
