package cli

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
	"github.com/penguinmails/pmdev/tui/keys/perms"
)

// newKeysCmd is `pmdev keys`: the Keys tab from the shell.
func newKeysCmd(o *apiOpts, ios *streams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "keys",
		Short: "List, create, rotate and revoke API keys",
		Long: `List, create, rotate and revoke API keys.

A key is named by its id or its name; a name means the current key of that
name (not one rotated away, revoked or expired).`,
	}
	groupCommand(cmd)
	cmd.AddCommand(keysListCmd(o, ios), keysGetCmd(o, ios), keysCreateCmd(o, ios), keysUpdateCmd(o, ios),
		keysRotateCmd(o, ios), keysRevokeCmd(o, ios), keysUsageCmd(o, ios))
	return cmd
}

// groupCommand makes cmd print its help when run alone (as gh does) and
// refuse an unknown subcommand as a usage error.
func groupCommand(cmd *cobra.Command) {
	cmd.Args = cobra.ArbitraryArgs
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if len(args) == 0 {
			return cmd.Help()
		}
		return usagef("%s: unknown subcommand %q (see %s --help)", cmd.CommandPath(), args[0], cmd.CommandPath())
	}
}

// oneArg wants exactly one positional argument named what.
func oneArg(what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		switch {
		case len(args) == 0:
			return usagef("%s: missing %s (see %s --help)", cmd.CommandPath(), what, cmd.CommandPath())
		case len(args) > 1:
			return usagef("%s: one %s only, got %d (quote names with spaces)", cmd.CommandPath(), what, len(args))
		}
		return nil
	}
}

type keysListFlags struct {
	status, env, search, sort string
	limit                     int
	attention                 bool
}

func keysListCmd(o *apiOpts, ios *streams) *cobra.Command {
	f := &keysListFlags{}
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List API keys",
		Args:    noArgs,
		Example: `  pmdev keys list --status active --env live
  pmdev keys list --json --jq '.[] | select(.last_used == null) | .key_id'`,
		RunE: o.run(ios, func(s *session, _ []string) error { return keysList(s, f) }),
	}
	fs := cmd.Flags()
	fs.StringVar(&f.status, "status", "", "only keys with this status: active, expired or revoked")
	fs.StringVar(&f.env, "env", "", "only keys of this environment: live or test")
	fs.StringVarP(&f.search, "search", "q", "", "only keys matching every word (name, id, masked key, environment, permission, status)")
	fs.StringVar(&f.sort, "sort", "created", "order: created (newest first), last_used, name, requests or attention")
	fs.BoolVar(&f.attention, "attention", false, "only keys that need attention (a high or medium recommendation)")
	fs.IntVarP(&f.limit, "limit", "L", 100, "list at most this many keys (0: all)")
	fixedCompletion(cmd, "status", models.KeyActive, models.KeyExpired, models.KeyRevoked)
	fixedCompletion(cmd, "env", models.EnvLive, models.EnvTest)
	fixedCompletion(cmd, "sort", "created", "last_used", "name", "requests", "attention")
	return cmd
}

func fixedCompletion(cmd *cobra.Command, flag string, vals ...string) {
	_ = cmd.RegisterFlagCompletionFunc(flag, cobra.FixedCompletions(vals, cobra.ShellCompDirectiveNoFileComp))
}

func keysList(s *session, f *keysListFlags) error {
	switch f.status {
	case "", "all", models.KeyActive, models.KeyExpired, models.KeyRevoked:
	default:
		return usagef("--status %q: want active, expired or revoked", f.status)
	}
	if f.env != "" {
		if _, fe := models.CheckEnvironment(f.env); fe != nil {
			return usagef("--env %q: want live or test", f.env)
		}
	}
	switch f.sort {
	case "created", "last_used", "name", "requests", "attention":
	default:
		return usagef("--sort %q: want created, last_used, name, requests or attention", f.sort)
	}
	if f.limit < 0 {
		return usagef("--limit must be 0 (all) or more")
	}
	p := models.KeyListParams{Q: f.search, Status: f.status, Sort: f.sort, Attention: f.attention}
	limit := f.limit
	if f.env != "" {
		limit = 0 // the environment is filtered here, after the pages
	}
	keys, more, err := s.cl.ListAllKeys(s.ctx, p, limit)
	if err != nil {
		return err
	}
	if f.env != "" {
		kept := keys[:0]
		for _, k := range keys {
			if k.Environment == f.env {
				kept = append(kept, k)
			}
		}
		keys = kept
		if f.limit > 0 && len(keys) > f.limit {
			keys, more = keys[:f.limit], true
		}
	}
	if keys == nil {
		keys = []models.APIKey{}
	}
	return s.out.emit(keys, func() error {
		if len(keys) == 0 && s.out.human() {
			s.ios.hint("No API keys match. Create one with: pmdev keys create --name NAME --preset email-sending")
			return nil
		}
		keyTable(s.out, keys, time.Now()).print(s.out)
		if more {
			s.ios.hint(fmt.Sprintf("Showing the first %d keys; --limit 0 lists them all.", len(keys)))
		}
		return nil
	})
}

// keyTable has the console's key list columns (plus the id, which commands
// take), dropping limit, environment, permissions and requests in that
// order when the terminal is narrow, as the Keys tab does.
func keyTable(o *output, keys []models.APIKey, now time.Time) *table {
	t := &table{cols: []column{
		{title: "ID"}, {title: "NAME", flex: true, min: 14}, {title: "KEY"}, {title: "ENV", drop: 2},
		{title: "PERMISSIONS", flex: true, min: 16, drop: 3}, {title: "LIMIT", right: true, drop: 1},
		{title: "STATUS"}, {title: "LAST USED"}, {title: "REQUESTS", right: true, drop: 4},
	}}
	for i := range keys {
		k := &keys[i]
		limit := "—"
		if k.RateLimit > 0 {
			limit = strconv.Itoa(k.RateLimit) + "/m"
		}
		status, kind := common.KeyStatusText(k, now)
		used := ""
		if k.LastUsed != nil {
			used = k.LastUsed.UTC().Format(time.RFC3339)
		}
		t.add(cellText(common.Sanitize(k.KeyID)), cellText(common.Sanitize(k.Name)), cellText(common.Sanitize(k.MaskedKey)),
			cellText(common.Sanitize(k.Environment)),
			cellPlain(common.Sanitize(perms.Badges(k.Permissions)), common.Sanitize(strings.Join(perms.Order(k.Permissions), ","))),
			cellPlain(limit, strconv.Itoa(k.RateLimit)),
			cellBoth(status, common.EffectiveKeyStatus(k, now), o.st.Status(kind)),
			cellPlain(common.Ago(k.LastUsed, now), used),
			cellPlain(common.Thousands(k.RequestCount), strconv.FormatInt(k.RequestCount, 10)))
	}
	return t
}

func keysGetCmd(o *apiOpts, ios *streams) *cobra.Command {
	return &cobra.Command{
		Use:     "get ID|NAME",
		Aliases: []string{"view"},
		Short:   "Show one API key with its 30-day usage",
		Long: `Show one API key with its 30-day usage. Piped, the key's fields only, one
"name:<TAB>value" line each; --json has the usage too (the contract's
APIKeyDetails).`,
		Args:              oneArg("key id or name"),
		ValidArgsFunction: completeKeys(o, ios),
		RunE: o.run(ios, func(s *session, args []string) error {
			id, _, err := resolveKeyID(s.ctx, s.cl, args[0])
			if err != nil {
				return err
			}
			d, err := s.cl.GetKey(s.ctx, id)
			return s.answer(d, err, func() error { keyDetails(s.out, d, time.Now()); return nil })
		}),
	}
}

// keyDetails prints a key as the console's details view does.
func keyDetails(o *output, d models.APIKeyDetails, now time.Time) {
	k := &d.APIKey
	status, kind := common.KeyStatusText(k, now)
	st := o.st.Status(kind)
	when := func(t *time.Time) string {
		if t == nil {
			return "never"
		}
		if !o.ios.outTTY {
			return t.UTC().Format(time.RFC3339)
		}
		return t.Local().Format("Jan 2, 2006 15:04")
	}
	ips := "any address"
	if len(k.AllowedIPs) > 0 {
		ips = common.Sanitize(strings.Join(k.AllowedIPs, ", "))
	}
	limit := "plan default"
	if k.RateLimit > 0 {
		limit = strconv.Itoa(k.RateLimit) + " requests/min"
	}
	used := common.Ago(k.LastUsed, now)
	if k.LastUsedIP != "" {
		used += " from " + common.Sanitize(k.LastUsedIP)
	}
	fs := []field{
		{label: "Name", value: common.Sanitize(k.Name)},
		{label: "ID", value: common.Sanitize(k.KeyID)},
		{label: "Key", value: common.Sanitize(k.MaskedKey)},
		{label: "Environment", value: common.Sanitize(k.Environment)},
		{label: "Status", value: status, style: &st},
		{label: "Permissions", value: common.Sanitize(strings.Join(perms.Order(k.Permissions), ", "))},
		{label: "Rate limit", value: limit},
		{label: "Expires", value: when(k.ExpiresAt)},
		{label: "Allowed IPs", value: ips},
		{label: "Created", value: when(&k.CreatedAt) + " by " + common.Sanitize(k.CreatedBy)},
		{label: "Last used", value: used},
		{label: "Requests", value: fmt.Sprintf("%s (%s errors)", common.Thousands(k.RequestCount), common.Thousands(k.ErrorCount))},
	}
	if k.Description != "" {
		fs = append(fs[:2], append([]field{{label: "Description", value: common.Sanitize(k.Description)}}, fs[2:]...)...)
	}
	if k.ReplacedBy != "" {
		fs = append(fs, field{label: "Replaced by", value: common.Sanitize(k.ReplacedBy)})
	}
	if k.RevokedAt != nil {
		fs = append(fs, field{label: "Revoked", value: when(k.RevokedAt)})
	}
	o.fields(fs)
	if !o.human() {
		return
	}
	var reqs, errs int64
	for _, u := range d.UsageByDay {
		reqs += u.Requests
		errs += u.Errors
	}
	if len(k.Recommendations) > 0 {
		o.heading("Recommendations")
		for _, r := range k.Recommendations {
			rs := o.st.Muted
			switch r.Severity {
			case models.SeverityHigh:
				rs = o.st.Danger
			case models.SeverityMedium:
				rs = o.st.Warning
			}
			o.println(o.style(rs, fmt.Sprintf("%-6s", r.Severity)) + " " + common.Sanitize(r.Message) + o.style(o.st.Muted, " ("+r.Action+")"))
		}
	}
	if r := d.Rotation; r != nil {
		o.heading("Rotation (grace period running)")
		o.fields([]field{
			{label: "Old key", value: common.Sanitize(r.OldKeyID) + ", works until " + when(&r.OldKeyExpiresAt)},
			{label: "New key", value: common.Sanitize(r.NewKeyID)},
			{label: "Since rotation", value: fmt.Sprintf("old %s · new %s requests", common.Thousands(r.OldRequestsSinceRotation), common.Thousands(r.NewRequestsSinceRotation))},
			{label: "Old key, last hour", value: common.Thousands(r.OldRequestsLastHour) + " requests, last used " + common.Ago(r.OldLastUsedAt, now)},
			{label: "Safe to end grace", value: map[bool]string{true: "yes: quiet for an hour", false: "no"}[r.SafeToEndGrace]},
		})
	}
	o.heading("Last 30 days")
	o.println(fmt.Sprintf("%s requests, %s errors", common.Thousands(reqs), common.Thousands(errs)))
	if len(d.TopEndpoints) > 0 {
		o.heading("Top endpoints")
		t := &table{cols: []column{{title: "ENDPOINT", flex: true}, {title: "REQUESTS", right: true}, {title: "AVG", right: true}}}
		for _, e := range d.TopEndpoints {
			t.add(cellText(common.Sanitize(e.Endpoint)), cellText(common.Thousands(e.Count)), cellText(fmt.Sprintf("%.0f ms", e.AvgResponseTimeMS)))
		}
		t.print(o)
	}
}
