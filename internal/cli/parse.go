package cli

import (
	"bufio"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/penguinmails/pmdev/models"
)

// parseSpan reads a span such as 90m, 24h, 7d or 2w (Go durations plus days
// and weeks).
func parseSpan(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	for suffix, unit := range map[string]time.Duration{"d": 24 * time.Hour, "w": 7 * 24 * time.Hour} {
		if n, ok := strings.CutSuffix(s, suffix); ok {
			v, err := strconv.ParseFloat(n, 64)
			if err != nil || v < 0 {
				return 0, fmt.Errorf("%q is not a span like 30d", s)
			}
			return time.Duration(v * float64(unit)), nil
		}
	}
	if s == "0" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%q is not a span like 90m, 24h or 7d", s)
	}
	return d, nil
}

// parseExpiry reads --expires: a span from now (30d), a date (the key works
// through that whole local day, as in the console's wizard) or an RFC 3339
// time. never is nil with clear set.
func parseExpiry(s string, now time.Time) (t *time.Time, clear bool, err error) {
	s = strings.TrimSpace(s)
	if s == "never" {
		return nil, true, nil
	}
	var at time.Time
	if d, err := time.ParseInLocation("2006-01-02", s, time.Local); err == nil {
		at = d.AddDate(0, 0, 1).Add(-time.Second)
	} else if ts, err := time.Parse(time.RFC3339, s); err == nil {
		at = ts
	} else if span, err := parseSpan(s); err == nil {
		at = now.Add(span)
	} else {
		return nil, false, usagef("--expires %q: want a span (30d), a date (2026-06-30), an RFC 3339 time or never", s)
	}
	if fe := models.CheckExpiry(at, now); fe != nil {
		return nil, false, usagef("--expires %q: %s", s, fe.Message)
	}
	at = at.UTC().Truncate(time.Second)
	return &at, false, nil
}

// parseGrace reads --grace as whole hours within the server's bounds.
func parseGrace(s string) (int, error) {
	d, err := parseSpan(s)
	if err != nil {
		return 0, usagef("--grace: %v", err)
	}
	if d%time.Hour != 0 {
		return 0, usagef("--grace %s: whole hours only (e.g. 24h, 2d, 0)", s)
	}
	h := int(d / time.Hour)
	if fe := models.CheckGraceHours(h); fe != nil {
		return 0, usagef("--grace %s: %s", s, fe.Message)
	}
	return h, nil
}

// usageRange reads --range/--from/--to into the analytics query.
func usageRange(rng, from, to string, now time.Time) (models.UsageParams, error) {
	p := models.UsageParams{Range: rng}
	if from == "" && to == "" {
		switch rng {
		case models.Range1h, models.Range24h, models.Range7d, models.Range30d:
			return p, nil
		}
		return p, usagef("--range %q: want 1h, 24h, 7d or 30d (or --from and --to)", rng)
	}
	if from == "" {
		return p, usagef("--to needs --from")
	}
	p.Range = models.RangeCustom
	var err error
	if p.From, err = parseWhen(from, now); err != nil {
		return p, usagef("--from: %v", err)
	}
	if to != "" {
		if p.To, err = parseWhen(to, now); err != nil {
			return p, usagef("--to: %v", err)
		}
		if !p.To.After(p.From) {
			return p, usagef("--to must be after --from")
		}
	}
	return p, nil
}

// parseWhen reads a point in time: RFC 3339, a date (its local midnight) or
// a span ago (3d means three days ago).
func parseWhen(s string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation("2006-01-02", s, time.Local); err == nil {
		return t, nil
	}
	if d, err := parseSpan(s); err == nil {
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("%q: want an RFC 3339 time, a date (2025-11-20) or a span ago (3d)", s)
}

// splitList reads a comma-separated flag value, dropping blanks.
func splitList(vals []string) []string {
	var out []string
	for _, v := range vals {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// destructive gives cmd its --yes flag and refuses, before any request,
// to run without it where nobody can be asked.
func destructive(cmd *cobra.Command, ios *streams, yes *bool) {
	cmd.Flags().BoolVarP(yes, "yes", "y", false, "do not ask for confirmation")
	cmd.PreRunE = func(cmd *cobra.Command, _ []string) error {
		if !*yes && !ios.interactive() {
			return usagef("%s: --yes required when not running interactively", strings.TrimPrefix(cmd.CommandPath(), "pmdev "))
		}
		return nil
	}
}

// confirm asks a yes/no question on a terminal; elsewhere --yes is required.
func confirm(s *session, yes bool, cmd, question string) error {
	if yes {
		return nil
	}
	if !s.ios.interactive() {
		return usagef("%s: --yes required when not running interactively", cmd)
	}
	fmt.Fprintf(s.ios.err, "? %s [y/N] ", question)
	answer := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(s.ios.in).ReadString('\n')
		answer <- strings.ToLower(strings.TrimSpace(line))
	}()
	select {
	case a := <-answer:
		if a == "y" || a == "yes" {
			return nil
		}
	case <-s.ctx.Done():
		fmt.Fprintln(s.ios.err)
		return errInterrupted
	}
	return &codedError{msg: cmd + ": not confirmed; nothing changed", code: 1}
}
